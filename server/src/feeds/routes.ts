import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FEED_SIZE, renderFeed } from './atom';
import { threadId } from '../shared/schemas';
import type { RouteContext } from '../shared/context';

// Unknown parameters are ignored, not refused: feed readers and proxies add cache-busters.
const feedQuery = { type: 'object', properties: { thread: threadId } } as const;

/** True when the client's cached copy (If-None-Match) is this one; weak validators compare too. */
function isCached(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

/**
 * `GET /api/feed.atom` (the whole site) and `GET /api/feed.atom?thread=ID` (one thread): Atom feeds
 * of the newest approved comments. A thread nobody has commented on yet gets an empty feed, not a
 * 404, so that a reader who subscribes from a fresh post keeps the subscription.
 */
export function feedRoute(app: FastifyInstance, { store }: RouteContext) {
  app.get<{ Querystring: { thread?: string } }>('/feed.atom', { schema: { querystring: feedQuery } }, async (request, reply) => {
    const id = request.query.thread;
    const [thread, comments] = await Promise.all([
      id === undefined ? null : store.comments.getThread(id),
      store.comments.listRecentApproved({ ...(id === undefined ? {} : { threadId: id }), limit: FEED_SIZE }),
    ]);
    const body = renderFeed({ comments, ...(id === undefined ? {} : { thread: { id, title: thread?.title ?? null } }) });
    // A hash of the document: cheap next to the query, and right even when a comment is removed
    // (which a Last-Modified taken from the newest entry would miss).
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    reply.header('etag', etag).type('application/atom+xml; charset=utf-8');
    if (isCached(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return body;
  });
}
