import { createSigner } from '../shared/signing';

/**
 * What a sign-in through a provider remembers between its start and its callback, in a cookie on
 * the Colloquy server's own address: the popup (or the redirected page) is a top-level window
 * there, so this is a first-party cookie, unlike anything the widget could set from the host page.
 * Signed, so that nobody but this server makes one; the `state` in it must come back from the provider.
 */
export interface SignInFlow {
  /** The provider id. */
  provider: string;
  state: string;
  /** OpenID Connect only: the nonce the ID token must carry. */
  nonce: string;
  /** The PKCE code verifier. */
  verifier: string;
  /** The page that asked (one of COLLOQUY_ORIGINS, or this server's own): where the session goes. */
  origin: string;
  /** `popup`: hand the session to the opener; `redirect`: back to `returnTo` with the session in its fragment. */
  mode: 'popup' | 'redirect';
  returnTo: string;
  /** When the flow was started (ms): a callback later than FLOW_TTL_MS is refused. */
  startedAt: number;
}

export const FLOW_COOKIE = 'colloquy_sign_in';
/** Ten minutes to sign in at the provider. */
export const FLOW_TTL_MS = 10 * 60_000;

export function sealFlow(secret: string, flow: SignInFlow): string {
  const payload = Buffer.from(JSON.stringify(flow)).toString('base64url');
  return `${payload}.${createSigner(secret, 'sign-in-flow').sign(payload)}`;
}

/** The flow of a cookie this server signed, not older than FLOW_TTL_MS; undefined otherwise. */
export function openFlow(secret: string, value: string | undefined, now: Date): SignInFlow | undefined {
  const match = /^([\w-]{1,4096})\.([\w-]{43})$/.exec(value ?? '');
  if (!match || !createSigner(secret, 'sign-in-flow').verify(match[1]!, match[2])) return undefined;
  const flow = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as SignInFlow;
  const age = now.getTime() - flow.startedAt;
  return age >= 0 && age <= FLOW_TTL_MS ? flow : undefined;
}

/** The cookie, for the callback's path only; an empty value and a past date clear it. */
export function flowCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Lax: the provider sends the reader back with a top-level GET, which Lax lets the cookie ride.
  return [`${FLOW_COOKIE}=${value}`, 'Path=/api/auth/callback', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join(
    '; ',
  );
}
