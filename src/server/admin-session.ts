import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/**
 * The site owner's sign-in for the dashboard: one password, kept only as a scrypt hash in memory,
 * and a stateless session: `<expires ms>.<HMAC>` in an HttpOnly, SameSite=Strict cookie, signed
 * with the same secret as the form tokens, so every process sharing the database accepts it.
 * One cookie of our own format: a cookie library would add a dependency for two small functions.
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
  return { matches: async (candidate) => timingSafeEqual(await scryptAsync(candidate.normalize('NFC'), salt, 32), stored) };
}

/** The key sessions are signed with: the shared secret bound to the current password. */
export const sessionSigningKey = (secret: string, password: string) => createHmac('sha256', secret).update(`colloquy-admin-password:${password}`).digest('base64url');

const mac = (secret: string, expires: number) => createHmac('sha256', secret).update(`colloquy-admin:${expires}`).digest('base64url');

export function issueSession(secret: string, now: Date): { value: string; expires: Date } {
  const expires = now.getTime() + SESSION_TTL_MS;
  return { value: `${expires}.${mac(secret, expires)}`, expires: new Date(expires) };
}

/** Whether a session value is genuine and unexpired. Constant-time on the signature. */
export function isValidSession(value: string | undefined, secret: string, now: Date): boolean {
  const match = /^(\d{1,15})\.([\w-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const expires = Number(match[1]);
  const given = Buffer.from(match[2]!);
  const expected = Buffer.from(mac(secret, expires));
  return given.length === expected.length && timingSafeEqual(given, expected) && now.getTime() < expires && expires - now.getTime() <= SESSION_TTL_MS;
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
  return [`${SESSION_COOKIE}=${value}`, 'Path=/api/admin', `Expires=${expires.toUTCString()}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}
