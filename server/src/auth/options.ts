import { createPublicKey } from 'node:crypto';
import { fail, integer, type OptionTable, type Parse } from '../config/option-parsers';

/** One OpenID Connect provider (Google, Microsoft, GitLab, Auth0, Keycloak, …). */
export interface OidcProviderOptions {
  /** The provider id in `/api/auth/start/<id>` and the callback: lowercase letters, digits and dashes. */
  id: string;
  /** Its label on the button ("Log in with Google") and the verified mark. */
  name: string;
  /** The issuer URL, discovered at `<issuer>/.well-known/openid-configuration`: https, or http on a loopback address. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export type SignInMode = 'optional' | 'required';

/** The server options about readers signing in; none is on by default. `ServerConfig` includes them. */
export interface SignInOptions {
  /** `optional`: guests may post beside signed-in readers; `required`: only signed-in readers may post. @default 'optional' */
  signIn: SignInMode;
  /** One OpenID Connect provider (its id is `oidc`): the issuer URL. Empty: none. @default '' */
  oidcIssuer: string;
  /** @default '' */
  oidcClientId: string;
  /** @default '' */
  oidcClientSecret: string;
  /** Its label, e.g. `Google`. @default 'OpenID Connect' */
  oidcName: string;
  /** Several OpenID Connect providers (the config file's `oidc` list of `{ id, name, issuer, clientId, clientSecret }`). @default [] */
  oidc: OidcProviderOptions[];
  /** GitHub OAuth app. Empty: GitHub sign-in is off. @default '' */
  githubClientId: string;
  /** @default '' */
  githubClientSecret: string;
  /** Host-site single sign-on with HS256 tokens signed with this shared secret (at least 32 characters). @default '' */
  ssoSecret: string;
  /** Host-site single sign-on with RS256 or EdDSA tokens: the host's public key (PEM). @default '' */
  ssoPublicKey: string;
  /** Host-site single sign-on with tokens signed by a key of this JWKS URL. @default '' */
  ssoJwksUrl: string;
  /** The `aud` host-site tokens must carry. @default the origin of `publicUrl` */
  ssoAudience: string;
  /** The host site's name, for the verified mark and "You are commenting using your … account". @default 'site' */
  ssoName: string;
  /** Where the widget's "Log in" sends readers on the host site (it then gives the widget a token). @default '' */
  ssoLoginUrl: string;
  /** Where the widget's "Log Out" sends readers on the host site. @default '' */
  ssoLogoutUrl: string;
  /** Verified email: readers sign in through a one-time link mailed to them. Needs `smtpUrl`. @default false */
  emailSignIn: boolean;
  /** Minutes a signed-in reader may edit or delete their comments after posting; 0 for no limit. @default 0 */
  signedInEditWindowMinutes: number;
}

export const defaultSignInOptions: Readonly<SignInOptions> = Object.freeze({
  signIn: 'optional',
  oidcIssuer: '',
  oidcClientId: '',
  oidcClientSecret: '',
  oidcName: 'OpenID Connect',
  oidc: [],
  githubClientId: '',
  githubClientSecret: '',
  ssoSecret: '',
  ssoPublicKey: '',
  ssoJwksUrl: '',
  ssoAudience: '',
  ssoName: 'site',
  ssoLoginUrl: '',
  ssoLogoutUrl: '',
  emailSignIn: false,
  signedInEditWindowMinutes: 0,
});

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An issuer must be https, except on a loopback address (tests, local development). */
function issuerUrl(raw: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  const ok = url && !url.search && !url.hash && (url.protocol === 'https:' || (url.protocol === 'http:' && loopback.has(url.hostname)));
  return ok ? raw : fail(name, `must be an https:// issuer URL (http:// only on 127.0.0.1 or localhost), got "${raw}"`);
}

const httpUrl: Parse<string> = (raw, name) =>
  /^https?:\/\/[^\s/]+\S*$/.test(raw) && URL.canParse(raw) ? raw : fail(name, `must be an http(s) address, got "${raw}"`);

const anyText: Parse<string> = (raw) => raw;

const providerId = /^[a-z][a-z0-9-]{0,31}$/;

const oidcList: Parse<OidcProviderOptions[]> = (raw, name) => {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return fail(name, 'must be a JSON list of { id, name, issuer, clientId, clientSecret }');
  }
  if (!Array.isArray(list)) return fail(name, 'must be a list of { id, name, issuer, clientId, clientSecret }');
  return list.map((entry: unknown, index) => {
    const where = `${name}[${index}]`;
    const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    for (const key of ['id', 'name', 'issuer', 'clientId', 'clientSecret']) {
      if (typeof item[key] !== 'string' || item[key] === '') fail(where, `needs "${key}" (text)`);
    }
    const unknown = Object.keys(item).find((key) => !['id', 'name', 'issuer', 'clientId', 'clientSecret'].includes(key));
    if (unknown !== undefined) fail(where, `has "${unknown}", which is not one of id, name, issuer, clientId, clientSecret`);
    const id = item.id as string;
    if (!providerId.test(id) || ['github', 'sso', 'email'].includes(id))
      fail(where, `"id" must be lowercase letters, digits and dashes, and not github, sso or email; got "${id}"`);
    return {
      id,
      name: item.name as string,
      issuer: issuerUrl(item.issuer as string, `${where}.issuer`),
      clientId: item.clientId as string,
      clientSecret: item.clientSecret as string,
    };
  });
};

/** The sign-in options, in the order `colloquy --help` lists them. */
export const signInOptions: OptionTable<SignInOptions> = {
  signIn: {
    env: 'COLLOQUY_SIGNIN',
    flag: '--signin',
    help: 'optional (guests may post too) or required (only signed-in readers may post)',
    parse: (raw, name) => (raw === 'optional' || raw === 'required' ? raw : fail(name, `must be optional or required, got "${raw}"`)),
  },
  oidcIssuer: { env: 'COLLOQUY_OIDC_ISSUER', flag: '--oidc-issuer', help: 'an OpenID Connect issuer URL (provider id "oidc")', parse: issuerUrl },
  oidcClientId: { env: 'COLLOQUY_OIDC_CLIENT_ID', flag: '--oidc-client-id', help: 'its client id', parse: anyText },
  oidcClientSecret: { env: 'COLLOQUY_OIDC_CLIENT_SECRET', flag: '--oidc-client-secret', help: 'its client secret (prefer the variable)', parse: anyText },
  oidcName: { env: 'COLLOQUY_OIDC_NAME', flag: '--oidc-name', help: 'its label on the sign-in button, e.g. Google', parse: anyText },
  oidc: {
    env: 'COLLOQUY_OIDC_PROVIDERS',
    flag: '--oidc-providers',
    help: 'several OpenID Connect providers: a JSON list of { id, name, issuer, clientId, clientSecret } (the config file\'s "oidc")',
    parse: oidcList,
  },
  githubClientId: { env: 'COLLOQUY_GITHUB_CLIENT_ID', flag: '--github-client-id', help: 'a GitHub OAuth app: its client id', parse: anyText },
  githubClientSecret: { env: 'COLLOQUY_GITHUB_CLIENT_SECRET', flag: '--github-client-secret', help: 'its client secret (prefer the variable)', parse: anyText },
  ssoSecret: {
    env: 'COLLOQUY_SSO_SECRET',
    flag: '--sso-secret',
    help: "host-site sign-in: the HS256 secret the site's tokens are signed with (prefer the variable)",
    parse: (raw, name) => (raw.length >= 32 ? raw : fail(name, 'must be at least 32 characters long')),
  },
  ssoPublicKey: {
    env: 'COLLOQUY_SSO_PUBLIC_KEY',
    flag: '--sso-public-key',
    help: "host-site sign-in: the site's RS256 or EdDSA public key (PEM)",
    parse: (raw, name) => {
      // A variable often holds the PEM on one line, with \n for its line breaks.
      const pem = raw.replace(/\\n/g, '\n');
      let type: string | undefined;
      try {
        type = createPublicKey(pem).asymmetricKeyType;
      } catch {
        // reported below
      }
      return type === 'rsa' || type === 'ed25519'
        ? pem
        : fail(name, 'must be an RSA (RS256) or Ed25519 (EdDSA) public key in PEM (-----BEGIN PUBLIC KEY-----)');
    },
  },
  ssoJwksUrl: { env: 'COLLOQUY_SSO_JWKS_URL', flag: '--sso-jwks-url', help: "host-site sign-in: the URL of the site's JWKS", parse: httpUrl },
  ssoAudience: {
    env: 'COLLOQUY_SSO_AUDIENCE',
    flag: '--sso-audience',
    help: 'the aud host-site tokens carry (default: the origin of COLLOQUY_PUBLIC_URL)',
    parse: anyText,
  },
  ssoName: { env: 'COLLOQUY_SSO_NAME', flag: '--sso-name', help: 'the host site\'s name, as in "You are commenting using your … account"', parse: anyText },
  ssoLoginUrl: { env: 'COLLOQUY_SSO_LOGIN_URL', flag: '--sso-login-url', help: 'where the widget\'s "Log in" sends readers on the host site', parse: httpUrl },
  ssoLogoutUrl: {
    env: 'COLLOQUY_SSO_LOGOUT_URL',
    flag: '--sso-logout-url',
    help: 'where the widget\'s "Log Out" sends readers on the host site',
    parse: httpUrl,
  },
  emailSignIn: {
    env: 'COLLOQUY_EMAIL_SIGNIN',
    flag: '--email-signin',
    help: 'on: readers may sign in through a one-time link mailed to them (needs COLLOQUY_SMTP_URL)',
    parse: (raw, name) => (/^(?:on|true|yes|1)$/i.test(raw) ? true : /^(?:off|false|no|0)$/i.test(raw) ? false : fail(name, `must be on or off, got "${raw}"`)),
  },
  signedInEditWindowMinutes: {
    env: 'COLLOQUY_SIGNED_IN_EDIT_WINDOW_MINUTES',
    flag: '--signed-in-edit-window-minutes',
    help: 'minutes during which a signed-in reader may edit or delete their comments (0 = no limit)',
    parse: integer(0, 525_600),
  },
};

/** Settings that only make sense together; checked once every option is read. */
export function checkSignInOptions(config: SignInOptions & { publicUrl: string; smtpUrl: string }): void {
  const pairs = [
    ['COLLOQUY_OIDC_ISSUER', config.oidcIssuer, 'COLLOQUY_OIDC_CLIENT_ID', config.oidcClientId],
    ['COLLOQUY_OIDC_CLIENT_ID', config.oidcClientId, 'COLLOQUY_OIDC_ISSUER', config.oidcIssuer],
    ['COLLOQUY_OIDC_ISSUER', config.oidcIssuer, 'COLLOQUY_OIDC_CLIENT_SECRET', config.oidcClientSecret],
    ['COLLOQUY_GITHUB_CLIENT_ID', config.githubClientId, 'COLLOQUY_GITHUB_CLIENT_SECRET', config.githubClientSecret],
    ['COLLOQUY_GITHUB_CLIENT_SECRET', config.githubClientSecret, 'COLLOQUY_GITHUB_CLIENT_ID', config.githubClientId],
  ] as const;
  for (const [set, value, needed, other] of pairs) if (value && !other) fail(needed, `is needed with ${set}`);
  const redirects = config.oidcIssuer || config.oidc.length > 0 || config.githubClientId;
  if (redirects && !config.publicUrl)
    fail('COLLOQUY_PUBLIC_URL', 'is needed to sign in with a provider: register COLLOQUY_PUBLIC_URL/api/auth/callback/<provider id> with it');
  const keys = [config.ssoSecret, config.ssoPublicKey, config.ssoJwksUrl].filter(Boolean).length;
  if (keys > 1) fail('COLLOQUY_SSO_SECRET', 'goes alone: set one of COLLOQUY_SSO_SECRET, COLLOQUY_SSO_PUBLIC_KEY and COLLOQUY_SSO_JWKS_URL');
  if (keys === 1 && !config.ssoAudience && !config.publicUrl) fail('COLLOQUY_SSO_AUDIENCE', 'is needed for host-site sign-in without COLLOQUY_PUBLIC_URL');
  if (config.emailSignIn && !config.smtpUrl) fail('COLLOQUY_EMAIL_SIGNIN', 'needs COLLOQUY_SMTP_URL: the sign-in links are mailed');
  const ids = config.oidc.map((provider) => provider.id);
  if (config.oidcIssuer) ids.push('oidc');
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) fail('oidc (config file)', `names the provider id "${repeated}" twice`);
}
