import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { nanoid } from 'nanoid';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { defaultServerConfig, type AppConfig } from '../../src/config/config';
import { moderate } from '../../src/cli/moderate';
import { SUBSCRIPTIONS_PER_ADDRESS } from '../../src/comments/routes';
import { createNotifier, signLink } from '../../src/notifications/outbox';
import { createRecord, createStoreDatabase, selectedStores, useStoreDatabase, type StoreKind } from './stores';

/*
 * Notification mails against a real SMTP server (smtp-server on 127.0.0.1), on every store: the
 * owner's mail and its signed links, double opt-in, reply notifications, unsubscribing (link and
 * RFC 8058 POST), header injection, and a mail server that is down when the comment arrives.
 */

interface Captured {
  to: string[];
  raw: string;
}

interface Smtp {
  port: number;
  messages: Captured[];
  close(): Promise<void>;
}

/** `refuse` answers RCPT TO with its SMTP code (e.g. 550 for good, 451 for now) instead of accepting. */
async function startSmtp(port = 0, refuse: (address: string) => number | undefined = () => undefined): Promise<Smtp> {
  const messages: Captured[] = [];
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = refuse(address.address);
      if (code === undefined) return callback();
      callback(Object.assign(new Error(`${code} not now or never`), { responseCode: code }));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The header block, unfolded, as [name, value] pairs in order. */
function headersOf(raw: string): [string, string][] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return head.split('\r\n').map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
}

/** RFC 2047 encoded words (how nodemailer writes non-ASCII and quotes) back to text. */
const unencoded = (value: string) =>
  value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );

const header = (raw: string, name: string) =>
  headersOf(raw)
    .filter(([key]) => key === name.toLowerCase())
    .map(([, value]) => unencoded(value));

/** The message with quoted-printable undone (enough to read the links back). */
const decoded = (raw: string) => raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The path and query of the first link to `path` in the mail's text. */
function linkIn(raw: string, path: RegExp): string {
  const match = new RegExp(`https?://comments\\.test(/api/${path.source}\\?exp=\\d+&sig=[\\w-]+(?:&[nv]=[\\w-]+)?)`).exec(decoded(raw));
  if (!match) throw new Error(`no ${path.source} link in:\n${decoded(raw)}`);
  return match[1]!;
}

async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function notificationSuite(kind: StoreKind) {
  describe(`notification mails (${kind})`, () => {
    const db = useStoreDatabase(kind, async (database) => {
      await database.open().migrate();
    });
    const apps: FastifyInstance[] = [];
    const smtps: Smtp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await Promise.all(smtps.splice(0).map((smtp) => smtp.close()));
    });

    const responses: LightMyRequestResponse[] = [];
    const emails = new Set<string>();
    afterAll(() => {
      // Addresses reach the store and the mails, never a response.
      expect(responses.length).toBeGreaterThan(10);
      for (const response of responses) for (const email of emails) expect(response.body).not.toContain(email);
    });

    // Each server's requests come from an address of their own: subscriptions are counted per client address and day.
    let servers = 0;

    async function start(config: Partial<AppConfig> = {}, port?: number, refuse?: (address: string) => number | undefined) {
      const ip = `198.51.100.${++servers}`;
      const smtp = port === undefined ? await startSmtp(0, refuse) : undefined;
      if (smtp) smtps.push(smtp);
      const app = createApp({
        store: db().open(),
        config: {
          rateLimit: 0,
          moderation: 'none',
          spamChecks: [],
          smtpUrl: `smtp://127.0.0.1:${port ?? smtp!.port}`,
          mailFrom: 'Comments <comments@blog.test>',
          ownerEmail: 'owner@blog.test',
          publicUrl: 'http://comments.test',
          siteUrl: 'https://blog.test',
          ...config,
        },
        mail: { retryBaseMs: 50, pollMs: 50 },
      });
      apps.push(app);
      await app.ready();
      const send = async (options: InjectOptions) => {
        const response = await app.inject({ remoteAddress: ip, ...options });
        responses.push(response);
        return response;
      };
      const post = async (body: { thread: string; name?: string; email: string; notify?: boolean; parentId?: string; title?: string }) => {
        emails.add(body.email);
        const response = await send({
          method: 'POST',
          url: '/api/comments',
          payload: {
            thread: body.thread,
            title: body.title ?? 'A post',
            url: 'https://blog.test/a-post',
            body: `Hello from ${body.email.split('@')[0]}, *nicely*.`,
            author: { name: body.name ?? 'Reader', email: body.email },
            ...(body.parentId ? { parentId: body.parentId } : {}),
            ...(body.notify === undefined ? {} : { notify: body.notify }),
          },
        });
        return response;
      };
      const create = async (body: Parameters<typeof post>[0]) => {
        const response = await post(body);
        expect(response.statusCode, response.body).toBe(201);
        return response.json<{ comment: { id: string } }>().comment.id;
      };
      /** Resolves once every queued mail went out. */
      const drained = () =>
        waitFor(async () => {
          const [row] = await db().query<{ n: number | string }>('SELECT count(*) AS n FROM mail_outbox');
          return Number(row?.n) === 0 || undefined;
        }, 'the outbox to drain');
      const mailsTo = (address: string) =>
        (smtp ?? { messages: [] as Captured[] }).messages.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()));
      return { app, smtp, send, post, create, drained, mailsTo };
    }

    const status = async (id: string) => (await db().query<{ status: string }>('SELECT status FROM comments WHERE id = ?', [id]))[0]?.status;

    it('shows on the moderation page what the author sent as inert text', async () => {
      const server = await start({ moderation: 'all' });
      const id = await server.create({ thread: `t-${nanoid(8)}`, name: '<img src=x onerror=alert(1)>', email: 'x@example.test' });
      await server.drained();
      const ownerMail = server.mailsTo('owner@blog.test').find((mail) => decoded(mail.raw).includes(`/moderate/${id}/`))!;
      const page = await server.send({ url: linkIn(ownerMail.raw, new RegExp(`moderate/${id}/spam`)) });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt; wrote');
      expect(page.body).not.toContain('<img');
    });

    it('mails the owner each new comment, with signed links that act only after a POST', async () => {
      const server = await start({ moderation: 'all' });
      const thread = `t-${nanoid(8)}`;
      const id = await server.create({ thread, name: 'Ada', email: 'ada@example.test' });
      await server.drained();
      const [mail] = server.mailsTo('owner@blog.test');
      expect(mail).toBeDefined();
      const raw = mail!.raw;
      // A held comment does not name its thread; the owner is told what approving it would.
      expect(header(raw, 'subject')).toEqual([`New comment on "${thread}" by Ada`]);
      expect(decoded(raw)).toContain('Approving it names the thread after its page: "A post" https://blog.test/a-post');
      expect(header(raw, 'from')).toEqual(['Comments <comments@blog.test>']);
      expect(raw).toMatch(/Content-Type: text\/plain/);
      expect(decoded(raw)).toContain('<em>nicely</em>');

      const approve = linkIn(raw, new RegExp(`moderate/${id}/approve`));
      const page = await server.send({ url: approve });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<form method="post">');
      // What is acted on: the thread linked to its page, the author's name, the text as the widget renders it; never the email.
      expect(page.body).toContain(`<p class="meta">On ${thread}, Ada wrote on `);
      expect(page.body).toContain('<div class="comment"><p>Hello from ada, <em>nicely</em>.</p></div>');
      expect(page.body).not.toContain('ada@example.test');
      // Styled like the dashboard (its colours, dark with the system), by the one stylesheet its CSP allows by hash.
      const css = /<style>(.*?)<\/style>/.exec(page.body)![1]!;
      expect(css).toContain('light-dark(#fff, #16181d)');
      expect(page.headers['content-security-policy']).toContain(`style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`);
      // Prefetching the link (as mail scanners do) changed nothing.
      expect(await status(id)).toBe('pending');

      const tampered = approve.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
      expect((await server.send({ method: 'POST', url: tampered })).statusCode).toBe(403);
      // A signature for one action does not do another.
      expect((await server.send({ method: 'POST', url: approve.replace('/approve?', '/delete?') })).statusCode).toBe(403);
      expect((await server.send({ method: 'POST', url: approve.replace(/exp=\d+/, (e) => `${e}1`) })).statusCode).toBe(403);
      expect(await status(id)).toBe('pending');

      const done = await server.send({ method: 'POST', url: approve, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(done.statusCode, done.body).toBe(200);
      expect(await status(id)).toBe('approved');
      expect((await server.send({ url: approve })).body).toContain(
        '<p class="meta">On <a href="https://blog.test/a-post" rel="noreferrer">A post</a>, Ada wrote on ',
      );

      expect((await server.send({ method: 'POST', url: linkIn(raw, new RegExp(`moderate/${id}/spam`)) })).statusCode).toBe(200);
      expect(await status(id)).toBe('spam');
      expect((await server.send({ method: 'POST', url: linkIn(raw, new RegExp(`moderate/${id}/delete`)) })).statusCode).toBe(200);
      expect(await status(id)).toBeUndefined();
      // The comment API itself still refuses form posts (its CSRF defense).
      const form = await server.send({
        method: 'POST',
        url: '/api/comments',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'a=b',
      });
      expect(form.statusCode).toBe(415);
    });

    it("approves from the mail only the text it quoted: after the author's edit the link refuses (409) and shows the text now", async () => {
      const server = await start({ moderation: 'all' });
      const thread = `t-${nanoid(8)}`;
      const posted = (await server.post({ thread, name: 'Eve', email: 'eve@example.test' })).json<{ comment: { id: string }; editToken: string }>();
      const id = posted.comment.id;
      await server.drained();
      const mail = server.mailsTo('owner@blog.test').find((m) => decoded(m.raw).includes(`/moderate/${id}/`))!;
      expect(decoded(mail.raw)).toContain('Hello from eve, *nicely*.');
      const approve = linkIn(mail.raw, new RegExp(`moderate/${id}/approve`));
      expect(approve).toMatch(/&v=1$/);
      // Unaltered, the link shows what it approves.
      expect((await server.send({ url: approve })).body).toContain('Approve this comment');

      // The author edits the held comment after the mail went out.
      const edit = await server.send({
        method: 'PATCH',
        url: `/api/comments/${id}`,
        payload: { body: 'Your account is locked: https://phish.example' },
        headers: { authorization: `Bearer ${posted.editToken}` },
      });
      expect(edit.json().comment.status).toBe('pending');

      const page = await server.send({ url: approve });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.body).toContain('<h1>This comment was edited</h1>');
      expect(page.body).toContain('phish.example');
      const refused = await server.send({ method: 'POST', url: approve });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('so it was not approved. This is its text now:');
      expect(refused.body).toContain('phish.example');
      expect(await status(id)).toBe('pending');
      // A revision the link does not name, or one it names but did not sign, is no way around it.
      expect((await server.send({ method: 'POST', url: approve.replace(/&v=1$/, '') })).statusCode).toBe(403);
      expect((await server.send({ method: 'POST', url: approve.replace(/&v=1$/, '&v=2') })).statusCode).toBe(403);
      expect(await status(id)).toBe('pending');

      // The page's own button approves the text it shows: the next revision, signed like the mail's link.
      const action = /<form method="post" action="\?([^"]+)">/.exec(refused.body)![1]!.replaceAll('&amp;', '&');
      expect(action).toMatch(/^exp=\d+&sig=[\w-]+&v=2$/);
      expect(action.split('&')[0]).toBe(/exp=\d+/.exec(approve)![0]);
      const done = await server.send({ method: 'POST', url: `/api/moderate/${id}/approve?${action}` });
      expect(done.statusCode, done.body).toBe(200);
      expect(await status(id)).toBe('approved');
    });

    it('takes an approve link without a revision (mailed by an earlier version) as of a text since edited', async () => {
      const server = await start({ moderation: 'all' });
      const id = await server.create({ thread: `t-${nanoid(8)}`, email: 'old@example.test' });
      await server.drained();
      const [row] = await db().query<{ value: string }>(`SELECT value FROM settings WHERE key = 'form-token-secret'`);
      const old = `/api/moderate/${id}/approve?${signLink(row!.value, 'approve', id, Date.now() + 60_000)}`;
      const page = await server.send({ url: old });
      expect([page.statusCode, page.body.includes('This comment was edited')]).toEqual([200, true]);
      expect((await server.send({ method: 'POST', url: old })).statusCode).toBe(409);
      expect(await status(id)).toBe('pending');
    });

    it('confirms once, then notifies of replies, never the author, and stops after unsubscribing', async () => {
      const server = await start();
      const thread = `t-${nanoid(8)}`;
      const follower = `follower-${nanoid(6)}@example.test`;
      const other = `other-${nanoid(6)}@example.test`;
      const first = await server.create({ thread, email: follower, notify: true });
      await server.drained();
      const [confirmation, ...more] = server.mailsTo(follower);
      expect(more).toEqual([]);
      expect(header(confirmation!.raw, 'subject')).toEqual(['Confirm: follow-up comments on "A post"']);
      expect(header(confirmation!.raw, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
      const confirm = linkIn(confirmation!.raw, /subscriptions\/[\w-]+\/confirm/);

      // Before the address is confirmed: nothing about replies.
      await server.create({ thread, email: other, parentId: first });
      await server.drained();
      expect(server.mailsTo(follower)).toHaveLength(1);

      expect((await server.send({ url: confirm })).statusCode).toBe(200);
      await server.create({ thread, email: other, parentId: first });
      await server.drained();
      expect(server.mailsTo(follower)).toHaveLength(1);
      // Another first character, always: the one the test used to write (_) is a possible first character (1 in 64).
      const altered = (url: string, name: string) => url.replace(new RegExp(`${name}=(.)`), (_, c: string) => `${name}=${c === 'A' ? 'B' : 'A'}`);
      expect((await server.send({ method: 'POST', url: altered(confirm, 'sig') })).statusCode).toBe(403);
      // The signature covers the confirmation mail's nonce too.
      expect((await server.send({ method: 'POST', url: altered(confirm, 'n') })).statusCode).toBe(403);
      expect((await server.send({ method: 'POST', url: confirm })).statusCode).toBe(200);

      await server.create({ thread, name: 'Bob', email: other, parentId: first });
      // The follower's own comment is not news to them.
      await server.create({ thread, email: follower.toUpperCase(), parentId: first });
      await server.drained();
      const notices = server.mailsTo(follower).slice(1);
      expect(notices).toHaveLength(1);
      const notice = notices[0]!.raw;
      expect(header(notice, 'subject')).toEqual(['New comment on "A post" by Bob']);
      expect(decoded(notice)).toContain(`Hello from ${other.split('@')[0]}`);
      const [listUnsubscribe] = header(notice, 'list-unsubscribe');
      expect(header(notice, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(decoded(notice)).toContain('Unsubscribe from this thread: http://comments.test/api/subscriptions/');

      // RFC 8058: the mail client POSTs to the List-Unsubscribe address.
      const oneClick = new URL(/^<(.+)>$/.exec(listUnsubscribe!)![1]!);
      const unsubscribed = await server.send({
        method: 'POST',
        url: oneClick.pathname + oneClick.search,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(unsubscribed.statusCode, unsubscribed.body).toBe(200);
      await server.create({ thread, email: other, parentId: first });
      await server.drained();
      expect(server.mailsTo(follower)).toHaveLength(2);
    });

    it('asks each thread to be confirmed on its own, and unsubscribes per thread through the link in the body', async () => {
      const server = await start();
      const [thread, elsewhere] = [`t-${nanoid(8)}`, `t-${nanoid(8)}`];
      const follower = `follower-${nanoid(6)}@example.test`;
      const other = `other-${nanoid(6)}@example.test`;
      await server.create({ thread, email: follower, notify: true });
      await server.drained();
      const [confirmation] = server.mailsTo(follower);
      expect((await server.send({ method: 'POST', url: linkIn(confirmation!.raw, /subscriptions\/[\w-]+\/confirm/) })).statusCode).toBe(200);
      // A confirmed address signs up for nothing else by itself: whoever types it into a form could do that.
      await server.create({ thread: elsewhere, email: follower, notify: true });
      await server.create({ thread: elsewhere, email: other });
      await server.drained();
      const [, second, ...more] = server.mailsTo(follower);
      expect(more).toEqual([]);
      expect(header(second!.raw, 'subject')).toEqual(['Confirm: follow-up comments on "A post"']);
      expect((await server.send({ method: 'POST', url: linkIn(second!.raw, /subscriptions\/[\w-]+\/confirm/) })).statusCode).toBe(200);

      const unsubscribe = linkIn(confirmation!.raw, /subscriptions\/[\w-]+\/unsubscribe/);
      expect((await server.send({ url: unsubscribe })).body).toContain('<form method="post">');
      expect((await server.send({ method: 'POST', url: unsubscribe })).statusCode).toBe(200);
      await server.create({ thread, email: other });
      await server.create({ thread: elsewhere, email: other });
      await server.drained();
      const after = server.mailsTo(follower).slice(2);
      expect(after).toHaveLength(1);
      expect(decoded(after[0]!.raw)).toContain(`Hello from ${other.split('@')[0]}`);
      expect(header(after[0]!.raw, 'list-unsubscribe')[0]).not.toContain(/subscriptions\/([\w-]+)\//.exec(unsubscribe)![1]!);
    });

    it('lets nobody else reopen a thread its follower left: the old confirmation link is dead and no mail follows', async () => {
      const server = await start();
      const thread = `t-${nanoid(8)}`;
      const follower = `follower-${nanoid(6)}@example.test`;
      await server.create({ thread, email: follower, notify: true });
      await server.drained();
      const [confirmation] = server.mailsTo(follower);
      const confirm = linkIn(confirmation!.raw, /subscriptions\/[\w-]+\/confirm/);
      expect((await server.send({ method: 'POST', url: confirm })).statusCode).toBe(200);
      expect((await server.send({ method: 'POST', url: linkIn(confirmation!.raw, /subscriptions\/[\w-]+\/unsubscribe/) })).statusCode).toBe(200);

      // Mallory posts with the follower's address and ticks "notify me".
      await server.create({ thread, name: 'Mallory', email: follower, notify: true });
      await server.drained();
      // Asked once today already: no second confirmation mail, and the first one's link no longer confirms.
      expect(server.mailsTo(follower)).toHaveLength(1);
      const stale = await server.send({ method: 'POST', url: confirm });
      expect(stale.statusCode).toBe(404);
      expect(stale.body).toContain('no longer valid');
      await server.create({ thread, email: `other-${nanoid(6)}@example.test` });
      await server.drained();
      expect(server.mailsTo(follower)).toHaveLength(1);
    });

    it('sends one mailbox at most three confirmation mails a day, one per thread, whatever its case or +tag', async () => {
      const server = await start();
      const victim = `victim-${nanoid(6)}`;
      // The review's relay: each post to a fresh thread and another spelling of one mailbox.
      const spellings = [
        `${victim}+1@example.test`,
        `${victim.toUpperCase()}+2@Example.test`,
        `${victim}@example.test`,
        `${victim}+3@example.test`,
        `${victim}+4@example.test`,
      ];
      const threads = spellings.map(() => `t-${nanoid(8)}`);
      for (const [index, thread] of threads.entries()) await server.create({ thread, email: spellings[index]!, notify: true });
      await server.create({ thread: threads[0]!, email: spellings[0]!, notify: true });
      await server.drained();
      const mails = server.smtp!.messages.filter((mail) => mail.to.some((to) => to.toLowerCase().startsWith(victim.toLowerCase())));
      expect(mails).toHaveLength(3);
      for (const mail of mails) expect(header(mail.raw, 'subject')[0]).toMatch(/^Confirm: /);
      // The owner still hears of every comment.
      expect(server.mailsTo('owner@blog.test')).toHaveLength(6);
    });

    it(`asks for at most ${SUBSCRIPTIONS_PER_ADDRESS} confirmations a day from one client address, whatever the addresses`, async () => {
      const server = await start();
      const victims = Array.from({ length: SUBSCRIPTIONS_PER_ADDRESS + 2 }, () => `victim-${nanoid(6)}@example.test`);
      for (const victim of victims) await server.create({ thread: `t-${nanoid(8)}`, email: victim, notify: true });
      // Another client is not held back by this one.
      const other = `other-${nanoid(6)}@example.test`;
      emails.add(other);
      const elsewhere = await server.send({
        method: 'POST',
        url: '/api/comments',
        remoteAddress: '203.0.113.9',
        payload: { thread: `t-${nanoid(8)}`, body: 'From elsewhere.', author: { name: 'Other', email: other }, notify: true },
      });
      expect(elsewhere.statusCode, elsewhere.body).toBe(201);
      await server.drained();
      expect(victims.map((victim) => server.mailsTo(victim).length)).toEqual(victims.map((_, index) => (index < SUBSCRIPTIONS_PER_ADDRESS ? 1 : 0)));
      expect(server.mailsTo(other)).toHaveLength(1);
    });

    it('asks a held comment’s author to confirm only once it is approved, and a spam one’s never', async () => {
      const server = await start({ moderation: 'first-time', spamChecks: ['honeypot'] });
      const thread = `t-${nanoid(8)}`;
      const author = `author-${nanoid(6)}@example.test`;
      const held = await server.create({ thread, email: author, notify: true, title: 'The post' });
      const victim = `victim-${nanoid(6)}@example.test`;
      emails.add(victim);
      const spam = await server.send({
        method: 'POST',
        url: '/api/comments',
        payload: { thread, title: 'Call +1 555 0100 now', body: 'Hi', author: { name: 'Bot', email: victim }, notify: true, honeypot: 'filled' },
      });
      expect(spam.json<{ comment: { status: string } }>().comment.status).toBe('spam');
      await server.drained();
      expect(server.mailsTo(author)).toEqual([]);

      const ownerMail = server.mailsTo('owner@blog.test').find((mail) => decoded(mail.raw).includes(`/moderate/${held}/`))!;
      expect((await server.send({ method: 'POST', url: linkIn(ownerMail.raw, new RegExp(`moderate/${held}/approve`)) })).statusCode).toBe(200);
      await server.drained();
      const [confirmation, ...more] = server.mailsTo(author);
      expect(more).toEqual([]);
      // Approved, the comment named its thread: the title the owner was shown in the mail.
      expect(header(confirmation!.raw, 'subject')).toEqual(['Confirm: follow-up comments on "The post"']);
      // Marking the spam as spam again or deleting it asks nobody either.
      const spamId = spam.json<{ comment: { id: string } }>().comment.id;
      await db().open().moderation.setStatus([spamId], 'deleted');
      await server.drained();
      expect(server.mailsTo(victim)).toEqual([]);
    });

    it('puts nothing the commenter chose into a confirmation mail: never the thread id, and no title the thread lacks', async () => {
      const server = await start();
      const thread = `Your-account-is-locked-call-555-0100-${nanoid(4)}`;
      const victim = `victim-${nanoid(6)}@example.test`;
      await server.create({ thread, email: victim, notify: true, title: '' });
      await server.drained();
      const [confirmation] = server.mailsTo(victim);
      expect(header(confirmation!.raw, 'subject')).toEqual(['Confirm: follow-up comments']);
      expect(decoded(confirmation!.raw)).toContain('You asked to hear of new comments. Confirm to start:');
      expect(decoded(confirmation!.raw)).not.toContain('Your-account');
    });

    it("lets no spam or held comment name its thread, in the API, the feed or a mail: the review's reproduction", async () => {
      const server = await start({ moderation: 'first-time', spamChecks: ['honeypot'] });
      const thread = `t-${nanoid(8)}`;
      const hacked = { thread, title: 'Hacked: visit evil.example', body: 'Nice post.', author: { name: 'Mallory', email: `m-${nanoid(6)}@example.test` } };
      emails.add(hacked.author.email);
      const send = (payload: object) => server.send({ method: 'POST', url: '/api/comments', payload: { ...hacked, ...payload } });
      // An address off the site is refused, and nothing is stored.
      const offSite = await send({ url: 'https://evil.example/phish', honeypot: 'filled' });
      expect(offSite.statusCode).toBe(400);
      expect(offSite.json()).toMatchObject({ error: { code: 'invalid', field: 'pageUrl' } });
      expect(await db().query('SELECT id FROM threads WHERE id = ?', [thread])).toEqual([]);
      // On the site, a spam comment and a held one name nothing.
      const spam = await send({ url: 'https://blog.test/phish', honeypot: 'filled' });
      const held = await send({ url: 'https://blog.test/phish' });
      expect([spam, held].map((response) => response.json<{ comment: { status: string } }>().comment.status)).toEqual(['spam', 'pending']);
      await server.drained();

      expect((await server.send({ url: `/api/comments?thread=${thread}` })).json()).toMatchObject({ thread: { id: thread, title: null, count: 0 } });
      const feed = await server.send({ url: `/api/feed.atom?thread=${thread}` });
      expect(feed.body).toContain(`<title type="text">Comments on ${thread}</title>`);
      expect(feed.body).not.toMatch(/Hacked|phish/);
      const mails = server.mailsTo('owner@blog.test');
      expect(mails.map((mail) => header(mail.raw, 'subject')[0])).toEqual([`New comment on "${thread}" by Mallory`]);
      expect(decoded(mails[0]!.raw)).toContain('Approving it names the thread after its page: "Hacked: visit evil.example" https://blog.test/phish');
      // The owner corrects the thread before anything is published: no later approval renames it.
      await db().open().moderation.updateThread(thread, { title: 'The real post', url: 'https://blog.test/real' });
      await db().open().moderation.setStatus([held.json<{ comment: { id: string } }>().comment.id], 'approved');
      const published = await server.send({ url: `/api/feed.atom?thread=${thread}` });
      expect(published.body).toContain('<title type="text">Comments on The real post</title>');
      expect(published.body).toContain('href="https://blog.test/real#comment-');
      expect(published.body).not.toMatch(/Hacked|phish/);
    });

    it("queues the notification job in the comment's own transaction: without the outbox, nothing is stored", async () => {
      const server = await start();
      const thread = `t-${nanoid(8)}`;
      await db().query('ALTER TABLE mail_outbox RENAME TO mail_outbox_moved');
      try {
        const refused = await server.post({ thread, email: 'lost@example.test' });
        expect(refused.statusCode).toBe(500);
      } finally {
        await db().query('ALTER TABLE mail_outbox_moved RENAME TO mail_outbox');
      }
      expect(await db().query('SELECT id FROM comments WHERE thread_id = ?', [thread])).toEqual([]);
      // A stored comment always has its job: the owner's mail follows.
      await server.create({ thread, name: 'Kept', email: 'kept@example.test' });
      await server.drained();
      expect(server.mailsTo('owner@blog.test').map((mail) => header(mail.raw, 'subject')[0])).toEqual(['New comment on "A post" by Kept']);
    });

    /**
     * A thread whose first comment's author asked to follow it and confirmed: they have had only the
     * confirmation mail. A held first comment is approved first (its author is asked then).
     */
    async function confirmedFollower(server: Awaited<ReturnType<typeof start>>, extra: { title?: string } = {}) {
      const thread = `t-${nanoid(8)}`;
      const follower = `follower-${nanoid(6)}@example.test`;
      const first = await server.create({ thread, email: follower, notify: true, ...extra });
      if ((await status(first)) !== 'approved') await db().open().moderation.setStatus([first], 'approved', { notifyFollowersAt: new Date().toISOString() });
      await server.drained();
      await server.send({ method: 'POST', url: linkIn(server.mailsTo(follower)[0]!.raw, /subscriptions\/[\w-]+\/confirm/) });
      return { thread, follower, first };
    }

    /** The subjects of the mails a follower got after the confirmation. */
    const followUpSubjects = (server: Awaited<ReturnType<typeof start>>, follower: string) =>
      server
        .mailsTo(follower)
        .slice(1)
        .map((mail) => header(mail.raw, 'subject')[0]);

    /** A confirmed follower's comment and a held reply to it: the follower has had only the confirmation mail. */
    async function heldReplyToFollower(server: Awaited<ReturnType<typeof start>>) {
      const { thread, follower, first } = await confirmedFollower(server);
      const held = await server.create({ thread, name: 'Held', email: `held-${nanoid(6)}@example.test`, parentId: first });
      await server.drained();
      expect(server.mailsTo(follower)).toHaveLength(1);
      return { thread, follower, held };
    }

    it('tells followers of a held comment once the owner approves it, and subscribes no spam', async () => {
      const server = await start({ moderation: 'all', blocklist: ['casino'], spamChecks: [] });
      const { thread, follower, held } = await heldReplyToFollower(server);

      const ownerMail = server.mailsTo('owner@blog.test').find((mail) => decoded(mail.raw).includes(`/moderate/${held}/`))!;
      const approve = linkIn(ownerMail.raw, new RegExp(`moderate/${held}/approve`));
      expect((await server.send({ method: 'POST', url: approve })).statusCode).toBe(200);
      // Approving twice tells nobody twice.
      expect((await server.send({ method: 'POST', url: approve })).statusCode).toBe(200);
      await server.drained();
      const notices = server.mailsTo(follower).slice(1);
      expect(notices.map((mail) => header(mail.raw, 'subject')[0])).toEqual(['New comment on "A post" by Held']);

      // A comment marked as spam asks for no confirmation: bots would mail any address through the form.
      const victim = `victim-${nanoid(6)}@example.test`;
      const spam = await server.post({ thread, name: 'casino', email: victim, notify: true });
      expect(spam.statusCode).toBe(201);
      await server.drained();
      expect(server.mailsTo(victim)).toEqual([]);
      // Nor does the owner get a mail for every bot.
      const spamId = spam.json<{ comment: { id: string } }>().comment.id;
      expect(server.mailsTo('owner@blog.test').filter((mail) => decoded(mail.raw).includes(spamId))).toEqual([]);
    });

    it('tells followers when the dashboard approves a held comment, too', async () => {
      const server = await start({ moderation: 'all', adminPassword: 'a long admin password' });
      const { follower, held } = await heldReplyToFollower(server);

      const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
      const signIn = await server.send({ method: 'POST', url: '/api/admin/session', payload: { password: 'a long admin password' }, headers: sameOrigin });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      const approve = {
        method: 'POST' as const,
        url: '/api/admin/comments/actions',
        payload: { ids: [held], action: 'approve', revisions: { [held]: 1 } },
        headers: { ...sameOrigin, cookie },
      };
      expect((await server.send(approve)).statusCode).toBe(200);
      expect((await server.send(approve)).statusCode).toBe(200);
      await server.drained();
      expect(followUpSubjects(server, follower)).toEqual(['New comment on "A post" by Held']);
    });

    it('takes the subject and link of follow-up mails from the stored thread, not from the reply', async () => {
      const server = await start();
      const { thread, follower, first } = await confirmedFollower(server, { title: 'A post' });
      await server.create({ thread, name: 'Mallory', email: `m-${nanoid(6)}@example.test`, parentId: first, title: 'Your account is locked' });
      await server.drained();
      const [notice] = server.mailsTo(follower).slice(1);
      expect(header(notice!.raw, 'subject')[0]).toBe('New comment on "A post" by Mallory');
      expect(decoded(notice!.raw)).not.toContain('Your account is locked');
    });

    // The CLI takes a DATABASE_URL, which names a SQLite file but not a PostgreSQL test schema.
    it.runIf(kind === 'sqlite')('tells followers when colloquy moderate approves a held comment', async () => {
      const server = await start({ moderation: 'all' });
      const { follower, held } = await heldReplyToFollower(server);
      const smtp = server.smtp!;
      const env = {
        DATABASE_URL: `sqlite:${db().path}`,
        COLLOQUY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        COLLOQUY_MAIL_FROM: 'Comments <comments@blog.test>',
        COLLOQUY_PUBLIC_URL: 'http://comments.test',
      };
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        expect(await moderate(['approve', held], env)).toBe(0);
      } finally {
        log.mockRestore();
      }
      // The CLI only queues; the server's worker (polling every 50 ms here) sends.
      await server.drained();
      expect(followUpSubjects(server, follower)).toEqual(['New comment on "A post" by Held']);
    });

    it('tells followers when the owner replies from the dashboard', async () => {
      const server = await start({ adminPassword: 'a long admin password' });
      const { follower, first } = await confirmedFollower(server);

      const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
      const signIn = await server.send({ method: 'POST', url: '/api/admin/session', payload: { password: 'a long admin password' }, headers: sameOrigin });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      const answer = await server.send({
        method: 'POST',
        url: `/api/admin/comments/${first}/reply`,
        payload: { body: 'Thanks for writing.' },
        headers: { ...sameOrigin, cookie },
      });
      expect(answer.statusCode, answer.body).toBe(201);
      await server.drained();
      const notices = server.mailsTo(follower).slice(1);
      expect(notices).toHaveLength(1);
      expect(decoded(notices[0]!.raw)).toContain('Thanks for writing.');
    });

    it('approves a held comment the owner answers from the dashboard, and refuses to answer spam', async () => {
      const server = await start({ moderation: 'all', adminPassword: 'a long admin password' });
      const { thread, follower, held } = await heldReplyToFollower(server);
      const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
      const signIn = await server.send({ method: 'POST', url: '/api/admin/session', payload: { password: 'a long admin password' }, headers: sameOrigin });
      const headers = { ...sameOrigin, cookie: String(signIn.headers['set-cookie']).split(';')[0]! };
      const answer = await server.send({ method: 'POST', url: `/api/admin/comments/${held}/reply`, payload: { body: 'Welcome.', revision: 1 }, headers });
      expect(answer.statusCode, answer.body).toBe(201);
      expect(await status(held)).toBe('approved');
      await server.drained();
      expect(followUpSubjects(server, follower)).toEqual(['New comment on "A post" by Held', 'New comment on "A post" by Site owner']);

      const spam = await server.create({ thread, email: `bot-${nanoid(6)}@example.test` });
      await server.send({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [spam], action: 'spam' }, headers });
      const refused = await server.send({ method: 'POST', url: `/api/admin/comments/${spam}/reply`, payload: { body: 'Hello?' }, headers });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ error: { message: expect.stringContaining('spam') } });
      expect(await status(spam)).toBe('spam');
      await server.drained();
    });

    it('hands each outbox item to one process at a time, and a failed one back only when due', async () => {
      const [a, b] = [db().open(), db().open()];
      const t0 = Date.UTC(2030, 0, 1);
      const at = (ms: number) => new Date(t0 + ms).toISOString();
      // Jobs queued with their comments, due when the comments were made.
      const thread = `t-${nanoid(8)}`;
      const notification = { toOwner: true, subscribeAuthor: false, toFollowers: false };
      for (let i = 0; i < 30; i++) await createRecord(a, thread, { createdAt: at(0), notification });
      const claimed = (await Promise.all([a, b, a, b].map((store) => store.outbox.claim(at(1), at(60_000), 10)))).flat();
      expect(claimed).toHaveLength(30);
      expect(new Set(claimed.map((item) => item.id)).size).toBe(30);
      expect(claimed.every((item) => item.attempts === 1 && item.kind === 'job')).toBe(true);
      // Leased: nobody gets them again before the lease ends.
      expect(await b.outbox.claim(at(2), at(60_000), 100)).toEqual([]);
      const [first, second, ...rest] = claimed;
      await a.outbox.finish(first!.id, { done: true });
      await a.outbox.finish(second!.id, { retryAt: at(5000), error: 'ECONNREFUSED' });
      for (const item of rest) await b.outbox.finish(item.id, { done: true });
      expect(await b.outbox.claim(at(4999), at(60_000), 100)).toEqual([]);
      const [again, ...none] = await b.outbox.claim(at(5000), at(60_000), 100);
      expect(none).toEqual([]);
      expect(again).toMatchObject({ id: second!.id, kind: 'job', message: second!.message, attempts: 2 });
      // A job becomes its mails and is gone, in one step.
      await b.outbox.completeJob(again!.id, { mails: [JSON.stringify({ mark: 'rendered' })], at: at(5001) });
      const [mail, ...nothing] = await a.outbox.claim(at(6000), at(60_000), 100);
      expect(nothing).toEqual([]);
      expect(mail).toMatchObject({ kind: 'mail', message: JSON.stringify({ mark: 'rendered' }), attempts: 1 });
      await a.outbox.finish(mail!.id, { done: true });
      expect(await a.outbox.claim(at(120_000), at(180_000), 100)).toEqual([]);
    });

    it('gives back at once what a worker that stops claimed and did not send', async () => {
      // Its own database: the outbox holds only this test's mails.
      const database = await createStoreDatabase(kind);
      let received!: () => void;
      const firstReceived = new Promise<void>((resolve) => (received = resolve));
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      // Holds the first mail's answer until the worker has been told to stop.
      const smtp = new SMTPServer({
        disabledCommands: ['AUTH', 'STARTTLS'],
        logger: false,
        onData(stream, _session, callback) {
          stream.resume();
          stream.on('end', () => {
            received();
            void answered.then(() => callback());
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
      try {
        const store = database.open();
        await store.migrate();
        const due = new Date(Date.now() - 1000).toISOString();
        for (const n of [1, 2, 3]) {
          const message = JSON.stringify({
            from: 'a@blog.test',
            to: { name: '', address: `reader${n}@example.test` },
            subject: `Mail ${n}`,
            text: 'Hi',
            html: '<p>Hi</p>',
          });
          await database.query('INSERT INTO mail_outbox (kind, message, next_attempt_at) VALUES (?, ?, ?)', ['mail', message, due]);
        }
        const notifier = createNotifier({
          store,
          config: { ...defaultServerConfig, smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, mailFrom: 'a@blog.test' },
          secret: async () => 'a-test-secret-of-some-length',
          log: { warn: () => {}, error: () => {} },
          pollMs: 3_600_000,
        });
        notifier.start();
        await firstReceived;
        const stopped = notifier.stop();
        answer();
        await stopped;

        // The mail that went out is gone; the two never tried are due now, their claim not counted as an attempt.
        const now = new Date().toISOString();
        const again = await store.outbox.claim(now, new Date(Date.now() + 60_000).toISOString(), 10);
        expect(again.map((item) => [JSON.parse(item.message).subject, item.attempts])).toEqual([
          ['Mail 2', 1],
          ['Mail 3', 1],
        ]);
      } finally {
        await new Promise<void>((resolve) => smtp.close(() => resolve()));
        await database.destroy();
      }
    });

    it('refuses CR/LF in names and titles, and no mail grows an extra header', async () => {
      const server = await start();
      const thread = `t-${nanoid(8)}`;
      const refused = [
        await server.post({ thread, name: 'Eve\r\nBcc: victim@evil.test', email: 'eve@example.test' }),
        await server.post({ thread, name: 'Eve', title: 'Post\r\nBcc: victim@evil.test', email: 'eve@example.test' }),
        await server.post({ thread, name: 'Eve\nX-Injected: 1', email: 'eve@example.test' }),
      ];
      for (const response of refused) expect(response.statusCode).toBe(400);
      // What passes validation but looks like a header, or breaks lines elsewhere (U+2028), stays inside the Subject.
      await server.create({ thread, name: 'Eve\u2028Bcc: victim@evil.test', title: 'Post\u2029X-Injected: 1 =?utf-8?q?x?=', email: 'eve@example.test' });
      await server.drained();
      const mails = server.smtp!.messages;
      expect(mails).toHaveLength(1);
      const names = headersOf(mails[0]!.raw).map(([name]) => name);
      expect(names).not.toContain('bcc');
      expect(names).not.toContain('x-injected');
      expect(names.filter((name) => name === 'subject')).toHaveLength(1);
      expect(mails[0]!.to).toEqual(['owner@blog.test']);
    });

    it('drops a mail whose recipient the mail server refuses for good, and retries one refused for now', async () => {
      let busy = 2;
      const server = await start({}, undefined, (address) => {
        if (address.startsWith('nobody@')) return 550;
        if (address === 'owner@blog.test' && busy > 0) return (busy--, 451);
        return undefined;
      });
      const thread = `t-${nanoid(8)}`;
      await server.create({ thread, email: 'nobody@example.test', notify: true });
      // The outbox empties: the owner's mail after two refusals for now, the confirmation to nobody@ dropped.
      await server.drained();
      expect(busy).toBe(0);
      expect(server.mailsTo('owner@blog.test')).toHaveLength(1);
      expect(server.mailsTo('nobody@example.test')).toEqual([]);
    });

    it('answers 201 while the mail server is down, and delivers once it is up', async () => {
      const probe = await startSmtp();
      const port = probe.port;
      await probe.close();
      const server = await start({}, port);
      const thread = `t-${nanoid(8)}`;
      const id = await server.create({ thread, email: 'patient@example.test' });
      expect(await status(id)).toBe('approved');
      // Tried and failed at least twice: the comment never waited for it.
      await waitFor(async () => {
        const [row] = await db().query<{ attempts: number; last_error: string | null }>('SELECT attempts, last_error FROM mail_outbox');
        return row && row.attempts >= 2 && row.last_error !== null ? row : undefined;
      }, 'failed attempts');
      const smtp = await startSmtp(port);
      smtps.push(smtp);
      await waitFor(() => (smtp.messages.length ? smtp.messages : undefined), 'the retried mail');
      await server.drained();
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]!.to).toEqual(['owner@blog.test']);
    });
  });
}

for (const kind of selectedStores()) notificationSuite(kind);
