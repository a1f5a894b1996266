import { Fragment, h } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { AdminAction, AdminComment } from './client';
import type { Translator } from '../core/i18n';
import { CommentEditor } from '../widget/comment-editor';
import { CommentHeader } from '../widget/comment-header';
import { focusAfterRender } from '../widget/focus-after-render';
import { MarkdownView } from '../widget/markdown-view';
import { ThreadEditor } from './thread-editor';

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
  /** Corrects the comment's thread: its title and page address; rejects with the server's AdminError. */
  onThread(changes: { title: string; url: string }): Promise<void>;
}

type Mode = 'view' | 'edit' | 'reply' | 'thread';

/** For a held comment on a thread without a title or address: what approving it would name the thread. */
function pageNote({ status, threadTitle, threadUrl, pageTitle, pageUrl }: AdminComment) {
  const title = !threadTitle && pageTitle ? pageTitle : '';
  const url = !threadUrl && pageUrl ? pageUrl : '';
  if (status === 'approved' || !(title || url)) return null;
  // The page's title and address are the commenter's text: isolated like the rest.
  return (
    <p class="notes">
      Approving names the thread after its page:
      {title && (
        <>
          {' '}
          <bdi>“{title}”</bdi>
        </>
      )}
      {url && (
        <>
          {' '}
          <bdi>{url}</bdi>
        </>
      )}
    </p>
  );
}

/**
 * One comment in the queue: the widget's own header, text and editor, so the owner sees it as readers
 * do (owner badge included); then, the dashboard's own, a selection box, its status, email and thread,
 * and everything the owner can do to it and to its thread.
 */
export function CommentRow({ comment, translator, selected, onSelect, onAct, onEdit, onReply, onThread }: CommentRowProps) {
  const { t } = translator;
  const [mode, setMode] = useState<Mode>('view');
  const buttons = { edit: useRef<HTMLButtonElement>(null), reply: useRef<HTMLButtonElement>(null), thread: useRef<HTMLButtonElement>(null) };
  // Closing an editor gives focus back to the button that opened it, for keyboard users.
  const close = () => {
    setMode('view');
    if (mode !== 'view') focusAfterRender(() => buttons[mode].current);
  };
  const threadName = comment.threadTitle ?? comment.threadId;
  const note = pageNote(comment);
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
        {/* The email and the thread's title are user text: each in a <bdi>, so that neither can reorder the rest. */}
        <p class="notes">
          {comment.status}
          {author.email && (
            <>
              {' · '}
              <bdi>{author.email}</bdi>
            </>
          )}
          {' · '}
          <bdi>{threadName}</bdi>
        </p>
        {note}
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
        {mode === 'thread' && (
          <ThreadEditor
            id={`thread-${comment.id}`}
            title={comment.threadTitle}
            url={comment.threadUrl}
            translator={translator}
            onSave={onThread}
            onClose={close}
          />
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
                <button type="button" class="reply" ref={buttons.edit} aria-label={`Edit the comment by ${who}`} onClick={() => setMode('edit')}>
                  {t('edit')}
                </button>
                <button type="button" class="reply" ref={buttons.reply} aria-label={t('replyTo', { name: who })} onClick={() => setMode('reply')}>
                  {t('reply')}
                </button>
              </>
            )}
            <button type="button" class="reply" ref={buttons.thread} aria-label={`Edit the thread “${threadName}”`} onClick={() => setMode('thread')}>
              Edit thread
            </button>
          </p>
        )}
      </article>
    </li>
  );
}
