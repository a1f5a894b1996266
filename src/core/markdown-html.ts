/**
 * Comment markdown as an HTML string, for places that cannot take elements: feeds and mail bodies.
 * The widget never uses this (it renders the tree as elements). Every text and attribute value is
 * escaped here, and every tag comes from the tree's fixed set, so a comment cannot add markup;
 * link targets pass `safeUrl` again, so a tree built elsewhere cannot smuggle in a `javascript:` URL.
 */
import { markdownTags as tags, parseMarkdown, type MarkdownNode } from './markdown';
import { safeUrl } from './url';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values alike. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => entities[c]!);

function render(node: MarkdownNode): string {
  if (typeof node === 'string') return escapeHtml(node);
  switch (node.type) {
    case 'break':
      return '<br>';
    case 'code':
      return `<code>${escapeHtml(node.value)}</code>`;
    case 'code-block':
      return `<pre><code>${escapeHtml(node.value)}</code></pre>`;
    case 'link': {
      const href = safeUrl(node.href);
      const text = node.children.map(render).join('');
      return href ? `<a href="${escapeHtml(href)}" rel="nofollow ugc noopener">${text}</a>` : text;
    }
    case 'list': {
      const tag = node.ordered ? 'ol' : 'ul';
      const start = node.start === undefined ? '' : ` start="${Math.trunc(node.start)}"`;
      return `<${tag}${start}>${node.children.map(render).join('')}</${tag}>`;
    }
    default: {
      const tag = tags[node.type];
      return `<${tag}>${node.children.map(render).join('')}</${tag}>`;
    }
  }
}

/** A comment body (markdown source) as safe HTML: the same tree, and so the same rules, as the widget. */
export function markdownToHtml(source: string): string {
  return parseMarkdown(source).map(render).join('');
}
