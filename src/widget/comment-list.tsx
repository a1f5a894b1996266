import { h } from 'preact';
import type { ThreadNode } from '../core/thread';
import { CommentItem, type CommentItemProps } from './comment-item';

/**
 * The nested list of comments; nesting is `<ol class="children">`, as in WordPress themes. Called as
 * a function by the section and by each item with replies: an item renders again whenever its
 * replies change, so a component of its own would only cost memory.
 */
export const CommentList = ({ nodes, view, form }: Omit<CommentItemProps, 'node'> & { nodes: ThreadNode[] }) => (
  <ol class={nodes[0]?.depth === 1 ? 'comment-list' : 'children'}>
    {nodes.map((node) => (
      <CommentItem key={node.comment.id} node={node} view={view} form={view.affected.has(node.comment.id) ? form : undefined} />
    ))}
  </ol>
);
