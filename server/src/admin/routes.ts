import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import { normalizeBody, validateBody, validateName } from 'colloquy/core';
import {
  createAdminPassword,
  newSession,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
  sessionSigningKey,
  sessionToken,
  sessionTokenHash,
} from './session';
import { ApiError, commentNotFound, readCursor, throwIfInvalid } from '../shared/errors';
import { avatarSeedFor, sha256Hex } from '../shared/signing';
import { bodyFingerprint } from '../comments/moderation';
import { clientAddress, secondsUntil } from '../shared/rate-limits';
import { commentId, commentParams, cursor, line, multiline, pageLimit, threadId, wellFormed } from '../shared/schemas';
import { checkedThreadChanges, pageOrigins } from '../shared/thread-page';
import { encodeCursor } from '../store/cursor';
import type { ModerationStatus, StatusChange } from '../store/types';
import { approvalOptions, type RouteContext } from '../shared/context';
import { adminUserRoutes } from './users';

/** Sign-in attempts per minute per client address: enough for typos, too few for guessing. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 5;
/**
 * Sign-in attempts per minute from all addresses together. The per-address limit alone does not
 * bound guessing from many addresses (a botnet, or one IPv6 /48 holding 65,536 /64s); this does:
 * at most 43,200 guesses a day. A crowd that keeps it full also keeps the owner from signing in
 * meanwhile (sessions already open keep working, and so does `colloquy moderate`).
 */
export const SITE_SIGN_IN_ATTEMPTS_PER_MINUTE = 30;
const SIGN_IN_WINDOW_MS = 60_000;
/** The name owner replies appear under unless the dashboard sends another. */
const OWNER_NAME = 'Site owner';

const statuses = ['pending', 'approved', 'spam', 'deleted'] as const;
const body = multiline(65_536);

interface ListAdminQuery {
  status?: ModerationStatus | 'all';
  thread?: string;
  q?: string;
  limit?: string;
  cursor?: string;
}

const listAdminQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...statuses, 'all'] },
    thread: threadId,
    q: line(200),
    limit: pageLimit,
    cursor,
  },
} as const;

interface ActionBody {
  ids: string[];
  action: 'approve' | 'spam' | 'delete' | 'pending';
  /** Each comment's `revision` as the owner read it; an approval needs them. */
  revisions?: Record<string, number>;
}

/** A comment's revision, as listed (1 when posted, one more at each edit). */
const revision = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;

const actionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['ids', 'action'],
  properties: {
    ids: { type: 'array', minItems: 1, maxItems: 100, items: commentId },
    action: { type: 'string', enum: ['approve', 'spam', 'delete', 'pending'] },
    revisions: { type: 'object', maxProperties: 100, propertyNames: commentId, additionalProperties: revision },
  },
} as const;

const actionStatus = { approve: 'approved', spam: 'spam', delete: 'deleted', pending: 'pending' } as const;

const editBody = { type: 'object', additionalProperties: false, required: ['body'], properties: { body } } as const;

interface ThreadBody {
  title?: string | null;
  url?: string | null;
}

/** A thread's title and page address, each optional; their rules are the ones readers' pages meet (shared/thread-page.ts). */
const threadBody = {
  type: 'object',
  additionalProperties: false,
  properties: { title: { type: ['string', 'null'], maxLength: 2000 }, url: { type: ['string', 'null'], maxLength: 2000 } },
} as const;
const threadParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: threadId } } as const;
const replyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['body'],
  // `revision`: the answered comment's, as read; answering a held comment approves it, so it needs one.
  properties: { body, name: line(200), revision },
} as const;

/** The body (and name) as the public create rules judge them: the owner writes under the same limits as readers. */
function checkedBody(text: string, name = OWNER_NAME): { body: string; name: string } {
  throwIfInvalid(validateBody(text), validateName(name));
  return { body: normalizeBody(text), name: name.trim() };
}

/**
 * The 409 of an approval of text the owner did not read: comments edited since they were listed
 * are left as they were. Any others of the batch were done.
 */
function editedSinceRead(changes: StatusChange[]): ApiError | null {
  const stale = changes.filter((change) => change.outcome === 'stale').length;
  if (stale === 0) return null;
  const which = stale === 1 ? 'One comment was' : `${stale} comments were`;
  const others = changes.length > stale ? ' The others were handled.' : '';
  return new ApiError('conflict', `${which} edited after you read ${stale === 1 ? 'it' : 'them'}, so not approved: read the text now and try again.${others}`);
}

/**
 * The likely reason an Origin does not match: a reverse proxy that terminates TLS and that the
 * server does not trust, so it sees http:// (and perhaps the proxy's Host) where the browser
 * sent https://. Null for any other mismatch, which stays a plain refusal.
 */
function untrustedProxyHint(request: FastifyRequest, origin: string, own: string, trustsProxy: boolean): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  const onlySchemeDiffers = url.protocol === 'https:' && request.protocol === 'http' && url.hostname === request.hostname.toLowerCase();
  const forwarded = !trustsProxy && (request.headers['x-forwarded-proto'] !== undefined || request.headers.forwarded !== undefined);
  if (!onlySchemeDiffers && !forwarded) return null;
  return (
    `Admin changes are accepted only from the dashboard itself, and the server sees this request as ${own} while the page is ${origin}. ` +
    "Behind a reverse proxy that terminates TLS, set COLLOQUY_TRUST_PROXY to the proxy's address (e.g. 127.0.0.1) so that the server believes its X-Forwarded-Proto header."
  );
}

/**
 * A write is accepted only from the dashboard's own origin. SameSite=Strict already keeps the
 * cookie off cross-site requests; this refuses them even if a browser sends it anyway, and a
 * request that says nothing about where it comes from (no Origin, no Sec-Fetch-Site) is refused too.
 * A refusal that looks like an untrusted TLS proxy says how to fix it, and is logged (`warn`, once):
 * otherwise every dashboard write fails behind such a proxy with no clue why.
 */
function checkSameOrigin(request: FastifyRequest, trustsProxy: boolean, warn: (message: string) => void) {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  const own = `${request.protocol}://${request.host}`;
  if (origin !== undefined && origin !== own) {
    const hint = untrustedProxyHint(request, origin, own, trustsProxy);
    if (hint) warn(hint);
    throw new ApiError('forbidden', hint ?? 'Admin changes are accepted only from the dashboard itself.');
  }
  if (site !== undefined && site !== 'same-origin') throw new ApiError('forbidden', 'Admin changes are accepted only from the dashboard itself.');
  if (origin === undefined && site === undefined) throw new ApiError('forbidden', 'Admin changes need an Origin header.');
}

/**
 * The site owner's API behind the dashboard, under /api/admin/: sign-in, the moderation queue,
 * counts, bulk status changes, edits and replies as the owner. Every route but sign-in answers
 * 401 without a valid session; every write must come from the same origin.
 */
export async function adminRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, config, now, formSecret, avatarSecret, notifier, counters } = context;
  const origins = pageOrigins(config);
  const password = config.adminPassword ? createAdminPassword(config.adminPassword) : null;
  // Session cookies are signed with a key bound to the password too, so changing the password signs
  // every dashboard out, in every process; the session itself must also still be in the store.
  const sessionKey = async () => sessionSigningKey(await formSecret(), config.adminPassword);
  const disabled = 'The moderation dashboard is off: start the server with COLLOQUY_ADMIN_PASSWORD set.';
  /** The token of the request's valid session cookie (signature only; the store decides the rest). */
  const cookieToken = async (request: FastifyRequest) => {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    return value === undefined ? undefined : sessionToken(value, await sessionKey());
  };

  // Counted in the database, so every process on it shares the limits and a restart keeps them.
  // By hand rather than with @fastify/rate-limit: two counters per request, and the plugin applies
  // one limit per request at most.
  const limitSignIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const refuse = (resetAt: string, message: string) => {
      const seconds = secondsUntil(resetAt, now());
      reply.header('retry-after', String(seconds));
      return new ApiError('rate-limited', `${message}: please wait ${seconds} seconds and try again.`);
    };
    // Refused attempts from one address do not count site-wide, so one address cannot fill the site's budget.
    const address = await counters.hit(`sign-in:${clientAddress(request)}`, SIGN_IN_WINDOW_MS);
    if (address.count > SIGN_IN_ATTEMPTS_PER_MINUTE) throw refuse(address.resetAt, 'Too many sign-in attempts');
    const site = await counters.hit('sign-in:*', SIGN_IN_WINDOW_MS);
    if (site.count > SITE_SIGN_IN_ATTEMPTS_PER_MINUTE) throw refuse(site.resetAt, 'Too many sign-in attempts on this site');
  };

  const isWrite = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD';
  let warnedAboutProxy = false;
  const warnAboutProxyOnce = (request: FastifyRequest) => (message: string) => {
    if (!warnedAboutProxy) request.log.warn(message);
    warnedAboutProxy = true;
  };
  const signInRoute = (request: FastifyRequest) => request.method === 'POST' && request.routeOptions.url === '/api/admin/session';

  // onRequest: before the body is read or validated, so a request without a session learns nothing else.
  app.addHook('onRequest', async (request) => {
    if (!password) throw new ApiError('unauthorized', disabled);
    if (!signInRoute(request)) {
      // The signature first: a forged or stale cookie costs no database query.
      const token = await cookieToken(request);
      const session = token === undefined ? null : await store.sessions.get(sessionTokenHash(token), now().toISOString());
      if (!session) throw new ApiError('unauthorized', 'Sign in to the dashboard first.');
    }
    if (isWrite(request)) checkSameOrigin(request, config.trustProxy !== false, warnAboutProxyOnce(request));
  });

  // Owner-only answers (emails among them) are never stored by a cache.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const setSession = (request: FastifyRequest, reply: FastifyReply, value: string, expires: Date) =>
    reply.header('set-cookie', sessionCookie(value, expires, request.protocol === 'https'));

  app.post<{ Body: { password: string } }>(
    '/session',
    {
      // After the same-origin check (the plugin's hook), before the body is read.
      onRequest: limitSignIn,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', maxLength: 1024, pattern: wellFormed } },
        },
      },
    },
    async (request, reply) => {
      if (!(await password!.matches(request.body.password))) throw new ApiError('unauthorized', 'Wrong password.');
      const created = now();
      const expires = new Date(created.getTime() + SESSION_TTL_MS);
      const session = newSession(await sessionKey());
      await store.sessions.create({ tokenHash: sessionTokenHash(session.token), createdAt: created.toISOString(), expiresAt: expires.toISOString() });
      return setSession(request, reply, session.value, expires).code(204).send();
    },
  );

  // Ends this session in the store, so the cookie is dead everywhere, copies included;
  // `?everywhere=1` ends every session (a cookie may have been stolen).
  app.delete<{ Querystring: { everywhere?: '1' } }>(
    '/session',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { everywhere: { type: 'string', enum: ['1'] } } } } },
    async (request, reply) => {
      if (request.query.everywhere === '1') await store.sessions.deleteAll();
      else {
        const token = await cookieToken(request);
        if (token !== undefined) await store.sessions.delete(sessionTokenHash(token));
      }
      return setSession(request, reply, '', new Date(0)).code(204).send();
    },
  );

  app.get('/counts', async () => ({ counts: await store.moderation.countByStatus() }));

  app.get<{ Querystring: ListAdminQuery }>('/comments', { schema: { querystring: listAdminQuery } }, async (request) => {
    const { status = 'pending', thread, q, limit = '50', cursor } = request.query;
    const before = readCursor(cursor);
    const size = Number(limit);
    const entries = await store.moderation.list({
      limit: size + 1,
      ...(status === 'all' ? {} : { status }),
      ...(thread === undefined ? {} : { threadId: thread }),
      ...(q === undefined || q.trim() === '' ? {} : { q: q.trim() }),
      ...(before === undefined ? {} : { before }),
    });
    const page = entries.slice(0, size);
    const last = page.at(-1);
    return { comments: page, nextCursor: entries.length > size && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  });

  app.post<{ Body: ActionBody }>('/comments/actions', { schema: { body: actionBody } }, async (request) => {
    const { action, revisions = {} } = request.body;
    const ids = [...new Set(request.body.ids)];
    const status = actionStatus[action];
    // The owner approves the text they read: each approval names its comment's revision, and one edited since is left held.
    const seen = new Map(ids.filter((id) => Object.hasOwn(revisions, id)).map((id) => [id, revisions[id]!]));
    if (status === 'approved' && seen.size < ids.length) {
      throw new ApiError(
        'invalid',
        'Approving needs the revision of each comment as you read it: send "revisions" with each id\'s "revision" from the listing.',
        'revisions',
      );
    }
    // Followers hear of a held comment once it is approved, here as through the mail's link.
    const results = await store.moderation.setStatus(ids, status, {
      ...approvalOptions(notifier !== undefined, now()),
      ...(status === 'approved' ? { revisions: seen } : {}),
    });
    notifier?.kick();
    const refused = editedSinceRead(results);
    if (refused) throw refused;
    return { results };
  });

  app.patch<{ Params: { id: string }; Body: { body: string } }>('/comments/:id', { schema: { params: commentParams, body: editBody } }, async (request) => {
    const { body: text } = checkedBody(request.body.body);
    const updated = await store.comments.updateBody(request.params.id, { body: text, bodyFingerprint: bodyFingerprint(text), updatedAt: now().toISOString() });
    if (!updated) throw commentNotFound();
    return { comment: updated };
  });

  app.post<{ Params: { id: string }; Body: { body: string; name?: string; revision?: number } }>(
    '/comments/:id/reply',
    { schema: { params: commentParams, body: replyBody } },
    async (request, reply) => {
      const { body: text, name } = checkedBody(request.body.body, request.body.name?.trim() || OWNER_NAME);
      const parent = await store.comments.getEditable(request.params.id);
      if (!parent || parent.comment.status === 'deleted') throw commentNotFound();
      if (parent.comment.status === 'spam') throw new ApiError('conflict', 'This comment is marked as spam: approve it first if you want to answer it.');
      // Answering a held comment approves it (WordPress's "Approve and Reply"): readers would see an answer to nothing.
      // Like any approval, of the text the owner read.
      if (parent.comment.status === 'pending') {
        const { revision: seen } = request.body;
        if (seen === undefined)
          throw new ApiError('invalid', 'Answering a held comment approves it: send the "revision" of the comment as you read it.', 'revision');
        const changes = await store.moderation.setStatus([parent.comment.id], 'approved', {
          ...approvalOptions(notifier !== undefined, now()),
          revisions: new Map([[parent.comment.id, seen]]),
        });
        const refused = editedSinceRead(changes);
        if (refused) throw refused;
      }
      const result = await store.comments.create({
        id: nanoid(),
        threadId: parent.comment.threadId,
        parentId: parent.comment.id,
        body: text,
        authorName: name,
        authorEmail: '',
        avatarSeed: avatarSeedFor(await avatarSecret(), '', name),
        // The owner edits through the dashboard, never with a token: this one is never handed out.
        editTokenHash: sha256Hex(nanoid(32)),
        createdAt: now().toISOString(),
        status: 'approved',
        isOwner: true,
        // Followers of the thread hear of the owner's answer like any other approved reply.
        ...(notifier ? { notification: { toOwner: false, subscribeAuthor: false, toFollowers: true } } : {}),
      });
      if (result.kind !== 'created') throw commentNotFound();
      notifier?.kick();
      return reply.code(201).send({ comment: result.comment });
    },
  );

  // The owner corrects what a thread is called and where its page is: feeds and mails show both.
  app.patch<{ Params: { id: string }; Body: ThreadBody }>('/threads/:id', { schema: { params: threadParams, body: threadBody } }, async (request) => {
    const thread = await store.moderation.updateThread(request.params.id, checkedThreadChanges(request.body, origins));
    if (!thread) throw new ApiError('not-found', 'No comment was ever posted in this thread.');
    return { thread };
  });
  adminUserRoutes(app, context);
}
