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
});

describe('oneLine', () => {
  it('leaves no line break or control character for a header to start from', () => {
    expect(oneLine('Eve\r\nBcc: x@evil.test\u2028X-A: 1\u0085\u0000end')).toBe('Eve Bcc: x@evil.test X-A: 1 end');
    expect(oneLine('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
