import { useState } from 'preact/hooks';
import type { AdminAction, AdminComment } from '../../adapters/admin-client';
import { Avatar } from '../avatar';
import { MarkdownView } from '../markdown-view';

interface CommentRowProps {
  comment: AdminComment;
  selected: boolean;
  onSelect(selected: boolean): void;
  onAct(action: AdminAction): void;
  onEdit(body: string): Promise<boolean>;
  onReply(body: string): Promise<boolean>;
}

const actionLabels: Record<AdminAction, string> = { approve: 'Approve', spam: 'Spam', delete: 'Delete' };

/** One comment in the queue: who, where, what, and everything the owner can do to it. */
export function CommentRow({ comment, selected, onSelect, onAct, onEdit, onReply }: CommentRowProps) {
  const [mode, setMode] = useState<'view' | 'edit' | 'reply'>('view');
  const [draft, setDraft] = useState('');
  const { author } = comment;
  const who = author.name || 'deleted comment';
  const open = (next: 'edit' | 'reply') => {
    setDraft(next === 'edit' ? comment.body : '');
    setMode(next);
  };
  const save = async (event: Event) => {
    event.preventDefault();
    if (await (mode === 'edit' ? onEdit : onReply)(draft)) setMode('view');
  };
  const actions = (['approve', 'spam', 'delete'] as const).filter(
    (action) => !(action === 'approve' && comment.status === 'approved') && !(action === 'spam' && comment.status === 'spam'),
  );
  return (
    <li class="comment admin-row">
      <article class="comment-body" aria-label={`Comment by ${who}`}>
        <header class="comment-meta">
          <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.currentTarget.checked)} aria-label={`Select the comment by ${who}`} />
          <Avatar seed={author.email || author.name} />
          <span class="author">
            <b class="author-name">{who}</b>
            {comment.isOwner && <span class="owner">Owner</span>} {author.email && <span class="says">{author.email}</span>}
          </span>
          <span class="says">
            {comment.status} · {comment.threadTitle ?? comment.threadId} · <time dateTime={comment.createdAt}>{new Date(comment.createdAt).toLocaleString()}</time>
          </span>
        </header>
        {mode === 'view' ? (
          <div class="comment-content">
            <MarkdownView source={comment.body} />
          </div>
        ) : (
          <form class="comment-form" onSubmit={save}>
            <label for={`${mode}-${comment.id}`}>{mode === 'edit' ? `Edit the comment by ${who}` : `Reply to ${who} as the owner`}</label>
            <textarea id={`${mode}-${comment.id}`} rows={4} required value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
            <button type="submit" class="submit">
              {mode === 'edit' ? 'Save' : 'Post reply'}
            </button>{' '}
            <button type="button" class="reply" onClick={() => setMode('view')}>
              Cancel
            </button>
          </form>
        )}
        {mode === 'view' && (
          <p class="row-actions">
            {actions.map((action) => (
              <button key={action} type="button" class="reply" aria-label={`${actionLabels[action]} the comment by ${who}`} onClick={() => onAct(action)}>
                {actionLabels[action]}
              </button>
            ))}
            {comment.status !== 'deleted' && (
              <>
                <button type="button" class="reply" aria-label={`Edit the comment by ${who}`} onClick={() => open('edit')}>
                  Edit
                </button>
                <button type="button" class="reply" aria-label={`Reply to ${who}`} onClick={() => open('reply')}>
                  Reply
                </button>
              </>
            )}
          </p>
        )}
      </article>
    </li>
  );
}
