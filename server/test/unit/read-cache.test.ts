import { describe, expect, it } from 'vitest';
import { createReadCache, type ReadCache } from '../../src/cache/read-cache';
import { isFresh } from '../../src/cache/conditional';
import type { ChangeFeed, ChangeListener } from '../../src/store/interfaces';

/** A change feed the test drives: `change(id)` is a commit, `live` the state of the listener, `polled` what check() reports. */
function fakeChanges() {
  let listener: ChangeListener = () => {};
  const state = { live: true, checks: 0, polled: false };
  const feed: ChangeFeed = {
    watch(heard) {
      listener = heard;
      return {
        get live() {
          return state.live;
        },
        ready: Promise.resolve(),
        check() {
          state.checks++;
          if (state.polled) listener(null);
          state.polled = false;
        },
        stop: async () => {},
      };
    },
  };
  return { feed, state, change: (threadId: string | null) => listener(threadId) };
}

/** A render that counts its calls and answers which call it was. */
function counter() {
  const calls = { count: 0 };
  return { calls, counted: async () => `body ${++calls.count}` };
}

async function started(maxBytes = 1 << 20) {
  const changes = fakeChanges();
  const cache = createReadCache({ changes: changes.feed, maxBytes });
  await cache.start();
  return { cache, ...changes };
}

const read = (cache: ReadCache, key: string, shows: readonly string[] | 'every thread', render: () => Promise<string>) =>
  cache.get(key, shows, render).then(({ body }) => body);

describe('the read cache', () => {
  it('renders a key once, gives it a strong ETag, and renders again only after a change to a thread it shows', async () => {
    const { cache, change } = await started();
    const { calls, counted } = counter();
    const first = await cache.get('page', ['a', 'b'], counted);
    expect(first.etag).toMatch(/^"[\w-]{27}"$/);
    expect(await cache.get('page', ['a', 'b'], counted)).toBe(first);
    change('c');
    expect(await read(cache, 'page', ['a', 'b'], counted)).toBe('body 1');
    change('b');
    expect(await read(cache, 'page', ['a', 'b'], counted)).toBe('body 2');
    change(null);
    expect(await read(cache, 'page', ['a', 'b'], counted)).toBe('body 3');
    expect(calls.count).toBe(3);
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 2, renders: 3 });
  });

  it("forgets what shows every thread (the site feed) on any thread's change", async () => {
    const { cache, change } = await started();
    const { counted } = counter();
    await read(cache, 'site', 'every thread', counted);
    expect(await read(cache, 'site', 'every thread', counted)).toBe('body 1');
    change('any');
    expect(await read(cache, 'site', 'every thread', counted)).toBe('body 2');
  });

  it('renders once for concurrent misses of one key', async () => {
    const { cache } = await started();
    const { calls, counted } = counter();
    const bodies = await Promise.all(Array.from({ length: 4 }, () => read(cache, 'feed', ['a'], counted)));
    expect(bodies).toEqual(['body 1', 'body 1', 'body 1', 'body 1']);
    expect(calls.count).toBe(1);
  });

  it('does not keep a render that a change overtook, nor let later readers wait for it', async () => {
    const { cache, change } = await started();
    let finish!: (body: string) => void;
    const slow = cache.get('page', ['a'], () => new Promise<string>((resolve) => (finish = resolve)));
    await Promise.resolve();
    // A write commits while the old state is being read: the next reader must not get that read.
    change('a');
    const after = read(cache, 'page', ['a'], async () => 'new');
    finish('old');
    expect((await slow).body).toBe('old');
    expect(await after).toBe('new');
    expect(await read(cache, 'page', ['a'], async () => 'never')).toBe('new');
  });

  it('evicts the least recently used bodies beyond its budget of bytes, and keeps no body larger than the budget', async () => {
    const { cache } = await started(1000);
    const body = (fill: string) => async () => fill.repeat(300);
    await read(cache, 'one', ['a'], body('1'));
    await read(cache, 'two', ['a'], body('2'));
    // 'one' is used again, so 'two' is the least recently used when 'three' needs room.
    await read(cache, 'one', ['a'], body('x'));
    await read(cache, 'three', ['a'], body('3'));
    expect(cache.stats()).toMatchObject({ entries: 2, maxBytes: 1000 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(1000);
    expect(await read(cache, 'one', ['a'], body('x'))).toBe('1'.repeat(300));
    expect(await read(cache, 'two', ['a'], body('y'))).toBe('y'.repeat(300));
    await read(cache, 'huge', ['a'], async () => 'h'.repeat(2000));
    expect(await read(cache, 'huge', ['a'], async () => 'again')).toBe('again');
  });

  it('serves nothing it holds while not live, and polls before serving', async () => {
    const { cache, state } = await started();
    const { calls, counted } = counter();
    await read(cache, 'page', ['a'], counted);
    state.live = false;
    expect(await read(cache, 'page', ['a'], counted)).toBe('body 2');
    expect(await read(cache, 'page', ['a'], counted)).toBe('body 3');
    state.live = true;
    // What it learns by polling (another SQLite connection wrote) it forgets before answering.
    state.polled = true;
    expect(await read(cache, 'page', ['a'], counted)).toBe('body 4');
    expect(calls.count).toBe(4);
    expect(state.checks).toBeGreaterThan(0);
  });

  it('with 0 bytes, is off: every read renders, with its ETag', async () => {
    const { cache } = await started(0);
    const { calls, counted } = counter();
    const [a, b] = [await cache.get('page', ['a'], counted), await cache.get('page', ['a'], counted)];
    expect(a.etag).not.toBe(b.etag);
    expect(calls.count).toBe(2);
    expect(cache.stats().entries).toBe(0);
  });
});

describe('isFresh (If-None-Match)', () => {
  it('compares weakly, accepts lists and *, and refuses anything else', () => {
    expect(isFresh(undefined, '"a"')).toBe(false);
    expect(isFresh('"a"', '"a"')).toBe(true);
    expect(isFresh('W/"a"', '"a"')).toBe(true);
    expect(isFresh('"a"', 'W/"a"')).toBe(true);
    expect(isFresh('"b", W/"a"', '"a"')).toBe(true);
    expect(isFresh('*', '"a"')).toBe(true);
    expect(isFresh('"b"', '"a"')).toBe(false);
    expect(isFresh('a', '"a"')).toBe(false);
  });
});
