import type { FastifyInstance } from 'fastify';
import { FEED_SIZE, renderFeed } from './atom';
import { sendConditional } from '../cache/conditional';
import { threadId } from '../shared/schemas';
import type { RouteContext } from '../shared/context';

// Unknown parameters are ignored, not refused: feed readers and proxies add cache-busters.
const feedQuery = { type: 'object', properties: { thread: threadId } } as const;

/**
 * `GET /api/feed.atom` (the whole site) and `GET /api/feed.atom?thread=ID` (one thread): Atom feeds
 * of the newest approved comments. A thread nobody has commented on yet gets an empty feed, not a
 * 404, so that a reader who subscribes from a fresh post keeps the subscription. Feeds are public
 * and unthrottled, so they come from the read cache: a feed is rendered once per change of its
 * thread (the site feed's: of any thread), however many readers poll it at once.
 */
export function feedRoute(app: FastifyInstance, { store, cache }: RouteContext) {
  app.get<{ Querystring: { thread?: string } }>('/feed.atom', { schema: { querystring: feedQuery } }, async (request, reply) => {
    const id = request.query.thread;
    const feed = await cache.get(`feed\n${id ?? ''}`, id === undefined ? 'every thread' : [id], async () => {
      const [thread, comments] = await Promise.all([
        id === undefined ? null : store.comments.getThread(id),
        store.comments.listRecentApproved({ ...(id === undefined ? {} : { threadId: id }), limit: FEED_SIZE }),
      ]);
      return renderFeed({ comments, ...(id === undefined ? {} : { thread: { id, title: thread?.title ?? null } }) });
    });
    // The ETag is a hash of the document (right even when a comment is removed, which a
    // Last-Modified taken from the newest entry would miss), computed once per render.
    return sendConditional(request, reply, feed.etag, 'application/atom+xml; charset=utf-8', () => feed.body);
  });
}
