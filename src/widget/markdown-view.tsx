import { Fragment, h, type ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { markdownTags as tags, parseMarkdown, type MarkdownNode } from '../core/markdown';

// Elements only, never an HTML string: text in a comment can never become markup.
function render(node: MarkdownNode): ComponentChildren {
  if (typeof node === 'string') return node;
  const Tag = node.type === 'list' ? (node.ordered ? 'ol' : 'ul') : tags[node.type];
  const children = 'value' in node ? node.value : 'children' in node && node.children.map(render);
  // Only links have an `href` (already passed `safeUrl`) and only ordered lists a `start`; an
  // undefined prop sets no attribute. Links open in the same tab on purpose: less surprising.
  const { href, start } = node as { href?: string; start?: number };
  return (
    <Tag href={href} rel={href && 'nofollow ugc noopener'} start={start}>
      {Tag === 'pre' ? <code>{children}</code> : children}
    </Tag>
  );
}

/** A comment body: markdown source rendered as Preact elements. */
export function MarkdownView({ source }: { source: string }) {
  const nodes = useMemo(() => parseMarkdown(source), [source]);
  return <>{nodes.map(render)}</>;
}
