import type { FastifyInstance } from 'fastify';
import { countsQuery, countsResponse, type CountsQuery } from './schemas';
import type { RouteContext } from '../shared/context';

/** `GET /api/counts?thread=a&thread=b`: public comments per thread, for "2 responses" links on index pages. */
export function countsRoute(app: FastifyInstance, { store }: RouteContext) {
  app.get<{ Querystring: CountsQuery }>('/counts', { schema: { querystring: countsQuery, response: { 200: countsResponse } } }, async (request) => {
    const { thread } = request.query;
    const ids = [...new Set(typeof thread === 'string' ? [thread] : thread)];
    const stored = await store.comments.count(ids);
    return { counts: Object.fromEntries(ids.map((id) => [id, Object.hasOwn(stored, id) ? (stored[id] ?? 0) : 0])) };
  });
}
