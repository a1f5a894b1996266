import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import type { ChangeWatch, Store } from '../../src/store/interfaces';
import { at, createRecord, eventually, recordInput, selectedStores, useStoreDatabase, type StoreDatabase, type StoreKind } from './stores';

/*
 * The change feed the read cache listens to, on every engine: each write rule announces the thread it
 * changed once it has committed (and nothing when it rolls back); another store on the same database
 * is heard too (PostgreSQL: NOTIFY, SQLite: data_version), and a PostgreSQL listener that loses its
 * connection reconnects and says that anything may have changed meanwhile.
 */

const thread = () => `thread-${nanoid(8)}`;

/** What a watch of `store` hears; `take()` returns it and starts afresh. */
function listen(store: Store): { watch: ChangeWatch; heard: (string | null)[]; take(): (string | null)[] } {
  const heard: (string | null)[] = [];
  const watch = store.changes.watch((threadId) => heard.push(threadId));
  return { watch, heard, take: () => heard.splice(0) };
}

function changeContract(kind: StoreKind) {
  describe(`Store change feed: ${kind}`, () => {
    let store: Store;
    const db = useStoreDatabase(kind, async (database: StoreDatabase) => {
      store = database.open();
      await store.migrate();
    });

    it('announces the thread of each write, after its commit, and nothing for writes that change nothing', async () => {
      const feed = listen(store);
      await feed.watch.ready;
      feed.take();
      try {
        const [a, b] = [thread(), thread()];
        const first = await createRecord(store, a, { createdAt: at(1), idempotencyKey: `key-${a}`, requestHash: 'h1' });
        expect(feed.take()).toEqual([a]);
        const reply = await createRecord(store, a, { createdAt: at(2), parentId: first.id });
        const other = await createRecord(store, b, { createdAt: at(3) });
        expect(feed.take()).toEqual([a, b]);

        // Rolled back or refused: a replay, a key reused for something else, a parent in another thread, an unknown id.
        expect((await store.comments.create(recordInput(a, { idempotencyKey: `key-${a}`, requestHash: 'h1' }))).kind).toBe('replayed');
        expect((await store.comments.create(recordInput(a, { idempotencyKey: `key-${a}`, requestHash: 'h2' }))).kind).toBe('conflict');
        expect((await store.comments.create(recordInput(b, { parentId: first.id }))).kind).toBe('parent-not-found');
        expect(await store.comments.updateBody('nope', { body: 'x', bodyFingerprint: 'x', updatedAt: at(4) })).toBeNull();
        expect(await store.comments.delete('nope')).toBe('not-found');
        expect(await store.moderation.setStatus(['nope'], 'spam')).toEqual([{ id: 'nope', outcome: 'not-found' }]);
        expect(await store.moderation.setStatus([other.id], 'approved')).toEqual([{ id: other.id, outcome: 'unchanged', previous: 'approved' }]);
        expect(feed.take()).toEqual([]);

        await store.comments.updateBody(reply.id, { body: 'Edited.', bodyFingerprint: 'edited', updatedAt: at(5) });
        expect(feed.take()).toEqual([a]);
        await store.comments.updateBody(other.id, { body: 'Held.', bodyFingerprint: 'held', updatedAt: at(5), status: 'pending' });
        expect(feed.take()).toEqual([b]);
        await store.moderation.setStatus([other.id, reply.id], 'spam');
        expect(feed.take()).toEqual([b, a]);
        await store.moderation.setStatus([reply.id], 'approved');
        expect(feed.take()).toEqual([a]);
        // A placeholder (first has a reply), then the removal of the reply and of the placeholder above it.
        expect(await store.comments.delete(first.id)).toBe('placeholder');
        expect(feed.take()).toEqual([a]);
        expect(await store.moderation.setStatus([reply.id], 'deleted')).toMatchObject([{ outcome: 'removed' }]);
        expect(feed.take()).toEqual([a]);
        // The owner's correction of a thread's title; one of a thread nobody commented on changes nothing.
        expect(await store.moderation.updateThread(b, { title: 'Corrected' })).toMatchObject({ title: 'Corrected' });
        expect(feed.take()).toEqual([b]);
        expect(await store.moderation.updateThread('no-such-thread', { title: 'x' })).toBeNull();
        expect(feed.take()).toEqual([]);
      } finally {
        await feed.watch.stop();
      }
      // Stopped: nothing more is heard.
      await createRecord(store, thread());
      expect(feed.heard).toEqual([]);
    });

    it("hears another store's commits on the same database", async () => {
      const other = db().open();
      const feed = listen(store);
      try {
        await feed.watch.ready;
        expect(feed.watch.live).toBe(true);
        feed.take();
        const threadId = thread();
        await createRecord(other, threadId);
        if (kind === 'sqlite') {
          // Polled, not pushed: which thread the other connection changed is not known, so any may have.
          expect(feed.heard).toEqual([]);
          feed.watch.check();
          expect(feed.take()).toEqual([null]);
          feed.watch.check();
          expect(feed.take()).toEqual([]);
        } else {
          await eventually(() => feed.heard.includes(threadId), `the other store's change to ${threadId} is heard`);
          expect(feed.take()).toEqual([threadId]);
        }
        if (kind === 'postgres') {
          // A thread id too long for a notification's payload still tells the others: any thread may have changed.
          await createRecord(other, `long-${'x'.repeat(8000)}`);
          await eventually(() => feed.heard.includes(null), 'the change to a thread with a long id is heard');
          feed.take();
        }
        // Its own commits are announced once, at commit, not again when its NOTIFY comes back.
        const own = thread();
        await createRecord(store, own);
        const marker = thread();
        await createRecord(other, marker);
        if (kind === 'postgres') await eventually(() => feed.heard.includes(marker), 'the marker is heard');
        else feed.watch.check();
        expect(feed.take().filter((id) => id === own)).toEqual([own]);
      } finally {
        await feed.watch.stop();
      }
    });

    if (kind === 'postgres') {
      it('reconnects when its LISTEN connection is lost, says that anything may have changed, and hears changes again', async () => {
        const other = db().open();
        const feed = listen(store);
        try {
          await feed.watch.ready;
          feed.take();
          const [listener] = await db().query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'colloquy-listen' AND query = 'LISTEN colloquy_changes' AND pid <> pg_backend_pid() ORDER BY backend_start DESC LIMIT 1",
          );
          await db().query('SELECT pg_terminate_backend(?)', [listener!.pid]);
          await eventually(() => !feed.watch.live, 'the lost connection is noticed');
          expect(feed.take()).toEqual([null]);
          await eventually(() => feed.watch.live, 'it listens again');
          expect(feed.take()).toEqual([null]);
          const threadId = thread();
          await createRecord(other, threadId);
          await eventually(() => feed.heard.includes(threadId), 'a change after reconnecting is heard');
        } finally {
          await feed.watch.stop();
        }
      });
    }
  });
}

for (const kind of selectedStores()) changeContract(kind);
