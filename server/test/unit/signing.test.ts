import { describe, expect, it } from 'vitest';
import { avatarSeedFor, createSigner, keyedAvatarSeed, safeEqual, sha256Hex, type SigningPurpose } from '../../src/shared/signing';
import { issueFormToken } from '../../src/comments/form-token';
import { signLink } from '../../src/notifications/outbox';
import { newSession, sessionSigningKey, sessionToken } from '../../src/admin/session';

const KEY = 'a-secret-of-some-length';
const PURPOSES: SigningPurpose[] = ['form', 'link', 'admin-session', 'admin-password', 'avatar'];

describe('createSigner', () => {
  it('signs as it always did, so tokens and links already handed out stay valid', () => {
    // Signatures made before the signer existed (HMAC-SHA256 over `colloquy-<purpose>:<message>`).
    expect(createSigner(KEY, 'form').sign('1700000000000')).toBe('2VS1uqr-VbHtun70Qjq9hyMGepfS_P2pFE205N2Db7E');
    expect(createSigner(KEY, 'link').sign('approve:c1:1700000000000')).toBe('smyvTTwJJtMk33W68S9OOUWb-r_OgR8Shzmfc7egips');
    expect(sessionSigningKey(KEY, 'hunter2hunter2')).toBe('ZjZHty6nlt8eY17f5gtBIrQQFnLRQ9xaywn6RcrF2_g');
    expect(signLink(KEY, 'approve', 'c1', 1_700_000_000_000)).toBe('exp=1700000000000&sig=smyvTTwJJtMk33W68S9OOUWb-r_OgR8Shzmfc7egips');
    // Bound to a thread and a revision; a form token of the older, unbound kind reads as invalid (its comment is held).
    expect(issueFormToken(KEY, new Date(1_700_000_000_000), 'post')).toBe('1700000000000.5-BEFOo7jXj.XZWzUs4h-0BmUu9rV82BGBS-XhnoIlxUXk2YPJKiO_U');
    expect(signLink(KEY, 'approve', 'c1', 1_700_000_000_000, 3)).toBe('exp=1700000000000&sig=6-dkDYoKFQPYg3Q6ETH4j4x-HTdJDczJO4cA3Ew7zUc&v=3');
  });

  it('verifies its own signatures and nothing else', () => {
    const signer = createSigner(KEY, 'form');
    const signature = signer.sign('message');
    expect(signature).toMatch(/^[\w-]{43}$/);
    expect(signer.verify('message', signature)).toBe(true);
    expect(signer.verify('message!', signature)).toBe(false);
    expect(signer.verify('message', undefined)).toBe(false);
    expect(signer.verify('message', '')).toBe(false);
    expect(signer.verify('message', `${signature}x`)).toBe(false);
    expect(signer.verify('message', signature.slice(0, -1))).toBe(false);
    expect(createSigner('another-secret-entirely', 'form').verify('message', signature)).toBe(false);
  });

  it('keeps purposes apart: a signature for one never verifies for another', () => {
    for (const made of PURPOSES) {
      for (const checked of PURPOSES) {
        const signature = createSigner(KEY, made).sign('1700000000000');
        expect(createSigner(KEY, checked).verify('1700000000000', signature), `${made} as ${checked}`).toBe(made === checked);
      }
    }
  });

  it('reads back a session cookie only under the key it was made with', () => {
    const key = sessionSigningKey(KEY, 'hunter2hunter2');
    const { token, value } = newSession(key);
    expect(sessionToken(value, key)).toBe(token);
    expect(sessionToken(value, sessionSigningKey(KEY, 'another-password'))).toBeUndefined();
    // A form token's signature, however shaped, is no session cookie.
    expect(sessionToken(`${token}.${createSigner(key, 'form').sign(token)}`, key)).toBeUndefined();
  });
});

describe('avatarSeedFor', () => {
  const SITE_A = 'site-a-secret-0123456789';
  const SITE_B = 'site-b-secret-0123456789';

  it('is stable for one email on one site, whatever its case and spaces, and differs between sites', () => {
    const seed = avatarSeedFor(SITE_A, 'ann@example.com', 'Ann');
    expect(seed).toMatch(/^[0-9a-f]{16}$/);
    expect(avatarSeedFor(SITE_A, ' Ann@Example.COM ', 'Someone else')).toBe(seed);
    expect(avatarSeedFor(SITE_B, 'ann@example.com', 'Ann')).not.toBe(seed);
    expect(avatarSeedFor(SITE_A, 'bob@example.com', 'Ann')).not.toBe(seed);
    // No email: the name, keyed the same way.
    expect(avatarSeedFor(SITE_A, '', 'Site owner')).toBe(avatarSeedFor(SITE_A, '', 'site owner'));
    expect(avatarSeedFor(SITE_A, '', 'Site owner')).not.toBe(avatarSeedFor(SITE_B, '', 'Site owner'));
  });

  it('is not the unkeyed fingerprint seeds were before, but its keyed form, so stored seeds convert without their emails', () => {
    const fingerprint = sha256Hex('colloquy-avatar:ann@example.com').slice(0, 16);
    expect(avatarSeedFor(SITE_A, 'ann@example.com', 'Ann')).not.toBe(fingerprint);
    expect(keyedAvatarSeed(SITE_A, fingerprint)).toBe(avatarSeedFor(SITE_A, 'ann@example.com', 'Ann'));
  });
});

describe('safeEqual', () => {
  it('compares strings and buffers, false on different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
    expect(safeEqual('', '')).toBe(true);
  });
});
