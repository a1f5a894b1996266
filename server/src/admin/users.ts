import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../shared/context';
import { ApiError, readCursor } from '../shared/errors';
import { encodeCursor } from '../store/cursor';

interface UsersQuery {
  q?: string;
  blocked?: 'true' | 'false';
  limit?: string;
  cursor?: string;
}

const usersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 200 },
    blocked: { type: 'string', enum: ['true', 'false'] },
    limit: { type: 'string', pattern: '^(?:[1-9]\\d?|100)$' },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

const userParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
const blockBody = { type: 'object', additionalProperties: false, required: ['blocked'], properties: { blocked: { type: 'boolean' } } } as const;

/**
 * The owner's view of readers who signed in, inside the admin API (its session and same-origin
 * checks apply): find them, and block or unblock them. A block ends their sessions and refuses
 * their new comments; the comments they wrote stay as they are, to be moderated like any other.
 */
export function adminUserRoutes(app: FastifyInstance, { store, now }: RouteContext) {
  app.get<{ Querystring: UsersQuery }>('/users', { schema: { querystring: usersQuery } }, async (request) => {
    const { q, blocked, limit = '50', cursor } = request.query;
    const before = readCursor(cursor);
    const size = Number(limit);
    const users = await store.users.list({
      limit: size + 1,
      ...(q === undefined || q.trim() === '' ? {} : { q: q.trim() }),
      ...(blocked === undefined ? {} : { blocked: blocked === 'true' }),
      ...(before === undefined ? {} : { before }),
    });
    const page = users.slice(0, size);
    const last = page.at(-1);
    return { users: page, nextCursor: users.length > size && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  });

  app.post<{ Params: { id: string }; Body: { blocked: boolean } }>('/users/:id/block', { schema: { params: userParams, body: blockBody } }, async (request) => {
    const user = await store.users.setBlocked(request.params.id, request.body.blocked, now().toISOString());
    if (!user) throw new ApiError('not-found', 'This reader does not exist, or deleted their account.');
    return { user };
  });
}
