import type { ComponentChildren } from 'preact';
import type { Comment } from '../core/types';
import { safeUrl } from '../core/url';
import { Avatar } from './avatar';
import type { Translator } from '../core/i18n';
import { MarkdownView } from './markdown-view';

interface CommentItemProps {
  comment: Comment;
  translator: Translator;
  highlighted: boolean;
  onReply(comment: Comment): void;
  /** The reply form when it is open under this comment, then the replies. */
  children?: ComponentChildren;
}

/** One comment in the WordPress layout: avatar, author, date as permalink, body, Reply. */
export function CommentItem({ comment, translator, highlighted, onReply, children }: CommentItemProps) {
  const { t, relativeTime, absoluteTime } = translator;
  const { author } = comment;
  const anchor = `comment-${comment.id}`;
  const deleted = comment.status === 'deleted';
  // Checked again here: an adapter may return data that never went through our validation.
  const website = author.url && safeUrl(author.url);
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
                <span class="says">{t('says')}</span>
              </span>
              <a class="permalink" href={`#${anchor}`}>
                <time dateTime={comment.createdAt} title={absoluteTime(comment.createdAt)}>
                  {relativeTime(comment.createdAt)}
                </time>
              </a>
            </header>
            {comment.status === 'pending' && <p class="moderation">{t('awaitingModeration')}</p>}
            <div class="comment-content">
              <MarkdownView source={comment.body} />
            </div>
            <button type="button" class="reply" aria-label={t('replyTo', { name: author.name })} onClick={() => onReply(comment)}>
              {t('reply')}
            </button>
          </>
        )}
      </article>
      {children}
    </li>
  );
}
