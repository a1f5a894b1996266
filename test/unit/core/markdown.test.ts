import { describe, expect, test } from 'vitest';
import { MAX_ELEMENTS, parseMarkdown, type MarkdownNode } from '../../../src/core/markdown';

const p = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'paragraph', children });
const em = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'emphasis', children });
const strong = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'strong', children });
const code = (value: string): MarkdownNode => ({ type: 'code', value });
const pre = (value: string): MarkdownNode => ({ type: 'code-block', value });
const quote = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'blockquote', children });
const link = (href: string, ...children: MarkdownNode[]): MarkdownNode => ({ type: 'link', href, children });
const li = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'list-item', children });
const ul = (...children: MarkdownNode[]): MarkdownNode => ({ type: 'list', ordered: false, children });
const ol = (start: number | undefined, ...children: MarkdownNode[]): MarkdownNode => ({ type: 'list', ordered: true, start, children });
const br: MarkdownNode = { type: 'break' };

/** The inline content of a one-paragraph document. */
const inline = (source: string) => {
  const [first, ...rest] = parseMarkdown(source);
  expect(rest).toEqual([]);
  if (typeof first !== 'object' || first.type !== 'paragraph') throw new Error(`not a paragraph: ${JSON.stringify(first)}`);
  return first.children;
};

const textOf = (nodes: MarkdownNode[]): string =>
  nodes.map((n) => (typeof n === 'string' ? n : 'children' in n ? textOf(n.children) : 'value' in n ? n.value : '\n')).join('');

const depthOf = (nodes: MarkdownNode[]): number => Math.max(0, ...nodes.map((n) => (typeof n === 'object' && 'children' in n ? 1 + depthOf(n.children) : 0)));

/** The elements of a tree, by type. */
const elementsOf = (nodes: MarkdownNode[], counts: Record<string, number> = {}): Record<string, number> => {
  for (const node of nodes) {
    if (typeof node === 'string') continue;
    counts[node.type] = (counts[node.type] ?? 0) + 1;
    if ('children' in node) elementsOf(node.children, counts);
  }
  return counts;
};
const elementCount = (nodes: MarkdownNode[]) => Object.values(elementsOf(nodes)).reduce((sum, n) => sum + n, 0);

/**
 * The work a call does, as a count that is the same on every run (unlike a clock): every call of the
 * array methods the parser works with, weighted by the elements it touches. Work done inside one
 * regular expression is not seen; those are written so as not to backtrack.
 */
function stepsOf(run: () => unknown): number {
  const methods = ['push', 'pop', 'at', 'splice', 'slice', 'map', 'flatMap', 'reduce', 'includes', 'join', 'reverse'] as const;
  const originals = methods.map((name) => [name, Array.prototype[name]] as const);
  let steps = 0;
  for (const [name, original] of originals) {
    // The weight: the elements a call passes over, adds or copies.
    const weight = (array: unknown[], args: unknown[], result: unknown) =>
      name === 'push'
        ? args.length
        : name === 'pop' || name === 'at'
          ? 1
          : name === 'slice' || name === 'splice'
            ? (result as unknown[]).length + Math.max(0, args.length - 2)
            : array.length;
    Object.defineProperty(Array.prototype, name, {
      configurable: true,
      writable: true,
      value(this: unknown[], ...args: unknown[]) {
        const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args);
        steps += 1 + weight(this, args, result);
        return result;
      },
    });
  }
  try {
    run();
  } finally {
    for (const [name, original] of originals) Object.defineProperty(Array.prototype, name, { configurable: true, writable: true, value: original });
  }
  return steps;
}

describe('blocks', () => {
  test('empty and whitespace-only input give nothing', () => {
    expect(parseMarkdown('')).toEqual([]);
    expect(parseMarkdown(' \n\t\n  \r\n')).toEqual([]);
  });

  test('blank lines separate paragraphs; a single newline is a line break', () => {
    expect(parseMarkdown('one\ntwo\n\n\n three  \nfour ')).toEqual([p('one', br, 'two'), p('three', br, 'four')]);
  });

  test('CRLF and CR line endings behave like LF', () => {
    expect(parseMarkdown('a\r\nb\r\n\r\nc\rd')).toEqual([p('a', br, 'b'), p('c', br, 'd')]);
  });

  test('headings, rules and raw HTML stay text', () => {
    expect(parseMarkdown('# Title\n<b>bold</b> &amp; <!-- x -->\n---')).toEqual([p('# Title', br, '<b>bold</b> &amp; <!-- x -->', br, '---')]);
  });

  test('fenced code keeps its content verbatim', () => {
    expect(parseMarkdown('```js\nlet a = *b*;\n  <i>x</i>\n\n```\nafter')).toEqual([pre('let a = *b*;\n  <i>x</i>\n'), p('after')]);
    expect(parseMarkdown('~~~\n```\n~~~')).toEqual([pre('```')]);
    expect(parseMarkdown('````\na\n```\n````')).toEqual([pre('a\n```')]);
  });

  test('an unclosed fence runs to the end', () => {
    expect(parseMarkdown('text\n```\ncode\n\nmore')).toEqual([p('text'), pre('code\n\nmore')]);
  });

  test('a fence line containing backticks is inline code, not a fence', () => {
    expect(inline('```a```')).toEqual([code('a')]);
  });

  test('indented text is a paragraph, not code: its leading spaces are dropped', () => {
    expect(parseMarkdown('    a *b*\n\n      c\n\nd')).toEqual([p('a ', em('b')), p('c'), p('d')]);
    expect(parseMarkdown('\tx\n        y')).toEqual([p('x', br, 'y')]);
    expect(parseMarkdown('para\n    not code')).toEqual([p('para', br, 'not code')]);
  });

  test('four spaces of indent make markers text, not lists or quotes', () => {
    expect(parseMarkdown('    - a\n    > b\n    ```')).toEqual([p('- a', br, '> b', br, '```')]);
  });

  test('blockquotes parse their content, nest, and end at an unquoted line', () => {
    expect(parseMarkdown('> a *b*\n>\n>> c\n> - d\nreply')).toEqual([quote(p('a ', em('b')), quote(p('c')), ul(li('d'))), p('reply')]);
    expect(parseMarkdown('>no space')).toEqual([quote(p('no space'))]);
  });

  test('quotes nest only so deep; the rest is text', () => {
    const nodes = parseMarkdown('>'.repeat(100) + ' x');
    expect(depthOf(nodes)).toBeLessThanOrEqual(18);
    expect(textOf(nodes)).toBe('>'.repeat(84) + ' x');
  });

  test('bullet lists with -, * and +', () => {
    expect(parseMarkdown('- a\n- *b*')).toEqual([ul(li('a'), li(em('b')))]);
    expect(parseMarkdown('* a\n* b')).toEqual([ul(li('a'), li('b'))]);
    expect(parseMarkdown('+ a')).toEqual([ul(li('a'))]);
  });

  test('ordered lists keep their start number', () => {
    expect(parseMarkdown('1. a\n2. b')).toEqual([ol(undefined, li('a'), li('b'))]);
    expect(parseMarkdown('3) a\n7) b')).toEqual([ol(3, li('a'), li('b'))]);
  });

  test('a blank line between items makes paragraphs of them', () => {
    expect(parseMarkdown('- a\n\n- b')).toEqual([ul(li(p('a')), li(p('b')))]);
  });

  test('items continue on indented lines, and hold nested lists', () => {
    expect(parseMarkdown('- a\n  b\n- d\n  - e\n  - f\n\n  g')).toEqual([ul(li(p('a', br, 'b')), li(p('d'), ul(li('e'), li('f')), p('g')))]);
    expect(parseMarkdown('- a\n  - b\n- c')).toEqual([ul(li('a', ul(li('b'))), li('c'))]);
    expect(parseMarkdown('- a\n\tb')).toEqual([ul(li('a', br, 'b'))]);
  });

  test('no lazy continuation: an unindented line ends the list', () => {
    expect(parseMarkdown('- a\nb')).toEqual([ul(li('a')), p('b')]);
    expect(parseMarkdown('- a\n  b\nc\n- d')).toEqual([ul(li('a', br, 'b')), p('c'), ul(li('d'))]);
    expect(parseMarkdown('1. a\n b')).toEqual([ol(undefined, li('a')), p('b')]);
  });

  test('a change of list type starts a new list; a paragraph ends one', () => {
    expect(parseMarkdown('- a\n1. b\n\nc')).toEqual([ul(li('a')), ol(undefined, li('b')), p('c')]);
  });

  test('a list interrupts a paragraph, but only an ordered list starting at 1', () => {
    expect(parseMarkdown('intro\n- a')).toEqual([p('intro'), ul(li('a'))]);
    expect(parseMarkdown('born in\n1986. A good year')).toEqual([p('born in', br, '1986. A good year')]);
    expect(parseMarkdown('steps\n1. a')).toEqual([p('steps'), ol(undefined, li('a'))]);
  });

  test('markers need a space: emphasis and numbers at line start are not lists', () => {
    expect(parseMarkdown('*a* and **b**')).toEqual([p(em('a'), ' and ', strong('b'))]);
    expect(parseMarkdown('-1 degrees\n2.5 million')).toEqual([p('-1 degrees', br, '2.5 million')]);
  });

  test('an empty item is kept', () => {
    expect(parseMarkdown('-\n- a')).toEqual([ul(li(), li('a'))]);
  });

  test('NUL becomes the replacement character', () => {
    expect(inline('a\u0000b')).toEqual(['a\uFFFDb']);
  });
});

describe('inline', () => {
  test('emphasis and strong with * and _', () => {
    expect(inline('*a* _b_ **c** __d__')).toEqual([em('a'), ' ', em('b'), ' ', strong('c'), ' ', strong('d')]);
  });

  test('nesting', () => {
    expect(inline('*a **b** c*')).toEqual([em('a ', strong('b'), ' c')]);
    expect(inline('**a *b* c**')).toEqual([strong('a ', em('b'), ' c')]);
    expect(inline('***x***')).toEqual([em(strong('x'))]);
    expect(inline('_a **b**_')).toEqual([em('a ', strong('b'))]);
  });

  test('intraword: * works, _ does not (snake_case)', () => {
    expect(inline('un*frigging*believable')).toEqual(['un', em('frigging'), 'believable']);
    expect(inline('snake_case_name and __init__')).toEqual(['snake_case_name and ', strong('init')]);
  });

  test('delimiters surrounded by spaces, unclosed or unbalanced stay text', () => {
    expect(inline('a * b * c')).toEqual(['a * b * c']);
    expect(inline('**unclosed')).toEqual(['**unclosed']);
    expect(inline('**a*')).toEqual(['*', em('a')]);
    expect(inline('*a**')).toEqual([em('a'), '*']);
  });

  test('a closer pairs with the nearest opener of its character (no "rule of 3")', () => {
    expect(inline('*foo**bar*')).toEqual([em('foo'), em('bar')]);
    expect(inline('*a _b* c_')).toEqual([em('a _b'), ' c_']);
    expect(inline('_a *b_ c*')).toEqual([em('a *b'), ' c*']);
    expect(inline('*a _b_ c*')).toEqual([em('a ', em('b'), ' c')]);
  });

  test('emphasis does not span a link boundary', () => {
    expect(inline('*a [b*](https://x.example)')).toEqual(['*a ', link('https://x.example', 'b*')]);
  });

  test('inline code is verbatim and wins over other syntax', () => {
    expect(inline('`*a* <b> [c](https://x.example)`')).toEqual([code('*a* <b> [c](https://x.example)')]);
    expect(inline('``a`b`` and ` `` `')).toEqual([code('a`b'), ' and ', code('``')]);
    expect(inline('*a `*` b*')).toEqual([em('a ', code('*'), ' b')]);
    expect(inline('`a\nb`')).toEqual([code('a b')]);
    expect(inline('`unclosed and ``also')).toEqual(['`unclosed and ``also']);
  });

  test('a backtick run opens a span only whole: an escape splits it, a partial run does not open', () => {
    expect(inline('\\``x`')).toEqual(['`', code('x')]);
    expect(inline('``a` b')).toEqual(['``a` b']);
  });

  test('backslash escapes markdown punctuation only', () => {
    expect(inline('\\*a\\* \\_b\\_ \\[c\\](d) \\`e\\` \\<f\\> \\\\ \\a')).toEqual(['*a* _b_ [c](d) `e` <f> \\ \\a']);
  });

  test('a backslash before a newline is just the line break', () => {
    expect(inline('a\\\nb')).toEqual(['a', br, 'b']);
  });

  test('links, with emphasis and code inside', () => {
    expect(inline('see [the *docs*](https://x.example/d) now')).toEqual(['see ', link('https://x.example/d', 'the ', em('docs')), ' now']);
    expect(inline('[`a`](mailto:a@x.example)')).toEqual([link('mailto:a@x.example', code('a'))]);
  });

  test('link destinations: spaces around them are allowed, parens balance, escapes apply', () => {
    expect(inline('[a]( https://x.example )')).toEqual([link('https://x.example', 'a')]);
    expect(inline('[a](https://x.example/w_(b)_c)')).toEqual([link('https://x.example/w_(b)_c', 'a')]);
    expect(inline('[a](https://x.example/\\(x)')).toEqual([link('https://x.example/(x', 'a')]);
  });

  test('a destination with a title is not a link; the URL in it still autolinks', () => {
    const u = 'https://x.example';
    expect(inline(`[a](${u} "title")`)).toEqual(['[a](', link(u, u), ' "title")']);
    expect(inline(`[a](${u} 'title')`)).toEqual(['[a](', link(u, u), " 'title')"]);
    expect(inline(`[a](${u} (title))`)).toEqual(['[a](', link(u, u), ' (title))']);
  });

  test('a <url> destination is not a link; an <autolink> inside still is', () => {
    expect(inline('[a](<https://x.example/a>)')).toEqual(['[a](', link('https://x.example/a', 'https://x.example/a'), ')']);
    expect(inline('[a](<https://x.example/a b>)')).toEqual(['[a](<https://x.example/a b>)']);
    expect(inline('[a](<b>c)')).toEqual(['[a](<b>c)']);
  });

  test('parentheses in a destination must balance', () => {
    expect(inline('[a](b(c) d')).toEqual(['[a](b(c) d']);
  });

  test('an empty link text shows the URL', () => {
    expect(inline('[](https://x.example)')).toEqual([link('https://x.example', 'https://x.example')]);
  });

  test('an unsafe or relative link becomes its text', () => {
    expect(inline('[a *b*](javascript:alert(1)) c')).toEqual(['a ', em('b'), ' c']);
    expect(inline('[a](/relative) [b](//evil.example)')).toEqual(['a b']);
  });

  test('things that are not links stay text', () => {
    expect(inline('[a] [b] (c) [d](e "unclosed) ] [')).toEqual(['[a] [b] (c) [d](e "unclosed) ] [']);
    expect(inline('[a]\n(https://x.example)')).toEqual(['[a]', br, '(', link('https://x.example', 'https://x.example'), ')']);
  });

  test('links do not nest: the inner one wins', () => {
    expect(inline('[a [b](https://b.example) c](https://a.example)')).toEqual([
      '[a ',
      link('https://b.example', 'b'),
      ' c](',
      link('https://a.example', 'https://a.example'),
      ')',
    ]);
  });

  test('images become links to their source, or their alt text', () => {
    expect(inline('![a cat](https://x.example/cat.png)')).toEqual([link('https://x.example/cat.png', 'a cat')]);
    expect(inline('![](https://x.example/cat.png)')).toEqual([link('https://x.example/cat.png', 'https://x.example/cat.png')]);
    expect(inline('![a cat](javascript:alert(1))')).toEqual(['a cat']);
    expect(inline('x ![](data:image/png;base64,AAAA) y')).toEqual(['x  y']);
  });

  test('an image inside a link leaves only its alt text', () => {
    expect(inline('[![badge](https://x.example/b.svg)](https://x.example)')).toEqual([link('https://x.example', 'badge')]);
  });

  test('<autolinks> for safe schemes only', () => {
    expect(inline('<https://x.example/a?b=1> <mailto:a@x.example>')).toEqual([
      link('https://x.example/a?b=1', 'https://x.example/a?b=1'),
      ' ',
      link('mailto:a@x.example', 'mailto:a@x.example'),
    ]);
    expect(inline('<javascript:alert(1)> <b>')).toEqual(['<javascript:alert(1)> <b>']);
  });

  test('bare URLs become links without trailing punctuation', () => {
    const u = 'https://x.example/a';
    expect(inline(`see ${u}. Or ${u}, or ${u}! (${u}) "${u}"?`)).toEqual([
      'see ',
      link(u, u),
      '. Or ',
      link(u, u),
      ', or ',
      link(u, u),
      '! (',
      link(u, u),
      ') "',
      link(u, u),
      '"?',
    ]);
    expect(inline('https://x.example/wiki/A_(b) and http://x.example:8080/?q=1&r=2#f')).toEqual([
      link('https://x.example/wiki/A_(b)', 'https://x.example/wiki/A_(b)'),
      ' and ',
      link('http://x.example:8080/?q=1&r=2#f', 'http://x.example:8080/?q=1&r=2#f'),
    ]);
    expect(inline('*https://x.example*')).toEqual([em(link('https://x.example', 'https://x.example'))]);
  });

  test('bare URLs need a boundary before them and a host', () => {
    expect(inline('xhttps://x.example http:// https://<b>')).toEqual(['xhttps://x.example http:// https://<b>']);
  });

  test('a URL inside link text is not a second link', () => {
    expect(inline('[see https://a.example](https://b.example)')).toEqual([link('https://b.example', 'see https://a.example')]);
    expect(inline('[<https://a.example>](https://b.example)')).toEqual([link('https://b.example', 'https://a.example')]);
  });
});

describe('hostile input', () => {
  const N = 10_000;
  test.each([
    ['*', '*'.repeat(N)],
    ['_', '_'.repeat(N)],
    ['[', '['.repeat(N)],
    [']', ']'.repeat(N)],
    ['![', '!['.repeat(N / 2)],
    ['`', '`'.repeat(N)],
    ['<', '<'.repeat(N)],
    ['>', '>'.repeat(N)],
    ['\\', '\\'.repeat(N)],
    ['*a', '*a'.repeat(N / 2)],
    ['**a*', '**a*'.repeat(N / 4)],
    ['[](', '[]('.repeat(N / 3)],
    ['[a](b', '[a](b'.repeat(N / 5)],
    ['[a](u "', '[a](u "'.repeat(N / 7)],
    ['[a](<', '[a](<'.repeat(N / 5)],
    ['<a:', '<a:'.repeat(N / 3)],
    ['http://(', ' http://('.repeat(N / 9)],
    ['https://x)', 'https://x' + ')'.repeat(N)],
    ['`` ` ``', Array.from({ length: 140 }, (_, i) => '`'.repeat(i + 1) + 'x').join('')],
    ['- ', '- '.repeat(N / 2)],
    ['- a\\n', '- a\n'.repeat(N / 4)],
    ['- a\\nb\\n', '- a\nb\n'.repeat(N / 6)],
    ['    a\\n', '    a\n'.repeat(N / 6)],
    ['*a _', '*a _'.repeat(N / 4)],
    ['```\\n', '```\n'.repeat(N / 4)],
    ['\\n', '\n'.repeat(N)],
    ['[a]( ', '[a](' + ' '.repeat(N) + 'x'],
    ['https://x.', 'https://x' + '.'.repeat(N)],
    ['```x`x', '``' + '`x'.repeat(N / 2)],
  ])('%j repeated parses, keeping its text', (_, source) => {
    const nodes = parseMarkdown(source);
    expect(Array.isArray(nodes)).toBe(true);
    expect(depthOf(nodes)).toBeLessThan(40);
  });

  test('plain runs of delimiters come back as the same text', () => {
    for (const c of ['*', '_', '[', ']', '`', '<']) expect(textOf(parseMarkdown('x ' + c.repeat(N)))).toBe('x ' + c.repeat(N));
  });

  test('deeply nested emphasis is capped, its delimiters kept as text', () => {
    const source = '*a '.repeat(1000) + 'b' + ' c*'.repeat(1000);
    const nodes = parseMarkdown(source);
    expect(depthOf(nodes)).toBeLessThanOrEqual(17);
    expect(textOf(nodes).replace(/\*/g, '')).toBe(source.replace(/\*/g, ''));
    expect(textOf(nodes).length).toBeLessThan(source.length);
  });

  test('a single opener run closed many times is capped too', () => {
    expect(depthOf(parseMarkdown('*'.repeat(5000) + 'a' + ' b*'.repeat(5000)))).toBeLessThanOrEqual(17);
  });
});

describe('hostile input costs linear work and at most MAX_ELEMENTS elements', () => {
  /** Shapes of hostile comment, each as long as asked (about). */
  const shapes: Record<string, (length: number) => string> = {
    "*_ alternating (the security review's)": (length) => '*_'.repeat(length / 2),
    '_*_* alternating': (length) => '_*_*'.repeat(length / 4),
    '**a, openers only': (length) => '**a'.repeat(length / 3),
    '*a *b, nested and closed': (length) => '*a '.repeat(length / 6) + 'x' + ' b*'.repeat(length / 6),
    'emphasis nested past the depth cap, code spans at every level': (length) => '*`x` '.repeat(length / 10) + 'b' + ' `y`*'.repeat(length / 10),
    'both characters nested, code spans at every level': (length) => '*`x` _`x` '.repeat(length / 20) + 'b' + ' `y`_ `y`*'.repeat(length / 20),
    '[ repeated': (length) => '['.repeat(length),
    '[a]( unclosed': (length) => '[a]('.repeat(length / 4),
    'a chain of links': (length) => '[a](https://a.example) '.repeat(length / 23),
    'links nested in links': (length) => '[a '.repeat(length / 40) + '[b](https://a.example)' + ' c](https://a.example)'.repeat(length / 40),
    'images nested in images': (length) => '![`x`'.repeat(length / 20) + '](https://a.example)'.repeat(length / 20),
    'images nested in images, unsafe': (length) => '![`x`'.repeat(length / 20) + '](javascript:x)'.repeat(length / 20),
    'backtick runs of every length': (length) => Array.from({ length: Math.sqrt(2 * length) }, (_, i) => '`'.repeat(i + 1) + 'x').join(''),
    'code spans': (length) => '`a` '.repeat(length / 4),
    'a padded code span': (length) => '` ' + 'a '.repeat(length / 2) + 'x`',
    'bare URLs': (length) => 'https://a.example '.repeat(length / 18),
    'line breaks': (length) => 'a\n'.repeat(length / 2),
    paragraphs: (length) => 'a\n\n'.repeat(length / 3),
    'quotes nested on every line': (length) => Array.from({ length: length / 20 }, (_, i) => '>'.repeat(i % 18) + ' a').join('\n'),
    'lists nested on every line': (length) => Array.from({ length: length / 40 }, (_, i) => ' '.repeat(2 * (i % 20)) + '- a').join('\n'),
    'list items': (length) => '- a\n'.repeat(length / 4),
  };

  test.each(Object.entries(shapes))('%s: the elements stay within the cap at any length', (_, shape) => {
    for (const length of [10_000, 40_000]) {
      const nodes = parseMarkdown(shape(length));
      // Past the cap, each block still open adds one paragraph holding the rest as text.
      expect(elementCount(nodes)).toBeLessThanOrEqual(MAX_ELEMENTS + 17);
      expect(depthOf(nodes)).toBeLessThan(40);
    }
  });

  test.each(Object.entries(shapes))('%s: four times the input costs about four times the work, not sixteen', (_, shape) => {
    const small = shape(10_000);
    const large = shape(40_000);
    expect(large.length / small.length).toBeGreaterThanOrEqual(3.5);
    // Linear work makes 4 (a little more where the small input is within the cap and the large one
    // past it, which costs more per character); quadratic work would make 16.
    expect(stepsOf(() => parseMarkdown(large))).toBeLessThan(5 * stepsOf(() => parseMarkdown(small)));
  });

  test('delimiters past the cap stay text', () => {
    const source = '*_'.repeat(4998);
    const nodes = parseMarkdown(source);
    const { emphasis = 0, strong = 0, paragraph = 0 } = elementsOf(nodes);
    expect(emphasis + strong + paragraph).toBe(MAX_ELEMENTS);
    // Every character is either text or one of the delimiters an element used.
    expect(textOf(nodes).length + 2 * emphasis + 4 * strong).toBe(source.length);
  });

  test('blocks past the cap stay text: the rest is one paragraph', () => {
    const nodes = parseMarkdown('a\n\n'.repeat(MAX_ELEMENTS) + '- b\n> c\n\n*d*');
    expect(nodes).toHaveLength(MAX_ELEMENTS + 1);
    expect(nodes.at(-1)).toEqual(p('- b\n> c\n\n*d*'));
  });

  test('a long comment of ordinary markdown stays whole: 80 lines with 6 elements each fit', () => {
    const source = 'See *this* and **that** in `code`, at [the docs](https://x.example/d) or https://x.example/e.\n'.repeat(80);
    expect(source.length).toBeLessThanOrEqual(10_000);
    expect(elementsOf(parseMarkdown(source))).toEqual({ paragraph: 1, emphasis: 80, strong: 80, code: 80, link: 160, break: 79 });
  });
});
