import { useMemo } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { parseMarkdown, type MarkdownNode } from '../core/markdown';

const tags = { paragraph: 'p', emphasis: 'em', strong: 'strong', blockquote: 'blockquote', 'list-item': 'li' } as const;

// Elements only, never an HTML string: text in a comment can never become markup.
function render(node: MarkdownNode): ComponentChildren {
  if (typeof node == 'string') return node;
  switch (node.type) {
    case 'break':
      return <br />;
    case 'code':
      return <code>{node.value}</code>;
    case 'code-block':
      return (
        <pre>
          <code>{node.value}</code>
        </pre>
      );
    case 'link':
      // Same tab on purpose: less surprising than a new one. `href` already passed `safeUrl`.
      return (
        <a href={node.href} rel="nofollow ugc noopener">
          {node.children.map(render)}
        </a>
      );
    case 'list':
      return node.ordered ? <ol start={node.start}>{node.children.map(render)}</ol> : <ul>{node.children.map(render)}</ul>;
    default: {
      const Tag = tags[node.type];
      return <Tag>{node.children.map(render)}</Tag>;
    }
  }
}

/** A comment body: markdown source rendered as Preact elements. */
export function MarkdownView({ source }: { source: string }) {
  const nodes = useMemo(() => parseMarkdown(source), [source]);
  return <>{nodes.map(render)}</>;
}
