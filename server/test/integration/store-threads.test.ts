import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import type { CommentRecordInput, NotificationJob } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { at, createRecord, selectedStores, useStoreDatabase, type StoreKind } from './stores';

/*
 * What the stores keep of a thread and of a commenter that readers and mail recipients never chose,
 * on every engine: only a published comment names a thread (a held one when it is approved), the
 * owner corrects a thread, a held author's subscription waits for the approval, confirmation mails
 * are counted per mailbox, and stored avatar seeds are keyed once per database.
 */

const thread = () => `thread-${nanoid(8)}`;
const create = (store: Store, threadId: string, overrides: Partial<CommentRecordInput> = {}) => createRecord(store, threadId, overrides);
const hacked = { threadTitle: 'Hacked: visit evil.example', pageUrl: 'https://evil.example/phish' };

function threadContract(kind: StoreKind) {
  describe(`Store contract, threads, subscriptions and avatar seeds: ${kind}`, () => {
    let store: Store;
    const db = useStoreDatabase(kind, async (database) => {
      store = database.open();
      await store.migrate();
    });

    /** The jobs queued in the outbox (and leaves them there for nobody: each test reads its own by comment id). */
    const jobsFor = async (commentId: string): Promise<NotificationJob[]> =>
      (await db().query<{ message: string }>("SELECT message FROM mail_outbox WHERE kind = 'job' ORDER BY id"))
        .map((row) => JSON.parse(row.message) as NotificationJob)
        .filter((job) => job.commentId === commentId);

    it('lets no held comment name its thread: its title and address wait for its approval', async () => {
      const threadId = thread();
      const spam = await create(store, threadId, { ...hacked, status: 'spam', createdAt: at(1) });
      const pending = await create(store, threadId, {
        threadTitle: 'The real post',
        pageUrl: 'https://blog.example/post',
        status: 'pending',
        createdAt: at(2),
      });
      const untitled = { id: threadId, title: null, url: null };
      expect(await store.moderation.getThread(threadId)).toStrictEqual(untitled);
      expect(await store.comments.getThread(threadId)).toStrictEqual({ id: threadId, title: null, count: 0 });
      // The owner sees what approving each would give the thread.
      expect((await store.moderation.list({ threadId, limit: 10 })).map((e) => [e.id, e.threadTitle, e.threadUrl, e.pageTitle, e.pageUrl])).toEqual([
        [pending.id, null, null, 'The real post', 'https://blog.example/post'],
        [spam.id, null, null, hacked.threadTitle, hacked.pageUrl],
      ]);
      // Deleting the spam leaves nothing of it on the thread.
      await store.moderation.setStatus([spam.id], 'deleted');
      expect(await store.moderation.getThread(threadId)).toStrictEqual(untitled);

      await store.moderation.setStatus([pending.id], 'approved');
      const named = { id: threadId, title: 'The real post', url: 'https://blog.example/post' };
      expect(await store.moderation.getThread(threadId)).toStrictEqual(named);
      const [recent] = await store.comments.listRecentApproved({ threadId, limit: 1 });
      expect(recent?.thread).toStrictEqual({ title: named.title, url: named.url });
      // A later approval, or a later published comment, fills nothing that is there.
      const late = await create(store, threadId, { ...hacked, status: 'pending', createdAt: at(3) });
      await store.moderation.setStatus([late.id], 'approved');
      await create(store, threadId, { ...hacked, createdAt: at(4) });
      expect(await store.moderation.getThread(threadId)).toStrictEqual(named);
    });

    it('gives a published comment’s title and address to its thread when it has none', async () => {
      const threadId = thread();
      await create(store, threadId, { status: 'pending', ...hacked });
      await create(store, threadId, { threadTitle: 'Published first', createdAt: at(1) });
      expect(await store.moderation.getThread(threadId)).toStrictEqual({ id: threadId, title: 'Published first', url: null });
      await create(store, threadId, { threadTitle: 'Renamed', pageUrl: 'https://blog.example/p', createdAt: at(2) });
      expect(await store.moderation.getThread(threadId)).toStrictEqual({ id: threadId, title: 'Published first', url: 'https://blog.example/p' });
    });

    it('lets the owner correct a thread: each field given replaces the stored one, null clears it', async () => {
      const threadId = thread();
      await create(store, threadId, hacked);
      expect(await store.moderation.updateThread(threadId, { title: 'The real post' })).toStrictEqual({
        id: threadId,
        title: 'The real post',
        url: hacked.pageUrl,
      });
      expect(await store.moderation.updateThread(threadId, { url: null })).toStrictEqual({ id: threadId, title: 'The real post', url: null });
      expect(await store.moderation.updateThread(threadId, {})).toStrictEqual({ id: threadId, title: 'The real post', url: null });
      expect(await store.comments.getThread(threadId)).toMatchObject({ title: 'The real post' });
      expect(await store.moderation.updateThread(thread(), { title: 'Nobody posted here' })).toBeNull();
      expect(await store.moderation.getThread(thread())).toBeNull();
    });

    it('subscribes a held comment’s author with its approval, once, and a published one’s at once', async () => {
      const threadId = thread();
      const notification = { toOwner: true, subscribeAuthor: true, toFollowers: false };
      const held = await create(store, threadId, { status: 'pending', notification });
      const published = await create(store, threadId, { notification });
      const quiet = await create(store, threadId, { status: 'pending', notification: { ...notification, subscribeAuthor: false } });
      expect((await jobsFor(held.id)).map((job) => job.subscribeAuthor)).toEqual([false]);
      expect((await jobsFor(published.id)).map((job) => job.subscribeAuthor)).toEqual([true]);

      const due = { notifyFollowersAt: at(10) };
      await store.moderation.setStatus([held.id, quiet.id], 'approved', due);
      expect(await jobsFor(held.id)).toMatchObject([{ subscribeAuthor: false }, { subscribeAuthor: true, toFollowers: true, toOwner: false }]);
      expect((await jobsFor(quiet.id)).map((job) => job.subscribeAuthor)).toEqual([false, false]);
      // Held and approved again, it tells followers again but asks nobody to subscribe twice.
      await store.moderation.setStatus([held.id], 'pending');
      await store.moderation.setStatus([held.id], 'approved', due);
      expect((await jobsFor(held.id)).map((job) => job.subscribeAuthor)).toEqual([false, true, false]);
    });

    it('counts confirmation mails per mailbox: any case, any +tag', async () => {
      const box = `victim-${nanoid(6)}`;
      const since = at(0);
      const ask = async (email: string) => {
        const subscription = await store.subscriptions.subscribe({ id: nanoid(), email, threadId: thread(), at: at(1), confirmationsSince: since });
        const job = await create(store, thread(), { notification: { toOwner: false, subscribeAuthor: false, toFollowers: false } });
        const [item] = (await store.outbox.claim(at(100), at(200), 100)).filter((claimed) => claimed.message.includes(job.id));
        await store.outbox.completeJob(item!.id, { mails: [], at: at(1), confirmation: { subscriptionId: subscription.id, nonce: nanoid() } });
        return subscription.recentConfirmations;
      };
      expect(await ask(`${box}+1@example.test`)).toBe(0);
      expect(await ask(`${box.toUpperCase()}+2@EXAMPLE.test`)).toBe(1);
      expect(await ask(`${box}@example.test`)).toBe(2);
      expect(await ask(`${box}+a+b@example.test`)).toBe(3);
      // Another mailbox, and the same local part at another domain, count apart.
      expect(await ask(`${box}x+1@example.test`)).toBe(0);
      expect(await ask(`${box}@example.org`)).toBe(0);
    });

    it('keys the stored avatar seeds once per database, in one go, even when two instances start together', async () => {
      const threadId = thread();
      const parent = await create(store, threadId, { avatarSeed: 'fingerprint-a' });
      await create(store, threadId, { avatarSeed: 'fingerprint-a', parentId: parent.id });
      await create(store, threadId, { avatarSeed: 'fingerprint-b' });
      await store.comments.delete(parent.id);
      const stored = async () =>
        (await db().query<{ avatar_seed: string }>('SELECT avatar_seed FROM comments WHERE thread_id = ? ORDER BY created_at, id', [threadId]))
          .map((row) => row.avatar_seed)
          .sort();
      const before = await stored();
      expect(before).toEqual(['', 'fingerprint-a', 'fingerprint-b']);

      const [first, second] = [db().open(), db().open()];
      const answers = await Promise.all([first, second].map((instance) => instance.comments.keyAvatarSeeds((seed) => `keyed(${seed})`)));
      // Every comment of every test so far went through one of them, and only one.
      expect(answers.filter((answer) => answer === null)).toHaveLength(1);
      const [count] = await db().query<{ n: number | string }>("SELECT count(*) AS n FROM comments WHERE avatar_seed <> ''");
      expect(answers.find((answer) => answer !== null)).toBe(Number(count!.n));
      // Placeholders keep no seed; each author keeps one seed across their comments.
      expect(await stored()).toEqual(['', 'keyed(fingerprint-a)', 'keyed(fingerprint-b)']);
      expect(await store.comments.keyAvatarSeeds((seed) => `again(${seed})`)).toBeNull();
      expect(await stored()).toEqual(['', 'keyed(fingerprint-a)', 'keyed(fingerprint-b)']);
    });
  });
}

for (const kind of selectedStores()) threadContract(kind);
