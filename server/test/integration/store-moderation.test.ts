import { nanoid } from 'nanoid';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { approvedEmailQuery, duplicateQuery } from '../../src/store/comments';
import { compilerFor } from '../../src/store/engine';
import type { CommentRecordInput } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { at, createRecord, createStoreDatabase, POSTGRES_URL, selectedStores, useStoreDatabase, type StoreKind } from './stores';

/*
 * What stores add for moderation and anti-spam, on every engine: statuses stored as given, "has this
 * email an approved comment", duplicate lookup, edits that hold a comment, the shared setting, and
 * that the two lookups are answered from their indexes.
 */

const thread = () => `thread-${nanoid(8)}`;

const create = (store: Store, threadId: string, overrides: Partial<CommentRecordInput> = {}) => createRecord(store, threadId, overrides);

function moderationContract(kind: StoreKind) {
  describe(`Store contract, moderation and anti-spam: ${kind}`, () => {
    let store: Store;
    const db = useStoreDatabase(kind, async (database) => {
      store = database.open();
      await store.migrate();
    });

    it('stores the status it is given (approved by default) and lists only approved comments', async () => {
      const threadId = thread();
      const approved = await create(store, threadId, { createdAt: at(1) });
      const pending = await create(store, threadId, { createdAt: at(2), status: 'pending' });
      const spam = await create(store, threadId, { createdAt: at(3), status: 'spam' });
      expect([approved.status, pending.status, spam.status]).toEqual(['approved', 'pending', 'spam']);
      expect((await store.comments.list({ threadId, limit: 10, sort: 'oldest' })).comments).toStrictEqual([approved]);
      expect((await store.comments.getThread(threadId))?.count).toBe(1);
      expect(await store.comments.count([threadId])).toStrictEqual({ [threadId]: 1 });
      // Held comments stay editable by their author.
      expect((await store.comments.getEditable(spam.id))?.comment).toStrictEqual(spam);
    });

    it('knows whether an email (in any case) has an approved comment; pending, spam and deleted ones do not count', async () => {
      const email = `Mixed.Case-${nanoid(6)}@Mail.example`;
      const threadId = thread();
      expect(await store.comments.hasApprovedComment(email)).toBe(false);
      const held = await create(store, threadId, { authorEmail: email, status: 'pending' });
      await create(store, threadId, { authorEmail: email, status: 'spam' });
      expect(await store.comments.hasApprovedComment(email)).toBe(false);
      await store.moderation.setStatus([held.id], 'approved');
      expect(await store.comments.hasApprovedComment(email)).toBe(true);
      expect(await store.comments.hasApprovedComment(email.toLowerCase())).toBe(true);
      expect(await store.comments.hasApprovedComment(email.toUpperCase())).toBe(true);
      expect(await store.comments.hasApprovedComment(`x${email}`)).toBe(false);
      // The comment an author edits does not vouch for them; another approved one does.
      expect(await store.comments.hasApprovedComment(email, held.id)).toBe(false);
      const another = await create(store, threadId, { authorEmail: email.toLowerCase() });
      expect(await store.comments.hasApprovedComment(email, held.id)).toBe(true);
      await store.moderation.setStatus([another.id], 'pending');
      await store.moderation.setStatus([held.id], 'spam');
      expect(await store.comments.hasApprovedComment(email)).toBe(false);
      // Authors without an email (the demo seed) never vouch for anyone.
      await create(store, threadId, { authorEmail: '' });
      expect(await store.comments.hasApprovedComment('')).toBe(false);
      // SQL-looking addresses are data.
      expect(await store.comments.hasApprovedComment(`' OR '1'='1`)).toBe(false);
    });

    it('finds a recent duplicate by fingerprint, in its thread, since the given time, unless deleted', async () => {
      const threadId = thread();
      const fingerprint = `fp-${nanoid()}`;
      const query = (overrides: Partial<{ threadId: string; bodyFingerprint: string; since: string; except: string }> = {}) =>
        store.comments.hasRecentDuplicate({ threadId, bodyFingerprint: fingerprint, since: at(0), ...overrides });
      expect(await query()).toBe(false);
      const original = await create(store, threadId, { createdAt: at(10), bodyFingerprint: fingerprint, status: 'spam' });
      expect(await query()).toBe(true);
      expect(await query({ since: at(10) })).toBe(true);
      expect(await query({ since: at(11) })).toBe(false);
      expect(await query({ threadId: thread() })).toBe(false);
      expect(await query({ bodyFingerprint: 'another' })).toBe(false);
      // An edited comment is no duplicate of itself.
      expect(await query({ except: original.id })).toBe(false);
      expect(await query({ except: 'another-comment' })).toBe(true);
      // Published, so that it can be answered (spam cannot), then deleted: a placeholder.
      await store.moderation.setStatus([original.id], 'approved');
      await create(store, threadId, { parentId: original.id });
      expect(await store.comments.delete(original.id)).toBe('placeholder');
      expect(await query()).toBe(false);
    });

    it('holds an edited comment when told to, and never changes the status otherwise', async () => {
      const threadId = thread();
      const comment = await create(store, threadId);
      const edit = (body: string, updatedAt: string, status?: 'pending' | 'spam') =>
        store.comments.updateBody(comment.id, { body, bodyFingerprint: `fp-${body}`, updatedAt, ...(status ? { status } : {}) });
      expect((await edit('Edited', at(5)))?.status).toBe('approved');
      expect(await edit('Edited into spam', at(6), 'spam')).toStrictEqual({
        ...comment,
        body: 'Edited into spam',
        updatedAt: at(6),
        status: 'spam',
      });
      expect((await edit('Edited back', at(7)))?.status).toBe('spam');
      expect((await store.comments.list({ threadId, limit: 10, sort: 'oldest' })).comments).toEqual([]);
    });

    it('keeps the first value of a setting, also when two store instances race to set it', async () => {
      const key = `secret-${nanoid()}`;
      expect(await store.settings.init(key, 'first')).toBe('first');
      expect(await store.settings.init(key, 'second')).toBe('first');

      const fresh = await createStoreDatabase(kind);
      try {
        const [a, b] = [fresh.open(), fresh.open()];
        await Promise.all([a.migrate(), b.migrate()]);
        const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).settings.init('shared', `value-${i}`)));
        expect(new Set(answers).size).toBe(1);
        expect(await b.settings.init('shared', 'late')).toBe(answers[0]);
      } finally {
        await fresh.destroy();
      }
    });

    if (kind === 'sqlite') {
      it('answers both lookups from their indexes', async () => {
        const plan = async ({ sql, parameters }: { sql: string; parameters: readonly unknown[] }) =>
          (await db().query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [...parameters])).map((row) => row.detail).join('\n');
        const compiler = compilerFor('sqlite');
        expect(await plan(approvedEmailQuery(compiler, 'a@mail.example').compile())).toContain('USING INDEX comments_approved_email');
        expect(await plan(duplicateQuery(compiler, 't', 'f', at(0)).compile())).toContain('USING INDEX comments_thread_fingerprint');
      });
    } else {
      it('answers both lookups from their indexes (when PostgreSQL is kept from scanning a small table)', async () => {
        const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${db().schema}` });
        await client.connect();
        try {
          await client.query('SET enable_seqscan = off');
          const plan = async ({ sql, parameters }: { sql: string; parameters: readonly unknown[] }) =>
            (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [...parameters])).rows.map((row) => row['QUERY PLAN']).join('\n');
          const compiler = compilerFor('postgres');
          expect(await plan(approvedEmailQuery(compiler, 'a@mail.example').compile())).toMatch(/using comments_approved_email/);
          expect(await plan(duplicateQuery(compiler, 't', 'f', at(0)).compile())).toMatch(/using comments_thread_fingerprint/);
        } finally {
          await client.end();
        }
      });
    }
  });
}

for (const kind of selectedStores()) moderationContract(kind);
