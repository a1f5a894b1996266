import { isHttpUrl } from 'colloquy/core';
import type { Identity } from '../store/types';

/** The widget's limit on names (core's `nameMaxLength`), so a provider's name shows like any other. */
const NAME_MAX = 100;
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const CONTROL = /[\0-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

const text = (value: unknown) => (typeof value === 'string' ? value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim() : '');

/**
 * What a provider said of a reader, made safe to store and show: a name of at most 100 characters
 * without control characters (the subject's own login, or "Reader", when it gave none), an email
 * only when it looks like one and the provider vouched for it, an avatar only at an http(s) address.
 */
export function identityOf(
  provider: string,
  subject: string,
  claims: { name?: unknown; email?: unknown; emailVerified?: boolean; avatar?: unknown; fallbackName?: unknown },
): Identity {
  const name = [...(text(claims.name) || text(claims.fallbackName) || 'Reader')].slice(0, NAME_MAX).join('').trim();
  const email = claims.emailVerified !== false ? text(claims.email) : '';
  const avatar = text(claims.avatar);
  return {
    provider,
    subject,
    name,
    email: email.length <= 254 && EMAIL.test(email) ? email : '',
    ...(avatar.length <= 2000 && isHttpUrl(avatar) ? { avatarUrl: avatar } : {}),
  };
}
