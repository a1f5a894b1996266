import { describe, expect, test } from 'vitest';
import { isHttpUrl, safeUrl } from '../../../src/core/url';

describe('safeUrl', () => {
  test.each([
    ['https://example.com/a?b=1#c', 'https://example.com/a?b=1#c'],
    ['http://example.com', 'http://example.com'],
    ['mailto:someone@example.com', 'mailto:someone@example.com'],
    ['HTTPS://Example.com', 'HTTPS://Example.com'],
    ['  https://example.com \n', 'https://example.com'],
    ['&#104;ttps://example.com', 'https://example.com'],
    ['https://example.com/?a=1&amp;b=2', 'https://example.com/?a=1&b=2'],
    // Named references need their `;`, or an ordinary query string would change.
    ['https://example.com/?a=1&lt=2', 'https://example.com/?a=1&lt=2'],
    ['https://example.com/?a=1&ampx=2', 'https://example.com/?a=1&ampx=2'],
    ['ht\ttps://example.com', 'https://example.com'],
  ])('keeps %j as %j', (raw, expected) => {
    expect(safeUrl(raw)).toBe(expected);
  });

  test.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '  javascript:alert(1)',
    '\u0000javascript:alert(1)',
    'java\u0000script:alert(1)',
    '\u0001\u001fjavascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java&#x09;script:alert(1)',
    'java&#9;script:alert(1)',
    'java&Tab;script:alert(1)',
    '&#106;avascript:alert(1)',
    '&#x6A;avascript:alert(1)',
    '&#0000106avascript:alert(1)',
    '&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)',
    'javascript&colon;alert(1)',
    '&amp;#106;avascript:alert(1)',
    '%6Aavascript:alert(1)',
    'javascript%3Aalert(1)',
    'java\u200Bscript:alert(1)',
    '\uFEFFjavascript:alert(1)',
    'ｊａｖａｓｃｒｉｐｔ:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD4=',
    'file:///etc/passwd',
    'ftp://example.com',
    'blob:https://example.com/uuid',
    '//evil.example',
    '/relative',
    'relative/path',
    '#fragment',
    '?query',
    'https:',
    '&#99999999999999;https://example.com',
    '',
    '   ',
  ])('rejects %j', (raw) => {
    expect(safeUrl(raw)).toBeNull();
  });
});

describe('isHttpUrl', () => {
  test.each(['https://example.com', 'http://example.com/path?q=1', ' https://example.com ', 'http://localhost:8080'])('accepts %j', (raw) => {
    expect(isHttpUrl(raw)).toBe(true);
  });

  test.each([
    'mailto:a@example.com',
    'javascript:alert(1)',
    'ftp://example.com',
    'example.com',
    '//example.com',
    '/path',
    'https://',
    'https://exa mple.com',
    'https://example.com/a b',
    'https://example.com/\u0000',
    'ht\ttps://example.com',
    '',
  ])('rejects %j', (raw) => {
    expect(isHttpUrl(raw)).toBe(false);
  });
});
