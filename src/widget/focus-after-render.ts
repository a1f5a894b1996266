/**
 * Moves the focus once the render now due has run. For a control that a keyboard or screen-reader
 * user was on and that this render takes away (an editor's Save and Cancel, a Delete button): the
 * browser would drop the focus to the top of the page, so `target` names where it goes instead,
 * looked up after the render (a button rendered again, say, or a fallback when it is gone). Preact
 * renders in a microtask, so by the next frame that render is done.
 */
export const focusAfterRender = (target: () => HTMLElement | null | undefined) => requestAnimationFrame(() => target()?.focus());
