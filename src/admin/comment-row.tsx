import { Fragment, h } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { AdminAction, AdminComment } from './client';
import type { Translator } from '../core/i18n';
import { CommentEditor } from '../widget/comment-editor';
import { CommentHeader } from '../widget/comment-header';
import { focusAfterRender } from '../widget/focus-after-render';
import { MarkdownView } from '../widget/markdown-view';

interface CommentRowProps {
  comment: AdminComment;
  translator: Translator;
  selected: boolean;
  onSelect(selected: boolean): void;
  onAct(action: AdminAction): void;
  /** Saves an edit; rejects with a ColloquyError, whose message the editor shows. */
  onEdit(body: string): Promise<void>;
  /** Posts a reply as the owner; rejects as `onEdit` does. */
  onReply(body: string): Promise<void>;
}

type Mode = 'view' | 'edit' | 'reply';

/**
 * One comment in the queue: the widget's own header, text and editor, so the owner sees it as readers
 * do (owner badge included); then, the dashboard's own, a selection box, its status, email and thread,
 * and everything the owner can do to it.
 */
export function CommentRow({ comment, translator, selected, onSelect, onAct, onEdit, onReply }: CommentRowProps) {
  const { t } = translator;
  const [mode, setMode] = useState<Mode>('view');
  const editButton = useRef<HTMLButtonElement>(null);
  const replyButton = useRef<HTMLButtonElement>(null);
  // Closing an editor gives focus back to the button that opened it, for keyboard users.
  const close = () => {
    setMode('view');
    focusAfterRender(() => (mode === 'edit' ? editButton : replyButton).current);
  };
  const { author } = comment;
  const who = author.name || 'deleted comment';
  // The header takes a comment as readers get it: the same name, link and identicon.
  const shown = {
    createdAt: comment.createdAt,
    author: { name: who, url: author.url ?? undefined, avatarSeed: author.avatarSeed, isOwner: comment.isOwner, verifiedBy: author.verifiedBy },
  };
  const labels: Record<AdminAction, string> = { approve: 'Approve', spam: 'Spam', delete: t('delete') };
  const actions = (['approve', 'spam', 'delete'] as const).filter(
    (action) => !(action === 'approve' && comment.status === 'approved') && !(action === 'spam' && comment.status === 'spam'),
  );
  return (
    <li class="comment admin-row">
      <input
        type="checkbox"
        class="select"
        checked={selected}
        onChange={(e) => onSelect(e.currentTarget.checked)}
        aria-label={`Select the comment by ${who}`}
      />
      <article class="comment-body" aria-label={`Comment by ${who}`}>
        <CommentHeader comment={shown} translator={translator} />
        <p class="notes">{[comment.status, author.email, comment.threadTitle ?? comment.threadId].filter(Boolean).join(' · ')}</p>
        {mode === 'edit' ? (
          <CommentEditor
            id={`edit-${comment.id}`}
            label={`Edit the comment by ${who}`}
            body={comment.body}
            translator={translator}
            onSave={onEdit}
            onClose={close}
          />
        ) : (
          <div class="comment-content">
            <MarkdownView source={comment.body} />
          </div>
        )}
        {mode === 'reply' && (
          <CommentEditor
            id={`reply-${comment.id}`}
            label={`Reply to ${who} as the owner`}
            submit="Post reply"
            body=""
            translator={translator}
            onSave={onReply}
            onClose={close}
          />
        )}
        {mode === 'view' && (
          <p class="row-actions">
            {actions.map((action) => (
              <button key={action} type="button" class="reply" aria-label={`${labels[action]} the comment by ${who}`} onClick={() => onAct(action)}>
                {labels[action]}
              </button>
            ))}
            {comment.status !== 'deleted' && (
              <>
                <button type="button" class="reply" ref={editButton} aria-label={`Edit the comment by ${who}`} onClick={() => setMode('edit')}>
                  {t('edit')}
                </button>
                <button type="button" class="reply" ref={replyButton} aria-label={t('replyTo', { name: who })} onClick={() => setMode('reply')}>
                  {t('reply')}
                </button>
              </>
            )}
          </p>
        )}
      </article>
    </li>
  );
}
