import { Fragment, h, type ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { Translator } from '../core/i18n';
import type { Comment } from '../core/types';
import { CommentEditor } from './comment-editor';
import { CommentHeader } from './comment-header';
import { focusAfterRender } from './focus-after-render';
import { MarkdownView } from './markdown-view';

/** What a reader can do to a comment; the section implements them against the adapter. */
export interface CommentActions {
  reply(comment: Comment): void;
  /** Whether this reader may still edit or delete it (their own, inside the edit window). */
  canEdit(comment: Comment): boolean;
  update(comment: Comment, body: string): Promise<unknown>;
  remove(comment: Comment): void;
}

interface CommentItemProps {
  comment: Comment;
  translator: Translator;
  highlighted: boolean;
  actions: CommentActions;
  /** The reply form when it is open under this comment, then the replies. */
  children?: ComponentChildren;
}

/** One comment in the WordPress layout: avatar, author, date as permalink, body, Reply. */
export function CommentItem({ comment, translator, highlighted, actions, children }: CommentItemProps) {
  const { t } = translator;
  const [editing, setEditing] = useState(false);
  const article = useRef<HTMLElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const closeEditor = () => {
    setEditing(false);
    // Back to Edit; to the comment itself if Edit is gone (the edit window closed, or it was deleted).
    focusAfterRender(() => editButton.current ?? article.current);
  };
  const { author } = comment;
  const anchor = `comment-${comment.id}`;
  const deleted = comment.status === 'deleted';
  return (
    <li class="comment">
      <article
        ref={article}
        id={anchor}
        tabIndex={-1}
        class={highlighted ? 'comment-body highlighted' : 'comment-body'}
        aria-label={deleted ? t('deleted') : author.name}
      >
        {deleted ? (
          <p class="deleted">{t('deleted')}</p>
        ) : (
          <>
            {/* Called, not rendered as <CommentHeader>: it has no hooks, and a component instance less per comment saves 0.2 MB at 1,000. */}
            {CommentHeader({ comment, translator, href: `#${anchor}` })}
            {/* Held as pending or as spam: the author is told the same, since a spam verdict may be wrong. Deleted ones are not here. */}
            {comment.status !== 'approved' && <p class="moderation">{t('awaitingModeration')}</p>}
            {editing ? (
              <CommentEditor
                id={`edit-${comment.id}`}
                body={comment.body}
                translator={translator}
                onSave={(body) => actions.update(comment, body)}
                onClose={closeEditor}
              />
            ) : (
              <div class="comment-content">
                <MarkdownView source={comment.body} />
              </div>
            )}
            <button type="button" class="reply" aria-label={t('replyTo', { name: author.name })} onClick={() => actions.reply(comment)}>
              {t('reply')}
            </button>
            {actions.canEdit(comment) && !editing && (
              <>
                {' '}
                <button type="button" class="reply" ref={editButton} onClick={() => setEditing(true)}>
                  {t('edit')}
                </button>{' '}
                <button type="button" class="reply" onClick={() => actions.remove(comment)}>
                  {t('delete')}
                </button>
              </>
            )}
          </>
        )}
      </article>
      {children}
    </li>
  );
}
