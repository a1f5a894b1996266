import type { FormTokenFact } from './moderation';
import { createSigner, sha256Hex } from '../shared/signing';

/**
 * The signed timestamp behind the "too fast" check: a thread's listing hands out
 * `<issuedAt ms>.<thread tag>.<HMAC>`, the form sends it back with the comment, and the server learns
 * how long the form was open without keeping any state. The tag binds the token to its thread, so
 * one fetched token does not serve a bot on every thread of the site. Several processes verify each
 * other's tokens when they share the secret (COLLOQUY_SECRET, or the one stored in the database).
 */

/** Clocks of processes sharing a database may disagree a little; a token from further ahead is forged. */
const MAX_CLOCK_SKEW_MS = 60_000;
/** Older tokens read as invalid (the comment is held, not lost), so one fetched token is not good forever. */
export const FORM_TOKEN_MAX_AGE_MS = 7 * 86_400_000;

/** What a token says of its thread: 66 bits of the id's hash, signed with the time. */
const threadTag = (threadId: string) =>
  Buffer.from(sha256Hex(`colloquy-thread:${threadId}`), 'hex')
    .toString('base64url')
    .slice(0, 11);

/** A token read on a thread: its age, why it cannot be read, or that it was issued for another thread. */
export type FormTokenReading = FormTokenFact | 'other-thread';

export function issueFormToken(secret: string, now: Date, threadId: string): string {
  const signed = `${now.getTime()}.${threadTag(threadId)}`;
  return `${signed}.${createSigner(secret, 'form').sign(signed)}`;
}

/** How old the token is, or why it cannot be read on this thread. Constant-time on the signature. */
export function readFormToken(token: string | undefined, secret: string, now: Date, threadId: string): FormTokenReading {
  if (token === undefined || token === '') return 'missing';
  const match = /^(\d{1,15})\.([\w-]{11})\.([\w-]{43})$/.exec(token);
  // Signed as the decimal of the number, so "0012" does not pass for "12".
  const issuedAt = Number(match?.[1]);
  if (!match || !createSigner(secret, 'form').verify(`${issuedAt}.${match[2]}`, match[3])) return 'invalid';
  const age = now.getTime() - issuedAt;
  if (age < -MAX_CLOCK_SKEW_MS || age > FORM_TOKEN_MAX_AGE_MS) return 'invalid';
  // Ours, and unaltered: so the tag is the thread it was issued for.
  if (match[2] !== threadTag(threadId)) return 'other-thread';
  return { ageSeconds: Math.max(0, age) / 1000 };
}
