import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { Comment, NewComment, SortOrder } from 'colloquy/core';
import { normalizeBody, normalizeNewComment, validateBody, validateNewComment } from 'colloquy/core';
import type { AppConfig } from '../config/config';
import { ApiError, commentNotFound, invalidCursor, throwIfInvalid } from '../shared/errors';
import { issueFormToken, readFormToken } from './form-token';
import { avatarSeedFor, canonicalJson, sha256Hex, tokenMatches } from '../shared/signing';
import {
  bodyFingerprint,
  decideStatus,
  type DecidedStatus,
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
import { InvalidCursorError, type EditableComment, type ListOptions } from '../store/types';
import { sendConditional } from '../cache/conditional';
import type { RouteContext } from '../shared/context';
import { commentParams } from '../shared/schemas';
import { clientAddress } from '../shared/rate-limits';
import { checkedPageUrl, checkedTitle, pageOrigins } from '../shared/thread-page';

const DAY_MS = 24 * 60 * 60_000;
/** How far back duplicate detection looks for the same body in the same thread. */
const DUPLICATE_WINDOW_MS = DAY_MS;
/** Subscriptions (so confirmation mails) one client address may ask for per day, whatever the addresses. */
export const SUBSCRIPTIONS_PER_ADDRESS = 10;
/** At most this many `X-Colloquy-Own` entries are checked: a browser holds a few tokens, not hundreds. */
const MAX_OWN = 20;

/** The `X-Colloquy-Own: <id>:<editToken>,…` entries that are well formed; the rest are ignored, never an error. */
function ownEntries(header: string | string[] | undefined): { id: string; token: string }[] {
  const entries: { id: string; token: string }[] = [];
  for (const part of String(header ?? '')
    .split(',')
    .slice(0, MAX_OWN)) {
    // Ids the server gives out are printable ASCII; anything else (a C1 control read from a latin1 header) is no id.
    const match = /^\s*([\x21-\x2b\x2d-\x39\x3b-\x7e]{1,64}):([\x21-\x2b\x2d-\x7e]{1,256})\s*$/.exec(part);
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

/** What is judged: a new comment with the form it came from, or an author's edit of a stored one. */
type Submission =
  | { comment: SpamCheckComment; fingerprint: string; form: { formToken?: string; honeypot?: string } }
  /** `edited`: the stored comment's id, which is neither a duplicate of the edit nor vouches for its author. */
  | { comment: SpamCheckComment; fingerprint: string; edited: string };

/** Gathers what the policy needs to know (database, clock, hook) and decides. */
async function moderate(
  request: FastifyRequest,
  submission: Submission,
  { store, policy, now, spamCheck, config, formSecret }: RouteContext,
  userId?: string,
): Promise<Decision> {
  const { comment, fingerprint } = submission;
  const on = (check: SpamCheck) => policy.checks.has(check);
  const input = { body: comment.body, author: comment.author, ip: request.ip, page: { title: comment.title, url: comment.pageUrl } };
  const except = 'edited' in submission ? submission.edited : undefined;
  const form = 'form' in submission ? submission.form : undefined;
  // A signed-in reader is first-time until a comment of their account is approved, whatever address they use.
  const known = () => (userId === undefined ? store.comments.hasApprovedComment(comment.author.email, except) : store.users.hasApprovedComment(userId, except));
  const [knownAuthor, duplicate, formToken] = await Promise.all([
    policy.mode === 'first-time' ? known() : true,
    on('duplicates')
      ? store.comments.hasRecentDuplicate({
          threadId: comment.threadId,
          bodyFingerprint: fingerprint,
          since: new Date(now().getTime() - DUPLICATE_WINDOW_MS).toISOString(),
          ...(except === undefined ? {} : { except }),
        })
      : false,
    form && on('timing') ? formSecret().then((secret) => readFormToken(form.formToken, secret, now(), comment.threadId)) : undefined,
  ]);
  // A token of another thread's listing is not this form's: refused, so the reader reloads rather than wait for the owner.
  if (formToken === 'other-thread') {
    throw new ApiError('invalid', 'This comment form was loaded for another thread: reload the page and send your comment again.', 'formToken');
  }
  const facts: ModerationFacts = form
    ? { knownAuthor, duplicate, honeypot: form.honeypot ?? '', ...(formToken === undefined ? {} : { formToken }) }
    : { knownAuthor, duplicate, edit: true };
  let decision = decideStatus(input, facts, policy);
  // Spam already: the hook could only agree, so it is not asked (nor billed, with a paid service).
  if (spamCheck && on('hook') && decision.status !== 'spam') {
    facts.hook = await askSpamCheck(spamCheck, comment, request, config.spamCheckTimeoutMs);
    decision = decideStatus(input, facts, policy);
  }
  if (decision.status !== 'approved') request.log.info({ status: decision.status, reasons: decision.reasons }, except ? 'edited comment held' : 'comment held');
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
async function authorize(request: FastifyRequest<{ Params: { id: string } }>, { store, config, now, readers }: RouteContext): Promise<EditableComment> {
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
  return editable;
}

const strictness: Record<DecidedStatus, number> = { approved: 0, pending: 1, spam: 2 };
/** An edit may hold a comment, or mark it as spam, but never frees it: only the owner approves. */
const stricter = (a: DecidedStatus, b: DecidedStatus) => (strictness[a] >= strictness[b] ? a : b);

/** The page of a thread everyone sees, as the store has it. */
async function publicPage(store: Pick<Store, 'comments'>, options: ListOptions) {
  const [thread, page] = await Promise.all([store.comments.getThread(options.threadId), store.comments.list(options)]);
  return { thread: { id: options.threadId, title: thread?.title ?? null, count: thread?.count ?? 0 }, comments: page.comments, nextCursor: page.nextCursor };
}

/**
 * A 304 lets the reader keep their copy, form token included: the page's ETag changes every hour,
 * so the token a 304 leaves them with is never much older than a fresh one (tokens expire).
 */
const FORM_TOKEN_EPOCH_MS = 3_600_000;

/** A page's validator: its public part's hash and the hour of its form token. Weak: the token's bytes differ within the hour. */
const pageTag = (etag: string, issued: Date) => `W/${etag.slice(0, -1)}.${Math.floor(issued.getTime() / FORM_TOKEN_EPOCH_MS)}"`;

/** The page's cached JSON with this request's form token as its last property. */
const withFormToken = (json: string, formToken: string) => `${json.slice(0, -1)},"formToken":${JSON.stringify(formToken)}}`;

/** The comment routes: the only place the wire format meets core types. */
export function commentRoutes(app: FastifyInstance, { store, now, formSecret, cache }: RouteContext) {
  app.get<{ Querystring: ListQuery }>('/comments', { schema: { querystring: listQuery, response: { 200: listResponse } } }, async (request, reply) => {
    const { thread: threadId, limit = '50', sort = 'oldest', cursor } = request.query;
    const options: ListOptions = { threadId, limit: Number(limit), sort, ...(cursor === undefined ? {} : { cursor }) };
    const ownHeader = request.headers['x-colloquy-own'];
    markPersonal(reply);
    try {
      const issued = now();
      // When the form was shown, and for which thread, signed: the comment posted from it carries this back.
      const formToken = issueFormToken(await formSecret(), issued, threadId);
      if (ownHeader !== undefined) {
        // With the reader's own held comments: theirs alone, read from the store, never cached.
        const [page, own] = await Promise.all([publicPage(store, options), ownHeldComments(store, threadId, ownHeader)]);
        return { ...page, comments: withOwn(page.comments, own, sort, cursor, page.nextCursor), formToken };
      }
      const key = `page\n${threadId}\n${sort}\n${limit}\n${cursor ?? ''}`;
      const page = await cache.get(key, [threadId], async () => String(reply.serializeInput(await publicPage(store, options), '200')));
      return sendConditional(request, reply, pageTag(page.etag, issued), 'application/json; charset=utf-8', () => withFormToken(page.body, formToken));
    } catch (error) {
      if (error instanceof InvalidCursorError) throw invalidCursor();
      throw error;
    }
  });
}

/**
 * Whether this client may ask for one more subscription today. Each one asked costs a confirmation
 * mail to whatever address was typed in; counted per client address, beside the limit per mailbox.
 */
async function maySubscribe(request: FastifyRequest, { counters }: RouteContext): Promise<boolean> {
  const { count } = await counters.hit(`subscribe:${clientAddress(request)}`, DAY_MS);
  if (count > SUBSCRIPTIONS_PER_ADDRESS) request.log.info('subscription ignored: this client address asked for too many today');
  return count <= SUBSCRIPTIONS_PER_ADDRESS;
}

/** The routes that change data; registered where the rate limit applies. */
export function commentWriteRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, config, now, avatarSecret } = context;
  const origins = pageOrigins(config);

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
      // Without a site to place it on, a page address is not kept (the server warns at start).
      const pageUrl = (input.url?.trim() && checkedPageUrl(input.url, origins, 'pageUrl')) || undefined;
      const title = (input.title && checkedTitle(input.title, 'title')) || undefined;
      const { body, author, parentId, threadId } = normalizeNewComment(submitted);
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
      const { status } = await moderate(request, { comment: judged, fingerprint, form: input }, context, reader?.user.id);
      // Spam subscribes nobody, so it costs the client address nothing.
      const subscribe = context.notifier !== undefined && input.notify === true && status !== 'spam' && (await maySubscribe(request, context));
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
        avatarSeed: avatarSeedFor(await avatarSecret(), author.email, author.name),
        ...(reader ? { user: { id: reader.user.id, verifiedBy: reader.verifiedBy } } : {}),
        editTokenHash: sha256Hex(editToken),
        createdAt: now().toISOString(),
        status,
        bodyFingerprint: fingerprint,
        ...(key === undefined ? {} : { idempotencyKey: key, requestHash: sha256Hex(canonicalJson(input)) }),
        // Queued with the comment, in its transaction; the mails are made and sent off the request path.
        // The author's subscription waits for the comment to be published (the store queues it with the approval).
        ...(context.notifier ? { notification: { toOwner: true, subscribeAuthor: subscribe, toFollowers: status === 'approved' } } : {}),
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
        case 'parent-unavailable':
          throw new ApiError(
            'invalid',
            result.status === 'deleted'
              ? 'The comment you are replying to was deleted: it can no longer be answered.'
              : 'The comment you are replying to is not published: it cannot be answered.',
            'parentId',
          );
      }
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateCommentBody }>(
    '/comments/:id',
    { schema: { params: commentParams, body: updateCommentBody, response: { 200: commentResponse } } },
    async (request) => {
      const body = checkedBody(request.body.body);
      const { comment } = await authorize(request, context);
      // The author's email and the thread, which the rules and the spam check read as they do for a new comment.
      const stored = await store.moderation.getForNotification(comment.id);
      if (!stored) throw commentNotFound();
      const status = comment.status as DecidedStatus;
      const fingerprint = bodyFingerprint(body);
      // Judged as a new comment is: an approval was of the text the owner (or the policy) saw, not of this one.
      const { author } = comment;
      const judged: SpamCheckComment = {
        threadId: comment.threadId,
        parentId: comment.parentId,
        body,
        author: { name: author.name, email: stored.authorEmail, ...(author.url === undefined ? {} : { url: author.url }) },
        ...(stored.thread.url === null ? {} : { pageUrl: stored.thread.url }),
        ...(stored.thread.title === null ? {} : { title: stored.thread.title }),
      };
      // Spam stays spam whatever the edit: no rule (nor a paid spam service) need be asked.
      const next =
        status === 'spam'
          ? status
          : stricter(status, (await moderate(request, { comment: judged, fingerprint, edited: comment.id }, context, comment.author.userId)).status);
      const hold = next === 'approved' ? undefined : next;
      const updated = await store.comments.updateBody(comment.id, {
        body,
        bodyFingerprint: fingerprint,
        updatedAt: now().toISOString(),
        ...(hold ? { status: hold } : {}),
      });
      if (!updated) throw commentNotFound();
      return { comment: updated, editableUntil: editableUntil(updated, config) };
    },
  );

  app.delete<{ Params: { id: string } }>('/comments/:id', { schema: { params: commentParams, response: { 200: deletedResponse } } }, async (request) => {
    const { comment } = await authorize(request, context);
    const outcome = await store.comments.delete(comment.id);
    if (outcome === 'not-found') throw commentNotFound();
    return { outcome };
  });
}
