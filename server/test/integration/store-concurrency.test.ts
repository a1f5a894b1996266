import { describe, expect, it } from 'vitest';
import type { CommentRecordInput, CreateResult } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { createStoreDatabase, inSqliteProcesses, selectedStores, useStoreDatabase, type StoreKind } from './stores';

const at = (ms: number) => new Date(Date.UTC(2024, 0, 1) + ms).toISOString();

function request(threadId: string, id: string, key: string, hash = `hash-${key}`): CommentRecordInput {
  return {
    id,
    threadId,
    threadTitle: 'Busy post',
    parentId: null,
    body: `Body for ${key} (${hash})`,
    authorName: 'Ann',
    authorEmail: 'ann@mail.example',
    avatarSeed: 'seed',
    editTokenHash: `token-${id}`,
    // Each attempt gets its own server time, as it would; a replay must still return the original's.
    createdAt: at(Number(id.replace(/\D/g, '')) || 0),
    idempotencyKey: key,
    requestHash: hash,
  };
}

/**
 * 200 calls: 150 with fresh keys, and 50 repeating an earlier call's key and request (a client
 * retrying), all issued at once so retries race their originals.
 */
function plan(threadId: string): CommentRecordInput[] {
  const calls: CommentRecordInput[] = [];
  for (let n = 0; n < 200; n++) {
    const key = n % 4 === 3 ? `key-${n - 2}` : `key-${n}`;
    calls.push(request(threadId, `c${n}`, key));
  }
  return calls;
}

/** Per key: exactly one 'created', every other call 'replayed' with that same comment. */
function expectOnePerKey(calls: readonly CommentRecordInput[], results: readonly CreateResult[]): Map<string, string> {
  const byKey = new Map<string, CreateResult[]>();
  calls.forEach((call, n) => byKey.set(call.idempotencyKey!, [...(byKey.get(call.idempotencyKey!) ?? []), results[n]!]));
  const idByKey = new Map<string, string>();
  for (const [key, outcomes] of byKey) {
    const created = outcomes.filter((outcome) => outcome.kind === 'created');
    expect(created, key).toHaveLength(1);
    const comment = created[0]!.kind === 'created' ? created[0]!.comment : undefined;
    for (const outcome of outcomes) {
      expect(outcome.kind === 'created' || outcome.kind === 'replayed', `${key}: ${outcome.kind}`).toBe(true);
      if (outcome.kind === 'replayed') expect(outcome.comment).toStrictEqual(comment);
    }
    idByKey.set(key, comment!.id);
  }
  return idByKey;
}

async function expectStored(store: Store, threadId: string, idByKey: Map<string, string>) {
  const page = await store.comments.list({ threadId, limit: 1000, sort: 'oldest' });
  expect(page.nextCursor).toBeNull();
  expect(page.comments.map((comment) => comment.id).sort()).toEqual([...idByKey.values()].sort());
  expect(await store.comments.count([threadId])).toStrictEqual({ [threadId]: idByKey.size });
}

function concurrency(kind: StoreKind) {
  describe(`Store under concurrency: ${kind}`, () => {
    // better-sqlite3 runs each call to the end before the next, so several instances (connections) are
    // what interleaves transactions on one file; PostgreSQL gets two pools, as two server processes would.
    const instances = kind === 'sqlite' ? 4 : 2;
    const stores: Store[] = [];
    const db = useStoreDatabase(kind, async (database) => {
      for (let n = 0; n < instances; n++) stores.push(database.open());
      await Promise.all(stores.map((store) => store.migrate()));
    });

    it('stores exactly one comment per idempotency key among 200 concurrent creates', async () => {
      const calls = plan('busy');
      const results = await Promise.all(calls.map((call, n) => stores[n % instances]!.comments.create(call)));
      expect(results.filter((result) => result.kind === 'created')).toHaveLength(150);
      expect(results.filter((result) => result.kind === 'replayed')).toHaveLength(50);
      await expectStored(stores[0]!, 'busy', expectOnePerKey(calls, results));
    });

    it('lets one of two concurrent requests with one key but different bodies win; the other conflicts', async () => {
      const calls = Array.from({ length: 40 }, (_, n) => request('contested', `d${n}`, `contested-${n >> 1}`, `hash-${n}`));
      const results = await Promise.all(calls.map((call, n) => stores[(n >> 1) % instances]!.comments.create(call)));
      for (let pair = 0; pair < 20; pair++) {
        expect([results[2 * pair]!.kind, results[2 * pair + 1]!.kind].sort(), `pair ${pair}`).toEqual(['conflict', 'created']);
      }
      expect(await db().query(`SELECT id FROM comments WHERE thread_id = 'contested'`)).toHaveLength(20);
    });

    it('reads and changes a status in one transaction: a delete racing a hold reports what it replaced', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 40; n++) {
        const result = await stores[0]!.comments.create({ ...request('raced', `r${n}`, `raced-${n}`), idempotencyKey: undefined });
        if (result.kind !== 'created') throw new Error(result.kind);
        ids.push(result.comment.id);
      }
      const outcomes = await Promise.all(
        ids.map(async (id, n) => {
          const [remove, hold] = await Promise.all([
            stores[n % instances]!.moderation.setStatus([id], 'deleted'),
            stores[(n + 1) % instances]!.moderation.setStatus([id], 'spam'),
          ]);
          return { remove: remove[0]!, hold: hold[0]! };
        }),
      );
      for (const { remove, hold } of outcomes) {
        // Either the delete came first (the hold finds nothing) or the hold did (the delete replaced 'spam'): never both from 'approved'.
        if (hold.outcome === 'not-found') expect(remove).toMatchObject({ outcome: 'removed', previous: 'approved' });
        else
          expect([hold, remove]).toMatchObject([
            { outcome: 'changed', previous: 'approved' },
            { outcome: 'removed', previous: 'spam' },
          ]);
      }
    });
  });
}

for (const kind of selectedStores()) concurrency(kind);

describe.runIf(selectedStores().includes('sqlite'))('SQLite store shared by several processes', () => {
  it('keeps one comment per key when three processes write one fresh file at once', async () => {
    const database = await createStoreDatabase('sqlite');
    try {
      // Each process sends the same 40 shared keys (a client retrying against another server) and 20 of its own.
      const callsOf = (p: number) => Array.from({ length: 60 }, (_, n) => request('multi', `p${p}n${n}`, n % 3 === 2 ? `own-${p}-${n}` : `shared-${n}`));
      const processes = [0, 1, 2].map((p) => callsOf(p));
      const outputs = await inSqliteProcesses<CreateResult>(
        database.path!,
        'for (const call of input) output.push(await store.comments.create(call));',
        processes,
      );
      const calls = processes.flat();
      const results = outputs.flat();
      const idByKey = expectOnePerKey(calls, results);
      expect(idByKey.size).toBe(40 + 3 * 20);
      const reader = database.open();
      await expectStored(reader, 'multi', idByKey);
    } finally {
      await database.destroy();
    }
  });
});
