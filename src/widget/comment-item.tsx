import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Translator } from '../core/i18n';
import type { Comment } from '../core/types';
import { safeUrl } from '../core/url';
import { Avatar } from './avatar';
import { CommentEditor } from './comment-editor';
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
  const { t, relativeTime, absoluteTime } = translator;
  const [editing, setEditing] = useState(false);
  const { author } = comment;
  const anchor = `comment-${comment.id}`;
  const deleted = comment.status === 'deleted';
  // Checked again here: an adapter may return data that never went through our validation.
  const website = author.url && safeUrl(author.url);
  const own = actions.canEdit(comment);
  return (
    <li class="comment">
      <article id={anchor} tabIndex={-1} class={highlighted ? 'comment-body highlighted' : 'comment-body'} aria-label={deleted ? t('deleted') : author.name}>
        {deleted ? (
          <p class="deleted">{t('deleted')}</p>
        ) : (
          <>
            <header class="comment-meta">
              <Avatar seed={author.avatarSeed} />
              <span class="author">
                {website ? <a href={website} rel="nofollow ugc noopener" class="author-name">{author.name}</a> : <b class="author-name">{author.name}</b>}{' '}
                {author.isOwner && <><span class="owner">{t('owner')}</span>{' '}</>}
                <span class="says">{t('says')}</span>
              </span>
              <a class="permalink" href={`#${anchor}`}>
                <time dateTime={comment.createdAt} title={absoluteTime(comment.createdAt)}>
                  {relativeTime(comment.createdAt)}
                </time>
              </a>
            </header>
            {/* Held as pending or as spam: the author is told the same, since a spam verdict may be wrong. Deleted ones are not here. */}
            {comment.status !== 'approved' && <p class="moderation">{t('awaitingModeration')}</p>}
            {editing ? (
              <CommentEditor id={comment.id} body={comment.body} translator={translator} onSave={(body) => actions.update(comment, body)} onClose={() => setEditing(false)} />
            ) : (
              <div class="comment-content">
                <MarkdownView source={comment.body} />
              </div>
            )}
            <button type="button" class="reply" aria-label={t('replyTo', { name: author.name })} onClick={() => actions.reply(comment)}>
              {t('reply')}
            </button>
            {own && !editing && (
              <>
                {' '}
                <button type="button" class="reply" onClick={() => setEditing(true)}>
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
