import type { FastifyInstance } from 'fastify';
import { sendConditional } from '../cache/conditional';
import { countsQuery, countsResponse, type CountsQuery } from './schemas';
import type { RouteContext } from '../shared/context';

/**
 * `GET /api/counts?thread=a&thread=b`: public comments per thread, for "2 responses" links on index
 * pages. Answers come from the read cache, with an ETag: an index page asks the same threads again.
 */
export function countsRoute(app: FastifyInstance, { store, cache }: RouteContext) {
  app.get<{ Querystring: CountsQuery }>('/counts', { schema: { querystring: countsQuery, response: { 200: countsResponse } } }, async (request, reply) => {
    const { thread } = request.query;
    const ids = [...new Set(typeof thread === 'string' ? [thread] : thread)];
    // Thread ids hold no control characters, so the newline keeps keys apart.
    const counts = await cache.get(`counts\n${ids.join('\n')}`, ids, async () => {
      const stored = await store.comments.count(ids);
      return String(reply.serializeInput({ counts: Object.fromEntries(ids.map((id) => [id, Object.hasOwn(stored, id) ? (stored[id] ?? 0) : 0])) }, '200'));
    });
    return sendConditional(request, reply, counts.etag, 'application/json; charset=utf-8', () => counts.body);
  });
}
