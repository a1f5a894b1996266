import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/interfaces';
import type { Identity } from '../../src/store/types';
import { at, createRecord, selectedStores, useStoreDatabase, type StoreKind } from './stores';

const github = (subject: string, overrides: Partial<Identity> = {}): Identity => ({
  provider: 'github',
  subject,
  name: `User ${subject}`,
  email: `${subject}@mail.example`,
  ...overrides,
});

/** The contract of users and reader sessions (migration 9); run once per engine. */
function users(kind: StoreKind) {
  describe(`Store contract, users and reader sessions: ${kind}`, () => {
    // Two instances on one database, as two server processes would have.
    const stores: Store[] = [];
    const db = useStoreDatabase(kind, async (database) => {
      stores.push(database.open(), database.open());
      for (const store of stores) await store.migrate();
    });
    const first = () => stores[0]!;
    const second = () => stores[1]!;

    it('creates a user per (provider, subject) and brings it up to date at each sign-in', async () => {
      const created = await first().users.signIn(github('1', { avatarUrl: 'https://avatars.example/1' }), 'u-1', at(0));
      expect(created).toStrictEqual({
        id: 'u-1',
        provider: 'github',
        subject: '1',
        name: 'User 1',
        email: '1@mail.example',
        avatarUrl: 'https://avatars.example/1',
        blockedAt: null,
        createdAt: at(0),
        updatedAt: at(0),
      });
      // The same account again (another id offered): the stored user, renamed as the provider says now.
      const again = await second().users.signIn(github('1', { name: 'Renamed', email: '' }), 'u-other', at(10));
      expect(again).toStrictEqual({ ...created, name: 'Renamed', email: '', avatarUrl: null, updatedAt: at(10) });
      // The same subject at another provider is another user.
      expect((await first().users.signIn({ ...github('1'), provider: 'oidc' }, 'u-2', at(20))).id).toBe('u-2');
      expect(await second().users.get('u-1')).toStrictEqual(again);
      expect(await second().users.get('nobody')).toBeNull();
    });

    it('keeps a reader session until it expires, with its user, and ends it on delete', async () => {
      await first().users.signIn(github('s1'), 'u-s1', at(0));
      await first().readerSessions.create({ tokenHash: 'h-s1', userId: 'u-s1', createdAt: at(0), expiresAt: at(3600) });
      const found = await second().readerSessions.get('h-s1', at(3599, 999));
      expect(found?.session).toStrictEqual({ tokenHash: 'h-s1', userId: 'u-s1', createdAt: at(0), expiresAt: at(3600) });
      expect(found?.user).toMatchObject({ id: 'u-s1', name: 'User s1' });
      expect(await second().readerSessions.get('h-s1', at(3600))).toBeNull();
      expect(await second().readerSessions.get('h-unknown', at(0))).toBeNull();
      expect(await second().readerSessions.delete('h-s1')).toBe(true);
      expect(await first().readerSessions.get('h-s1', at(1))).toBeNull();
      expect(await first().readerSessions.delete('h-s1')).toBe(false);
    });

    it('refuses a session for a user that does not exist, and a token hash already stored', async () => {
      await expect(first().readerSessions.create({ tokenHash: 'h-ghost', userId: 'ghost', createdAt: at(0), expiresAt: at(10) })).rejects.toThrow();
      await first().users.signIn(github('t'), 'u-t', at(0));
      await first().readerSessions.create({ tokenHash: 'h-twice', userId: 'u-t', createdAt: at(0), expiresAt: at(10) });
      await expect(second().readerSessions.create({ tokenHash: 'h-twice', userId: 'u-t', createdAt: at(1), expiresAt: at(10) })).rejects.toThrow();
    });

    it('removes expired sessions when a new one is created', async () => {
      await first().users.signIn(github('x'), 'u-x', at(0));
      await first().readerSessions.create({ tokenHash: 'h-x-old', userId: 'u-x', createdAt: at(0), expiresAt: at(5000) });
      await first().readerSessions.create({ tokenHash: 'h-x-live', userId: 'u-x', createdAt: at(0), expiresAt: at(9000) });
      await second().readerSessions.create({ tokenHash: 'h-x-new', userId: 'u-x', createdAt: at(5000), expiresAt: at(9000) });
      const left = await db().query<{ token_hash: string }>("SELECT token_hash FROM reader_sessions WHERE user_id = 'u-x' ORDER BY token_hash");
      expect(left.map((row) => row.token_hash)).toEqual(['h-x-live', 'h-x-new']);
    });

    it('rotates a session: the new token lives on, the old one only until the grace time', async () => {
      await first().users.signIn(github('r'), 'u-r', at(0));
      await first().readerSessions.create({ tokenHash: 'h-r1', userId: 'u-r', createdAt: at(0), expiresAt: at(1000) });
      expect(await second().readerSessions.rotate('h-r1', { tokenHash: 'h-r2', userId: 'u-r', createdAt: at(100), expiresAt: at(2000) }, at(160))).toBe(true);
      expect((await first().readerSessions.get('h-r1', at(159)))?.session.expiresAt).toBe(at(160));
      expect(await first().readerSessions.get('h-r1', at(160))).toBeNull();
      expect((await first().readerSessions.get('h-r2', at(1999)))?.user.id).toBe('u-r');
      // A grace time past the old expiry does not lengthen it.
      await first().readerSessions.create({ tokenHash: 'h-r3', userId: 'u-r', createdAt: at(0), expiresAt: at(50) });
      expect(await first().readerSessions.rotate('h-r3', { tokenHash: 'h-r4', userId: 'u-r', createdAt: at(10), expiresAt: at(2000) }, at(70))).toBe(true);
      expect((await first().readerSessions.get('h-r3', at(11)))?.session.expiresAt).toBe(at(50));
      // A session that is gone, or another user's, is not rotated, and nothing is stored.
      expect(await first().readerSessions.rotate('h-gone', { tokenHash: 'h-r5', userId: 'u-r', createdAt: at(10), expiresAt: at(2000) }, at(70))).toBe(false);
      await first().users.signIn(github('r-other'), 'u-r-other', at(0));
      expect(await first().readerSessions.rotate('h-r2', { tokenHash: 'h-r6', userId: 'u-r-other', createdAt: at(10), expiresAt: at(2000) }, at(70))).toBe(
        false,
      );
      expect(await first().readerSessions.get('h-r5', at(11))).toBeNull();
      expect(await first().readerSessions.get('h-r6', at(11))).toBeNull();
    });

    it('blocks a user, ending every session of theirs, and unblocks them', async () => {
      await first().users.signIn(github('b'), 'u-b', at(0));
      await first().readerSessions.create({ tokenHash: 'h-b1', userId: 'u-b', createdAt: at(0), expiresAt: at(1000) });
      await first().readerSessions.create({ tokenHash: 'h-b2', userId: 'u-b', createdAt: at(0), expiresAt: at(1000) });
      expect(await second().users.setBlocked('u-b', true, at(5))).toMatchObject({ id: 'u-b', blockedAt: at(5) });
      expect(await first().readerSessions.get('h-b1', at(6))).toBeNull();
      expect(await first().readerSessions.get('h-b2', at(6))).toBeNull();
      // Blocked again: since the first time. A sign-in answers the user as blocked.
      expect((await second().users.setBlocked('u-b', true, at(9)))?.blockedAt).toBe(at(5));
      expect((await first().users.signIn(github('b'), 'u-new', at(10))).blockedAt).toBe(at(5));
      expect(await first().users.list({ blocked: true, q: 'user b', limit: 10 })).toMatchObject([{ id: 'u-b' }]);
      expect((await second().users.setBlocked('u-b', false, at(20)))?.blockedAt).toBeNull();
      expect(await first().users.list({ blocked: true, q: 'user b', limit: 10 })).toEqual([]);
      expect(await first().users.setBlocked('nobody', true, at(20))).toBeNull();
    });

    it('lists users newest first, by page, and finds them by name, email or subject', async () => {
      for (const n of [1, 2, 3]) await first().users.signIn(github(`l${n}`, { name: `Lister ${n}`, email: `lister${n}@list.example` }), `u-l${n}`, at(100 + n));
      const page = await second().users.list({ q: 'LIST.example', limit: 2 });
      expect(page.map((user) => user.id)).toEqual(['u-l3', 'u-l2']);
      const next = await second().users.list({ q: 'list.example', limit: 2, before: { createdAt: page[1]!.createdAt, id: page[1]!.id } });
      expect(next.map((user) => user.id)).toEqual(['u-l1']);
      expect((await second().users.list({ q: 'l2', limit: 5 })).map((user) => user.id)).toEqual(['u-l2']);
      // LIKE's wildcards are taken literally.
      expect(await second().users.list({ q: '%', limit: 5 })).toEqual([]);
    });

    it('knows whether a user has an approved comment, and marks their comments as verified', async () => {
      await first().users.signIn(github('c'), 'u-c', at(0));
      expect(await second().users.hasApprovedComment('u-c')).toBe(false);
      const held = await createRecord(first(), 'users-t1', { status: 'pending', user: { id: 'u-c', verifiedBy: 'GitHub' } });
      expect(held.author).toMatchObject({ userId: 'u-c', verifiedBy: 'GitHub' });
      expect(await second().users.hasApprovedComment('u-c')).toBe(false);
      await createRecord(first(), 'users-t1', { user: { id: 'u-c', verifiedBy: 'GitHub' } });
      expect(await second().users.hasApprovedComment('u-c')).toBe(true);
      const { comments } = await second().comments.list({ threadId: 'users-t1', limit: 10, sort: 'oldest' });
      expect(comments.map((comment) => comment.author.verifiedBy)).toEqual(['GitHub']);
      // A guest's comment carries no mark.
      const guest = await createRecord(first(), 'users-t1');
      expect(guest.author).not.toHaveProperty('verifiedBy');
      expect(guest.author).not.toHaveProperty('userId');
    });

    it('exports everything stored about a user: the account and every comment of theirs with its thread', async () => {
      await first().users.signIn(github('e'), 'u-e', at(0));
      const mine = await createRecord(first(), 'users-e', {
        threadTitle: 'Export',
        pageUrl: 'https://blog.example/e',
        user: { id: 'u-e', verifiedBy: 'GitHub' },
      });
      const held = await createRecord(first(), 'users-e2', { status: 'spam', createdAt: at(5), user: { id: 'u-e', verifiedBy: 'GitHub' } });
      await createRecord(first(), 'users-e', { createdAt: at(6) });
      const exported = await second().users.exportData('u-e');
      expect(exported?.user).toMatchObject({ id: 'u-e', email: 'e@mail.example' });
      expect(exported?.comments).toStrictEqual([
        { comment: mine, thread: { id: 'users-e', title: 'Export', url: 'https://blog.example/e' } },
        { comment: held, thread: { id: 'users-e2', title: null, url: null } },
      ]);
      expect(await second().users.exportData('nobody')).toBeNull();
    });

    it('deletes an account keeping its comments anonymised: nothing else of the user remains', async () => {
      await first().users.signIn(github('d1', { email: 'd1@mail.example' }), 'u-d1', at(0));
      await first().readerSessions.create({ tokenHash: 'h-d1', userId: 'u-d1', createdAt: at(0), expiresAt: at(1000) });
      await first().subscriptions.subscribe({ id: 'sub-d1', email: 'd1@mail.example', threadId: 'users-d1', at: at(0), confirmationsSince: at(0) });
      const kept = await createRecord(first(), 'users-d1', {
        authorName: 'User d1',
        authorEmail: 'd1@mail.example',
        authorUrl: 'https://d1.example',
        user: { id: 'u-d1', verifiedBy: 'GitHub' },
      });
      expect(await second().users.delete('u-d1', 'anonymise')).toBe(true);
      const { comments } = await first().comments.list({ threadId: 'users-d1', limit: 10, sort: 'oldest' });
      expect(comments).toStrictEqual([{ ...kept, author: { name: 'Deleted user', avatarSeed: '' } }]);
      const traces = await db().query(
        "SELECT 1 FROM comments WHERE user_id = 'u-d1' OR author_email <> '' AND author_email = 'd1@mail.example' OR author_url = 'https://d1.example' " +
          "UNION ALL SELECT 1 FROM users WHERE id = 'u-d1' UNION ALL SELECT 1 FROM reader_sessions WHERE user_id = 'u-d1' " +
          "UNION ALL SELECT 1 FROM subscriptions WHERE email = 'd1@mail.example'",
      );
      expect(traces).toEqual([]);
      expect(await second().users.delete('u-d1', 'anonymise')).toBe(false);
    });

    it("deletes an account with its comments: removed, or placeholders where others' replies hang on them", async () => {
      await first().users.signIn(github('d2'), 'u-d2', at(0));
      const user = { id: 'u-d2', verifiedBy: 'GitHub' };
      const answered = await createRecord(first(), 'users-d2', { user });
      const reply = await createRecord(first(), 'users-d2', { parentId: answered.id, createdAt: at(1) });
      const alone = await createRecord(first(), 'users-d2', { createdAt: at(2), user });
      // Their own reply under their own comment: both go, no placeholder is left for it.
      const ownThread = await createRecord(first(), 'users-d2', { createdAt: at(3), user });
      await createRecord(first(), 'users-d2', { parentId: ownThread.id, createdAt: at(4), user });
      expect(await second().users.delete('u-d2', 'delete')).toBe(true);
      const { comments } = await first().comments.list({ threadId: 'users-d2', limit: 10, sort: 'oldest' });
      expect(comments.map((comment) => [comment.id, comment.status, comment.author.name])).toEqual([
        [answered.id, 'deleted', ''],
        [reply.id, 'approved', reply.author.name],
      ]);
      expect(comments.some((comment) => comment.id === alone.id)).toBe(false);
      expect(await db().query("SELECT 1 FROM comments WHERE user_id = 'u-d2' OR verified_by IS NOT NULL AND thread_id = 'users-d2'")).toEqual([]);
      expect(await first().users.get('u-d2')).toBeNull();
    });
  });
}

for (const kind of selectedStores()) users(kind);
