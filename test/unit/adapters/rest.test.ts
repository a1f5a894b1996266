import { within } from '@testing-library/preact';
import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRestAdapter, type RestAdapterOptions } from '../../../src/adapters/rest';
import { MAX_PAGE_SIZE } from '../../../src/core/validation';
import { ColloquyError } from '../../../src/core/errors';
import type { Comment, NewComment } from '../../../src/core/types';
import { mount } from '../../../src/widget/mount';
import { server } from '../msw';

const API = 'https://api.example/api';
const UNEXPECTED = 'The server sent an unexpected answer.';

const ann: Comment = {
  id: 'c1',
  threadId: 'post',
  parentId: null,
  author: { name: 'Ann', url: 'https://ann.example/', avatarSeed: 'seed-a' },
  body: 'Hello *there*.',
  createdAt: '2024-01-01T10:00:00.000Z',
  status: 'approved',
};
const ben: Comment = { ...ann, id: 'c2', parentId: 'c1', author: { name: 'Ben', avatarSeed: 'seed-b' }, body: 'Hi Ann.' };

const input: NewComment = {
  threadId: 'post',
  title: 'My post',
  pageUrl: 'https://blog.example/post',
  parentId: null,
  body: 'New words.',
  author: { name: 'Cy', email: 'cy@example.com' },
};
const created: Comment = { ...ann, id: 'new-1', body: 'New words.', author: { name: 'Cy', avatarSeed: 'seed-c' } };
const inFifteenMinutes = () => new Date(Date.now() + 15 * 60_000).toISOString();

const adapter = (options: Partial<RestAdapterOptions> = {}) => createRestAdapter({ baseUrl: 'https://api.example', ...options });
const live = () => new AbortController().signal;

/** Runs `call` and returns the ColloquyError it rejects with (failing the test if it resolves). */
async function failure(call: Promise<unknown>): Promise<ColloquyError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ColloquyError);
  return error as ColloquyError;
}

/** Counts the requests a handler received and keeps them for inspection. */
function recorded() {
  const requests: Request[] = [];
  return { requests, record: (request: Request) => requests.push(request.clone()) };
}

/** A create the server answers with an edit token valid for 15 minutes; returns the requests it saw. */
function serveCreate() {
  const { requests, record } = recorded();
  server.use(
    http.post(`${API}/comments`, ({ request }) => {
      record(request);
      return HttpResponse.json({ comment: created, editToken: 'token-1', editableUntil: inFifteenMinutes() }, { status: 201 });
    }),
  );
  return requests;
}

/** A counts endpoint that never answers; `calls` counts the requests it got. */
function serveHangingCounts() {
  const hanging = { calls: 0 };
  server.use(
    http.get(`${API}/counts`, async () => {
      hanging.calls++;
      await delay('infinite');
      return HttpResponse.json({ counts: {} });
    }),
  );
  return hanging;
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  vi.restoreAllMocks();
  localStorage.clear();
  document.body.innerHTML = '';
});
afterAll(() => server.close());

describe('listComments', () => {
  it('asks for one page and maps the answer to a CommentPage', async () => {
    const { requests, record } = recorded();
    server.use(
      http.get(`${API}/comments`, ({ request }) => {
        record(request);
        return HttpResponse.json({ thread: { id: 'post', title: 'My post', count: 7 }, comments: [ann, ben], nextCursor: 'abc==' });
      }),
    );

    const page = await adapter().listComments({ threadId: 'post/1 & more', cursor: 'a+b/c==', limit: 20, sort: 'newest' }, live());

    expect(page).toEqual({ comments: [ann, ben], nextCursor: 'abc==', total: 7 });
    const query = new URL(requests[0]!.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({ thread: 'post/1 & more', cursor: 'a+b/c==', limit: '20', sort: 'newest' });
  });

  it('asks for the page size given, up to MAX_PAGE_SIZE, the most the server serves', async () => {
    const { requests, record } = recorded();
    server.use(
      http.get(`${API}/comments`, ({ request }) => {
        record(request);
        return HttpResponse.json({ thread: { id: 'post', title: null, count: 0 }, comments: [], nextCursor: null });
      }),
    );
    await adapter().listComments({ threadId: 'post', limit: MAX_PAGE_SIZE, sort: 'oldest' }, live());
    await adapter().listComments({ threadId: 'post', limit: MAX_PAGE_SIZE + 1, sort: 'oldest' }, live());
    expect(requests.map((request) => new URL(request.url).searchParams.get('limit'))).toEqual([String(MAX_PAGE_SIZE), String(MAX_PAGE_SIZE)]);
  });

  it('leaves out the cursor on the first page and ends at a null nextCursor', async () => {
    const { requests, record } = recorded();
    server.use(
      http.get(`${API}/comments`, ({ request }) => {
        record(request);
        return HttpResponse.json({ thread: { id: 'post', title: '', count: 0 }, comments: [], nextCursor: null });
      }),
    );

    const page = await adapter().listComments({ threadId: 'post', cursor: null, limit: 50, sort: 'oldest' }, live());

    expect(page).toEqual({ comments: [], nextCursor: null, total: 0 });
    expect(new URL(requests[0]!.url).search).toBe('?thread=post&limit=50&sort=oldest');
  });

  it.each([
    ['', '/api/counts?thread=a'],
    ['/', '/api/counts?thread=a'],
    ['https://api.example/', 'https://api.example/api/counts?thread=a'],
    ['https://example.com/comments', 'https://example.com/comments/api/counts?thread=a'],
  ])('builds URLs from baseUrl %j with the injected fetch', async (baseUrl, url) => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => Response.json({ counts: { a: 1 } }));
    expect(await createRestAdapter({ baseUrl, fetch }).countComments(['a'], live())).toEqual({ a: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]![0]).toBe(url);
  });
});

describe('createComment', () => {
  it('posts the wire body with an Idempotency-Key and answers the comment', async () => {
    const requests = serveCreate();

    expect(await adapter().createComment(input, live())).toEqual({ comment: created });

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.headers.get('Content-Type')).toBe('application/json');
    // 128 random bits, as four 32-bit numbers.
    expect(request!.headers.get('Idempotency-Key')).toMatch(/^\d{1,10}(-\d{1,10}){3}$/);
    // threadId becomes thread, pageUrl becomes url, and a null parentId is left out.
    expect(await request!.json()).toEqual({
      thread: 'post',
      title: 'My post',
      url: 'https://blog.example/post',
      body: 'New words.',
      author: { name: 'Cy', email: 'cy@example.com' },
    });
  });

  it('sends the parent of a reply and leaves out what is undefined', async () => {
    const requests = serveCreate();

    await adapter().createComment({ threadId: 'post', parentId: 'c1', body: 'Re.', author: { name: 'Cy', email: '', url: 'https://cy.example/' } }, live());

    expect(await requests[0]!.json()).toEqual({ thread: 'post', parentId: 'c1', body: 'Re.', author: { name: 'Cy', email: '', url: 'https://cy.example/' } });
  });

  it('uses a new Idempotency-Key for every comment', async () => {
    const requests = serveCreate();
    const rest = adapter();

    await rest.createComment(input, live());
    await rest.createComment(input, live());

    const [first, second] = requests.map((r) => r.headers.get('Idempotency-Key'));
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(first).not.toBe(second);
  });
});

describe('anti-spam fields and held comments', () => {
  /** A listing answered with `formToken`, recording each request. */
  function serveList(formToken: (n: number) => string | undefined) {
    const { requests, record } = recorded();
    server.use(
      http.get(`${API}/comments`, ({ request }) => {
        record(request);
        const token = formToken(requests.length);
        return HttpResponse.json({ thread: { id: 'post', title: null, count: 0 }, comments: [], nextCursor: null, ...(token ? { formToken: token } : {}) });
      }),
    );
    return requests;
  }
  const query = { threadId: 'post', limit: 50, sort: 'oldest' } as const;

  it("sends the first listing's form token with every comment, and a honeypot only when it is filled in", async () => {
    serveList((n) => `token-of-listing-${n}`);
    const posts = serveCreate();
    const rest = adapter();
    await rest.listComments(query, live());
    await rest.listComments({ ...query, cursor: 'next' }, live());
    await rest.createComment({ ...input, honeypot: '' }, live());
    await rest.createComment({ ...input, honeypot: 'https://bot.example' }, live());

    const [first, second] = await Promise.all(posts.map((r) => r.json()));
    expect(first).toMatchObject({ formToken: 'token-of-listing-1' });
    expect(first).not.toHaveProperty('honeypot');
    expect(second).toMatchObject({ formToken: 'token-of-listing-1', honeypot: 'https://bot.example' });
  });

  it("sends each thread's own form token: the server takes a token only on the thread it was listed for", async () => {
    serveList((n) => `token-of-listing-${n}`);
    const posts = serveCreate();
    const rest = adapter();
    await rest.listComments(query, live());
    // Any thread id is a key like another, even one that names a property of every object.
    await rest.listComments({ ...query, threadId: '__proto__' }, live());
    await rest.listComments(query, live());
    await rest.createComment({ ...input, threadId: '__proto__' }, live());
    await rest.createComment(input, live());
    const [onOther, onPost] = await Promise.all(posts.map((r) => r.json()));
    expect(onOther).toMatchObject({ thread: '__proto__', formToken: 'token-of-listing-2' });
    expect(onPost).toMatchObject({ thread: 'post', formToken: 'token-of-listing-1' });
  });

  it('sends notify only when the reader asked for follow-up mails', async () => {
    const posts = serveCreate();
    const rest = adapter();
    await rest.createComment({ ...input, notify: true }, live());
    await rest.createComment({ ...input, notify: false }, live());
    const [first, second] = await Promise.all(posts.map((r) => r.json()));
    expect(first).toMatchObject({ notify: true });
    expect(second).not.toHaveProperty('notify');
  });

  it('posts without a form token when it has listed nothing (or the server sent none)', async () => {
    serveList(() => undefined);
    const posts = serveCreate();
    const rest = adapter();
    await rest.createComment(input, live());
    await rest.listComments(query, live());
    await rest.createComment(input, live());
    for (const request of posts) expect(await request.json()).not.toHaveProperty('formToken');
  });

  it('lists with X-Colloquy-Own naming the comments it holds unexpired edit tokens for, and without it otherwise', async () => {
    const lists = serveList(() => 'token');
    serveCreate();
    localStorage.setItem(
      'colloquy:edit-tokens',
      JSON.stringify({ old: { token: 'x', until: Date.now() - 1 }, kept: { token: 'tk', until: Date.now() + 60_000 } }),
    );
    const rest = adapter();
    await rest.listComments(query, live());
    await rest.createComment(input, live());
    await rest.listComments(query, live());
    localStorage.clear();
    await adapter().listComments(query, live());

    expect(lists.map((r) => r.headers.get('X-Colloquy-Own'))).toEqual(['kept:tk', 'kept:tk,new-1:token-1', null]);
  });
});

describe('retries', () => {
  it('retries a 500 with the same Idempotency-Key, so the comment is created once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const stored = new Map<string, Comment>();
    const keys: (string | null)[] = [];
    server.use(
      http.post(`${API}/comments`, ({ request }) => {
        const key = request.headers.get('Idempotency-Key');
        keys.push(key);
        // Like a server that stored the comment but failed before answering.
        if (!stored.has(key!)) stored.set(key!, { ...created, id: `new-${stored.size + 1}` });
        if (keys.length === 1) return HttpResponse.json({ error: { code: 'server', message: 'Oops.' } }, { status: 500 });
        return HttpResponse.json({ comment: stored.get(key!), editToken: 't', editableUntil: inFifteenMinutes() }, { status: 201 });
      }),
    );

    const result = adapter().createComment(input, live());
    await vi.advanceTimersByTimeAsync(300);

    expect(await result).toEqual({ comment: { ...created, id: 'new-1' } });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(stored.size).toBe(1);
  });

  it('retries a network failure and then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const keys: (string | null)[] = [];
    server.use(
      http.post(`${API}/comments`, ({ request }) => {
        keys.push(request.headers.get('Idempotency-Key'));
        if (keys.length === 1) return HttpResponse.error();
        return HttpResponse.json({ comment: created, editToken: 't', editableUntil: inFifteenMinutes() }, { status: 201 });
      }),
    );

    const result = adapter().createComment(input, live());
    await vi.advanceTimersByTimeAsync(300);

    expect(await result).toEqual({ comment: created });
    expect(keys).toEqual([keys[0], keys[0]]);
  });

  it('waits 300 ms, then 900 ms, and then gives up with a server error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let calls = 0;
    server.use(
      http.get(`${API}/comments`, () => {
        calls++;
        return new HttpResponse('Bad gateway', { status: 502 });
      }),
    );

    const result = failure(adapter().listComments({ threadId: 'post', limit: 50, sort: 'oldest' }, live()));
    await vi.advanceTimersByTimeAsync(299);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(899);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);

    const error = await result;
    expect(calls).toBe(3);
    expect(error).toMatchObject({ code: 'server', message: UNEXPECTED, retryable: true });
  });

  it('reports being offline when every attempt fails to connect and the browser is offline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let calls = 0;
    server.use(
      http.get(`${API}/counts`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );

    const result = failure(adapter().countComments(['a'], live()));
    await vi.advanceTimersByTimeAsync(1200);

    expect(await result).toMatchObject({ code: 'network', message: 'You appear to be offline.', retryable: true });
    expect(calls).toBe(3);
    // The reader's connection is the cause: nothing for the site owner to fix.
    expect(log).not.toHaveBeenCalled();
  });

  it('does not say offline when the browser is online, and tells the site owner where to look (CORS)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    expect(navigator.onLine).toBe(true);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    // What a CORS refusal looks like to a script: a TypeError, as for a server that is down.
    server.use(http.get(`${API}/comments`, () => HttpResponse.error()));

    const result = failure(adapter().listComments({ threadId: 'post', limit: 50, sort: 'oldest' }, live()));
    await vi.advanceTimersByTimeAsync(1200);

    expect(await result).toMatchObject({ code: 'network', message: 'The server could not be reached.', retryable: true });
    expect(log).toHaveBeenCalledTimes(1);
    const message = String(log.mock.calls[0]?.[0]);
    expect(message).toMatch(/^\[colloquy\] could not reach https:\/\/api\.example\/api\/: TypeError: /);
    expect(message).toContain(`add ${location.origin} to its COLLOQUY_ORIGINS`);
  });

  it('honours retries: 0', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    let calls = 0;
    server.use(
      http.get(`${API}/counts`, () => {
        calls++;
        return HttpResponse.error();
      }),
    );

    expect(await failure(adapter({ retries: 0 }).countComments(['a'], live()))).toMatchObject({ code: 'network' });
    expect(calls).toBe(1);
  });

  it('counts an attempt that takes longer than timeoutMs as a network failure, and retries it', async () => {
    const hanging = serveHangingCounts();
    vi.spyOn(console, 'error').mockImplementation(() => {});

    // Real timers: the timeout is the platform's AbortSignal.timeout. One retry, after 300 ms.
    const error = await failure(adapter({ timeoutMs: 20, retries: 1 }).countComments(['a'], live()));

    expect(error).toMatchObject({ code: 'network', message: 'The server could not be reached.' });
    expect(hanging.calls).toBe(2);
  });

  it('gives up on a timeout in the middle of the body, too', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // As browsers do (msw does not): aborting the request's signal errors a body still being read.
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"counts":'));
          init!.signal!.addEventListener('abort', () => controller.error(init!.signal!.reason));
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'application/json' } });
    });

    expect(await failure(createRestAdapter({ baseUrl: '', fetch, timeoutMs: 20, retries: 0 }).countComments(['a'], live()))).toMatchObject({
      code: 'network',
    });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('errors', () => {
  it('turns a 429 into rate-limited, says how long to wait, and does not retry', async () => {
    let calls = 0;
    server.use(
      http.post(`${API}/comments`, () => {
        calls++;
        return HttpResponse.json({ error: { code: 'rate-limited', message: 'Slow down.' } }, { status: 429, headers: { 'Retry-After': '30' } });
      }),
    );

    const error = await failure(adapter().createComment(input, live()));

    expect(error).toMatchObject({ code: 'rate-limited', message: 'Please wait 30 seconds.', field: undefined });
    expect(calls).toBe(1);
  });

  it('says a minute when a 429 has no Retry-After', async () => {
    server.use(http.post(`${API}/comments`, () => new HttpResponse(null, { status: 429 })));
    expect((await failure(adapter().createComment(input, live()))).message).toBe('Please wait 60 seconds.');
  });

  it.each([
    ['author.name', 'name'],
    ['name', 'name'],
    ['body', 'body'],
    ['email', 'email'],
    ['author.email', 'email'],
    ['url', 'url'],
    ['author.url', 'url'],
    ['parentId', 'parentId'],
    ['pageUrl', undefined],
    [undefined, undefined],
  ])('turns a 400 naming field %j into invalid with field %j and the server’s message', async (wireField, field) => {
    let calls = 0;
    server.use(
      http.post(`${API}/comments`, () => {
        calls++;
        return HttpResponse.json({ error: { code: 'invalid', message: 'Name is required.', field: wireField } }, { status: 400 });
      }),
    );

    const error = await failure(adapter().createComment(input, live()));

    expect(error).toMatchObject({ code: 'invalid', message: 'Name is required.', field, retryable: false });
    expect(calls).toBe(1);
  });

  it.each([
    [409, 'conflict', undefined],
    [404, 'not-found', undefined],
    [413, 'invalid', 'body'],
    [415, 'invalid', undefined],
    [422, 'invalid', undefined],
  ] as const)('turns a %i into %s', async (status, code, field) => {
    server.use(http.post(`${API}/comments`, () => HttpResponse.json({ error: { code: 'x', message: `Status ${status}.` } }, { status })));
    expect(await failure(adapter().createComment(input, live()))).toMatchObject({ code, field, message: `Status ${status}.` });
  });

  it('keeps the field a 413 names', async () => {
    server.use(http.post(`${API}/comments`, () => HttpResponse.json({ error: { code: 'too-large', message: 'Too long.', field: 'name' } }, { status: 413 })));
    expect(await failure(adapter().createComment(input, live()))).toMatchObject({ code: 'invalid', field: 'name' });
  });

  it('has a message of its own when a 4xx has no JSON error body', async () => {
    server.use(http.post(`${API}/comments`, () => new HttpResponse('<h1>Not found</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } })));
    expect(await failure(adapter().createComment(input, live()))).toMatchObject({ code: 'not-found', message: UNEXPECTED });
  });

  it.each([
    ['not JSON', () => new HttpResponse('<html>', { headers: { 'Content-Type': 'text/html' } })],
    ['JSON null', () => HttpResponse.json(null)],
    ['no thread', () => HttpResponse.json({ comments: [], nextCursor: null })],
    ['a count that is not a number', () => HttpResponse.json({ thread: { count: '2' }, comments: [], nextCursor: null })],
    ['comments that are not a list', () => HttpResponse.json({ thread: { count: 1 }, comments: { c1: ann }, nextCursor: null })],
    ['a comment without an id', () => HttpResponse.json({ thread: { count: 1 }, comments: [{ ...ann, id: undefined }], nextCursor: null })],
    ['a comment without a body', () => HttpResponse.json({ thread: { count: 1 }, comments: [{ ...ann, body: 3 }], nextCursor: null })],
  ])('turns a 200 with %s into a server error, without retrying', async (_case, answer) => {
    let calls = 0;
    server.use(
      http.get(`${API}/comments`, () => {
        calls++;
        return answer();
      }),
    );

    const error = await failure(adapter().listComments({ threadId: 'post', limit: 50, sort: 'oldest' }, live()));

    expect(error).toMatchObject({ code: 'server', message: UNEXPECTED });
    expect(calls).toBe(1);
  });

  it('takes a replay (200, no edit token) as posted, but not editable from here', async () => {
    // The first attempt reached the server but its answer was lost; the retry is answered as a replay.
    let calls = 0;
    server.use(
      http.post(`${API}/comments`, () =>
        ++calls === 1
          ? HttpResponse.json({ error: { code: 'server', message: 'Boom.' } }, { status: 502 })
          : HttpResponse.json({ comment: created, editableUntil: inFifteenMinutes() }, { status: 200, headers: { 'Idempotent-Replayed': 'true' } }),
      ),
    );
    const rest = adapter({ retries: 1 });
    vi.useFakeTimers();
    const posting = rest.createComment(input, live());
    await vi.runAllTimersAsync();
    await expect(posting).resolves.toEqual({ comment: created });
    expect(calls).toBe(2);
    expect(rest.canEdit!(created)).toBe(false);
  });
});

describe('aborting', () => {
  it('rejects with aborted when the signal aborts mid-request, and sends nothing more', async () => {
    const hanging = serveHangingCounts();
    const controller = new AbortController();

    const result = failure(adapter().countComments(['a'], controller.signal));
    await vi.waitFor(() => expect(hanging.calls).toBe(1));
    controller.abort();

    expect(await result).toMatchObject({ code: 'aborted', retryable: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hanging.calls).toBe(1);
  });

  it('rejects with aborted at once when the signal aborts while waiting to retry', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let calls = 0;
    server.use(
      http.get(`${API}/counts`, () => {
        calls++;
        return new HttpResponse(null, { status: 503 });
      }),
    );
    const controller = new AbortController();

    const result = failure(adapter().countComments(['a'], controller.signal));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(1);
    controller.abort();

    expect(await result).toMatchObject({ code: 'aborted' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const controller = new AbortController();
    controller.abort();
    expect(await failure(createRestAdapter({ baseUrl: '', fetch }).countComments(['a'], controller.signal))).toMatchObject({ code: 'aborted' });
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('edit tokens', () => {
  it('sends the token from the create with an update, and answers the updated comment', async () => {
    serveCreate();
    const { requests, record } = recorded();
    const edited = { ...created, body: 'Better words.', updatedAt: '2024-01-01T10:05:00.000Z' };
    server.use(
      http.patch(`${API}/comments/:id`, ({ request, params }) => {
        record(request);
        return HttpResponse.json({ comment: { ...edited, id: params.id } });
      }),
    );
    const rest = adapter();
    await rest.createComment(input, live());

    expect(await rest.updateComment('new-1', { body: 'Better words.' }, live())).toEqual(edited);

    expect(requests[0]!.headers.get('Authorization')).toBe('Bearer token-1');
    expect(requests[0]!.headers.get('Content-Type')).toBe('application/json');
    expect(await requests[0]!.json()).toEqual({ body: 'Better words.' });
  });

  it('sends the token with a delete, then forgets it', async () => {
    serveCreate();
    const { requests, record } = recorded();
    server.use(
      http.delete(`${API}/comments/new-1`, ({ request }) => {
        record(request);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const rest = adapter();
    await rest.createComment(input, live());

    await expect(rest.deleteComment('new-1', live())).resolves.toBeUndefined();

    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.get('Authorization')).toBe('Bearer token-1');
    expect(requests[0]!.headers.get('Content-Type')).toBeNull();
    expect(rest.canEdit!(created)).toBe(false);
    expect(JSON.parse(localStorage.getItem('colloquy:edit-tokens')!)).toEqual({});
  });

  it('rejects an update or delete without a token as forbidden, without a request', async () => {
    // No handlers: onUnhandledRequest makes any request fail the test.
    const rest = adapter();
    for (const call of [rest.updateComment('c1', { body: 'x' }, live()), rest.deleteComment('c1', live())]) {
      expect(await failure(call)).toMatchObject({ code: 'forbidden', message: 'You can no longer change this comment.' });
    }
  });

  it.each([401, 403])('turns a %i to an edit into forbidden with the server’s message', async (status) => {
    serveCreate();
    server.use(
      http.patch(`${API}/comments/new-1`, () => HttpResponse.json({ error: { code: 'forbidden', message: 'The edit window has closed.' } }, { status })),
    );
    const rest = adapter();
    await rest.createComment(input, live());

    expect(await failure(rest.updateComment('new-1', { body: 'x' }, live()))).toMatchObject({ code: 'forbidden', message: 'The edit window has closed.' });
  });

  it('can edit while the token is valid, in this and later adapters, and not after it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-01-01T10:00:00.000Z'));
    serveCreate();
    await adapter().createComment(input, live());

    expect(adapter().canEdit!(created)).toBe(true);
    expect(adapter().canEdit!(ann)).toBe(false);
    vi.setSystemTime(new Date('2024-01-01T10:14:59.000Z'));
    expect(adapter().canEdit!(created)).toBe(true);
    vi.setSystemTime(new Date('2024-01-01T10:15:00.000Z'));
    expect(adapter().canEdit!(created)).toBe(false);
    expect(await failure(adapter().updateComment('new-1', { body: 'x' }, live()))).toMatchObject({ code: 'forbidden' });
  });

  it('drops expired tokens when it stores a new one', async () => {
    localStorage.setItem('colloquy:edit-tokens', JSON.stringify({ old: { token: 'x', until: Date.now() - 1 } }));
    serveCreate();

    await adapter().createComment(input, live());

    expect(Object.keys(JSON.parse(localStorage.getItem('colloquy:edit-tokens')!))).toEqual(['new-1']);
  });

  it.each(['not json', 'null', '"a string"', '{"new-1": null}', '{"new-1": {"token": "t", "until": "soon"}}'])('treats stored tokens %j as none', (stored) => {
    localStorage.setItem('colloquy:edit-tokens', stored);
    expect(adapter().canEdit!(created)).toBe(false);
  });
});

describe('countComments', () => {
  it('repeats the thread parameter and answers the counts', async () => {
    const { requests, record } = recorded();
    server.use(
      http.get(`${API}/counts`, ({ request }) => {
        record(request);
        return HttpResponse.json({ counts: { a: 2, 'b&c': 0 } });
      }),
    );

    expect(await adapter().countComments(['a', 'b&c'], live())).toEqual({ a: 2, 'b&c': 0 });
    expect(new URL(requests[0]!.url).searchParams.getAll('thread')).toEqual(['a', 'b&c']);
  });
});

describe('mounting with adapter "rest"', () => {
  it('shows the server’s comments, from the api option', async () => {
    server.use(http.get(`${API}/comments`, () => HttpResponse.json({ thread: { id: 'post', title: 'Post', count: 1 }, comments: [ann], nextCursor: null })));
    const target = document.createElement('div');
    document.body.append(target);

    const handle = mount(target, { thread: 'post', title: 'Post', adapter: 'rest', api: 'https://api.example' });

    const ui = within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await ui.findByRole('heading', { level: 2, name: 'One response to “Post”' })).toBeTruthy();
    expect(ui.getByText('there')).toBeTruthy();
    handle.unmount();
  });

  it('tells an online reader that the comments could not be loaded, not that they are offline', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    server.use(http.get(`${API}/comments`, () => HttpResponse.error()));
    const target = document.createElement('div');
    document.body.append(target);

    // api alone: the adapter is rest.
    const handle = mount(target, { thread: 'post', title: 'Post', api: 'https://api.example' });

    const ui = within(target.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    const alert = await ui.findByRole('alert', {}, { timeout: 3000 });
    expect(alert.textContent).toContain('Comments could not be loaded. The server could not be reached.');
    expect(alert.textContent).not.toMatch(/offline/);
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(log).toHaveBeenCalledTimes(1);
    handle.unmount();
  });
});
