import { describe, expect, it } from 'vitest';
import { oneLine, signLink, verifyLink } from '../../src/notifications/outbox';

const SECRET = 'a-secret-of-some-length';
const now = new Date(Date.UTC(2026, 0, 1));
const parts = (query: string) => Object.fromEntries(new URLSearchParams(query)) as { exp: string; sig: string };

describe('signed mail links', () => {
  it('accepts its own signature until it expires, for that purpose and id only', () => {
    const expires = now.getTime() + 60_000;
    const { exp, sig } = parts(signLink(SECRET, 'approve', 'c1', expires));
    expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, now)).toBe(true);
    expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, new Date(expires))).toBe(true);
    expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, new Date(expires + 1))).toBe(false);
    expect(verifyLink(SECRET, 'delete', 'c1', exp, sig, now)).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c2', exp, sig, now)).toBe(false);
    expect(verifyLink('another-secret-entirely', 'approve', 'c1', exp, sig, now)).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', String(expires + 1), sig, now)).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', exp, `${sig}x`, now)).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', undefined, sig, now)).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', '1e20', sig, now)).toBe(false);
  });

  it('names a revision when signed with one: that revision only, and never without it', () => {
    const expires = now.getTime() + 60_000;
    const { exp, sig, v } = parts(signLink(SECRET, 'approve', 'c1', expires, 3)) as ReturnType<typeof parts> & { v: string };
    expect(v).toBe('3');
    expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, now, v)).toBe(true);
    for (const other of ['4', '03', '0', '-3', '3x', '']) expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, now, other), other).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', exp, sig, now)).toBe(false);
    // Nor does an id that ends like an expiry and a revision pass for a shorter one.
    const unversioned = parts(signLink(SECRET, 'approve', `c1:${expires}:v3`, expires));
    expect(verifyLink(SECRET, 'approve', 'c1', String(expires), unversioned.sig, now, '3')).toBe(false);
    expect(verifyLink(SECRET, 'approve', 'c1', exp, parts(signLink(SECRET, 'approve', 'c1', expires)).sig, now, '3')).toBe(false);
  });
});

describe('oneLine', () => {
  it('leaves no line break or control character for a header to start from', () => {
    expect(oneLine('Eve\r\nBcc: x@evil.test\u2028X-A: 1\u0085\u0000end')).toBe('Eve Bcc: x@evil.test X-A: 1 end');
    expect(oneLine('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
