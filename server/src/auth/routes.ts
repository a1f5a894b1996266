import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { RouteContext, SignedInReader } from '../shared/context';
import { ApiError } from '../shared/errors';
import { avatarSeedFor } from '../shared/signing';
import type { Identity, User } from '../store/types';
import type { Provider } from './providers';
import type { ReaderSessions } from './sessions';
import { createSsoVerifier } from './sso';

/** What the auth routes need beyond the route context: the configured providers and the sessions. */
export interface AuthContext extends RouteContext {
  providers: readonly Provider[];
  sessions: ReaderSessions;
}

/**
 * A user as the reader sees themselves (and the widget shows them): never the email, which only
 * their export carries. The avatar is the identicon of their comments, never the provider's picture.
 */
export const publicUser = ({ user, verifiedBy }: SignedInReader, secret: string) => ({
  id: user.id,
  name: user.name,
  provider: user.provider,
  verifiedBy,
  avatarSeed: avatarSeedFor(secret, user.email, user.name),
});

const publicUserSchema = {
  type: 'object',
  required: ['id', 'name', 'provider', 'verifiedBy', 'avatarSeed'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    provider: { type: 'string' },
    verifiedBy: { type: 'string' },
    avatarSeed: { type: 'string' },
  },
} as const;

const signedInResponse = {
  type: 'object',
  required: ['session', 'user'],
  properties: { session: { type: 'string' }, user: publicUserSchema },
} as const;

/** Signs a user in: their account (created on first sign-in) and a new session. Blocked users get none. */
export async function signIn(
  { store, now, sessions, providers, avatarSecret }: AuthContext,
  identity: Identity,
): Promise<{ session: string; user: ReturnType<typeof publicUser> }> {
  const user = await store.users.signIn(identity, nanoid(), now().toISOString());
  if (user.blockedAt !== null) throw new ApiError('forbidden', 'This account is blocked on this site.');
  const verifiedBy = providers.find((provider) => provider.id === user.provider)?.name ?? user.provider;
  return { session: await sessions.open(user), user: publicUser({ user, verifiedBy }, await avatarSecret()) };
}

/** The signed-in reader of a route that needs one: 401 without a session. */
async function required(sessions: ReaderSessions, request: FastifyRequest) {
  const found = await sessions.current(request);
  if (!found) throw new ApiError('unauthorized', 'Sign in first: send your session as Authorization: Bearer <session>.');
  return found;
}

/** The reader's account as JSON to download: everything stored about them, their email included (it is theirs). */
const exportOf = (user: User) => ({
  id: user.id,
  provider: user.provider,
  subject: user.subject,
  name: user.name,
  email: user.email,
  avatarUrl: user.avatarUrl,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
});

/** `GET /api/auth/providers`, `GET /api/auth/me` and its export: reads, outside the write rate limit. */
export function authRoutes(app: FastifyInstance, context: AuthContext) {
  const { config, providers, sessions, store } = context;

  app.get('/auth/providers', async () => ({
    providers: providers.map(({ id, name, kind }) => ({ id, name, kind })),
    signIn: config.signIn,
    ...(config.ssoLoginUrl || config.ssoLogoutUrl
      ? { sso: { ...(config.ssoLoginUrl ? { loginUrl: config.ssoLoginUrl } : {}), ...(config.ssoLogoutUrl ? { logoutUrl: config.ssoLogoutUrl } : {}) } }
      : {}),
  }));

  app.get(
    '/auth/me',
    { schema: { response: { 200: { type: 'object', required: ['user'], properties: { user: publicUserSchema, session: { type: 'string' } } } } } },
    async (request) => {
      const { token, session, reader } = await required(sessions, request);
      // Rotated on use after a while: a token copied from a browser stops working within a day of the reader's next visit.
      const next = await sessions.rotate(token, session);
      return { user: publicUser(reader, await context.avatarSecret()), ...(next === undefined ? {} : { session: next }) };
    },
  );

  app.get('/auth/me/export', async (request, reply) => {
    const { reader } = await required(sessions, request);
    const data = await store.users.exportData(reader.user.id);
    if (!data) throw new ApiError('unauthorized', 'Your sign-in has ended: sign in again.');
    return reply
      .header('content-disposition', 'attachment; filename="colloquy-my-data.json"')
      .send({ exportedAt: context.now().toISOString(), user: exportOf(data.user), comments: data.comments });
  });
}

/** Sign-in and sign-out, and deleting one's account: writes, within the write rate limit. */
export function authWriteRoutes(app: FastifyInstance, context: AuthContext) {
  const { store, sessions } = context;
  const verifySso = createSsoVerifier(context.config, context.now);

  app.post<{ Body: { token: string } }>(
    '/auth/sso',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 8192 } } },
        response: { 200: signedInResponse },
      },
    },
    async (request) => {
      if (!verifySso) throw new ApiError('not-found', 'Host-site sign-in is off: set COLLOQUY_SSO_SECRET, COLLOQUY_SSO_PUBLIC_KEY or COLLOQUY_SSO_JWKS_URL.');
      return signIn(context, await verifySso(request.body.token));
    },
  );

  // Log Out: this session ends on the server, whatever copies of the token exist.
  app.delete('/auth/session', async (request, reply) => {
    const { token } = await required(sessions, request);
    await store.readerSessions.delete(sessions.tokenHash(token));
    return reply.code(204).send();
  });

  app.delete<{ Querystring: { comments: 'delete' | 'anonymise' } }>(
    '/auth/me',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['comments'],
          properties: { comments: { type: 'string', enum: ['delete', 'anonymise'] } },
        },
      },
    },
    async (request) => {
      const { reader } = await required(sessions, request);
      await store.users.delete(reader.user.id, request.query.comments);
      return { deleted: true, comments: request.query.comments };
    },
  );
}
