import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AppConfig } from '../config/config';
import { ApiError } from '../shared/errors';
import type { Identity } from '../store/types';
import { identityOf } from './identity';

/** Clocks of the host site and of this server may disagree this much. */
const CLOCK_TOLERANCE_S = 30;

/** The algorithms a host site's key may sign with; never `none`, and never a symmetric one for a public key. */
function keyOf(config: AppConfig): { key: Uint8Array | KeyObject | JWTVerifyGetKey; algorithms: string[] } | null {
  if (config.ssoSecret) return { key: new TextEncoder().encode(config.ssoSecret), algorithms: ['HS256'] };
  if (config.ssoPublicKey) {
    const key = createPublicKey(config.ssoPublicKey);
    return { key, algorithms: key.asymmetricKeyType === 'rsa' ? ['RS256'] : ['EdDSA'] };
  }
  if (config.ssoJwksUrl) return { key: createRemoteJWKSet(new URL(config.ssoJwksUrl)), algorithms: ['RS256', 'EdDSA', 'ES256'] };
  return null;
}

/** Why a token was refused, for the reader and the site's developer. Details of the key or the signature are not echoed. */
function refusal(error: unknown): ApiError {
  const message =
    error instanceof errors.JWTExpired
      ? 'The sign-in token has expired: the site must give the widget a new one.'
      : error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud'
        ? 'The sign-in token was made for another site (its "aud" is not this one).'
        : error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf'
          ? 'The sign-in token is not valid yet.'
          : error instanceof errors.JWTClaimValidationFailed
            ? `The sign-in token lacks a valid "${error.claim}".`
            : error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported
              ? 'The sign-in token is signed with an algorithm this site does not accept.'
              : 'The sign-in token is not signed by this site.';
  return new ApiError('unauthorized', message, 'token');
}

/**
 * Host-site single sign-on: a site that has accounts signs `{ sub, name, email, avatar?, exp }` on
 * its own server and gives the token to the widget. Checked with jose: the configured key and
 * algorithm only (so `alg: none` and a public key used as an HMAC secret fail), `exp` required and
 * not past, `nbf` and `iat` not in the future, `aud` this site's. Null when host sign-in is off.
 */
export function createSsoVerifier(config: AppConfig, now: () => Date): ((token: string) => Promise<Identity>) | null {
  const verification = keyOf(config);
  if (!verification) return null;
  const audience = config.ssoAudience || new URL(config.publicUrl).origin;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, verification.key as Uint8Array, {
        algorithms: verification.algorithms,
        audience,
        currentDate: now(),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw refusal(error);
    }
    if (typeof payload.iat === 'number' && payload.iat > now().getTime() / 1000 + CLOCK_TOLERANCE_S) {
      throw new ApiError('unauthorized', 'The sign-in token was issued in the future: check the clock of the site that makes it.', 'token');
    }
    const subject = typeof payload.sub === 'string' ? payload.sub : '';
    if (subject === '' || subject.length > 200) throw new ApiError('unauthorized', 'The sign-in token lacks a valid "sub".', 'token');
    // The host site vouches for its users' addresses: that is what its accounts are.
    return identityOf('sso', subject, { name: payload.name, email: payload.email, avatar: payload.avatar, fallbackName: subject });
  };
}
