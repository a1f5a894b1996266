import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { defaultServerConfig } from '../../src/config/config';
import { READER_SESSION_TTL_MS, ROTATE_AFTER_MS, ROTATION_GRACE_MS } from '../../src/auth/sessions';
import type { Store } from '../../src/store/interfaces';
import { selectedStores, useStoreDatabase, type StoreKind } from './stores';

const T0 = Date.UTC(2024, 0, 1, 12);
const MINUTE = 60_000;
const SECRET = 'a-host-site-secret-of-32-characters!';
const SITE = 'https://comments.blog.example';

/** The API's mechanics: comments published at once, no spam checks, no rate limit, host sign-in with a shared secret. */
const base: Partial<AppConfig> = { rateLimit: 0, moderation: 'none', spamChecks: [], publicUrl: SITE, ssoSecret: SECRET, ssoName: 'Example Blog' };

/** A host site's token, signed as its server would sign it: HS256 with the shared secret unless told otherwise. */
async function hostToken(claims: JWTPayload = {}, { key = new TextEncoder().encode(SECRET) as Parameters<SignJWT['sign']>[0], alg = 'HS256', now = T0 } = {}) {
  return new SignJWT({ name: 'Ann Host', email: 'ann@blog.example', ...claims })
    .setProtectedHeader({ alg })
    .setSubject(typeof claims.sub === 'string' ? claims.sub : 'host-user-1')
    .setAudience(typeof claims.aud === 'string' ? claims.aud : SITE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 600)
    .sign(key);
}

/** `alg: none`: a header and claims, and no signature. */
const unsigned = (claims: JWTPayload) =>
  [{ alg: 'none', typ: 'JWT' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.';

const bearer = (session: string) => ({ authorization: `Bearer ${session}` });

function signInApi(kind: StoreKind) {
  describe(`signing in, on ${kind}`, () => {
    const db = useStoreDatabase(kind);
    const apps: FastifyInstance[] = [];
    const clock = { now: T0 };
    let store: Store;

    beforeAll(async () => {
      store = db().open();
      await store.migrate();
    });
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      clock.now = T0;
    });

    const start = (config: Partial<AppConfig> = {}) => {
      const app = createApp({ store, config: { ...base, ...config }, now: () => new Date(clock.now) });
      apps.push(app);
      return app;
    };
    const sso = async (app: FastifyInstance, token: string) => app.inject({ method: 'POST', url: '/api/auth/sso', payload: { token } });
    const signedIn = async (app: FastifyInstance, claims: JWTPayload = {}) => {
      const response = await sso(app, await hostToken(claims, { now: clock.now }));
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ session: string; user: { id: string; name: string; verifiedBy: string; avatarSeed: string } }>();
    };
    const post = (app: FastifyInstance, payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/api/comments', payload, headers });
    const listing = async (app: FastifyInstance, thread: string) =>
      (await app.inject({ url: `/api/comments?thread=${thread}` })).json<{ comments: Comment[] }>();

    it('offers no way to sign in unless the owner configures one', async () => {
      const app = start({ ssoSecret: '', ssoName: defaultServerConfig.ssoName });
      expect((await app.inject({ url: '/api/auth/providers' })).json()).toEqual({ providers: [], signIn: 'optional' });
      const response = await sso(app, await hostToken());
      expect(response.statusCode).toBe(404);
      // The widget's sign-in pack is then an empty script: pages download nothing to learn there is nothing.
      const pack = await app.inject({ url: '/colloquy-sign-in.js' });
      expect(pack.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(pack.body).toBe('// No way to sign in is configured on this server.\n');
      expect((await start().inject({ url: '/colloquy-sign-in.js' })).body).toContain('ColloquySignIn');
    });

    it('lists the configured ways, with the host site’s own login and logout pages', async () => {
      const app = start({ githubClientId: 'id', githubClientSecret: 's', emailSignIn: true, signIn: 'required', ssoLoginUrl: 'https://blog.example/login' });
      expect((await app.inject({ url: '/api/auth/providers' })).json()).toEqual({
        providers: [
          { id: 'github', name: 'GitHub', kind: 'github' },
          { id: 'sso', name: 'Example Blog', kind: 'sso' },
          { id: 'email', name: 'Email', kind: 'email' },
        ],
        signIn: 'required',
        sso: { loginUrl: 'https://blog.example/login' },
      });
    });

    it('signs a host-site user in, posts as their account whatever the body says, and marks the name verified', async () => {
      const app = start();
      const { session, user } = await signedIn(app, { sub: 'post-1', name: 'Ann Host' });
      expect(user).toEqual({ id: expect.any(String), name: 'Ann Host', provider: 'sso', verifiedBy: 'Example Blog', avatarSeed: expect.any(String) });
      const response = await post(app, { thread: 'sso-post', body: 'Signed in.', author: { name: 'Someone Else', email: 'else@x.example' } }, bearer(session));
      expect(response.statusCode, response.body).toBe(201);
      const { comment } = response.json<{ comment: Comment }>();
      expect(comment.author).toEqual({ name: 'Ann Host', avatarSeed: user.avatarSeed, verifiedBy: 'Example Blog', userId: user.id });
      // Without a body author at all, too.
      clock.now += 1000;
      expect((await post(app, { thread: 'sso-post', body: 'No author sent.' }, bearer(session))).statusCode).toBe(201);
      clock.now += 1000;
      // A guest under the same name gets no mark.
      const guest = await post(app, { thread: 'sso-post', body: 'Me too.', author: { name: 'Ann Host', email: 'ann@blog.example' } });
      expect(guest.json<{ comment: Comment }>().comment.author).toEqual({ name: 'Ann Host', avatarSeed: expect.any(String) });
      const listed = await listing(app, 'sso-post');
      expect(listed.comments.map((c) => c.author.verifiedBy)).toEqual(['Example Blog', 'Example Blog', undefined]);
      expect(JSON.stringify(listed)).not.toContain('ann@blog.example');
      expect(JSON.stringify(await app.inject({ url: '/api/auth/me', headers: bearer(session) }).then((r) => r.json()))).not.toContain('@');
    });

    it('refuses a bad host token with a clear 401 and signs nobody in', async () => {
      const app = start();
      const users = async () => (await db().query<{ n: number }>("SELECT count(*) AS n FROM users WHERE subject LIKE 'bad-%'"))[0]!.n;
      const other = await generateKeyPair('RS256');
      const cases: [string, string, RegExp][] = [
        ['alg none', unsigned({ sub: 'bad-none', name: 'X', aud: SITE, exp: T0 / 1000 + 600 }), /algorithm/],
        [
          'a wrong secret',
          await hostToken({ sub: 'bad-secret' }, { key: new TextEncoder().encode('another-secret-of-32-characters-long') }),
          /not signed by this site/,
        ],
        ['another algorithm', await hostToken({ sub: 'bad-rsa' }, { key: other.privateKey, alg: 'RS256' }), /algorithm/],
        ['an expired token', await hostToken({ sub: 'bad-expired' }, { now: T0 - 3600_000 }), /expired/],
        ['a future token', await hostToken({ sub: 'bad-future', nbf: T0 / 1000 + 3600 }), /not valid yet/],
        ['a token issued in the future', await hostToken({ sub: 'bad-iat' }, { now: T0 + 3600_000 }), /future/],
        ['another site’s token', await hostToken({ sub: 'bad-aud', aud: 'https://other.example' }), /another site/],
        ['garbage', 'not.a.token', /not signed by this site/],
      ];
      for (const [what, token, message] of cases) {
        const response = await sso(app, token);
        expect(response.statusCode, what).toBe(401);
        expect(response.json().error, what).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(message), field: 'token' });
      }
      expect(Number(await users())).toBe(0);
    });

    it('verifies RS256 and EdDSA tokens with the public key, and tokens of a JWKS URL', async () => {
      for (const alg of ['RS256', 'EdDSA'] as const) {
        const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
        const app = start({ ssoSecret: '', ssoPublicKey: await exportSPKI(publicKey) });
        const response = await sso(app, await hostToken({ sub: `pk-${alg}` }, { key: privateKey, alg }));
        expect(response.statusCode, `${alg}: ${response.body}`).toBe(200);
        // The public key cannot be used as an HMAC secret (algorithm confusion).
        const confused = await hostToken({ sub: `pk-${alg}-hs` }, { key: new TextEncoder().encode(await exportSPKI(publicKey)) });
        expect((await sso(app, confused)).statusCode).toBe(401);
      }
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
      const server: Server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end(jwks));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const app = start({ ssoSecret: '', ssoJwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
        const token = await new SignJWT({ name: 'Jwks User' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('jwks-1')
          .setAudience(SITE)
          .setExpirationTime(T0 / 1000 + 600)
          .sign(privateKey);
        const response = await sso(app, token);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().user.name).toBe('Jwks User');
      } finally {
        server.close();
      }
    });

    it('answers the signed-in reader, rotates the session after a day, and keeps the old token only for a minute', async () => {
      const app = start();
      const { session, user } = await signedIn(app, { sub: 'me-1' });
      const me = await app.inject({ url: '/api/auth/me', headers: bearer(session) });
      expect(me.json()).toEqual({ user });
      clock.now += ROTATE_AFTER_MS;
      const rotated = (await app.inject({ url: '/api/auth/me', headers: bearer(session) })).json<{ user: unknown; session: string }>();
      expect(rotated.user).toEqual(user);
      expect(rotated.session).toMatch(/^cqs\./);
      expect(rotated.session).not.toBe(session);
      clock.now += ROTATION_GRACE_MS - 1;
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(session) })).statusCode).toBe(200);
      clock.now += 1;
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(session) })).statusCode).toBe(401);
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(rotated.session) })).statusCode).toBe(200);
      // A session ends at last, even if used.
      clock.now += READER_SESSION_TTL_MS;
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(rotated.session) })).statusCode).toBe(401);
      expect((await app.inject({ url: '/api/auth/me' })).statusCode).toBe(401);
    });

    it('logs out on the server: the token is refused afterwards, and never posts as a guest', async () => {
      const app = start();
      const { session } = await signedIn(app, { sub: 'out-1' });
      expect((await app.inject({ method: 'DELETE', url: '/api/auth/session', headers: bearer(session) })).statusCode).toBe(204);
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(session) })).statusCode).toBe(401);
      const response = await post(app, { thread: 'sso-out', body: 'After log out.', author: { name: 'Ann', email: 'ann@x.example' } }, bearer(session));
      expect(response.statusCode).toBe(401);
      expect(response.json().error.message).toMatch(/sign in again/);
      expect((await listing(app, 'sso-out')).comments).toEqual([]);
    });

    it('with sign-in required, refuses guests and takes signed-in readers', async () => {
      const app = start({ signIn: 'required' });
      const guest = await post(app, { thread: 'sso-required', body: 'Guest.', author: { name: 'G', email: 'g@x.example' } });
      expect(guest.statusCode).toBe(401);
      expect(guest.json().error.message).toBe('Sign in to comment on this site.');
      const { session } = await signedIn(app, { sub: 'required-1' });
      expect((await post(app, { thread: 'sso-required', body: 'Signed in.' }, bearer(session))).statusCode).toBe(201);
      // A guest without a session still needs an author when sign-in is optional.
      const optional = start();
      expect((await post(optional, { thread: 'sso-required', body: 'Who?' })).json().error).toMatchObject({ code: 'invalid', field: 'author' });
    });

    it('lets a signed-in author edit and delete their comment from any browser, after the guest window, and nobody else', async () => {
      const app = start();
      const ann = await signedIn(app, { sub: 'edit-ann' });
      const bob = await signedIn(app, { sub: 'edit-bob', name: 'Bob' });
      const created = (await post(app, { thread: 'sso-edit', body: 'First.' }, bearer(ann.session))).json<{ comment: Comment }>().comment;
      // Another browser: a new session of the same account.
      const elsewhere = await signedIn(app, { sub: 'edit-ann' });
      clock.now += 16 * MINUTE;
      const patch = (session: string) =>
        app.inject({ method: 'PATCH', url: `/api/comments/${created.id}`, payload: { body: 'Edited.' }, headers: bearer(session) });
      expect((await patch(bob.session)).json().error).toMatchObject({ code: 'unauthorized', message: 'This comment was written from another account.' });
      const edited = await patch(elsewhere.session);
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().comment.body).toBe('Edited.');
      const removed = await app.inject({ method: 'DELETE', url: `/api/comments/${created.id}`, headers: bearer(ann.session) });
      expect(removed.json()).toEqual({ outcome: 'removed' });
    });

    it('keeps a signed-in window when the owner sets one', async () => {
      const app = start({ signedInEditWindowMinutes: 30 });
      const { session } = await signedIn(app, { sub: 'window-1' });
      const created = (await post(app, { thread: 'sso-window', body: 'First.' }, bearer(session))).json<{ comment: Comment }>().comment;
      clock.now += 30 * MINUTE;
      const late = await app.inject({ method: 'PATCH', url: `/api/comments/${created.id}`, payload: { body: 'Too late.' }, headers: bearer(session) });
      expect(late.json().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/30 minutes/) });
    });

    it('holds a signed-in reader’s first comment under first-time moderation, then trusts their account', async () => {
      const app = start({ moderation: 'first-time' });
      const { session } = await signedIn(app, { sub: 'first-1', email: 'first@x.example' });
      const first = (await post(app, { thread: 'sso-first', body: 'Hello.' }, bearer(session))).json<{ comment: Comment }>().comment;
      expect(first.status).toBe('pending');
      await store.moderation.setStatus([first.id], 'approved');
      const second = (await post(app, { thread: 'sso-first', body: 'Again.' }, bearer(session))).json<{ comment: Comment }>().comment;
      expect(second.status).toBe('approved');
    });

    it('refuses a blocked user: their sessions end, they cannot sign in again or post', async () => {
      const app = start();
      const { session, user } = await signedIn(app, { sub: 'blocked-1' });
      await store.users.setBlocked(user.id, true, new Date(clock.now).toISOString());
      expect((await post(app, { thread: 'sso-blocked', body: 'Blocked?' }, bearer(session))).statusCode).toBe(401);
      const again = await sso(app, await hostToken({ sub: 'blocked-1' }, { now: clock.now }));
      expect(again.json().error).toMatchObject({ code: 'forbidden', message: 'This account is blocked on this site.' });
      await store.users.setBlocked(user.id, false, new Date(clock.now).toISOString());
      const { session: next } = await signedIn(app, { sub: 'blocked-1' });
      expect((await post(app, { thread: 'sso-blocked', body: 'Unblocked.' }, bearer(next))).statusCode).toBe(201);
    });

    it('exports the reader’s own data, and deletes their account keeping their comments anonymised', async () => {
      const app = start();
      const { session, user } = await signedIn(app, { sub: 'export-1', email: 'export@x.example' });
      await post(app, { thread: 'sso-export', title: 'Exported', body: 'Mine.' }, bearer(session));
      const exported = await app.inject({ url: '/api/auth/me/export', headers: bearer(session) });
      expect(exported.headers['content-disposition']).toBe('attachment; filename="colloquy-my-data.json"');
      expect(exported.headers['cache-control']).toBe('no-store');
      expect(exported.json()).toMatchObject({
        user: { id: user.id, provider: 'sso', subject: 'export-1', email: 'export@x.example' },
        comments: [{ comment: { body: 'Mine.' }, thread: { id: 'sso-export', title: 'Exported' } }],
      });
      // Read (and so cached) before the deletion: the page must not keep showing their name after it.
      expect((await listing(app, 'sso-export')).comments.map((c) => c.author.name)).toEqual(['Ann Host']);
      const refused = await app.inject({ method: 'DELETE', url: '/api/auth/me?comments=maybe', headers: bearer(session) });
      expect(refused.json().error).toMatchObject({ code: 'invalid', field: 'comments' });
      const deleted = await app.inject({ method: 'DELETE', url: '/api/auth/me?comments=anonymise', headers: bearer(session) });
      expect(deleted.json()).toEqual({ deleted: true, comments: 'anonymise' });
      expect((await listing(app, 'sso-export')).comments.map((c) => c.author)).toEqual([{ name: 'Deleted user', avatarSeed: '' }]);
      expect((await app.inject({ url: '/api/auth/me', headers: bearer(session) })).statusCode).toBe(401);
      expect(await store.users.get(user.id)).toBeNull();
    });
  });
}

for (const kind of selectedStores()) signInApi(kind);
