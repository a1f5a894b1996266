import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../shared/errors';
import type { ReaderAuth, SignedInReader } from '../shared/context';
import { sha256Hex } from '../shared/signing';
import type { Store } from '../store/interfaces';
import type { ReaderSession, User } from '../store/types';
import type { Provider } from './providers';

/**
 * Readers' sessions: no cookie (the widget runs on the host's page, where a cookie of ours would be
 * a third-party one that Safari and Firefox block or partition). The widget keeps the token in the
 * host page's localStorage and sends it as `Authorization: Bearer`; the store keeps its SHA-256.
 * The `cqs.` prefix tells a session token from a comment's edit token (which never has a dot).
 */
const PREFIX = 'cqs.';
const TOKEN = /^cqs\.[\w-]{43}$/;
/** A session ends this long after it began (or was last rotated). */
export const READER_SESSION_TTL_MS = 30 * 86_400_000;
/** `GET /api/auth/me` hands out a new token once the one it was sent is older than this. */
export const ROTATE_AFTER_MS = 86_400_000;
/** A rotated token keeps working this long, for requests already on their way with it. */
export const ROTATION_GRACE_MS = 60_000;

export const readerTokenHash = (token: string) => sha256Hex(token);

const bearer = (request: FastifyRequest) => /^Bearer[ \t]+(\S{1,256})$/i.exec(request.headers.authorization ?? '')?.[1];

export interface ReaderSessions extends ReaderAuth {
  /** A new session for the user: the token to hand to the reader (only its hash is stored). */
  open(user: User): Promise<string>;
  /** The request's session and reader; null without a session token (then, for routes that need one, a 401). */
  current(request: FastifyRequest): Promise<{ token: string; session: ReaderSession; reader: SignedInReader } | null>;
  /** A new token in place of `token` when it is due for rotation; undefined otherwise. */
  rotate(token: string, session: ReaderSession): Promise<string | undefined>;
  /** What the store keeps of a token. */
  tokenHash(token: string): string;
}

export function createReaderSessions(store: Pick<Store, 'readerSessions'>, providers: readonly Provider[], now: () => Date): ReaderSessions {
  const names = new Map(providers.map((provider) => [provider.id, provider.name]));
  const isSessionToken = (token: string) => TOKEN.test(token);
  const issue = async (userId: string) => {
    const token = PREFIX + randomBytes(32).toString('base64url');
    const created = now();
    const session = {
      tokenHash: readerTokenHash(token),
      userId,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + READER_SESSION_TTL_MS).toISOString(),
    };
    return { token, session };
  };

  async function current(request: FastifyRequest) {
    const token = bearer(request);
    if (token === undefined || !isSessionToken(token)) return null;
    const found = await store.readerSessions.get(readerTokenHash(token), now().toISOString());
    if (!found) throw new ApiError('unauthorized', 'Your sign-in has ended: sign in again.');
    // Blocking ends the sessions too; this also covers a block that lands while a request is on its way.
    if (found.user.blockedAt !== null) throw new ApiError('forbidden', 'This account is blocked on this site.');
    // A provider the owner has since removed still names itself: by its id.
    return { token, session: found.session, reader: { user: found.user, verifiedBy: names.get(found.user.provider) ?? found.user.provider } };
  }

  return {
    isSessionToken,
    current,
    tokenHash: readerTokenHash,
    reader: async (request) => (await current(request))?.reader ?? null,
    async open(user) {
      const { token, session } = await issue(user.id);
      await store.readerSessions.create(session);
      return token;
    },
    async rotate(token, session) {
      if (now().getTime() - Date.parse(session.createdAt) < ROTATE_AFTER_MS) return undefined;
      const next = await issue(session.userId);
      const rotated = await store.readerSessions.rotate(readerTokenHash(token), next.session, new Date(now().getTime() + ROTATION_GRACE_MS).toISOString());
      return rotated ? next.token : undefined;
    },
  };
}
