import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';
import { createApp, type AppOptions } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import type { SpamCheckComment, SpamCheckContext, SpamVerdict } from '../../src/comments/moderation';
import type { Store } from '../../src/store/interfaces';
import { selectedStores, useStoreDatabase, type StoreKind } from './stores';

/*
 * Statuses, the moderation policy and the anti-spam checks through the API, on every store. The
 * rules one by one are table-tested in test/unit/server/moderation.test.ts; here each reaches the
 * database and the wire: what is stored, what is listed and counted, what the author is told.
 */

const T0 = Date.UTC(2024, 0, 1, 12);
const SECOND = 1000;
const HOUR = 3600 * SECOND;

interface Listing {
  thread: { id: string; title: string | null; count: number };
  comments: Comment[];
  nextCursor: string | null;
  formToken: string;
}

interface Created {
  comment: Comment;
  editToken: string;
  editableUntil: string;
}

function moderationSuite(kind: StoreKind) {
  describe(`moderation through the API (${kind})`, () => {
    const db = useStoreDatabase(kind, async (database) => {
      const store = database.open();
      await store.migrate();
    });

    const apps: FastifyInstance[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    /** Every response of the file, for the email check at the end. */
    const responses: LightMyRequestResponse[] = [];
    const emails = new Set<string>();

    interface Server {
      app: FastifyInstance;
      store: Store;
      clock: { now: number };
      send(options: InjectOptions): Promise<LightMyRequestResponse>;
      list(thread: string, headers?: Record<string, string>, query?: string): Promise<Listing>;
      /** Posts as the widget does: the listing's form token, an empty honeypot. */
      post(body: Record<string, unknown>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
      create(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Created>;
      storedStatus(id: string): Promise<string | undefined>;
    }

    /** An app on this store's database with the default policy unless told otherwise; its clock starts at T0. */
    function start(config: Partial<AppConfig> = {}, options: Partial<AppOptions> = {}): Server {
      const store = db().open();
      const clock = { now: T0 };
      const app = createApp({ store, config: { rateLimit: 0, ...config }, now: () => new Date(clock.now), ...options });
      apps.push(app);
      const send = async (request: InjectOptions) => {
        const response = await app.inject(request);
        responses.push(response);
        return response;
      };
      const server: Server = {
        app,
        store,
        clock,
        send,
        async list(thread, headers = {}, query = '') {
          const response = await send({ url: `/api/comments?thread=${encodeURIComponent(thread)}${query}`, headers });
          expect(response.statusCode, response.body).toBe(200);
          return response.json<Listing>();
        },
        post(body, headers = {}) {
          emails.add(String((body.author as { email?: string } | undefined)?.email));
          return send({ method: 'POST', url: '/api/comments', payload: body, headers });
        },
        async create(body, headers = {}) {
          const response = await server.post(body, headers);
          expect(response.statusCode, response.body).toBe(201);
          return response.json<Created>();
        },
        async storedStatus(id) {
          const [row] = await db().query<{ status: string }>('SELECT status FROM comments WHERE id = ?', [id]);
          return row?.status;
        },
      };
      return server;
    }

    /** A fresh thread and author per test: "has this email an approved comment" spans the whole database. */
    const fresh = () => {
      const id = nanoid(8);
      return { thread: `thread-${id}`, email: `author-${id}@mail.example` };
    };

    /** A comment as the widget sends it, with the form token of a listing read `wait` ms earlier. */
    async function widgetPost(
      server: Server,
      fields: { thread: string; email: string; body?: string; parentId?: string; honeypot?: string; url?: string },
      wait = 5 * SECOND,
    ) {
      const { formToken } = await server.list(fields.thread);
      server.clock.now += wait;
      return server.post({
        thread: fields.thread,
        body: fields.body ?? 'A thoughtful comment.',
        author: { name: 'Ann', email: fields.email, ...(fields.url === undefined ? {} : { url: fields.url }) },
        ...(fields.parentId === undefined ? {} : { parentId: fields.parentId }),
        formToken,
        honeypot: fields.honeypot ?? '',
      });
    }
    const created = (response: LightMyRequestResponse) => {
      expect(response.statusCode, response.body).toBe(201);
      return response.json<Created>();
    };
    const own = (...comments: Created[]) => ({ 'x-colloquy-own': comments.map((c) => `${c.comment.id}:${c.editToken}`).join(',') });

    it('first-time: the first comment is held; once one is approved, the same email (any case) is published', async () => {
      const server = start();
      const { thread, email } = fresh();
      const first = created(await widgetPost(server, { thread, email }));
      expect(first.comment.status).toBe('pending');
      expect(await server.storedStatus(first.comment.id)).toBe('pending');
      expect(await server.list(thread)).toMatchObject({ thread: { count: 0 }, comments: [] });
      expect((await server.send({ url: `/api/counts?thread=${thread}` })).json()).toEqual({ counts: { [thread]: 0 } });

      // Still unknown: a pending comment does not vouch for its author.
      expect(created(await widgetPost(server, { thread, email, body: 'Anyone there?' })).comment.status).toBe('pending');

      expect(await server.store.moderation.setStatus([first.comment.id], 'approved')).toEqual([
        { id: first.comment.id, outcome: 'changed', previous: 'pending' },
      ]);
      const second = created(await widgetPost(server, { thread, email: email.toUpperCase(), body: 'Thanks for approving me.' }));
      expect(second.comment.status).toBe('approved');
      const listing = await server.list(thread);
      expect(listing.thread.count).toBe(2);
      expect(listing.comments.map((c) => c.id)).toEqual([first.comment.id, second.comment.id]);

      // Another author on the same thread is still a first-timer.
      const stranger = created(await widgetPost(server, { thread, email: fresh().email, body: 'Me too!' }));
      expect([stranger.comment.status, await server.storedStatus(stranger.comment.id)]).toEqual(['pending', 'pending']);
    });

    it('moderation all holds everyone, known or not; none publishes everyone', async () => {
      const { thread, email } = fresh();
      const strict = start({ moderation: 'all' });
      const firstComment = created(await widgetPost(strict, { thread, email }));
      await strict.store.moderation.setStatus([firstComment.comment.id], 'approved');
      expect(created(await widgetPost(strict, { thread, email, body: 'Known, and still held.' })).comment.status).toBe('pending');
      const open = start({ moderation: 'none' });
      expect(created(await widgetPost(open, { thread, email: fresh().email, body: 'New, and published.' })).comment.status).toBe('approved');
    });

    it('a filled honeypot stores the comment as spam, answers 201 "spam", and lists it to its author alone', async () => {
      const server = start({ moderation: 'none' });
      const { thread, email } = fresh();
      const bot = created(await widgetPost(server, { thread, email, honeypot: 'https://bot.example' }));
      expect(bot.comment.status).toBe('spam');
      expect(await server.storedStatus(bot.comment.id)).toBe('spam');
      expect(await server.list(thread)).toMatchObject({ thread: { count: 0 }, comments: [] });
      // Its author's own listing names the status too; nobody else's lists it.
      const mine = await server.list(thread, own(bot));
      expect(mine.comments).toEqual([bot.comment]);
      expect(mine.comments[0]?.status).toBe('spam');
      expect(mine.thread.count).toBe(0);
    });

    it('a replayed POST (same Idempotency-Key) and an edit name the spam status too', async () => {
      const server = start({ moderation: 'none' });
      const { thread, email } = fresh();
      const { formToken } = await server.list(thread);
      server.clock.now += 5 * SECOND;
      const payload = { thread, body: 'Bot text.', author: { name: 'Bot', email }, formToken, honeypot: 'filled' };
      const headers = { 'idempotency-key': `key-${nanoid()}` };
      const first = await server.create(payload, headers);
      expect(first.comment.status).toBe('spam');
      const replay = await server.post(payload, headers);
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json().comment).toEqual(first.comment);
      const edited = await server.send({
        method: 'PATCH',
        url: `/api/comments/${first.comment.id}`,
        payload: { body: 'Edited bot text.' },
        headers: { authorization: `Bearer ${first.editToken}` },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().comment.status).toBe('spam');
    });

    it('a form sent too fast, without its token or with a forged one is held, not refused', async () => {
      const server = start({ moderation: 'none' });
      const { thread, email } = fresh();
      expect(created(await widgetPost(server, { thread, email }, 2 * SECOND)).comment.status).toBe('pending');
      expect(created(await widgetPost(server, { thread, email, body: 'Patient.' }, 3 * SECOND)).comment.status).toBe('approved');
      const { formToken } = await server.list(thread);
      server.clock.now += 10 * SECOND;
      const base = { thread, author: { name: 'Ann', email } };
      expect(created(await server.post({ ...base, body: 'No token.' })).comment.status).toBe('pending');
      const forged = `${formToken.split('.')[0]}.${'A'.repeat(43)}`;
      expect(created(await server.post({ ...base, body: 'Forged.', formToken: forged })).comment.status).toBe('pending');
      const older = `${Number(formToken.split('.')[0]) - HOUR}.${formToken.split('.')[1]}`;
      expect(created(await server.post({ ...base, body: 'Backdated.', formToken: older })).comment.status).toBe('pending');
      expect(created(await server.post({ ...base, body: 'The real token.', formToken })).comment.status).toBe('approved');
      expect((await server.list(thread)).comments.map((c) => c.body)).toEqual(['Patient.', 'The real token.']);
    });

    it('every process on the database signs and checks form tokens with the one stored secret', async () => {
      const a = start({ moderation: 'none' });
      const b = start({ moderation: 'none' });
      const { thread, email } = fresh();
      const { formToken } = await a.list(thread);
      b.clock.now += 5 * SECOND;
      const answer = created(await b.post({ thread, body: 'Listed by a, posted to b.', author: { name: 'Ann', email }, formToken }));
      expect(answer.comment.status).toBe('approved');
      // A configured secret is another secret: the stored one's tokens do not pass.
      const c = start({ moderation: 'none', secret: 'configured-secret-0123456789' });
      c.clock.now += 5 * SECOND;
      expect(created(await c.post({ thread, body: 'Posted to c.', author: { name: 'Ann', email }, formToken })).comment.status).toBe('pending');
      // One secret stored (beside the mark that stored avatar seeds were keyed with it).
      const [row] = await db().query<{ n: number | string }>(`SELECT count(*) AS n FROM settings WHERE key <> 'avatar-seeds-keyed'`);
      expect(Number(row?.n)).toBe(1);
    });

    it('the same body again in the same thread within 24 hours is spam; elsewhere or later it is not', async () => {
      const server = start({ moderation: 'none' });
      const { thread, email } = fresh();
      const original = created(await widgetPost(server, { thread, email, body: 'Great post, thanks!' }));
      expect(original.comment.status).toBe('approved');
      const again = created(await widgetPost(server, { thread, email: fresh().email, body: '  GREAT   post,\n\nthanks!' }));
      expect(again.comment.status).toBe('spam');
      expect(await server.storedStatus(again.comment.id)).toBe('spam');
      expect(created(await widgetPost(server, { thread: fresh().thread, email, body: 'Great post, thanks!' })).comment.status).toBe('approved');
      server.clock.now += 24 * HOUR;
      expect(created(await widgetPost(server, { thread, email, body: 'Great post, thanks!' })).comment.status).toBe('approved');
      expect((await server.list(thread)).comments.map((c) => c.id)).not.toContain(again.comment.id);
    });

    it('too many links hold a comment; the blocklist marks it as spam; a moderation word holds it', async () => {
      const server = start({ moderation: 'none', maxLinks: 1, blocklist: ['casino', '@junk.example'], moderationWords: ['crypto'] });
      const { thread, email } = fresh();
      const twoLinks = created(await widgetPost(server, { thread, email, body: 'See https://a.example and [b](https://b.example).' }));
      expect(twoLinks.comment.status).toBe('pending');
      expect(await server.storedStatus(twoLinks.comment.id)).toBe('pending');
      const blocked = created(await widgetPost(server, { thread, email, body: 'Visit the Casino!' }));
      expect([blocked.comment.status, await server.storedStatus(blocked.comment.id)]).toEqual(['spam', 'spam']);
      const blockedEmail = created(await widgetPost(server, { thread, email: 'anyone@junk.example', body: 'Hello.' }));
      expect([blockedEmail.comment.status, await server.storedStatus(blockedEmail.comment.id)]).toEqual(['spam', 'spam']);
      const held = created(await widgetPost(server, { thread, email, body: 'Crypto is the future.' }));
      expect([held.comment.status, await server.storedStatus(held.comment.id)]).toEqual(['pending', 'pending']);
      expect((await server.list(thread)).comments).toEqual([]);
    });

    it('judges the page’s title and address as it judges the body: the blocklist, the link limit, the moderation list', async () => {
      const server = start({ moderation: 'none', maxLinks: 1, blocklist: ['casino'], moderationWords: ['crypto'], siteUrl: 'https://blog.example' });
      const page = (title: string, url = 'https://blog.example/post') => ({ title, url });
      const cases: [ReturnType<typeof page>, string][] = [
        [page('Best Casino bonus'), 'spam'],
        [page('A post', 'https://blog.example/casino-bonus'), 'spam'],
        [page('Read https://a.example and https://b.example'), 'pending'],
        [page('Crypto news'), 'pending'],
        [page('A post'), 'approved'],
      ];
      for (const [fields, expected] of cases) {
        const { thread, email } = fresh();
        const { formToken } = await server.list(thread);
        server.clock.now += 5 * SECOND;
        const answer = created(await server.post({ thread, ...fields, body: 'A thoughtful comment.', author: { name: 'Ann', email }, formToken }));
        expect(answer.comment.status, JSON.stringify(fields)).toBe(expected);
        // Only the published one names its thread.
        expect((await server.list(thread)).thread.title, JSON.stringify(fields)).toBe(expected === 'approved' ? fields.title : null);
      }
    });

    it('keeps a page address only on the site: its origin among COLLOQUY_SITE_URL and COLLOQUY_ORIGINS, compared parsed', async () => {
      const server = start({ moderation: 'none', spamChecks: [], siteUrl: 'https://blog.example', origins: ['https://www.blog.example'] });
      const postAt = async (url: string) => {
        const { thread, email } = fresh();
        return { thread, response: await server.post({ thread, url, body: 'Hello.', author: { name: 'Ann', email } }) };
      };
      const kept = async (url: string) => {
        const { thread, response } = await postAt(url);
        expect(response.statusCode, response.body).toBe(201);
        return (await server.store.moderation.getThread(thread))?.url;
      };
      expect(await kept('https://blog.example/a')).toBe('https://blog.example/a');
      expect(await kept('  https://BLOG.example:443/b?x=1 ')).toBe('https://blog.example/b?x=1');
      expect(await kept('https://www.blog.example/c')).toBe('https://www.blog.example/c');
      for (const url of [
        'https://evil.example/phish',
        'http://blog.example/a',
        'https://blog.example@evil.example/',
        'https://blog.example.evil.example/',
        'https://blog%2Eexample.evil.example/',
      ]) {
        const { thread, response } = await postAt(url);
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error, url).toMatchObject({ code: 'invalid', field: 'pageUrl', message: expect.stringContaining('a page of this site') });
        expect(await server.store.moderation.getThread(thread), url).toBeNull();
      }
      // With no site configured, an address is not kept at all (the server warns at start).
      const unplaced = start({ moderation: 'none', spamChecks: [] });
      const { thread, email } = fresh();
      expect(
        (await unplaced.post({ thread, url: 'https://anywhere.example/p', title: 'A post', body: 'Hi.', author: { name: 'Ann', email } })).statusCode,
      ).toBe(201);
      expect(await unplaced.store.moderation.getThread(thread)).toStrictEqual({ id: thread, title: 'A post', url: null });
    });

    it('an approved comment edited into one the policy holds is held again', async () => {
      const server = start({ moderation: 'none', blocklist: ['casino'], maxLinks: 0 });
      const { thread, email } = fresh();
      const a = created(await widgetPost(server, { thread, email, body: 'Innocent.' }));
      const b = created(await widgetPost(server, { thread, email, body: 'Innocent too.' }));
      const edit = (c: Created, body: string) =>
        server.send({ method: 'PATCH', url: `/api/comments/${c.comment.id}`, payload: { body }, headers: { authorization: `Bearer ${c.editToken}` } });
      const linked = await edit(a, 'Now with https://a.example');
      expect(linked.statusCode).toBe(200);
      expect(linked.json().comment.status).toBe('pending');
      const spam = await edit(b, 'Now a casino ad');
      expect(spam.json().comment.status).toBe('spam');
      expect([await server.storedStatus(a.comment.id), await server.storedStatus(b.comment.id)]).toEqual(['pending', 'spam']);
      expect((await server.list(thread)).comments).toEqual([]);
      // A held comment stays held when edited back; only the owner approves.
      expect((await edit(b, 'Innocent again.')).json().comment.status).toBe('spam');
      expect((await edit(a, 'Innocent once more.')).json().comment.status).toBe('pending');
      expect(await server.storedStatus(b.comment.id)).toBe('spam');
    });

    /** An author's edit of their comment, with its edit token. */
    const editAs = (server: Server, c: Created, body: string) =>
      server.send({ method: 'PATCH', url: `/api/comments/${c.comment.id}`, payload: { body }, headers: { authorization: `Bearer ${c.editToken}` } });

    it('first-time: an edit of a published comment whose author has no other approved one is held again; a trusted author edits freely', async () => {
      const server = start();
      const { thread, email } = fresh();
      const first = created(await widgetPost(server, { thread, email, body: 'What the owner approved.' }));
      expect(first.comment.status).toBe('pending');
      await server.store.moderation.setStatus([first.comment.id], 'approved');

      // Approved for the text the owner read, not for whatever it says next.
      const edited = await editAs(server, first, 'Something the owner never read.');
      expect(edited.statusCode, edited.body).toBe(200);
      expect([edited.json().comment.status, await server.storedStatus(first.comment.id)]).toEqual(['pending', 'pending']);
      expect((await server.list(thread)).comments).toEqual([]);
      // Nor does the held comment vouch for its author any more: the next one is held too.
      expect(created(await widgetPost(server, { thread, email, body: 'And another.' })).comment.status).toBe('pending');

      // An author with another approved comment is known: their edits pass as their comments do.
      const known = fresh();
      const vouching = created(await widgetPost(server, { thread, email: known.email, body: 'Vouches for its author.' }));
      await server.store.moderation.setStatus([vouching.comment.id], 'approved');
      const second = created(await widgetPost(server, { thread, email: known.email, body: 'Published at once.' }));
      expect(second.comment.status).toBe('approved');
      expect((await editAs(server, second, 'Published, and edited.')).json().comment.status).toBe('approved');
      expect((await server.list(thread)).comments.map((c) => c.body)).toEqual(['Vouches for its author.', 'Published, and edited.']);
    });

    it('an edit goes through the rules a new comment does: moderation all, duplicates, the spam check (with the email); spam stays spam', async () => {
      const seen: SpamCheckComment[] = [];
      let verdict: SpamVerdict = 'ham';
      const server = start({ moderation: 'none' }, { spamCheck: async (comment) => (seen.push(comment), verdict) });
      const { thread, email } = fresh();
      const a = created(await widgetPost(server, { thread, email, body: 'First of all.' }));
      const b = created(await widgetPost(server, { thread, email, body: 'Second of all.' }));
      expect([a.comment.status, b.comment.status]).toEqual(['approved', 'approved']);

      // Unchanged text is no duplicate of itself; another comment's text is.
      expect((await editAs(server, a, 'First  of ALL.')).json().comment.status).toBe('approved');
      expect((await editAs(server, a, 'second of all.')).json().comment.status).toBe('spam');
      expect(seen.at(-1)).toEqual({ threadId: thread, parentId: null, body: 'First  of ALL.', author: { name: 'Ann', email } });

      verdict = 'spam';
      const spam = await editAs(server, b, 'Cheap watches, now.');
      expect([spam.json().comment.status, await server.storedStatus(b.comment.id)]).toEqual(['spam', 'spam']);
      expect(seen.at(-1)).toMatchObject({ body: 'Cheap watches, now.', author: { email } });
      // Spam stays spam whatever the edit says, and the spam check is not asked about it again.
      const asked = seen.length;
      verdict = 'ham';
      expect((await editAs(server, b, 'Innocent now.')).json().comment.status).toBe('spam');
      expect(seen).toHaveLength(asked);

      const strict = start({ moderation: 'all' });
      const c = created(await widgetPost(strict, { thread: fresh().thread, email, body: 'Held, then approved.' }));
      await strict.store.moderation.setStatus([c.comment.id], 'approved');
      expect((await editAs(strict, c, 'Edited after approval.')).json().comment.status).toBe('pending');
    });

    it('a form token serves only the thread it was listed for: on another thread the comment is refused, naming formToken', async () => {
      const server = start({ moderation: 'none' });
      const [a, b] = [fresh(), fresh()];
      const { formToken } = await server.list(a.thread);
      server.clock.now += 5 * SECOND;
      const post = (thread: string) => server.post({ thread, body: 'Harvested token.', author: { name: 'Bot', email: a.email }, formToken });
      const refused = await post(b.thread);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error).toEqual({
        code: 'invalid',
        message: 'This comment form was loaded for another thread: reload the page and send your comment again.',
        field: 'formToken',
      });
      expect(await db().query('SELECT id FROM comments WHERE thread_id = ?', [b.thread])).toEqual([]);
      expect(created(await post(a.thread)).comment.status).toBe('approved');
      // Without the timing check the token is not read at all.
      const untimed = start({ moderation: 'none', spamChecks: ['honeypot', 'duplicates'] });
      expect(
        created(await untimed.post({ thread: b.thread, body: 'No timing here.', author: { name: 'Ann', email: a.email }, formToken })).comment.status,
      ).toBe('approved');
    });

    it('refuses a reply to a deleted comment or to spam, naming parentId, and takes one to a held comment', async () => {
      const server = start({ moderation: 'none', blocklist: ['casino'] });
      const { thread, email } = fresh();
      const gone = created(await widgetPost(server, { thread, email, body: 'Deleted later.' }));
      created(await widgetPost(server, { thread, email, body: 'Keeps it as a placeholder.', parentId: gone.comment.id }));
      const deleted = await server.send({ method: 'DELETE', url: `/api/comments/${gone.comment.id}`, headers: { authorization: `Bearer ${gone.editToken}` } });
      expect(deleted.json()).toEqual({ outcome: 'placeholder' });
      const spam = created(await widgetPost(server, { thread, email, body: 'Visit the casino.' }));
      expect(spam.comment.status).toBe('spam');
      const held = created(await widgetPost(server, { thread, email, body: 'Held: https://a.example https://b.example https://c.example' }));
      expect(held.comment.status).toBe('pending');

      const before = await db().query('SELECT id FROM comments WHERE thread_id = ?', [thread]);
      for (const [parent, message] of [
        [gone, 'The comment you are replying to was deleted: it can no longer be answered.'],
        [spam, 'The comment you are replying to is not published: it cannot be answered.'],
      ] as const) {
        const reply = await widgetPost(server, { thread, email, body: `A reply to ${parent.comment.id}.`, parentId: parent.comment.id });
        expect(reply.statusCode, reply.body).toBe(400);
        expect(reply.json().error).toEqual({ code: 'invalid', message, field: 'parentId' });
      }
      expect(await db().query('SELECT id FROM comments WHERE thread_id = ?', [thread])).toEqual(before);
      expect(created(await widgetPost(server, { thread, email, body: 'A reply to a held one.', parentId: held.comment.id })).comment.parentId).toBe(
        held.comment.id,
      );
    });

    describe('the spam-check hook', () => {
      it('sees the comment with its email and where it came from; spam marks it, unsure holds it, ham lets it through', async () => {
        const seen: [SpamCheckComment, Omit<SpamCheckContext, 'signal'>][] = [];
        let verdict: SpamVerdict = 'spam';
        const server = start(
          { moderation: 'none' },
          { spamCheck: async (comment, { signal: _signal, ...context }) => (seen.push([comment, context]), verdict) },
        );
        const { thread, email } = fresh();
        const spam = created(await widgetPost(server, { thread, email, url: 'https://ann.example' }));
        expect([spam.comment.status, await server.storedStatus(spam.comment.id)]).toEqual(['spam', 'spam']);
        expect(seen[0]).toEqual([
          { threadId: thread, parentId: null, body: 'A thoughtful comment.', author: { name: 'Ann', email, url: 'https://ann.example' } },
          { ip: '127.0.0.1', userAgent: 'lightMyRequest' },
        ]);
        verdict = 'unsure';
        expect(await server.storedStatus(created(await widgetPost(server, { thread, email, body: 'Two.' })).comment.id)).toBe('pending');
        verdict = 'ham';
        expect(await server.storedStatus(created(await widgetPost(server, { thread, email, body: 'Three.' })).comment.id)).toBe('approved');
        // Spam already (the honeypot): the hook is not asked.
        created(await widgetPost(server, { thread, email, body: 'Four.', honeypot: 'x' }));
        expect(seen).toHaveLength(3);
      });

      it('a hook that throws, rejects or answers nonsense leaves the comment pending', async () => {
        for (const hook of [
          () => {
            throw new Error('Akismet is down');
          },
          async () => Promise.reject(new Error('503')),
          async () => 'maybe' as SpamVerdict,
        ]) {
          const server = start({ moderation: 'none' }, { spamCheck: hook });
          const { thread, email } = fresh();
          const answer = created(await widgetPost(server, { thread, email }));
          expect(answer.comment.status).toBe('pending');
          expect(await server.storedStatus(answer.comment.id)).toBe('pending');
        }
      });

      it('a hook that hangs leaves the comment pending, and the answer comes before the hang ends', async () => {
        let hangEnded = false;
        let aborted: AbortSignal | undefined;
        let endHang = () => {};
        const hang = new Promise<SpamVerdict>((resolve) => {
          endHang = () => {
            hangEnded = true;
            resolve('ham');
          };
        });
        const server = start({ moderation: 'none', spamCheckTimeoutMs: 50 }, { spamCheck: (_comment, { signal }) => ((aborted = signal), hang) });
        const { thread, email } = fresh();
        try {
          const answer = created(await widgetPost(server, { thread, email }));
          expect(hangEnded).toBe(false);
          expect(answer.comment.status).toBe('pending');
          expect(await server.storedStatus(answer.comment.id)).toBe('pending');
          // The hook was told to stop (a fetch given this signal is cancelled).
          expect(aborted?.aborted).toBe(true);
        } finally {
          endHang();
        }
      });

      it('a hook that never settles at all does not hold the request either', async () => {
        const server = start({ moderation: 'none', spamCheckTimeoutMs: 20 }, { spamCheck: () => new Promise<SpamVerdict>(() => {}) });
        const { thread, email } = fresh();
        expect(created(await widgetPost(server, { thread, email })).comment.status).toBe('pending');
      });
    });

    it('spam checks off: API clients without a form token are published (trusted code)', async () => {
      const server = start({ moderation: 'none', spamChecks: [] }, { spamCheck: async () => 'spam' });
      const { thread, email } = fresh();
      const body = { thread, body: 'From a script.', author: { name: 'Bot', email }, honeypot: 'filled' };
      expect((await server.create(body)).comment.status).toBe('approved');
      expect((await server.create(body)).comment.status).toBe('approved');
    });

    it("spam checks off leave the owner's holds on: the link limit holds, the blocklist marks as spam, each until its own setting is off", async () => {
      const holds: Partial<AppConfig> = { moderation: 'none', spamChecks: [], maxLinks: 2, blocklist: ['@junk.example'] };
      const trusted = start(holds);
      const { thread, email } = fresh();
      const threeLinks = { thread, body: 'https://a.example https://b.example https://c.example', author: { name: 'Bot', email } };
      const linked = await trusted.create(threeLinks);
      expect([linked.comment.status, await trusted.storedStatus(linked.comment.id)]).toEqual(['pending', 'pending']);
      const blocked = await trusted.create({ thread, body: 'From a blocked domain.', author: { name: 'Bot', email: 'someone@junk.example' } });
      expect([blocked.comment.status, await trusted.storedStatus(blocked.comment.id)]).toEqual(['spam', 'spam']);

      const open = start({ ...holds, maxLinks: false, blocklist: [] });
      const linkedAgain = await open.create({ ...threeLinks, thread: fresh().thread });
      expect([linkedAgain.comment.status, await open.storedStatus(linkedAgain.comment.id)]).toEqual(['approved', 'approved']);
      const unblocked = await open.create({ thread, body: 'Not blocked any more.', author: { name: 'Bot', email: 'someone@junk.example' } });
      expect(unblocked.comment.status).toBe('approved');
    });

    describe('the author sees their own held comment (X-Colloquy-Own)', () => {
      it('with its edit token, and nobody else does', async () => {
        const server = start();
        const { thread, email } = fresh();
        const mine = created(await widgetPost(server, { thread, email }));
        const theirs = created(await widgetPost(server, { thread, email: fresh().email, body: 'Someone else.' }));
        expect(mine.comment.status).toBe('pending');

        const forMe = await server.send({ url: `/api/comments?thread=${thread}`, headers: own(mine) });
        expect(forMe.json<Listing>().comments).toEqual([mine.comment]);
        expect(forMe.json<Listing>().thread.count).toBe(0);
        expect(forMe.headers['cache-control']).toBe('no-store');
        expect(forMe.headers.vary).toMatch(/X-Colloquy-Own/i);

        const forOthers = await server.send({ url: `/api/comments?thread=${thread}` });
        expect(forOthers.json<Listing>().comments).toEqual([]);
        expect(forOthers.headers['cache-control']).toBe('no-cache');
        expect(forOthers.headers.vary).toMatch(/X-Colloquy-Own/i);

        // A wrong token, another comment's token, a token from another thread, garbage: nothing, and no error.
        for (const header of [
          `${mine.comment.id}:${theirs.editToken}`,
          `${mine.comment.id}:${mine.editToken.slice(1)}`,
          `${mine.comment.id}`,
          `:${mine.editToken}`,
          'no-such-id:token',
          '%%%,,,:::',
          '',
        ]) {
          expect((await server.list(thread, { 'x-colloquy-own': header })).comments, header).toEqual([]);
        }
        expect((await server.list(fresh().thread, own(mine))).comments).toEqual([]);
        // Two of one's own, among junk and spaces, in one header.
        const both = await server.list(thread, { 'x-colloquy-own': ` junk , ${mine.comment.id}:${mine.editToken} ,${theirs.comment.id}:${theirs.editToken}` });
        expect(both.comments.map((c) => c.id)).toEqual([mine.comment.id, theirs.comment.id]);
      });

      it('only held comments are added: an approved one is listed once, a deleted one not at all', async () => {
        const server = start({ moderation: 'none' });
        const { thread, email } = fresh();
        const a = created(await widgetPost(server, { thread, email, body: 'Approved.' }));
        const b = created(await widgetPost(server, { thread, email, body: 'Deleted.' }));
        expect(
          (await server.send({ method: 'DELETE', url: `/api/comments/${b.comment.id}`, headers: { authorization: `Bearer ${b.editToken}` } })).statusCode,
        ).toBe(200);
        expect((await server.list(thread, own(a, b))).comments.map((c) => c.id)).toEqual([a.comment.id]);
      });

      for (const sort of ['oldest', 'newest'] as const) {
        it(`puts each held comment once, in order, into the page it belongs to (${sort} first)`, async () => {
          const server = start({ moderation: 'none', minSubmitSeconds: 0, moderationWords: ['crypto'] });
          const { thread, email } = fresh();
          const posted: Created[] = [];
          const held: Created[] = [];
          for (let i = 0; i < 9; i++) {
            // Every third comment is held (a moderation word), including the first and the last.
            const body = i % 3 === 0 || i === 8 ? `Held ${i}: crypto` : `Public ${i}`;
            const c = created(await widgetPost(server, { thread, email, body }, SECOND));
            posted.push(c);
            if (body.startsWith('Held')) held.push(c);
          }
          expect(held.map((c) => c.comment.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
          const seen: Comment[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page: Listing = await server.list(thread, own(...held), `&limit=2&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
            seen.push(...page.comments);
            cursor = page.nextCursor;
            pages++;
          } while (cursor && pages < 20);
          const expected = posted.map((c) => c.comment.id);
          expect(seen.map((c) => c.id)).toEqual(sort === 'oldest' ? expected : [...expected].reverse());
          expect(
            seen
              .filter((c) => c.status === 'pending')
              .map((c) => c.id)
              .sort(),
          ).toEqual(held.map((c) => c.comment.id).sort());
        });
      }
    });

    it('no response in this file ever contained a posted email', () => {
      expect(responses.length).toBeGreaterThan(50);
      const text = responses.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
      for (const email of emails) {
        expect(text).not.toContain(email);
        expect(text.toLowerCase()).not.toContain(email.toLowerCase());
      }
    });
  });
}

for (const kind of selectedStores()) moderationSuite(kind);
