import { h } from 'preact';
import type { Translator } from '../core/i18n';
import type { Comment } from '../core/types';
import { safeUrl } from '../core/url';
import { Avatar } from './avatar';

interface CommentHeaderProps {
  comment: Pick<Comment, 'author' | 'createdAt'>;
  translator: Translator;
  /** Where the date links to: the comment's permalink. Without it the date is plain text. */
  href?: string;
}

/**
 * Who wrote a comment and when: avatar, name (linked to their website), the owner badge, "says:" and
 * the date. The thread's items and the moderation dashboard's rows both render it, so a comment is
 * introduced the same way in both.
 */
export function CommentHeader({ comment: { author, createdAt }, translator: { t, relativeTime, absoluteTime }, href }: CommentHeaderProps) {
  // Checked again here: an adapter may return data that never went through our validation.
  const website = (author.url && safeUrl(author.url)) || undefined;
  const Name = website ? 'a' : 'b';
  // A signed-in reader's mark: the name is their account's (a guest's comment never has one).
  const verified = author.verifiedBy && t('verified', { provider: author.verifiedBy });
  return (
    <header class="comment-meta">
      <Avatar seed={author.avatarSeed} />
      <span class="author">
        {/* dir="auto" isolates the name (as <bdi> would), so that bidi characters in it cannot reorder "says:". */}
        <Name href={website} rel={website && 'nofollow ugc noopener'} class="author-name" dir="auto">
          {author.name}
        </Name>{' '}
        {/* Without the badge the two spaces render as one. */}
        {author.isOwner && <span class="owner">{t('owner')}</span>}
        {verified && (
          <span class="verified" role="img" aria-label={verified} title={verified}>
            ✓
          </span>
        )}{' '}
        <span class="says">{t('says')}</span>
      </span>
      <a class="permalink" href={href}>
        <time dateTime={createdAt} title={absoluteTime(createdAt)}>
          {relativeTime(createdAt)}
        </time>
      </a>
    </header>
  );
}
