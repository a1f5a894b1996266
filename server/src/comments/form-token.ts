import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FormTokenFact } from './moderation';
import type { Store } from '../store/interfaces';

/**
 * The signed timestamp behind the "too fast" check: the listing hands out `<issuedAt ms>.<HMAC>`,
 * the form sends it back with the comment, and the server learns how long the form was open
 * without keeping any state. Several processes verify each other's tokens when they share the
 * secret (COLLOQUY_SECRET, or the one stored in the database).
 */
const mac = (secret: string, issuedAt: number) => createHmac('sha256', secret).update(`colloquy-form:${issuedAt}`).digest('base64url');

/** Clocks of processes sharing a database may disagree a little; a token from further ahead is forged. */
const MAX_CLOCK_SKEW_MS = 60_000;
/** Older tokens read as invalid (the comment is held, not lost), so one fetched token is not good forever. */
export const FORM_TOKEN_MAX_AGE_MS = 7 * 86_400_000;

export function issueFormToken(secret: string, now: Date): string {
  const issuedAt = now.getTime();
  return `${issuedAt}.${mac(secret, issuedAt)}`;
}

/** How old the token is, or why it cannot be read. Constant-time on the signature. */
export function readFormToken(token: string | undefined, secret: string, now: Date): FormTokenFact {
  if (token === undefined || token === '') return 'missing';
  const match = /^(\d{1,15})\.([\w-]{43})$/.exec(token);
  if (!match) return 'invalid';
  const issuedAt = Number(match[1]);
  const given = Buffer.from(match[2]!);
  const expected = Buffer.from(mac(secret, issuedAt));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  const age = now.getTime() - issuedAt;
  if (age < -MAX_CLOCK_SKEW_MS || age > FORM_TOKEN_MAX_AGE_MS) return 'invalid';
  return { ageSeconds: Math.max(0, age) / 1000 };
}

/**
 * The secret that signs form tokens, sessions and mail links: COLLOQUY_SECRET, or one generated and
 * stored in the database on first use, so every process (and the CLI) on that database shares it.
 */
export function createSecretSource(store: Pick<Store, 'settings'>, configured: string): () => Promise<string> {
  let secret: Promise<string> | undefined;
  return () =>
    (secret ??= configured
      ? Promise.resolve(configured)
      : store.settings.init('form-token-secret', randomBytes(32).toString('base64url')).catch((error: unknown) => {
          secret = undefined;
          throw error;
        }));
}
