/**
 * What a thread's title and page address may be, wherever they come from: a reader's comment, the
 * dashboard or `colloquy moderate thread`. Feeds and mails show both, so the address must be a page
 * of the site, not anywhere a commenter points it.
 */
import { isHttpUrl } from 'colloquy/core';
import type { AppConfig } from '../config/config';
import type { ThreadChanges } from '../store/types';
import { ApiError } from './errors';

/** The longest thread title, in code points. */
export const TITLE_MAX = 500;

/** The origins a thread's page may be on: the site's own (COLLOQUY_SITE_URL) and those that embed the widget (COLLOQUY_ORIGINS). */
export const pageOrigins = (config: Pick<AppConfig, 'origins' | 'siteUrl'>): ReadonlySet<string> =>
  new Set([...config.origins, ...(config.siteUrl ? [config.siteUrl] : [])]);

/** A title as a thread keeps it (trimmed; null when empty), or a 400 naming `field`. */
export function checkedTitle(raw: string, field: string): string | null {
  const title = raw.trim();
  if ([...title].length > TITLE_MAX) throw new ApiError('invalid', `Title must be at most ${TITLE_MAX} characters.`, field);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(title)) throw new ApiError('invalid', 'Title must be one line of text, without control characters.', field);
  return title || null;
}

/**
 * A page address as a thread keeps it: an absolute http(s) address on one of `origins`, as the URL
 * parser writes it. Origins are compared parsed, so `https://BLOG.example:443/p` is on
 * https://blog.example and `https://blog.example@evil.example/` is not. Anything else is a 400
 * naming `field`. Null when `origins` is empty: a well-formed address the server cannot place.
 */
export function checkedPageUrl(raw: string, origins: ReadonlySet<string>, field: string): string | null {
  const address = raw.trim();
  if (!isHttpUrl(address)) throw new ApiError('invalid', 'Page address must be the full http:// or https:// address of the page.', field);
  if (origins.size === 0) return null;
  const url = new URL(address);
  if (!origins.has(url.origin))
    throw new ApiError('invalid', 'Page address must be a page of this site (an origin in COLLOQUY_SITE_URL or COLLOQUY_ORIGINS).', field);
  return url.href;
}

/**
 * The owner's correction of a thread, checked by the rules above: a title or address given empty
 * (or null) clears it; one left out stays. An address needs a site to be on. Errors name the
 * address `pageUrl`, as for a comment's top-level `url`.
 */
export function checkedThreadChanges({ title, url }: { title?: string | null; url?: string | null }, origins: ReadonlySet<string>): ThreadChanges {
  const changes: ThreadChanges = {};
  if (title !== undefined) changes.title = title === null ? null : checkedTitle(title, 'title');
  if (url === null || url?.trim() === '') changes.url = null;
  else if (url !== undefined) {
    changes.url = checkedPageUrl(url, origins, 'pageUrl');
    if (changes.url === null) {
      throw new ApiError('invalid', "A page address must be on the site's origin: set COLLOQUY_SITE_URL (or COLLOQUY_ORIGINS) on the server first.", 'pageUrl');
    }
  }
  return changes;
}
