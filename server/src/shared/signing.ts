import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/interfaces';

export const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Compares two strings or buffers in constant time (for equal lengths; a length mismatch is simply false). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * What a signature may vouch for. Each purpose prefixes what is signed (`colloquy-<purpose>:`), and
 * no prefix is the start of another, so a signature made for one purpose never verifies for another:
 * a form token cannot pass as a mail link or a session cookie, whatever it holds.
 */
export type SigningPurpose = 'form' | 'link' | 'admin-session' | 'admin-password' | 'avatar' | 'sign-in-flow';

export interface Signer {
  /** The HMAC-SHA256 of `message` for this signer's purpose: 43 base64url characters. */
  sign(message: string): string;
  /** Whether `signature` is this signer's signature of `message`. Constant-time; undefined is false. */
  verify(message: string, signature: string | undefined): boolean;
}

/** The one place the server signs: form tokens, admin session cookies and mail links all go through here. */
export function createSigner(key: string, purpose: SigningPurpose): Signer {
  const sign = (message: string) => createHmac('sha256', key).update(`colloquy-${purpose}:${message}`).digest('base64url');
  return { sign, verify: (message, signature) => signature !== undefined && safeEqual(signature, sign(message)) };
}

/**
 * `work`'s result, computed at the first call and shared by every later one; a failure is not kept,
 * so the next call tries again (a database that was down at start).
 */
export function untilDone<T>(work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () =>
    (result ??= work().catch((error: unknown) => {
      result = undefined;
      throw error;
    }));
}

/**
 * The secret every signer is keyed with: COLLOQUY_SECRET, or one generated and stored in the
 * database on first use, so every process (and the CLI) on that database shares it.
 */
export function createSecretSource(store: Pick<Store, 'settings'>, configured: string): () => Promise<string> {
  return untilDone(async () => configured || store.settings.init('form-token-secret', randomBytes(32).toString('base64url')));
}

/** JSON with object keys sorted at every level, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Compares an edit token with a stored SHA-256 hex hash in constant time. */
export const tokenMatches = (token: string, storedHashHex: string): boolean =>
  safeEqual(Buffer.from(sha256Hex(token), 'hex'), Buffer.from(storedHashHex, 'hex'));

/**
 * Keys an unkeyed avatar fingerprint (see `avatarSeedFor`) with the site's secret: 16 hex digits of
 * its HMAC, plenty to spread avatars. Also what turns the unkeyed seeds stored before seeds were
 * keyed into keyed ones (`CommentStore.keyAvatarSeeds`), so each author keeps one avatar.
 */
export const keyedAvatarSeed = (secret: string, fingerprint: string) =>
  Buffer.from(createSigner(secret, 'avatar').sign(fingerprint), 'base64url').toString('hex').slice(0, 16);

/**
 * The identicon seed for an author: stable per email (or name, without one) on one site, so a reader
 * keeps their avatar, and keyed with the site's secret, so nobody can confirm a guessed address from
 * it or follow one person from site to site. It is the keyed form of the unkeyed SHA-256 fingerprint
 * that seeds were before, which lets stored seeds be converted without their emails.
 */
export const avatarSeedFor = (secret: string, email: string, name: string) =>
  keyedAvatarSeed(secret, sha256Hex(`colloquy-avatar:${(email || name).trim().toLowerCase()}`).slice(0, 16));
