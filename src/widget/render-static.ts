import { render, type ComponentChild } from 'preact';

/**
 * Renders `content` into `parent` and keeps only the DOM: the virtual DOM made for it goes with the
 * detached element it was rendered into. For what a long thread shows a thousand times and does not
 * change in place (a comment's header, text and buttons), where Preact would otherwise keep an object
 * per element, more memory than the comment itself. Event handlers still work: Preact keeps them
 * on the elements. To change the content, render it again.
 */
export function renderStatic(content: ComponentChild, parent: Element) {
  const box = document.createElement('div');
  render(content, box);
  parent.replaceChildren(...box.childNodes);
}
