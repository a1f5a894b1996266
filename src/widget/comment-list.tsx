import { h, type ComponentChildren } from 'preact';
import type { Translator } from '../core/i18n';
import type { ThreadNode } from '../core/thread';
import { CommentItem, type CommentActions } from './comment-item';

interface CommentListProps {
  nodes: ThreadNode[];
  translator: Translator;
  highlightedId: string | null;
  replyingTo: string | null;
  actions: CommentActions;
  /** The form, rendered under the comment being replied to. */
  form: ComponentChildren;
}

/** The nested list of comments; nesting is `<ol class="children">`, as in WordPress themes. */
export function CommentList({ nodes, ...props }: CommentListProps) {
  return (
    <ol class={nodes[0]?.depth === 1 ? 'comment-list' : 'children'}>
      {nodes.map(({ comment, children }) => (
        <CommentItem key={comment.id} comment={comment} translator={props.translator} highlighted={props.highlightedId === comment.id} actions={props.actions}>
          {props.replyingTo === comment.id && props.form}
          {children.length > 0 && <CommentList nodes={children} {...props} />}
        </CommentItem>
      ))}
    </ol>
  );
}
