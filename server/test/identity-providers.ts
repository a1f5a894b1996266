import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A provider the tests start on 127.0.0.1; `close()` stops it. */
export interface LocalProvider {
  /** The issuer (OpenID Connect) or the base of the three endpoints (the GitHub stand-in). */
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closer = (server: Server) => () => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * A real OpenID Provider (oidc-provider 8, the certified library) with one client, PKCE required,
 * and its development login pages, where any login name signs in as the account of that name
 * (`<login>@oidc.example`, verified).
 */
export async function startOidcProvider(client: { clientId: string; clientSecret: string; redirectUri: string }): Promise<LocalProvider> {
  const server = createServer();
  const url = await listen(server);
  const provider = new Provider(url, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_context: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, name: `Reader ${sub}`, email: `${sub}@oidc.example`, email_verified: true }),
    }),
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  return { url, close: closer(server) };
}

/**
 * The reader's part at the provider, as a browser would play it without a person: follows its
 * redirects with its cookies and submits its login (as `login`) and consent forms, until the
 * provider sends the reader back to `callbackPrefix`. Returns that address.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, callbackPrefix: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(callbackPrefix)) return url;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    form = undefined;
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider answered ${response.status} without a form or a redirect: ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(name!, value!);
    if (fields.get('prompt') === 'login') {
      fields.set('login', login);
      fields.set('password', 'any');
    }
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    form = fields;
  }
  throw new Error('the provider did not send the reader back');
}

/** What the GitHub stand-in knows of a user. */
export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

const body = async (request: IncomingMessage) => {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return new URLSearchParams(text);
};

/**
 * GitHub's three endpoints as its documentation describes them: the authorize page (which here
 * signs `user` in at once and sends them back with a code and the state), the token exchange
 * (client secret, code once, PKCE verifier checked) and the REST API's /user and /user/emails.
 */
export async function startGithubStandIn(
  client: { clientId: string; clientSecret: string },
  user: GithubUser,
): Promise<LocalProvider & { codesIssued: number }> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokens = new Set<string>();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url!, 'http://stand-in');
    const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (url.pathname === '/login/oauth/authorize') {
      const redirect = new URL(url.searchParams.get('redirect_uri')!);
      if (url.searchParams.get('client_id') !== client.clientId) return json(404, { error: 'unknown client' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri: redirect.href });
      stand.codesIssued++;
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
      return response.writeHead(302, { location: redirect.href }).end();
    }
    if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
      const form = await body(request);
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (form.get('client_id') !== client.clientId || form.get('client_secret') !== client.clientSecret)
        return json(200, { error: 'incorrect_client_credentials' });
      if (!issued || issued.redirectUri !== form.get('redirect_uri') || issued.challenge !== verifier) return json(200, { error: 'bad_verification_code' });
      const token = randomBytes(10).toString('hex');
      tokens.add(token);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    if (!tokens.has((request.headers.authorization ?? '').replace(/^Bearer /, ''))) return json(401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(200, { id: user.id, login: user.login, name: user.name, avatar_url: `https://avatars.example/u/${user.id}` });
    if (url.pathname === '/user/emails') return json(200, user.emails);
    return json(404, { message: 'Not Found' });
  });
  const url = await listen(server);
  const stand = { url, close: closer(server), codesIssued: 0 };
  return stand;
}
