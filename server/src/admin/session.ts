import { randomBytes, scrypt, scryptSync } from 'node:crypto';
import { promisify } from 'node:util';
import { createSigner, safeEqual, sha256Hex } from '../shared/signing';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/**
 * The site owner's sign-in for the dashboard: one password, kept only as a scrypt hash in memory,
 * and sessions kept in the database. The HttpOnly, SameSite=Strict cookie holds
 * `<token>.<HMAC>`: a random token, whose SHA-256 alone is stored (so signing out ends the session
 * in every process, and a copy of the database signs nobody in), signed with a key bound to the
 * secret and the admin password (so changing either signs everyone out, and nothing derived from
 * the password is stored). One cookie of our own format: a cookie library would add a dependency
 * for two small functions.
 */

export const SESSION_COOKIE = 'colloquy_admin';
/** A signed-in dashboard stays signed in for this long (then the owner signs in again). */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

export interface AdminPassword {
  /** Constant-time comparison of a candidate with the stored hash. */
  matches(candidate: string): Promise<boolean>;
}

/** Hashes the password once at start; the plain text is not kept by this object. */
export function createAdminPassword(password: string): AdminPassword {
  const salt = randomBytes(16);
  const stored = scryptSync(password.normalize('NFC'), salt, 32);
  // Asynchronous per attempt: scrypt is slow on purpose, and must not stall other requests.
  return { matches: async (candidate) => safeEqual(await scryptAsync(candidate.normalize('NFC'), salt, 32), stored) };
}

/** The key session cookies are signed with: the shared secret bound to the current password. */
export const sessionSigningKey = (secret: string, password: string) => createSigner(secret, 'admin-password').sign(password);

/** What the store keeps of a session's token. */
export const sessionTokenHash = (token: string) => sha256Hex(token);

/** A new session: the token (for the store, as its hash) and the cookie value (token and signature). */
export function newSession(key: string): { token: string; value: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, value: `${token}.${createSigner(key, 'admin-session').sign(token)}` };
}

/**
 * The token of a cookie value signed with `key`, or undefined: malformed, or signed under another
 * secret or password. Constant-time on the signature. The store still has to know the token.
 */
export function sessionToken(value: string | undefined, key: string): string | undefined {
  const match = /^([\w-]{43})\.([\w-]{43})$/.exec(value ?? '');
  return match && createSigner(key, 'admin-session').verify(match[1]!, match[2]) ? match[1] : undefined;
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for the session (an empty value and a past date sign out). */
export function sessionCookie(value: string, expires: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/api/admin',
    `Expires=${expires.toUTCString()}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
