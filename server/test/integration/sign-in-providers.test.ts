import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { FLOW_TTL_MS, openFlow, sealFlow } from '../../src/auth/flow';
import type { Store } from '../../src/store/interfaces';
import { signInAtProvider, startGithubStandIn, startOidcProvider, type LocalProvider } from '../identity-providers';
import { createStoreDatabase, type StoreDatabase } from './stores';

const SITE = 'https://comments.blog.example';
const BLOG = 'https://blog.example';
const SECRET = 'a-secret-for-the-sign-in-flow-tests';
const client = { clientId: 'colloquy', clientSecret: 'colloquy-client-secret' };

let database: StoreDatabase;
let store: Store;
let oidc: LocalProvider;
let github: LocalProvider & { codesIssued: number };
const apps: FastifyInstance[] = [];
/** Added to the real clock: the providers check their tokens' times against it. */
const clock = { offset: 0 };

beforeAll(async () => {
  database = await createStoreDatabase('sqlite');
  store = database.open();
  await store.migrate();
  oidc = await startOidcProvider({ ...client, redirectUri: `${SITE}/api/auth/callback/oidc` });
  github = await startGithubStandIn(client, {
    id: 4242,
    login: 'octo-ann',
    name: null,
    emails: [
      { email: 'old@ann.example', primary: false, verified: true },
      { email: 'ann@ann.example', primary: true, verified: true },
    ],
  });
});

afterAll(async () => {
  await Promise.all([oidc?.close(), github?.close()]);
  await database?.destroy();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  clock.offset = 0;
});

function start(config: Partial<AppConfig> = {}) {
  const app = createApp({
    store,
    now: () => new Date(Date.now() + clock.offset),
    config: {
      rateLimit: 0,
      moderation: 'none',
      spamChecks: [],
      secret: SECRET,
      publicUrl: SITE,
      origins: [BLOG],
      oidcIssuer: oidc.url,
      oidcClientId: client.clientId,
      oidcClientSecret: client.clientSecret,
      oidcName: 'Local ID',
      githubClientId: client.clientId,
      githubClientSecret: client.clientSecret,
      ...config,
    },
    githubEndpoints: { authorize: `${github.url}/login/oauth/authorize`, token: `${github.url}/login/oauth/access_token`, api: github.url },
  });
  apps.push(app);
  return app;
}

const cookieOf = (response: LightMyRequestResponse) => String(response.headers['set-cookie']).split(';')[0]!;

/** The message the popup page hands its opener (null when it names no opener), read from its JSON block. */
function popupMessage(response: LightMyRequestResponse): {
  origin?: string;
  message?: { type: string; session?: string; error?: string; user?: { name: string } };
} {
  const json = /<script type="application\/json" id="colloquy-result">(.*?)<\/script>/.exec(response.body)?.[1];
  if (json === undefined) throw new Error(`not a popup page: ${response.body.slice(0, 200)}`);
  return JSON.parse(json);
}

/** Starts a sign-in as the widget's popup does, and plays the reader's part at the provider. */
async function throughProvider(app: FastifyInstance, provider = 'oidc', query: Record<string, string> = { origin: BLOG }, login = 'ann') {
  const started = await app.inject({ url: `/api/auth/start/${provider}?${new URLSearchParams(query)}` });
  expect(started.statusCode, started.body).toBe(302);
  const callback = await signInAtProvider(String(started.headers.location), login, `${SITE}/api/auth/callback/`);
  return { started, cookie: cookieOf(started), callback: callback.slice(SITE.length) };
}

describe('signing in through an OpenID Connect provider (a real one, on 127.0.0.1)', () => {
  it('sends the reader to the provider with PKCE, state and nonce, and hands the session to the page that asked', async () => {
    const app = start();
    const { started, cookie, callback } = await throughProvider(app);
    const authorize = new URL(String(started.headers.location));
    expect(authorize.origin).toBe(oidc.url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'colloquy',
      redirect_uri: `${SITE}/api/auth/callback/oidc`,
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/.{20}/),
      nonce: expect.stringMatching(/.{20}/),
      code_challenge: expect.stringMatching(/.{40}/),
    });
    expect(String(started.headers['set-cookie'])).toMatch(
      /^colloquy_sign_in=[\w.-]+; Path=\/api\/auth\/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );

    const done = await app.inject({ url: callback, headers: { cookie } });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-[\w+/=]+'; style-src 'sha256-/);
    // The cookie is spent.
    expect(String(done.headers['set-cookie'])).toMatch(/^colloquy_sign_in=; Path=\/api\/auth\/callback; Max-Age=0/);
    const { origin, message } = popupMessage(done);
    expect(origin).toBe(BLOG);
    expect(message).toMatchObject({ type: 'colloquy:sign-in', session: expect.stringMatching(/^cqs\./), user: { name: 'Reader ann', verifiedBy: 'Local ID' } });
    const me = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${message!.session}` } });
    expect(me.json().user).toMatchObject({ name: 'Reader ann', provider: 'oidc' });
    const user = (await store.users.list({ q: 'ann@oidc.example', limit: 1 }))[0];
    expect(user).toMatchObject({ provider: 'oidc', subject: 'ann', email: 'ann@oidc.example' });
  });

  it('goes back to the page with the session in its fragment when the popup was blocked (redirect)', async () => {
    const app = start();
    const returnTo = `${BLOG}/post/#comments`;
    const { cookie, callback } = await throughProvider(app, 'oidc', { origin: BLOG, mode: 'redirect', returnTo });
    const done = await app.inject({ url: callback, headers: { cookie } });
    expect(done.statusCode).toBe(302);
    expect(String(done.headers.location)).toMatch(/^https:\/\/blog\.example\/post\/#colloquy-session=cqs\.[\w-]{43}$/);
  });

  it('refuses a replayed callback, a forged state, a mismatched nonce and an expired flow: no session, a clear page', async () => {
    const app = start();
    const sessions = async () => (await database.query<{ n: number }>('SELECT count(*) AS n FROM reader_sessions'))[0]!.n;
    const before = await sessions();

    const replay = await throughProvider(app);
    expect((await app.inject({ url: replay.callback, headers: { cookie: replay.cookie } })).statusCode).toBe(200);
    const replayed = await app.inject({ url: replay.callback, headers: { cookie: replay.cookie } });
    expect(replayed.statusCode).toBe(400);
    expect(popupMessage(replayed).message?.error).toBe('This sign-in was already used: please start again.');

    const forged = await throughProvider(app);
    const url = new URL(forged.callback, SITE);
    url.searchParams.set('state', 'forged-state');
    const refused = await app.inject({ url: url.pathname + url.search, headers: { cookie: forged.cookie } });
    expect(refused.statusCode).toBe(400);
    expect(popupMessage(refused).message?.error).toMatch(/does not match/);

    const nonce = await throughProvider(app);
    const flow = openFlow(SECRET, nonce.cookie.split('=')[1], new Date())!;
    const tampered = `colloquy_sign_in=${sealFlow(SECRET, { ...flow, nonce: 'another-nonce' })}`;
    const mismatch = await app.inject({ url: nonce.callback, headers: { cookie: tampered } });
    expect(mismatch.statusCode).toBe(502);
    expect(popupMessage(mismatch).message?.error).toMatch(/could not be checked/);

    const late = await throughProvider(app);
    clock.offset = FLOW_TTL_MS + 1000;
    const expired = await app.inject({ url: late.callback, headers: { cookie: late.cookie } });
    expect(popupMessage(expired).message).toBeUndefined();
    expect(expired.body).toContain('This sign-in has expired or was not started here');

    // Without the cookie (another browser), nothing either.
    const elsewhere = await throughProvider(app);
    expect((await app.inject({ url: elsewhere.callback })).statusCode).toBe(400);
    expect(await sessions()).toBe(Number(before) + 1);
  });

  it('refuses a page whose origin is not allowed, a return address elsewhere, and a provider that is not configured', async () => {
    const app = start();
    const foreign = await app.inject({ url: `/api/auth/start/oidc?origin=${encodeURIComponent('https://evil.example')}` });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.headers.location).toBeUndefined();
    // Nothing is handed to a page the owner did not list.
    expect(popupMessage(foreign)).toEqual({});
    const away = await app.inject({
      url: `/api/auth/start/oidc?${new URLSearchParams({ origin: BLOG, mode: 'redirect', returnTo: 'https://evil.example/' })}`,
    });
    expect(away.statusCode).toBe(400);
    expect(popupMessage(away)).toEqual({});
    const unknown = await app.inject({ url: `/api/auth/start/gitlab?origin=${encodeURIComponent(BLOG)}` });
    expect(unknown.statusCode).toBe(404);
    expect(popupMessage(unknown).message?.error).toBe('There is no way to sign in called "gitlab" on this site.');
    expect((await app.inject({ url: '/api/auth/callback/gitlab?code=x&state=y' })).statusCode).toBe(404);
    const off = start({ githubClientId: '', githubClientSecret: '' });
    expect((await off.inject({ url: `/api/auth/start/github?origin=${encodeURIComponent(BLOG)}` })).statusCode).toBe(404);
  });
});

describe('signing in with GitHub (a stand-in of its three endpoints)', () => {
  it('signs in by GitHub id with the primary verified address, named by the login when GitHub has no name', async () => {
    const app = start();
    const { started, cookie, callback } = await throughProvider(app, 'github');
    expect(Object.fromEntries(new URL(String(started.headers.location)).searchParams)).toMatchObject({
      client_id: 'colloquy',
      redirect_uri: `${SITE}/api/auth/callback/github`,
      scope: 'read:user user:email',
      code_challenge_method: 'S256',
    });
    const done = await app.inject({ url: callback, headers: { cookie } });
    const { message } = popupMessage(done);
    expect(message?.user).toMatchObject({ name: 'octo-ann', provider: 'github', verifiedBy: 'GitHub' });
    expect(await store.users.list({ q: 'ann@ann.example', limit: 1 })).toMatchObject([
      { provider: 'github', subject: '4242', email: 'ann@ann.example', avatarUrl: 'https://avatars.example/u/4242' },
    ]);
  });

  it('signs nobody in when GitHub refuses the code (a wrong PKCE verifier)', async () => {
    const app = start();
    const { cookie, callback } = await throughProvider(app, 'github');
    const flow = openFlow(SECRET, cookie.split('=')[1], new Date())!;
    const tampered = `colloquy_sign_in=${sealFlow(SECRET, { ...flow, verifier: 'x'.repeat(43) })}`;
    const done = await app.inject({ url: callback, headers: { cookie: tampered } });
    expect(done.statusCode).toBe(502);
    expect(popupMessage(done).message?.session).toBeUndefined();
  });

  it('tells the page when the reader cancelled at the provider', async () => {
    const app = start();
    const started = await app.inject({ url: `/api/auth/start/github?origin=${encodeURIComponent(BLOG)}` });
    const state = new URL(String(started.headers.location)).searchParams.get('state')!;
    const done = await app.inject({ url: `/api/auth/callback/github?error=access_denied&state=${state}`, headers: { cookie: cookieOf(started) } });
    expect(popupMessage(done)).toEqual({ origin: BLOG, message: { type: 'colloquy:sign-in', error: 'Signing in was cancelled.' } });
  });
});
