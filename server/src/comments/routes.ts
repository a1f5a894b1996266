import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { Comment, NewComment, SortOrder } from 'colloquy/core';
import { isHttpUrl } from 'colloquy/core';
import { normalizeBody, normalizeNewComment, validateBody, validateNewComment } from 'colloquy/core';
import type { AppConfig } from '../config/config';
import { ApiError, commentNotFound, invalidCursor, throwIfInvalid } from '../shared/errors';
import { issueFormToken, readFormToken } from './form-token';
import { avatarSeedFor, canonicalJson, sha256Hex, tokenMatches } from '../shared/signing';
import {
  decideEditedStatus,
  decideStatus,
  type Decision,
  type ModerationFacts,
  type SpamCheck,
  type SpamCheckComment,
  type SpamCheckHook,
  type SpamVerdict,
} from './moderation';
import {
  commentResponse,
  createCommentBody,
  createdResponse,
  deletedResponse,
  idempotencyHeaders,
  listQuery,
  listResponse,
  updateCommentBody,
  type CreateCommentBody,
  type ListQuery,
  type UpdateCommentBody,
} from './schemas';
import { decodeCursor, type CursorPosition } from '../store/cursor';
import type { Store } from '../store/interfaces';
import { InvalidCursorError } from '../store/types';
import type { RouteContext } from '../shared/context';
import { commentParams } from '../shared/schemas';

/** How far back duplicate detection looks for the same body in the same thread. */
const DUPLICATE_WINDOW_MS = 24 * 60 * 60_000;
/** At most this many `X-Colloquy-Own` entries are checked: a browser holds a few tokens, not hundreds. */
const MAX_OWN = 20;

/** The body as duplicate detection compares it: case, Unicode compatibility forms and runs of whitespace do not matter. */
const bodyFingerprint = (body: string) => sha256Hex(`colloquy-body:${body.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}`);

/** The `X-Colloquy-Own: <id>:<editToken>,…` entries that are well formed; the rest are ignored, never an error. */
function ownEntries(header: string | string[] | undefined): { id: string; token: string }[] {
  const entries: { id: string; token: string }[] = [];
  for (const part of String(header ?? '')
    .split(',')
    .slice(0, MAX_OWN)) {
    const match = /^\s*([^\s:,]{1,64}):([\x21-\x2b\x2d-\x7e]{1,256})\s*$/.exec(part);
    if (match) entries.push({ id: match[1]!, token: match[2]! });
  }
  return entries;
}

/** The reader's own held comments of the thread: each proven by its edit token (hashed, compared in constant time). */
async function ownHeldComments(store: Pick<Store, 'comments'>, threadId: string, header: string | string[] | undefined): Promise<Comment[]> {
  const found = await Promise.all(
    ownEntries(header).map(async ({ id, token }) => {
      const editable = await store.comments.getEditable(id);
      if (!editable || !tokenMatches(token, editable.editTokenHash)) return null;
      const { comment } = editable;
      // The author is told the status their comment has, spam included (the widget shows both as held).
      return comment.threadId === threadId && (comment.status === 'pending' || comment.status === 'spam') ? comment : null;
    }),
  );
  return found.filter((comment): comment is Comment => comment !== null);
}

const compareKeys = (a: CursorPosition, b: CursorPosition) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Puts the reader's own held comments into the page whose (createdAt, id) range holds them, so
 * paging shows each once, in order: after the cursor, and up to the page's last comment unless
 * this is the last page.
 */
function withOwn(comments: Comment[], own: Comment[], sort: SortOrder, cursor: string | undefined, nextCursor: string | null): Comment[] {
  if (own.length === 0) return comments;
  const direction = sort === 'oldest' ? 1 : -1;
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const last = nextCursor === null ? undefined : comments.at(-1);
  const mine = own.filter((c) => (!after || direction * compareKeys(c, after) > 0) && (!last || direction * compareKeys(c, last) <= 0));
  return mine.length ? [...comments, ...mine].sort((a, b) => direction * compareKeys(a, b)) : comments;
}

/** The hook's verdict within the timeout; a throw, a rejection, a wrong answer or the timeout is `failed`. */
async function askSpamCheck(hook: SpamCheckHook, comment: SpamCheckComment, request: FastifyRequest, timeoutMs: number): Promise<SpamVerdict | 'failed'> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const context = {
    ip: request.ip,
    ...(request.headers['user-agent'] === undefined ? {} : { userAgent: request.headers['user-agent'] }),
    ...(request.headers.referer === undefined ? {} : { referrer: request.headers.referer }),
    signal: controller.signal,
  };
  try {
    // Promise.race subscribes to the hook's promise, so its late rejection is handled, not unhandled.
    const verdict = await Promise.race([Promise.resolve().then(() => hook(comment, context)), timeout]);
    if (verdict === 'ham' || verdict === 'spam' || verdict === 'unsure') return verdict;
    request.log.warn(
      { verdict: String(verdict) },
      verdict === 'timeout' ? 'spam check timed out; holding the comment' : 'spam check answered neither ham, spam nor unsure; holding the comment',
    );
    return 'failed';
  } catch (error) {
    request.log.warn({ err: error }, 'spam check failed; holding the comment');
    return 'failed';
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Gathers what the policy needs to know (database, clock, hook) and decides. */
async function moderate(
  request: FastifyRequest,
  comment: SpamCheckComment,
  wire: { formToken?: string; honeypot?: string },
  fingerprint: string,
  { store, policy, now, spamCheck, config, formSecret }: RouteContext,
  userId?: string,
): Promise<Decision> {
  const on = (check: SpamCheck) => policy.checks.has(check);
  const input = { body: comment.body, author: comment.author, ip: request.ip };
  // A signed-in reader is first-time until a comment of their account is approved, whatever address they use.
  const known = () => (userId === undefined ? store.comments.hasApprovedComment(comment.author.email) : store.users.hasApprovedComment(userId));
  const [knownAuthor, duplicate, formToken] = await Promise.all([
    policy.mode === 'first-time' ? known() : true,
    on('duplicates')
      ? store.comments.hasRecentDuplicate({
          threadId: comment.threadId,
          bodyFingerprint: fingerprint,
          since: new Date(now().getTime() - DUPLICATE_WINDOW_MS).toISOString(),
        })
      : false,
    on('timing') ? formSecret().then((secret) => readFormToken(wire.formToken, secret, now())) : undefined,
  ]);
  const facts: ModerationFacts = { knownAuthor, duplicate, honeypot: wire.honeypot ?? '', ...(formToken === undefined ? {} : { formToken }) };
  let decision = decideStatus(input, facts, policy);
  // Spam already: the hook could only agree, so it is not asked (nor billed, with a paid service).
  if (spamCheck && on('hook') && decision.status !== 'spam') {
    facts.hook = await askSpamCheck(spamCheck, comment, request, config.spamCheckTimeoutMs);
    decision = decideStatus(input, facts, policy);
  }
  if (decision.status !== 'approved') request.log.info({ status: decision.status, reasons: decision.reasons }, 'comment held');
  return decision;
}

/** Personal answers (the reader's own held comments) are neither stored by caches nor served to others. */
function markPersonal(reply: FastifyReply) {
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, X-Colloquy-Own` : 'X-Colloquy-Own');
}

/** The body as the create rules judge and store it. */
function checkedBody(body: string): string {
  throwIfInvalid(validateBody(body));
  return normalizeBody(body);
}

const createdPlus = (comment: Comment, minutes: number) => new Date(Date.parse(comment.createdAt) + minutes * 60_000).toISOString();
const editableUntil = (comment: Comment, config: AppConfig) => createdPlus(comment, config.editWindowMinutes);

/**
 * The comment an author may change: checks the bearer token (401), existence (404) and the edit
 * window (403). The token is the comment's edit token, or the session of the signed-in reader who
 * wrote it, from any browser, within the signed-in window (none by default).
 */
async function authorize(request: FastifyRequest<{ Params: { id: string } }>, { store, config, now, readers }: RouteContext) {
  const match = /^Bearer[ \t]+([\x21-\x7e]{1,256})$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new ApiError('unauthorized', 'Send the edit token that came with the comment: Authorization: Bearer <editToken>.');
  const reader = readers.isSessionToken(match[1]!) ? await readers.reader(request) : null;
  const editable = await store.comments.getEditable(request.params.id);
  if (!editable) throw commentNotFound();
  if (reader ? editable.comment.author.userId !== reader.user.id : !tokenMatches(match[1]!, editable.editTokenHash)) {
    throw new ApiError('unauthorized', reader ? 'This comment was written from another account.' : 'The edit token does not match this comment.');
  }
  if (editable.comment.status === 'deleted') throw commentNotFound();
  const minutes = reader ? config.signedInEditWindowMinutes : config.editWindowMinutes;
  if ((!reader || minutes > 0) && now().getTime() >= Date.parse(createdPlus(editable.comment, minutes))) {
    throw new ApiError('forbidden', `Comments can be edited or deleted for ${minutes} minutes after posting; that time has passed.`);
  }
  return editable.comment;
}

/** The comment routes: the only place the wire format meets core types. */
export function commentRoutes(app: FastifyInstance, { store, now, formSecret }: RouteContext) {
  app.get<{ Querystring: ListQuery }>('/comments', { schema: { querystring: listQuery, response: { 200: listResponse } } }, async (request, reply) => {
    const { thread: threadId, limit = '50', sort = 'oldest', cursor } = request.query;
    const ownHeader = request.headers['x-colloquy-own'];
    markPersonal(reply);
    try {
      const [thread, page, secret, own] = await Promise.all([
        store.comments.getThread(threadId),
        store.comments.list({ threadId, limit: Number(limit), sort, ...(cursor === undefined ? {} : { cursor }) }),
        formSecret(),
        ownHeader === undefined ? [] : ownHeldComments(store, threadId, ownHeader),
      ]);
      return {
        thread: { id: threadId, title: thread?.title ?? null, count: thread?.count ?? 0 },
        comments: withOwn(page.comments, own, sort, cursor, page.nextCursor),
        nextCursor: page.nextCursor,
        // When the form was shown, signed: the comment posted from it carries this back.
        formToken: issueFormToken(secret, now()),
      };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw invalidCursor();
      throw error;
    }
  });
}

/** The routes that change data; registered where the rate limit applies. */
export function commentWriteRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, config, now, policy } = context;

  app.post<{ Body: CreateCommentBody; Headers: { 'idempotency-key'?: string } }>(
    '/comments',
    { schema: { body: createCommentBody, headers: idempotencyHeaders, response: { 200: commentResponse, 201: createdResponse } } },
    async (request, reply) => {
      const input = request.body;
      // A signed-in reader posts as their account, whatever the body says: a guest can never borrow a verified name.
      const reader = await context.readers.reader(request);
      if (!reader && config.signIn === 'required') throw new ApiError('unauthorized', 'Sign in to comment on this site.');
      const guest = input.author;
      if (!reader && !guest) throw new ApiError('invalid', 'Author is required: send author { name, email }, or sign in.', 'author');
      const submitted: NewComment = {
        threadId: input.thread,
        parentId: input.parentId ?? null,
        body: input.body,
        author: reader
          ? { name: reader.user.name, email: reader.user.email }
          : { name: guest!.name, email: guest!.email, ...(guest!.url === undefined ? {} : { url: guest!.url }) },
      };
      // A signed-in reader's address may be '' (their provider gave none verified): it is their account that answers for them.
      throwIfInvalid(...validateNewComment(submitted, reader ? { requireEmail: false } : {}));
      const pageUrl = input.url?.trim() || undefined;
      if (pageUrl !== undefined && !isHttpUrl(pageUrl)) {
        throw new ApiError('invalid', 'Page address must be the full http:// or https:// address of the page.', 'pageUrl');
      }
      const { body, author, parentId, threadId } = normalizeNewComment(submitted);
      const title = input.title?.trim() || undefined;
      const key = request.headers['idempotency-key'];
      const fingerprint = bodyFingerprint(body);
      const judged: SpamCheckComment = {
        threadId,
        parentId,
        body,
        author,
        ...(pageUrl === undefined ? {} : { pageUrl }),
        ...(title === undefined ? {} : { title }),
      };
      const { status } = await moderate(request, judged, input, fingerprint, context, reader?.user.id);
      const editToken = nanoid(32);
      const result = await store.comments.create({
        id: nanoid(),
        threadId,
        ...(title === undefined ? {} : { threadTitle: title }),
        ...(pageUrl === undefined ? {} : { pageUrl }),
        parentId,
        body,
        authorName: author.name,
        authorEmail: author.email,
        ...(author.url === undefined ? {} : { authorUrl: author.url }),
        avatarSeed: avatarSeedFor(author.email, author.name),
        ...(reader ? { user: { id: reader.user.id, verifiedBy: reader.verifiedBy } } : {}),
        editTokenHash: sha256Hex(editToken),
        createdAt: now().toISOString(),
        status,
        bodyFingerprint: fingerprint,
        ...(key === undefined ? {} : { idempotencyKey: key, requestHash: sha256Hex(canonicalJson(input)) }),
        // Queued with the comment, in its transaction; the mails are made and sent off the request path.
        ...(context.notifier ? { notification: { toOwner: true, subscribeAuthor: input.notify === true, toFollowers: status === 'approved' } } : {}),
      });
      switch (result.kind) {
        case 'created':
          context.notifier?.kick();
          // 201 whatever the status: the comment is stored, and `comment.status` says which it got (approved, pending or spam).
          return reply.code(201).send({ comment: result.comment, editToken, editableUntil: editableUntil(result.comment, config) });
        case 'replayed':
          // The token exists only as a hash, so a replay cannot repeat it: the comment, without it.
          return reply
            .code(200)
            .header('idempotent-replayed', 'true')
            .send({ comment: result.comment, editableUntil: editableUntil(result.comment, config) });
        case 'conflict':
          throw new ApiError('conflict', 'This Idempotency-Key was already used for a different comment; send a new key.');
        case 'parent-not-found':
          throw new ApiError('invalid', 'The comment you are replying to does not exist in this thread.', 'parentId');
      }
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateCommentBody }>(
    '/comments/:id',
    { schema: { params: commentParams, body: updateCommentBody, response: { 200: commentResponse } } },
    async (request) => {
      const body = checkedBody(request.body.body);
      const comment = await authorize(request, context);
      // An approved comment edited into something the policy holds is held again; a held one stays held.
      const verdict = comment.status === 'approved' ? decideEditedStatus({ body, author: { ...comment.author, email: '' }, ip: request.ip }, policy) : null;
      const hold = verdict && verdict.status !== 'approved' ? verdict.status : undefined;
      const updated = await store.comments.updateBody(comment.id, body, now().toISOString(), hold);
      if (!updated) throw commentNotFound();
      if (hold) request.log.info({ status: hold, reasons: verdict?.reasons }, 'edited comment held');
      return { comment: updated, editableUntil: editableUntil(updated, config) };
    },
  );

  app.delete<{ Params: { id: string } }>('/comments/:id', { schema: { params: commentParams, response: { 200: deletedResponse } } }, async (request) => {
    const comment = await authorize(request, context);
    const outcome = await store.comments.delete(comment.id);
    if (outcome === 'not-found') throw commentNotFound();
    return { outcome };
  });
}
