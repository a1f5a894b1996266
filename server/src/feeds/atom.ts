/**
 * Atom 1.0 (RFC 4287) feeds of approved comments, as text. Built by string templates rather than an
 * XML library: the document has a dozen fixed elements, and every value goes through `xml()`, which
 * is the one place escaping and character filtering happen.
 */
import { createHash } from 'node:crypto';
import { markdownToHtml } from 'colloquy/core';
import { isHttpUrl } from 'colloquy/core';
import type { RecentComment } from '../store/types';

/** How many comments a feed holds, newest first. */
export const FEED_SIZE = 50;

/**
 * Dropped from every value: what XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates,
 * U+FFFE/U+FFFF), C1 controls (allowed but "discouraged"), and bidi embeddings, overrides and isolates,
 * so that a name like "\u202Egnp.exe" cannot reverse the rest of a title in a feed reader.
 */
const DROPPED = /[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]|[\u202a-\u202e\u2066-\u2069]/gu;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };

/** Any string as XML character data or a quoted attribute value. */
export const xml = (value: string) => value.replace(DROPPED, '').replace(/[&<>"'\r]/g, (c) => XML_ENTITIES[c]!);

// Colloquy's own UUID namespace, so that our name-based ids cannot collide with anyone else's.
const NAMESPACE = Buffer.from('aa73a118e8784242beaf110fb7fe0760', 'hex');

/** A name-based (version 5) UUID URN: the same name always gives the same id, as Atom wants of ids. */
export function uuidUrn(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An http(s) address as a browser would write it (ASCII, percent-encoded), or null for anything else. */
function httpUrl(raw: string | null | undefined, hash?: string): string | null {
  if (!raw || !isHttpUrl(raw)) return null;
  const url = new URL(raw.trim());
  if (hash !== undefined) url.hash = hash;
  return url.href;
}

/** The comment's permalink on its page: the widget's `#comment-<id>` anchor. */
const permalink = ({ comment, thread }: RecentComment) => httpUrl(thread.url, `comment-${comment.id}`);

function entry(recent: RecentComment): string {
  const { comment, thread } = recent;
  const name = comment.author.name || 'Anonymous';
  const website = httpUrl(comment.author.url);
  const link = permalink(recent);
  const updated = comment.updatedAt ?? comment.createdAt;
  return [
    '  <entry>',
    `    <id>${uuidUrn(`comment:${comment.id}`)}</id>`,
    `    <title type="text">${xml(`Comment by ${name} on ${thread.title ?? comment.threadId}`)}</title>`,
    `    <author><name>${xml(name)}</name>${website ? `<uri>${xml(website)}</uri>` : ''}</author>`,
    `    <published>${xml(comment.createdAt)}</published>`,
    `    <updated>${xml(updated)}</updated>`,
    link ? `    <link rel="alternate" type="text/html" href="${xml(link)}"/>` : '',
    // HTML from the markdown tree (escaped there), escaped once more as XML text: readers unescape once.
    `    <content type="html">${xml(markdownToHtml(comment.body))}</content>`,
    '  </entry>',
  ]
    .filter(Boolean)
    .join('\n');
}

export interface FeedInput {
  /** One thread's feed; the whole site's when absent. */
  thread?: { id: string; title: string | null };
  /** Newest first. */
  comments: RecentComment[];
}

/**
 * The Atom document. Ids are `urn:uuid:` names derived from the comment id (random, so unique
 * across sites) and from the thread id (the site feed's is fixed). An empty feed is still valid:
 * its `updated` is the Unix epoch, so it is the same document, and has the same ETag, until a
 * comment arrives.
 */
export function renderFeed({ thread, comments }: FeedInput): string {
  const newest = comments.reduce((latest, { comment }) => {
    const updated = comment.updatedAt ?? comment.createdAt;
    return updated > latest ? updated : latest;
  }, new Date(0).toISOString());
  // Relative, so it stays right behind a proxy that mounts the API under another path.
  const self = thread ? `feed.atom?thread=${encodeURIComponent(thread.id)}` : 'feed.atom';
  const page = thread && comments[0] ? httpUrl(comments[0].thread.url) : null;
  const title = thread ? `Comments on ${thread.title ?? thread.id}` : 'Recent comments';
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${uuidUrn(thread ? `thread:${thread.id}` : 'site')}</id>`,
    `  <title type="text">${xml(title)}</title>`,
    `  <updated>${xml(newest)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>`,
    page ? `  <link rel="alternate" type="text/html" href="${xml(page)}"/>` : '',
    '  <generator>Colloquy</generator>',
    ...comments.map(entry),
    '</feed>\n',
  ]
    .filter(Boolean)
    .join('\n');
}
