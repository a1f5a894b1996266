import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { EMAIL_LINK_TTL_MS, EMAIL_RESEND_MS } from '../../src/auth/email';
import type { Store } from '../../src/store/interfaces';
import { selectedStores, useStoreDatabase, type StoreKind } from './stores';

const SITE = 'https://comments.blog.example';
const BLOG = 'https://blog.example';

/** A real SMTP server on 127.0.0.1 that keeps every message. */
let smtp: SMTPServer;
let smtpPort: number;
const messages: { to: string; raw: string }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo[0]!.address, raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

/** The message with quoted-printable undone (enough to read the link back). */
const decoded = (raw: string) => raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** Waits for the mail to `to` (the outbox sends it off the request path) and reads its sign-in link. */
async function linkMailedTo(to: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const mail = messages.find((message) => message.to === to);
    if (mail) {
      messages.splice(messages.indexOf(mail), 1);
      const match = /https:\/\/comments\.blog\.example(\/api\/auth\/email\/confirm\?token=[\w-]{43})/.exec(decoded(mail.raw));
      if (!match) throw new Error(`no sign-in link in:\n${decoded(mail.raw)}`);
      return match[1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no mail to ${to}`);
}

function emailSignIn(kind: StoreKind) {
  describe(`signing in by a mailed link, on ${kind}`, () => {
    const db = useStoreDatabase(kind);
    const apps: FastifyInstance[] = [];
    const clock = { offset: 0 };
    let store: Store;

    beforeAll(async () => {
      store = db().open();
      await store.migrate();
    });
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      clock.offset = 0;
    });

    const start = async (config: Partial<AppConfig> = {}) => {
      const app = createApp({
        store,
        now: () => new Date(Date.now() + clock.offset),
        mail: { pollMs: 60_000, retryBaseMs: 100 },
        config: {
          rateLimit: 0,
          publicUrl: SITE,
          origins: [BLOG],
          smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
          mailFrom: 'Comments <comments@blog.example>',
          emailSignIn: true,
          ...config,
        },
      });
      apps.push(app);
      await app.ready();
      return app;
    };
    const ask = (app: FastifyInstance, email: string, returnTo = `${BLOG}/post/`) =>
      app.inject({ method: 'POST', url: '/api/auth/email', payload: { email, name: 'Mae Mail', returnTo } });

    it('mails a one-time link that signs the reader in on the page they came from', async () => {
      const app = await start();
      const email = `mae-${kind}@mail.example`;
      const asked = await ask(app, email, `${BLOG}/post/#respond`);
      expect(asked.statusCode, asked.body).toBe(202);
      const link = await linkMailedTo(email);
      // Opening the link only shows a button: mail scanners that fetch links sign nobody in.
      const page = await app.inject({ url: link });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<form method="post"><button type="submit">Sign in</button></form>');
      expect(page.headers['cache-control']).toBe('no-store');
      const done = await app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(done.statusCode).toBe(303);
      const session = /^https:\/\/blog\.example\/post\/#colloquy-session=(cqs\.[\w-]{43})$/.exec(String(done.headers.location))?.[1];
      expect(session).toBeDefined();
      const me = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${session}` } });
      expect(me.json().user).toMatchObject({ name: 'Mae Mail', provider: 'email', verifiedBy: 'Email' });
      // Used once.
      const again = await app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(again.statusCode).toBe(403);
      expect(again.body).toContain('expired or was already used');
    });

    it('refuses an expired link, and limits how often an address and a sender get links', async () => {
      const app = await start();
      const email = `late-${kind}@mail.example`;
      await ask(app, email);
      const link = await linkMailedTo(email);
      const soon = await ask(app, email);
      expect(soon.statusCode).toBe(429);
      expect(soon.json().error.message).toMatch(/a few minutes ago/);
      expect(Number(soon.headers['retry-after'])).toBeGreaterThan(0);
      clock.offset = EMAIL_LINK_TTL_MS;
      const expired = await app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(expired.statusCode).toBe(403);
      expect(expired.headers.location).toBeUndefined();
      // After the resend window, another may be asked for (the outbox, on the real clock, sends it later).
      clock.offset = EMAIL_LINK_TTL_MS + EMAIL_RESEND_MS;
      expect((await ask(app, email)).statusCode).toBe(202);
    });

    it('refuses a bad address, a page of another site, and asks when sign-in by email is off', async () => {
      const app = await start();
      expect((await ask(app, 'not an address')).json().error).toMatchObject({ code: 'invalid', field: 'email' });
      expect((await ask(app, `ok-${kind}@mail.example`, 'https://evil.example/')).json().error).toMatchObject({ code: 'invalid', field: 'returnTo' });
      const off = await start({ emailSignIn: false });
      expect((await ask(off, `off-${kind}@mail.example`)).statusCode).toBe(404);
      expect(messages.filter((message) => message.to.startsWith('ok-') || message.to.startsWith('off-'))).toEqual([]);
    });
  });
}

for (const kind of selectedStores()) emailSignIn(kind);
