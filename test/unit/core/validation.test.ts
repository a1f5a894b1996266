import { describe, expect, it } from 'vitest';
import {
  defaultValidationRules,
  normalizeBody,
  normalizeNewComment,
  validateBody,
  validateName,
  validateNewComment,
  type FieldProblem,
} from '../../../src/core/validation';
import type { NewComment } from '../../../src/core/types';

type Overrides = Partial<Omit<NewComment, 'author'>> & { author?: Partial<NewComment['author']> };

function input(overrides: Overrides = {}): NewComment {
  const { author, ...rest } = overrides;
  return {
    threadId: 'post-1',
    parentId: null,
    body: 'Nice post.',
    ...rest,
    author: { name: 'Ada', email: 'ada@example.com', ...author },
  };
}

/** The problems for one field only. */
const problemsFor = (field: FieldProblem['field'], comment: NewComment, rules = {}) => validateNewComment(comment, rules).filter((p) => p.field === field);

const EMOJI = '😀'; // one code point, two UTF-16 units

describe('validateNewComment', () => {
  it('accepts a complete comment', () => {
    expect(validateNewComment(input({ author: { url: 'https://ada.example' }, parentId: 'c1' }))).toEqual([]);
  });

  it('has the documented defaults', () => {
    expect(defaultValidationRules).toEqual({ nameMaxLength: 100, bodyMaxLength: 10_000, requireEmail: true });
    expect(Object.isFrozen(defaultValidationRules)).toBe(true);
  });

  it('reports every field at once, in form order', () => {
    const all = input({ body: ' ', parentId: '', author: { name: '', email: 'nope', url: 'ftp://x.example' } });
    expect(validateNewComment(all)).toEqual([
      { field: 'body', problem: 'required' },
      { field: 'name', problem: 'required' },
      { field: 'email', problem: 'invalid-email' },
      { field: 'url', problem: 'invalid-url' },
      { field: 'parentId', problem: 'invalid' },
    ]);
  });

  it('does not modify its input', () => {
    const comment = input({ body: 'a\r\n ', author: { name: ' Ada ', url: '' } });
    const copy = structuredClone(comment);
    validateNewComment(comment);
    expect(comment).toEqual(copy);
  });

  describe('body', () => {
    it.each(['', ' ', '\n\n', '\r\n\t  ', '\u00a0\u2003'])('requires text: %j', (body) => {
      expect(problemsFor('body', input({ body }))).toEqual([{ field: 'body', problem: 'required' }]);
    });

    it('allows exactly the limit, in code points', () => {
      expect(problemsFor('body', input({ body: 'x'.repeat(10_000) }))).toEqual([]);
      expect(problemsFor('body', input({ body: EMOJI.repeat(10_000) }))).toEqual([]);
    });

    it('rejects one code point over', () => {
      const tooLong = [{ field: 'body', problem: 'too-long', limit: 10_000 }];
      expect(problemsFor('body', input({ body: 'x'.repeat(10_001) }))).toEqual(tooLong);
      expect(problemsFor('body', input({ body: EMOJI.repeat(10_001) }))).toEqual(tooLong);
    });

    it('measures after trimming trailing whitespace and turning CRLF into LF', () => {
      const rules = { bodyMaxLength: 3 };
      expect(problemsFor('body', input({ body: 'a\r\nb   \r\n\r\n' }), rules)).toEqual([]);
      expect(problemsFor('body', input({ body: 'a\r\nbc' }), rules)).toEqual([{ field: 'body', problem: 'too-long', limit: 3 }]);
    });

    it('counts leading whitespace, which it keeps', () => {
      expect(problemsFor('body', input({ body: '  ab' }), { bodyMaxLength: 3 })).toEqual([{ field: 'body', problem: 'too-long', limit: 3 }]);
    });

    it('allows tabs and newlines', () => {
      expect(problemsFor('body', input({ body: 'a\tb\nc\r\nd\re' }))).toEqual([]);
    });

    it.each(['\u0000', '\u0007', '\u000b', '\u000c', '\u001b[31m', '\u007f', '\u0085'])('rejects the control character %j', (control) => {
      expect(problemsFor('body', input({ body: `a${control}b` }))).toEqual([{ field: 'body', problem: 'invalid' }]);
    });
  });

  describe('name', () => {
    it.each(['', '   ', '\t\n'])('is required: %j', (name) => {
      expect(problemsFor('name', input({ author: { name } }))).toEqual([{ field: 'name', problem: 'required' }]);
    });

    it('allows exactly 100 code points, emoji counted as one', () => {
      expect(problemsFor('name', input({ author: { name: 'n'.repeat(100) } }))).toEqual([]);
      expect(problemsFor('name', input({ author: { name: EMOJI.repeat(100) } }))).toEqual([]);
      expect(problemsFor('name', input({ author: { name: `  ${'n'.repeat(100)}  ` } }))).toEqual([]);
    });

    it('rejects 101 code points', () => {
      const tooLong = [{ field: 'name', problem: 'too-long', limit: 100 }];
      expect(problemsFor('name', input({ author: { name: 'n'.repeat(101) } }))).toEqual(tooLong);
      expect(problemsFor('name', input({ author: { name: EMOJI.repeat(101) } }))).toEqual(tooLong);
      expect(problemsFor('name', input({ author: { name: `${'n'.repeat(100)}${EMOJI}` } }))).toEqual(tooLong);
    });

    it('counts a lone surrogate as one', () => {
      expect(problemsFor('name', input({ author: { name: '\ud83d'.repeat(100) } }))).toEqual([]);
    });

    it.each(['A\u0000da', 'A\nda', 'A\tda', 'Ada\u0007', '\u009bAda'])('rejects control characters: %j', (name) => {
      expect(problemsFor('name', input({ author: { name } }))).toEqual([{ field: 'name', problem: 'invalid' }]);
    });

    it('accepts names in any script', () => {
      for (const name of ['Zoë', '李小龙', 'محمد', "O'Brien-Smith", 'Ada 🚀']) {
        expect(problemsFor('name', input({ author: { name } }))).toEqual([]);
      }
    });
  });

  describe('email', () => {
    it.each([
      'a@b.co',
      'first.last+tag@sub.example.org',
      "o'brien@example.ie",
      'user@xn--bcher-kva.example',
      'üser@exämple.de',
      'UPPER@EXAMPLE.COM',
      '  padded@example.com  ',
    ])('accepts %j', (email) => {
      expect(problemsFor('email', input({ author: { email } }))).toEqual([]);
    });

    it.each([
      'plain',
      '@example.com',
      'a@',
      'a@b',
      'a@@b.com',
      'a@b@c.com',
      'a b@c.com',
      'a@b .com',
      'a@.com',
      'a@b.',
      'a@b..com',
      'a@b.com\u0000',
      'a\u0001@b.com',
      'a@b.\u0085com',
    ])('rejects %j', (email) => {
      expect(problemsFor('email', input({ author: { email } }))).toEqual([{ field: 'email', problem: 'invalid-email' }]);
    });

    it('is required by default', () => {
      expect(problemsFor('email', input({ author: { email: '  ' } }))).toEqual([{ field: 'email', problem: 'required' }]);
    });

    it('may be optional, but must then be valid when given', () => {
      const rules = { requireEmail: false };
      expect(problemsFor('email', input({ author: { email: '' } }), rules)).toEqual([]);
      expect(problemsFor('email', input({ author: { email: ' ' } }), rules)).toEqual([]);
      expect(problemsFor('email', input({ author: { email: 'nope' } }), rules)).toEqual([{ field: 'email', problem: 'invalid-email' }]);
    });

    it('allows 254 characters, not 255', () => {
      const at254 = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
      expect(at254).toHaveLength(254);
      expect(problemsFor('email', input({ author: { email: at254 } }))).toEqual([]);
      expect(problemsFor('email', input({ author: { email: `a${at254}` } }))).toEqual([{ field: 'email', problem: 'too-long', limit: 254 }]);
    });
  });

  describe('website', () => {
    it.each([undefined, '', '   '])('is optional: %j', (url) => {
      expect(problemsFor('url', input({ author: { url } }))).toEqual([]);
    });

    it.each([
      'https://example.com',
      'http://example.com/path?q=1#top',
      'HTTPS://EXAMPLE.COM',
      'http://localhost:8080',
      'https://[::1]/',
      'https://bücher.example/',
      '  https://example.com  ',
    ])('accepts %j', (url) => {
      expect(problemsFor('url', input({ author: { url } }))).toEqual([]);
    });

    it.each([
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'ftp://example.com',
      'mailto:ada@example.com',
      'file:///etc/passwd',
      '/relative/path',
      'relative/path',
      '//example.com',
      'example.com',
      '#top',
      'https://',
      'http://exa mple.com',
      // A space is no part of a URL: `new URL` would quietly encode it as %20.
      'https://example.com/a b',
      // `new URL` would quietly drop these and accept the result.
      'https://exa\nmple.com',
      'https://example.com/a\tb',
      'https://example.com/\u0000',
    ])('rejects %j', (url) => {
      expect(problemsFor('url', input({ author: { url } }))).toEqual([{ field: 'url', problem: 'invalid-url' }]);
    });

    it('allows 2,000 characters, not 2,001', () => {
      const at2000 = `https://example.com/${'p'.repeat(1980)}`;
      expect(at2000).toHaveLength(2000);
      expect(problemsFor('url', input({ author: { url: at2000 } }))).toEqual([]);
      expect(problemsFor('url', input({ author: { url: `${at2000}p` } }))).toEqual([{ field: 'url', problem: 'too-long', limit: 2000 }]);
    });
  });

  describe('parentId', () => {
    it.each([null, 'c1', 'x'.repeat(64)])('accepts %j', (parentId) => {
      expect(problemsFor('parentId', input({ parentId }))).toEqual([]);
    });

    it.each(['', 'x'.repeat(65)])('rejects %j', (parentId) => {
      expect(problemsFor('parentId', input({ parentId }))).toEqual([{ field: 'parentId', problem: 'invalid' }]);
    });
  });

  describe('custom rules', () => {
    it('override only what they name', () => {
      const comment = input({ body: 'x'.repeat(11), author: { name: 'n'.repeat(6), email: '' } });
      expect(validateNewComment(comment, { nameMaxLength: 5 })).toEqual([
        { field: 'name', problem: 'too-long', limit: 5 },
        { field: 'email', problem: 'required' },
      ]);
      expect(validateNewComment(comment, { bodyMaxLength: 10, requireEmail: false })).toEqual([{ field: 'body', problem: 'too-long', limit: 10 }]);
    });

    it('may raise a limit above the default', () => {
      expect(validateNewComment(input({ body: 'x'.repeat(20_000) }), { bodyMaxLength: 20_000 })).toEqual([]);
    });

    it('keep the default for an explicit undefined', () => {
      const comment = input({ author: { name: 'n'.repeat(101), email: '' } });
      expect(validateNewComment(comment, { nameMaxLength: undefined, requireEmail: undefined })).toEqual([
        { field: 'name', problem: 'too-long', limit: 100 },
        { field: 'email', problem: 'required' },
      ]);
    });
  });
});

describe('normalizeNewComment', () => {
  it('trims name, email and website', () => {
    const out = normalizeNewComment(input({ author: { name: ' Ada\t', email: ' ada@example.com\n', url: ' https://ada.example ' } }));
    expect(out.author).toEqual({ name: 'Ada', email: 'ada@example.com', url: 'https://ada.example' });
  });

  it.each(['', '  '])('drops an empty website: %j', (url) => {
    expect(normalizeNewComment(input({ author: { url } })).author.url).toBeUndefined();
  });

  it('turns CRLF and lone CR into LF and trims only the end of the body', () => {
    expect(normalizeNewComment(input({ body: '    code\r\n\r\nline\rnext \t\r\n\r\n' })).body).toBe('    code\n\nline\nnext');
  });

  it('keeps every other field and leaves its input alone', () => {
    const comment = input({ title: 'Post', pageUrl: 'https://blog.example/post', parentId: 'c1', body: 'x \r\n' });
    const copy = structuredClone(comment);
    const out = normalizeNewComment(comment);
    expect(out).toEqual({ ...copy, body: 'x' });
    expect(out).not.toBe(comment);
    expect(comment).toEqual(copy);
  });

  it('is idempotent', () => {
    const once = normalizeNewComment(input({ body: 'a\r\nb ', author: { name: ' A ', email: ' e@x.io ', url: ' ' } }));
    expect(normalizeNewComment(once)).toEqual(once);
  });
});

describe('validateBody', () => {
  it('accepts a body, markdown and line breaks included', () => {
    expect(validateBody('Nice post.')).toBeUndefined();
    expect(validateBody('    indented code\n\n- a list\ttab')).toBeUndefined();
    expect(validateBody('x'.repeat(defaultValidationRules.bodyMaxLength))).toBeUndefined();
    expect(validateBody(EMOJI.repeat(defaultValidationRules.bodyMaxLength))).toBeUndefined();
  });

  it.each<[string, string, FieldProblem]>([
    ['empty', '', { field: 'body', problem: 'required' }],
    ['only whitespace', ' \r\n\t \n', { field: 'body', problem: 'required' }],
    ['one character too long', 'x'.repeat(10_001), { field: 'body', problem: 'too-long', limit: 10_000 }],
    ['too long in code points', EMOJI.repeat(10_001), { field: 'body', problem: 'too-long', limit: 10_000 }],
    ['a NUL byte', 'a\0b', { field: 'body', problem: 'invalid' }],
    ['an escape character', 'a\x1b[31mred', { field: 'body', problem: 'invalid' }],
    ['a C1 control', 'a\x85b', { field: 'body', problem: 'invalid' }],
    ['DEL', 'a\x7fb', { field: 'body', problem: 'invalid' }],
  ])('refuses a body that is %s', (_, body, problem) => {
    expect(validateBody(body)).toEqual(problem);
  });

  it('judges the body as it will be stored: CRLF counts as one character, trailing whitespace not at all', () => {
    const max = 10;
    expect(validateBody('12345\r\n789\r\n   ', { bodyMaxLength: max })).toBeUndefined();
    expect(validateBody('12345\r\n78901\r\n', { bodyMaxLength: max })).toEqual({ field: 'body', problem: 'too-long', limit: max });
    // A lone CR is a line break too, not a control character.
    expect(validateBody('a\rb')).toBeUndefined();
  });

  it('takes the rules, and an explicit undefined keeps the default', () => {
    expect(validateBody('abcd', { bodyMaxLength: 3 })).toEqual({ field: 'body', problem: 'too-long', limit: 3 });
    expect(validateBody('x'.repeat(10_000), { bodyMaxLength: undefined })).toBeUndefined();
  });

  it('agrees with validateNewComment on every body', () => {
    for (const body of ['', ' ', 'ok', 'a\0b', 'x'.repeat(10_001), 'a\r\nb \n', '\t\x7f']) {
      expect(validateBody(body), JSON.stringify(body)).toEqual(problemsFor('body', input({ body }))[0]);
    }
  });
});

describe('validateName', () => {
  it('checks a name alone as a new comment does: trimmed, required, bounded, no control characters', () => {
    expect(validateName('  Site owner  ')).toBeUndefined();
    expect(validateName('   ')).toEqual({ field: 'name', problem: 'required' });
    expect(validateName('x'.repeat(101))).toEqual({ field: 'name', problem: 'too-long', limit: 100 });
    expect(validateName('Ada\nLovelace')).toEqual({ field: 'name', problem: 'invalid' });
    expect(validateName('Ada', { nameMaxLength: 2 })).toEqual({ field: 'name', problem: 'too-long', limit: 2 });
    for (const name of ['', 'Ada', 'a\tb', 'x'.repeat(101)]) {
      expect(validateName(name), JSON.stringify(name)).toEqual(problemsFor('name', input({ author: { name } }))[0]);
    }
  });
});

describe('normalizeBody', () => {
  it('turns every line break into LF and drops trailing whitespace, keeping leading whitespace', () => {
    expect(normalizeBody('    code\r\nline\rnext \t\r\n\n')).toBe('    code\nline\nnext');
    expect(normalizeBody('')).toBe('');
    expect(normalizeBody(input({ body: ' a\r\n' }).body)).toBe(normalizeNewComment(input({ body: ' a\r\n' })).body);
  });
});
