// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalStorageAdapter } from '../../../src/adapters/local-storage';
import { createMemoryAdapter, type MemoryAdapterOptions } from '../../../src/adapters/memory';
import type { StorageAdapter, ThreadEvent } from '../../../src/adapters/types';
import { ColloquyError, type CommentField, type ErrorCode } from '../../../src/core/errors';
import type { Comment, NewComment, SortOrder } from '../../../src/core/types';

/** Makes a fresh adapter; the options are those every built-in collection adapter takes. */
type MakeAdapter = (options?: MemoryAdapterOptions) => StorageAdapter;

const START = Date.UTC(2024, 0, 1, 12);
const EMAIL = 'secret-ann@example.com';

const signal = () => new AbortController().signal;

function newComment(overrides: Partial<Omit<NewComment, 'author'>> & { author?: Partial<NewComment['author']> } = {}): NewComment {
  const { author, ...rest } = overrides;
  return {
    threadId: 'post',
    parentId: null,
    body: 'A thoughtful comment.',
    ...rest,
    author: { name: 'Ann', email: EMAIL, ...author },
  };
}

function seedComment(id: string, minute: number, extra: Partial<Comment> = {}): Comment {
  return {
    id,
    threadId: 'post',
    parentId: null,
    author: { name: `Author ${id}`, avatarSeed: id },
    body: `Body ${id}`,
    createdAt: new Date(START - 86_400_000 + minute * 60_000).toISOString(),
    status: 'approved',
    ...extra,
  };
}

/** Moves the fake clock on, so comments created one after another have distinct, ordered times. */
const tick = () => vi.setSystemTime(Date.now() + 1000);

async function list(adapter: StorageAdapter, threadId = 'post', sort: SortOrder = 'oldest') {
  return adapter.listComments({ threadId, limit: 100, sort }, signal());
}

const ids = (comments: readonly Comment[]) => comments.map((c) => c.id);

/** Awaits a promise that must reject, and returns its error. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function expectColloquyError(promise: Promise<unknown>, code: ErrorCode, field?: CommentField) {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ColloquyError);
  expect((error as ColloquyError).code).toBe(code);
  if (field) expect((error as ColloquyError).field).toBe(field);
  expect((error as ColloquyError).message).not.toBe('');
  return error as ColloquyError;
}

beforeEach(() => {
  localStorage.clear();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  localStorage.clear();
});

/** The behaviour every StorageAdapter promises the widget, run against one implementation. */
function describeAdapterContract(name: string, makeAdapter: MakeAdapter) {
  describe(`${name}: StorageAdapter contract`, () => {
    it('lists what it created, normalized, with a new id and the current time', async () => {
      const adapter = makeAdapter();
      const { comment } = await adapter.createComment(
        newComment({ body: 'Hello\r\nworld  \n', author: { name: '  Ann  ', url: 'https://ann.example/' } }),
        signal(),
      );
      expect(comment).toEqual({
        id: expect.any(String),
        threadId: 'post',
        parentId: null,
        author: { name: 'Ann', url: 'https://ann.example/', avatarSeed: expect.any(String) },
        body: 'Hello\nworld',
        createdAt: new Date(START).toISOString(),
        status: 'approved',
      });
      tick();
      const { comment: reply } = await adapter.createComment(newComment({ parentId: comment.id, body: 'Reply' }), signal());
      expect(reply.parentId).toBe(comment.id);

      const page = await list(adapter);
      expect(page).toEqual({ comments: [comment, reply], nextCursor: null, total: 2 });
    });

    it('lists an empty thread it has never seen', async () => {
      expect(await list(makeAdapter(), 'never-seen')).toEqual({ comments: [], nextCursor: null, total: 0 });
    });

    describe('pagination', () => {
      // Out of date order on purpose, with two comments at the same minute (ordered by id).
      const seed = [
        seedComment('c5', 5),
        seedComment('c1', 1),
        seedComment('c7', 7),
        seedComment('c3', 3),
        seedComment('c4b', 4),
        seedComment('c2', 2),
        seedComment('c4a', 4),
      ];
      const oldest = ['c1', 'c2', 'c3', 'c4a', 'c4b', 'c5', 'c7'];

      it.each([
        ['oldest', oldest],
        ['newest', [...oldest].reverse()],
      ] as const)('walks three pages by cursor, %s first, without duplicates or gaps', async (sort, expected) => {
        const adapter = makeAdapter({ seed });
        const pages = [];
        let cursor: string | null = null;
        do {
          const page = await adapter.listComments({ threadId: 'post', cursor, limit: 3, sort }, signal());
          pages.push(page);
          cursor = page.nextCursor;
        } while (cursor !== null && pages.length < 10);

        expect(pages.map((p) => p.comments.length)).toEqual([3, 3, 1]);
        expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
        expect(pages.flatMap((p) => ids(p.comments))).toEqual(expected);
      });

      it('ends with a null cursor when the last page is exactly full', async () => {
        const page = await makeAdapter({ seed: seed.slice(0, 3) }).listComments({ threadId: 'post', limit: 3, sort: 'oldest' }, signal());
        expect(page.comments).toHaveLength(3);
        expect(page.nextCursor).toBeNull();
      });
    });

    it('counts only approved comments in the total', async () => {
      const seed = [
        seedComment('approved', 1),
        seedComment('pending', 2, { status: 'pending' }),
        seedComment('deleted-parent', 3, { status: 'deleted', body: '' }),
        seedComment('reply', 4, { parentId: 'deleted-parent' }),
        seedComment('deleted-alone', 5, { status: 'deleted', body: '' }),
      ];
      const adapter = makeAdapter({ seed });
      const page = await list(adapter);
      expect(page.total).toBe(2);
      expect(ids(page.comments)).toContain('deleted-parent');
      expect(ids(page.comments)).not.toContain('deleted-alone');
      expect(await adapter.countComments(['post'], signal())).toEqual({ post: 2 });
    });

    it('stores comments as pending under moderation, without counting them', async () => {
      const adapter = makeAdapter({ moderation: 'all' });
      const { comment } = await adapter.createComment(newComment(), signal());
      expect(comment.status).toBe('pending');
      expect((await list(adapter)).total).toBe(0);
      expect(await adapter.countComments(['post'], signal())).toEqual({ post: 0 });
    });

    describe('seed', () => {
      const seed = [seedComment('p1', 1), seedComment('p2', 2), seedComment('o1', 1, { threadId: 'other' })];

      it('appears only in its own thread', async () => {
        const adapter = makeAdapter({ seed });
        expect(ids((await list(adapter, 'post')).comments)).toEqual(['p1', 'p2']);
        expect(ids((await list(adapter, 'other')).comments)).toEqual(['o1']);
        expect((await list(adapter, 'third')).comments).toEqual([]);
      });

      it('is added only the first time a thread is opened', async () => {
        const adapter = makeAdapter({ seed });
        await list(adapter);
        await list(adapter);
        const { comment } = await adapter.createComment(newComment(), signal());
        expect(ids((await list(adapter)).comments)).toEqual(['p1', 'p2', comment.id]);

        await adapter.deleteComment('p1', signal());
        expect(ids((await list(adapter)).comments)).toEqual(['p2', comment.id]);
      });

      it('is copied, never changed in place', async () => {
        const copy = structuredClone(seed);
        const adapter = makeAdapter({ seed });
        await list(adapter);
        await adapter.updateComment('p1', { body: 'Edited' }, signal());
        await adapter.createComment(newComment({ parentId: 'p2' }), signal());
        await adapter.deleteComment('p2', signal());
        expect(seed).toEqual(copy);
      });

      it('can be edited and deleted by id before its thread is listed', async () => {
        const adapter = makeAdapter({ seed });
        expect((await adapter.updateComment('p1', { body: 'Edited' }, signal())).body).toBe('Edited');
        await adapter.deleteComment('p2', signal());
        expect((await list(adapter)).comments.map((c) => [c.id, c.body])).toEqual([['p1', 'Edited']]);
      });
    });

    it('counts comments for several threads at once', async () => {
      const adapter = makeAdapter({ seed: [seedComment('s1', 1, { threadId: 'seeded' }), seedComment('s2', 2, { threadId: 'seeded', status: 'pending' })] });
      await adapter.createComment(newComment({ threadId: 'a' }), signal());
      await adapter.createComment(newComment({ threadId: 'a' }), signal());
      await adapter.createComment(newComment({ threadId: 'b' }), signal());
      expect(await adapter.countComments(['a', 'b', 'seeded', 'empty'], signal())).toEqual({ a: 2, b: 1, seeded: 1, empty: 0 });
      expect(await adapter.countComments([], signal())).toEqual({});
    });

    describe('updateComment', () => {
      it('changes the body and sets updatedAt', async () => {
        const adapter = makeAdapter();
        const { comment } = await adapter.createComment(newComment(), signal());
        tick();
        const updated = await adapter.updateComment(comment.id, { body: 'Edited body' }, signal());
        expect(updated).toEqual({ ...comment, body: 'Edited body', updatedAt: new Date(START + 1000).toISOString() });
        expect((await list(adapter)).comments).toEqual([updated]);
      });

      it('rejects an invalid body and keeps the old one', async () => {
        const adapter = makeAdapter();
        const { comment } = await adapter.createComment(newComment(), signal());
        await expectColloquyError(adapter.updateComment(comment.id, { body: '   ' }, signal()), 'invalid', 'body');
        const [stored] = (await list(adapter)).comments;
        expect(stored?.body).toBe(comment.body);
        expect(stored?.updatedAt).toBeUndefined();
      });

      it('rejects an unknown id with not-found', async () => {
        await expectColloquyError(makeAdapter().updateComment('nope', { body: 'x' }, signal()), 'not-found');
      });
    });

    describe('deleteComment', () => {
      it('removes a comment without replies', async () => {
        const adapter = makeAdapter();
        const { comment: keep } = await adapter.createComment(newComment(), signal());
        const { comment: gone } = await adapter.createComment(newComment(), signal());
        await adapter.deleteComment(gone.id, signal());
        const page = await list(adapter);
        expect(ids(page.comments)).toEqual([keep.id]);
        expect(page.total).toBe(1);
      });

      it('leaves a deleted placeholder with an empty body when the comment has replies', async () => {
        const adapter = makeAdapter();
        const { comment: parent } = await adapter.createComment(newComment({ body: 'Parent text' }), signal());
        tick();
        const { comment: reply } = await adapter.createComment(newComment({ parentId: parent.id }), signal());
        await adapter.deleteComment(parent.id, signal());

        const page = await list(adapter);
        expect(ids(page.comments)).toEqual([parent.id, reply.id]);
        expect(page.comments[0]).toMatchObject({ id: parent.id, status: 'deleted', body: '' });
        expect(JSON.stringify(page)).not.toContain('Parent text');
        expect(page.total).toBe(1);
      });

      it('stops listing placeholders once no reply is left under them, at any depth', async () => {
        const adapter = makeAdapter();
        const { comment: parent } = await adapter.createComment(newComment(), signal());
        tick();
        const { comment: reply } = await adapter.createComment(newComment({ parentId: parent.id }), signal());
        tick();
        const { comment: last } = await adapter.createComment(newComment({ parentId: reply.id }), signal());
        await adapter.deleteComment(parent.id, signal());
        await adapter.deleteComment(reply.id, signal());
        expect(ids((await list(adapter)).comments)).toEqual([parent.id, reply.id, last.id]);

        await adapter.deleteComment(last.id, signal());
        expect(await list(adapter)).toEqual({ comments: [], nextCursor: null, total: 0 });
      });

      it('rejects an unknown id with not-found', async () => {
        await expectColloquyError(makeAdapter().deleteComment('nope', signal()), 'not-found');
      });
    });

    describe('invalid input', () => {
      it.each([
        ['an empty body', newComment({ body: ' \n ' }), 'body'],
        ['a missing name', newComment({ author: { name: '' } }), 'name'],
        ['a missing email', newComment({ author: { email: '' } }), 'email'],
        ['a malformed email', newComment({ author: { email: 'ann-at-example' } }), 'email'],
        ['a javascript: website', newComment({ author: { url: 'javascript:alert(1)' } }), 'url'],
        ['an empty parentId', newComment({ parentId: '' }), 'parentId'],
        ['a parentId that does not exist', newComment({ parentId: 'no-such-comment' }), 'parentId'],
      ] as const)('rejects %s as invalid, with its field, and stores nothing', async (_case, input, field) => {
        const adapter = makeAdapter();
        const events: ThreadEvent[] = [];
        adapter.subscribe?.('post', (event) => events.push(event));
        await expectColloquyError(adapter.createComment(input, signal()), 'invalid', field);
        expect(await list(adapter)).toEqual({ comments: [], nextCursor: null, total: 0 });
        expect(events).toEqual([]);
      });

      it('rejects a reply to a comment of another thread', async () => {
        const adapter = makeAdapter();
        const { comment: elsewhere } = await adapter.createComment(newComment({ threadId: 'other' }), signal());
        await expectColloquyError(adapter.createComment(newComment({ parentId: elsewhere.id }), signal()), 'invalid', 'parentId');
        expect((await list(adapter)).comments).toEqual([]);
        expect(ids((await list(adapter, 'other')).comments)).toEqual([elsewhere.id]);
      });

      it('rejects a cursor it did not give out', async () => {
        await expectColloquyError(makeAdapter().listComments({ threadId: 'post', cursor: 'garbage', limit: 3, sort: 'oldest' }, signal()), 'invalid');
      });
    });

    it('rejects every call with an aborted signal, and stores nothing', async () => {
      const adapter = makeAdapter();
      const { comment } = await adapter.createComment(newComment(), signal());
      const controller = new AbortController();
      controller.abort();
      const aborted = controller.signal;
      await expectColloquyError(adapter.listComments({ threadId: 'post', limit: 3, sort: 'oldest' }, aborted), 'aborted');
      await expectColloquyError(adapter.createComment(newComment({ body: 'Never stored' }), aborted), 'aborted');
      await expectColloquyError(adapter.updateComment(comment.id, { body: 'Never stored' }, aborted), 'aborted');
      await expectColloquyError(adapter.deleteComment(comment.id, aborted), 'aborted');
      await expectColloquyError(adapter.countComments(['post'], aborted), 'aborted');
      expect((await list(adapter)).comments).toEqual([comment]);
    });

    describe('subscribe', () => {
      it('sends created, updated and deleted events for its thread only, until unsubscribed', async () => {
        const adapter = makeAdapter();
        expect(adapter.subscribe).toBeTypeOf('function');
        const mine: ThreadEvent[] = [];
        const others: ThreadEvent[] = [];
        const unsubscribe = adapter.subscribe!('post', (event) => mine.push(event));
        adapter.subscribe!('other', (event) => others.push(event));

        const { comment } = await adapter.createComment(newComment(), signal());
        tick();
        const updated = await adapter.updateComment(comment.id, { body: 'Edited' }, signal());
        await adapter.deleteComment(comment.id, signal());
        expect(mine).toEqual([
          { type: 'created', comment: expect.objectContaining({ id: comment.id }) },
          { type: 'updated', comment: expect.objectContaining({ id: comment.id, body: 'Edited', updatedAt: updated.updatedAt }) },
          { type: 'deleted', id: comment.id },
        ]);
        expect(others).toEqual([]);

        unsubscribe();
        await adapter.createComment(newComment(), signal());
        expect(mine).toHaveLength(3);
        await adapter.createComment(newComment({ threadId: 'other' }), signal());
        expect(others).toEqual([{ type: 'created', comment: expect.objectContaining({ threadId: 'other' }) }]);
      });
    });

    it('hands out copies: what a caller holds never changes behind its back, nor changes what is stored', async () => {
      const adapter = makeAdapter();
      const { comment: created } = await adapter.createComment(newComment({ body: 'Original' }), signal());
      created.body = 'Changed by the caller';
      const [listed] = (await list(adapter)).comments;
      expect(listed?.body).toBe('Original');

      listed!.author.name = 'Changed by the caller';
      expect((await list(adapter)).comments[0]?.author.name).toBe('Ann');

      const [held] = (await list(adapter)).comments;
      await adapter.updateComment(created.id, { body: 'Edited' }, signal());
      expect(held?.body).toBe('Original');
      expect(held?.updatedAt).toBeUndefined();
    });

    it('never returns the email it was given', async () => {
      const adapter = makeAdapter();
      const returned: unknown[] = [];
      adapter.subscribe?.('post', (event) => returned.push(event));
      const { comment } = await adapter.createComment(newComment(), signal());
      returned.push(comment);
      const { comment: reply } = await adapter.createComment(newComment({ parentId: comment.id, author: { email: 'SECRET-ANN@example.com' } }), signal());
      returned.push(reply);
      returned.push(await adapter.updateComment(comment.id, { body: 'Edited' }, signal()));
      returned.push(await list(adapter));
      returned.push(await list(adapter, 'post', 'newest'));
      await adapter.deleteComment(comment.id, signal());
      returned.push(await list(adapter));
      returned.push(await adapter.countComments(['post'], signal()));

      const text = JSON.stringify(returned).toLowerCase();
      expect(text).toContain(comment.id.toLowerCase());
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain('secret-ann');
    });

    it('gives every comment a unique nanoid', async () => {
      const adapter = makeAdapter();
      const created = await Promise.all(Array.from({ length: 50 }, () => adapter.createComment(newComment(), signal())));
      const all = created.map(({ comment }) => comment.id);
      expect(new Set(all).size).toBe(50);
      for (const id of all) expect(id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    });
  });
}

describeAdapterContract('memory', (options) => createMemoryAdapter(options));
describeAdapterContract('local', (options) => createLocalStorageAdapter(options));

describe('local adapter, beyond the contract', () => {
  it('keeps comments across adapter instances (a reload)', async () => {
    const first = createLocalStorageAdapter();
    const { comment } = await first.createComment(newComment(), signal());
    const second = createLocalStorageAdapter();
    expect(await list(second)).toEqual({ comments: [comment], nextCursor: null, total: 1 });
  });

  it('does not re-add the seed once the thread is stored', async () => {
    const seed = [seedComment('s1', 1), seedComment('s2', 2)];
    const first = createLocalStorageAdapter({ seed });
    await list(first);
    await first.deleteComment('s1', signal());
    const { comment } = await first.createComment(newComment(), signal());

    const second = createLocalStorageAdapter({ seed });
    expect(ids((await list(second)).comments)).toEqual(['s2', comment.id]);
  });

  it('lets another instance edit and delete a stored comment by id', async () => {
    const { comment } = await createLocalStorageAdapter().createComment(newComment(), signal());
    const second = createLocalStorageAdapter();
    expect((await second.updateComment(comment.id, { body: 'Edited after reload' }, signal())).body).toBe('Edited after reload');
    await createLocalStorageAdapter().deleteComment(comment.id, signal());
    expect((await list(createLocalStorageAdapter())).comments).toEqual([]);
  });

  it.each([
    ['corrupt JSON', '{"not json'],
    ['JSON of the wrong shape', '[{"id":1}]'],
    ['a JSON object', '{"comments":[]}'],
  ])('reads %s as an empty thread, then stores over it', async (_case, raw) => {
    localStorage.setItem('colloquy:comments:post', raw);
    const adapter = createLocalStorageAdapter({ seed: [seedComment('s1', 1)] });
    expect(await list(adapter)).toEqual({ comments: [], nextCursor: null, total: 0 });
    const { comment } = await adapter.createComment(newComment(), signal());
    expect(await list(createLocalStorageAdapter())).toEqual({ comments: [comment], nextCursor: null, total: 1 });
  });

  it('still returns the comment when localStorage refuses to store it', async () => {
    // On the instance: happy-dom binds Storage methods onto each instance on first use, so a stub on
    // Storage.prototype would not be seen by a localStorage that has already been used.
    const setItem = vi.spyOn(localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const adapter = createLocalStorageAdapter();
    const { comment } = await adapter.createComment(newComment(), signal());
    expect(setItem).toHaveBeenCalled();
    expect(comment.body).toBe('A thoughtful comment.');
    expect((await list(adapter)).comments).toEqual([comment]);
    setItem.mockRestore();
    expect(localStorage.getItem('colloquy:comments:post')).toBeNull();
  });

  it('stores one key per thread under its prefix, without the email', async () => {
    const adapter = createLocalStorageAdapter({ keyPrefix: 'blog:' });
    const { comment } = await adapter.createComment(newComment(), signal());
    expect(Object.keys(localStorage)).toEqual(['blog:post']);
    const raw = localStorage.getItem('blog:post') ?? '';
    expect(JSON.parse(raw)).toEqual([comment]);
    expect(raw).not.toContain(EMAIL);
  });
});
