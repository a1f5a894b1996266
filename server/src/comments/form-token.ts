import type { FormTokenFact } from './moderation';
import { createSigner } from '../shared/signing';

/**
 * The signed timestamp behind the "too fast" check: the listing hands out `<issuedAt ms>.<HMAC>`,
 * the form sends it back with the comment, and the server learns how long the form was open
 * without keeping any state. Several processes verify each other's tokens when they share the
 * secret (COLLOQUY_SECRET, or the one stored in the database).
 */

/** Clocks of processes sharing a database may disagree a little; a token from further ahead is forged. */
const MAX_CLOCK_SKEW_MS = 60_000;
/** Older tokens read as invalid (the comment is held, not lost), so one fetched token is not good forever. */
export const FORM_TOKEN_MAX_AGE_MS = 7 * 86_400_000;

export function issueFormToken(secret: string, now: Date): string {
  const issuedAt = String(now.getTime());
  return `${issuedAt}.${createSigner(secret, 'form').sign(issuedAt)}`;
}

/** How old the token is, or why it cannot be read. Constant-time on the signature. */
export function readFormToken(token: string | undefined, secret: string, now: Date): FormTokenFact {
  if (token === undefined || token === '') return 'missing';
  const match = /^(\d{1,15})\.([\w-]{43})$/.exec(token);
  // Signed as the decimal of the number, so "0012" does not pass for "12".
  const issuedAt = Number(match?.[1]);
  if (!match || !createSigner(secret, 'form').verify(String(issuedAt), match[2])) return 'invalid';
  const age = now.getTime() - issuedAt;
  if (age < -MAX_CLOCK_SKEW_MS || age > FORM_TOKEN_MAX_AGE_MS) return 'invalid';
  return { ageSeconds: Math.max(0, age) / 1000 };
}
