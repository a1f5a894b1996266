import { describe, expect, it } from 'vitest';
import { wholeNumberUpTo } from '../../src/shared/schemas';

describe('wholeNumberUpTo', () => {
  it('matches exactly the decimal numbers 1 to max, without leading zeros or signs', () => {
    for (const max of [1, 9, 10, 100, 250, 500, 999, 1000, 1234]) {
      const pattern = new RegExp(wholeNumberUpTo(max));
      for (let n = 0; n <= 1500; n++) expect(pattern.test(String(n)), `${n} against 1..${max}`).toBe(n >= 1 && n <= max);
      for (const text of ['01', '-1', '+1', '1.0', ' 1', '1e2', '']) expect(pattern.test(text), text).toBe(false);
    }
  });
});
