import { MAX_PAGE_SIZE } from '../core/validation';
import { ColloquyError, type CommentField, type ErrorCode } from '../core/errors';
import type { Comment, CommentPage } from '../core/types';
import type { SignInHost, StorageAdapter } from './types';
import { loadScript } from './load-script';
import { readSession } from './reader-session';
import { createWebStorage, readJson, writeJson } from './web-storage';

declare global {
  interface Window {
    /** The sign-in pack (colloquy-sign-in.js) leaves its entry here. */
    ColloquySignIn?: (element: HTMLElement, host: SignInHost & { api: string }) => () => void;
  }
}

export interface RestAdapterOptions {
  /** The Colloquy server's address, e.g. 'https://comments.example'; '' or '/' for this page's origin. */
  baseUrl: string;
  /** The fetch to call, e.g. one that adds headers. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Further attempts after a network failure, timeout or 5xx, after 300 ms, 900 ms, 2.7 s… @default 2 */
  retries?: number;
  /** How long one attempt may take before it counts as a network failure. @default 15000 */
  timeoutMs?: number;
}

/** Per comment this browser posted: its edit token and when that expires (ms since the epoch). */
type EditTokens = Record<string, { token: string; until: number } | undefined>;

const TOKENS = 'colloquy:edit-tokens';
const FIELDS: CommentField[] = ['body', 'name', 'email', 'url', 'parentId'];
// Messages read well after "Your comment could not be posted." and before "please try again".
const UNEXPECTED = 'The server sent an unexpected answer.';

const fail = (code: ErrorCode, message = UNEXPECTED, field?: CommentField) => new ColloquyError(code, message, field);
// The wire comment is core's Comment: checked, not copied. Only the parts that a list needs (keys,
// the text) are checked; anything else a broken server sends is caught by the widget's error boundary.
const isComment = (value: unknown): value is Comment => {
  const comment = value as Partial<Comment> | null | undefined;
  return typeof comment?.id === 'string' && typeof comment.body === 'string';
};

/** What the server's JSON answers may hold, every part unchecked until an answer reader checks it. */
interface WireAnswer {
  comment?: unknown;
  comments?: unknown[];
  thread?: { count?: unknown };
  formToken?: string;
  nextCursor?: string | null;
  counts?: unknown;
  editToken?: string;
  editableUntil?: string;
  error?: { message?: string; field?: unknown };
}
// An Idempotency-Key: 128 random bits, as four numbers. Our own rather than nanoid, whose 64-letter
// alphabet does not compress and cost colloquy.js about 90 bytes gzip.
const idempotencyKey = () => crypto.getRandomValues(new Uint32Array(4)).join('-');

/**
 * Talks to a Colloquy server's JSON API (see the README): the one place where the wire format
 * becomes core types and HTTP failures become ColloquyErrors the widget can show.
 */
export function createRestAdapter({ baseUrl, fetch: send = fetch, retries = 2, timeoutMs = 15_000 }: RestAdapterOptions): StorageAdapter {
  const base = baseUrl.replace(/\/$/, '') + '/api/';
  const store = createWebStorage();
  // Read from storage once: canEdit runs for every comment on every render.
  let cached: EditTokens | undefined;
  const tokens = () => {
    const all = (cached ??= readJson(store, TOKENS, (value): value is EditTokens => value instanceof Object) ?? {});
    for (const id in all) if (!((all[id]?.until ?? 0) > Date.now())) delete all[id];
    return all;
  };
  // JSON leaves an undefined entry out, so keepToken(id) forgets the token.
  const keepToken = (id: string, entry?: { token: string; until: number }) => writeJson(store, TOKENS, (cached = { ...tokens(), [id]: entry }));
  // Each thread's first listing's: it says when the reader first saw that thread's form, which the
  // server's "too fast" check wants, and the server takes it for that thread only.
  // No prototype: a thread called "__proto__" or "constructor" is a key like any other.
  const formTokens: Record<string, string | undefined> = Object.create(null);
  // The reader's session, which the sign-in pack keeps in storage (read each time: another form or tab may have changed it).
  const signedIn = () => readSession(store, base);
  const bearer = (token: string | undefined) => token && { Authorization: `Bearer ${token}` };
  let pack: Promise<unknown> | undefined;

  /**
   * One API call; `answer` turns a 2xx body into its core value, or into false when the body has
   * the wrong shape. Network failures, timeouts and 5xx are retried with backoff and the same
   * headers, so a create keeps its Idempotency-Key and cannot post twice. 4xx are not retried, nor
   * is 429: its Retry-After is usually longer than a reader should watch a spinner, so the message
   * says how long to wait instead.
   */
  async function request<T>(
    path: string,
    signal: AbortSignal,
    answer: (data: WireAnswer | undefined) => T | false,
    method?: string,
    body?: object,
    headers: Record<string, string> = {},
  ): Promise<T> {
    if (body) headers['Content-Type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw fail('aborted', 'The request was cancelled.');
      // Browsers without AbortSignal.any (Firefox before 124) go without the timeout.
      const attemptSignal = AbortSignal.any?.([signal, AbortSignal.timeout(timeoutMs)]) ?? signal;
      let response: Response | undefined;
      let data: WireAnswer | undefined;
      let failure: unknown;
      try {
        response = await send(base + path, { method, headers, body: body && JSON.stringify(body), signal: attemptSignal });
        data = (await response.json()) as WireAnswer | undefined;
      } catch (error) {
        // A body that is not JSON is judged below like any other unexpected answer. Offline, DNS,
        // CORS, a dropped connection or the timeout, even in the body, look the same to a reader.
        failure = error;
        if (attemptSignal.aborted) response = undefined;
      }
      if (signal.aborted) continue;
      const status = response?.status ?? 0;
      if (status > 299 && status < 500) {
        // Every 4xx carries the server's own message for readers; 400, 413 and 415 are about the input.
        const error: NonNullable<WireAnswer['error']> = data?.error ?? {};
        throw fail(
          status === 401 || status === 403
            ? 'forbidden'
            : status === 404
              ? 'not-found'
              : status === 409
                ? 'conflict'
                : status === 429
                  ? 'rate-limited'
                  : 'invalid',
          status === 429 ? `Please wait ${Math.max(Math.ceil(Number(response!.headers.get('Retry-After'))) || 60, 2)} seconds.` : error.message || UNEXPECTED,
          // The server may name author fields by their path ('author.name').
          FIELDS.find((f) => f === String(error.field).replace('author.', '')) ?? (status === 413 ? 'body' : undefined),
        );
      }
      if (status && status < 300) {
        const value = answer(data);
        if (value) return value;
        throw fail('server');
      }
      if (attempt >= retries) {
        if (status) throw fail('server');
        // globalThis: Node (tests, scripts) may have no navigator or location.
        if (globalThis.navigator?.onLine === false) throw fail('network', 'You appear to be offline.');
        // Online, yet no answer: the server is down or, most often on a new site, refuses this
        // page's origin (CORS), which the browser hides from scripts. Tell the site owner where to look.
        console.error(`[colloquy] could not reach ${base}: ${failure}; if the server runs, add ${globalThis.location?.origin} to its COLLOQUY_ORIGINS`);
        throw fail('network', 'The server could not be reached.');
      }
      // Resolving on abort ends the wait at once; the loop's first line then reports it.
      await new Promise((resolve) => {
        setTimeout(resolve, 300 * 3 ** attempt);
        signal.addEventListener('abort', resolve);
      });
    }
  }

  /** Update and delete prove authorship with the token the server gave this browser at creation, or the author's session. */
  const authorized = (id: string) => {
    const headers = bearer(tokens()[id]?.token ?? signedIn()?.token);
    if (!headers) throw fail('forbidden', 'You can no longer change this comment.');
    return headers;
  };
  const commentOf = (data: WireAnswer | undefined): Comment | false => isComment(data?.comment) && data.comment;
  const commentPath = (id: string) => `comments/${encodeURIComponent(id)}`;

  return {
    listComments({ threadId, cursor, limit, sort }, signal) {
      // This browser's held comments are listed for it alone: each proven by its edit token.
      const own = Object.entries(tokens())
        .map(([id, entry]) => `${id}:${entry!.token}`)
        .join();
      // The server's limit is the widget's: a page never holds more than MAX_PAGE_SIZE.
      return request(
        `comments?${new URLSearchParams({ thread: threadId, limit: String(Math.min(limit, MAX_PAGE_SIZE)), sort, ...(cursor && { cursor }) })}`,
        signal,
        (d): CommentPage | false =>
          !!d?.comments?.every?.(isComment) &&
          typeof d.thread?.count === 'number' &&
          ((formTokens[threadId] ||= d.formToken), { comments: d.comments as Comment[], nextCursor: d.nextCursor || null, total: d.thread.count }),
        undefined,
        undefined,
        own ? { 'X-Colloquy-Own': own } : undefined,
      );
    },

    async createComment({ threadId, title, pageUrl, parentId, body, author, honeypot, notify }, signal) {
      // JSON leaves undefined values out: the server rejects fields it does not know, null ones too.
      const wire = {
        thread: threadId,
        title,
        url: pageUrl,
        parentId: parentId || undefined,
        body,
        author,
        formToken: formTokens[threadId],
        honeypot: honeypot || undefined,
        notify: notify || undefined,
      };
      const { comment, editToken, editableUntil } = await request(
        'comments',
        signal,
        (d) => commentOf(d) && (d as WireAnswer & { comment: Comment }),
        'POST',
        wire,
        // Signed in: the server takes the author from the session.
        { ...bearer(signedIn()?.token), 'Idempotency-Key': idempotencyKey() },
      );
      // A retry whose first attempt did reach the server is answered as a replay, without the
      // token (the server keeps only its hash): the comment is posted, just not editable here.
      if (editToken) keepToken(comment.id, { token: editToken, until: Date.parse(editableUntil ?? '') });
      return { comment };
    },

    updateComment: async (id, { body }, signal) => request(commentPath(id), signal, commentOf, 'PATCH', { body }, authorized(id)),

    async deleteComment(id, signal) {
      await request(commentPath(id), signal, () => true, 'DELETE', undefined, authorized(id));
      keepToken(id);
    },

    countComments: (threadIds, signal) =>
      request(
        `counts?${new URLSearchParams(threadIds.map((id) => ['thread', id]))}`,
        signal,
        (d) => d?.counts instanceof Object && (d.counts as Record<string, number>),
      ),

    canEdit: (comment) => !!tokens()[comment.id] || comment.author.userId === (signedIn()?.reader.id || 0),

    // The row and its code come from the server, on first use: colloquy.js carries none of it.
    signIn(element, host) {
      const row = (pack ??= loadScript(`${base.slice(0, -4)}colloquy-sign-in.js`)).then(() => window.ColloquySignIn?.(element, { ...host, api: base }));
      // A form gone before the pack came removes its row as soon as it is drawn.
      return () => void row.then((remove) => remove?.());
    },
  };
}
