import { createHash, timingSafeEqual } from 'node:crypto';

export const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

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
export function tokenMatches(token: string, storedHashHex: string): boolean {
  const given = Buffer.from(sha256Hex(token), 'hex');
  const stored = Buffer.from(storedHashHex, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored);
}

/**
 * The identicon seed for an author: stable per email (so a reader keeps their avatar) but not the
 * email. 16 hex digits are plenty to spread avatars; it is an unsalted hash, so someone who guesses
 * an address can confirm the guess, as with Gravatar — it hides the email, it does not anonymize.
 */
export const avatarSeedFor = (email: string, name: string) => sha256Hex(`colloquy-avatar:${(email || name).trim().toLowerCase()}`).slice(0, 16);
