import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors';
import type { RouteContext } from './context';

const healthResponse = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;

/** How long the database may take to answer before the server reports itself unavailable. */
const PING_TIMEOUT_MS = 2000;

/** `GET /api/health`: 200 once the store answers, 503 when it does not (for load balancers and orchestrators). */
export function healthRoute(app: FastifyInstance, { store }: RouteContext) {
  app.get('/health', { schema: { response: { 200: healthResponse } } }, async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
        }),
      ]);
    } catch {
      throw new ApiError('unavailable', 'The database is not answering.');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok' };
  });
}
