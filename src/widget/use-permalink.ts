import type { RefObject } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

const prefix = '#comment-';

/** A comment's `<article>` in the section, by comment id (escaped: an id may hold any character). */
export const findComment = (root: HTMLElement | null, id: string) => root?.querySelector<HTMLElement>(`[id="comment-${CSS.escape(id)}"]`);

/**
 * Makes `#comment-<id>` links work although the comments live in a shadow root, which the
 * browser's own fragment navigation cannot see: scrolls to the comment, highlights and focuses it.
 */
export function usePermalink(root: RefObject<HTMLElement | null>, ready: boolean): [string | null, (id: string) => void] {
  const [highlightedId, setHighlightedId] = useState<string | null>(null);

  const focusComment = useCallback(
    (id: string) => {
      setHighlightedId(id);
      // After the render that put the comment in the DOM.
      requestAnimationFrame(() => {
        const target = findComment(root.current, id);
        target?.scrollIntoView?.({ block: 'center' });
        target?.focus({ preventScroll: true });
      });
    },
    [root],
  );

  useEffect(() => {
    if (!ready) return;
    const follow = () => {
      try {
        if (location.hash.startsWith(prefix)) focusComment(decodeURIComponent(location.hash.slice(prefix.length)));
      } catch {
        // A malformed escape (`#comment-%`) names no comment.
      }
    };
    follow();
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, [ready, focusComment]);

  return [highlightedId, focusComment];
}
