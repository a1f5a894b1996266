// @vitest-environment happy-dom
// Script evaluation is on so that the canary is live: a payload that became markup would run.
// @vitest-environment-options {"settings":{"enableJavaScriptEvaluation":true,"suppressInsecureJavaScriptEnvironmentWarning":true}}
import { h } from 'preact';
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { parseMarkdown } from '../../../src/core/markdown';
import { MarkdownView } from '../../../src/widget/markdown-view';
import { xssCorpus } from './xss-corpus';

vi.mock('../../../src/core/markdown', async (importOriginal) => {
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports -- vi.mock's factory types the module it replaces
  const original = await importOriginal<typeof import('../../../src/core/markdown')>();
  return { ...original, parseMarkdown: vi.fn(original.parseMarkdown) };
});

type Canary = Window & { __xss?: unknown; alert: (message?: unknown) => void };
const win = window as unknown as Canary;

const FORBIDDEN = ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'img', 'style', 'form', 'input', 'meta', 'link', 'base'];
const ALLOWED_TAGS = new Set(['P', 'EM', 'STRONG', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'BR']);
const ALLOWED_ATTRIBUTES = new Set(['href', 'rel', 'start']);
// Events with no default action, so nothing navigates; they fire any inline handler that got through.
const EVENTS = ['mouseover', 'mouseenter', 'focus', 'blur', 'load', 'error', 'animationstart', 'toggle', 'begin'];

/** Everything in `root` that markdown rendering must never produce. */
function violations(root: Element): string[] {
  const found: string[] = [];
  for (const el of root.querySelectorAll(FORBIDDEN.join(','))) found.push(`<${el.localName}>`);
  for (const el of root.querySelectorAll('*')) {
    if (!ALLOWED_TAGS.has(el.tagName)) found.push(`unexpected <${el.localName}>`);
    for (const { name, value } of el.attributes) {
      if (name.toLowerCase().startsWith('on')) found.push(`${name} on <${el.localName}>`);
      else if (!ALLOWED_ATTRIBUTES.has(name)) found.push(`unexpected ${name} on <${el.localName}>`);
      if (name === 'href' && !/^(https?|mailto):/.test(value)) found.push(`href=${value}`);
    }
  }
  return found;
}

function fireEverything(root: Element) {
  for (const el of root.querySelectorAll('*')) for (const type of EVENTS) el.dispatchEvent(new Event(type));
}

const alertSpy = vi.fn();

beforeEach(() => {
  delete win.__xss;
  alertSpy.mockClear();
  win.alert = alertSpy;
});
afterEach(cleanup);

describe('the XSS corpus', () => {
  test('has at least 70 distinct vectors', () => {
    expect(new Set(xssCorpus).size).toBe(xssCorpus.length);
    expect(xssCorpus.length).toBeGreaterThanOrEqual(70);
  });

  // Without this control the corpus test could pass by never looking: the same checks must
  // catch a payload that does become markup, and the canary must fire.
  test('the checks catch a payload rendered as HTML', async () => {
    const bad = document.createElement('div');
    document.body.append(bad);
    bad.innerHTML = '<a href="javascript:alert(1)" target="_blank">x</a><img src="data:," onerror="window.__xss=1"><b onmouseover="alert(1)">y</b>';
    const script = document.createElement('script');
    script.textContent = 'window.__xss=1';
    bad.append(script);
    fireEverything(bad);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(violations(bad)).toEqual(
      expect.arrayContaining(['<img>', '<script>', 'href=javascript:alert(1)', 'unexpected target on <a>', 'onerror on <img>', 'onmouseover on <b>']),
    );
    expect(win.__xss).toBe(1);
    expect(alertSpy).toHaveBeenCalled();
    bad.remove();
  });

  test.each(xssCorpus.map((vector) => [vector]))('renders inert: %j', async (vector) => {
    const { container } = render(<MarkdownView source={vector} />);
    fireEverything(container);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(violations(container)).toEqual([]);
    for (const a of container.querySelectorAll('a')) {
      expect(new URL(a.href).protocol).toMatch(/^(https?|mailto):$/);
      expect(a.getAttribute('rel')).toBe('nofollow ugc noopener');
    }
    expect(win.__xss).toBeUndefined();
    expect(alertSpy).not.toHaveBeenCalled();
  });

  test.each([
    ['<script>window.__xss=1</script>', '<script>window.__xss=1</script>'],
    ['<img src=x onerror=window.__xss=1>', '<img src=x onerror=window.__xss=1>'],
    ['<svg onload=alert(1)>', '<svg onload=alert(1)>'],
    ['<iframe src="javascript:alert(1)"></iframe>', '<iframe src="javascript:alert(1)"></iframe>'],
    ['<javascript:alert(1)>', '<javascript:alert(1)>'],
    ['[click](javascript:alert(1))', 'click'],
    ['![x" onerror="alert(1)](https://x.example/a.png)', 'x" onerror="alert(1)'],
  ])('keeps the payload visible as text: %j', (vector, text) => {
    const { container } = render(<MarkdownView source={vector} />);
    expect(container.textContent).toContain(text);
  });

  test('an image with a safe source becomes a link to it, never an image', () => {
    render(<MarkdownView source={'![x" onerror="alert(1)](https://x.example/a.png)'} />);
    expect(screen.getByRole('link', { name: 'x" onerror="alert(1)' }).getAttribute('href')).toBe('https://x.example/a.png');
  });
});

describe('MarkdownView', () => {
  test('renders each construct as its element', () => {
    const { container } = render(
      <MarkdownView
        source={
          'Hello *you* and **all**, see `x<y`\nnext line\n\n> quoted\n\n- one\n- two\n\n3. three\n4. four\n\n```\nlet a = "<b>";\n```\n\n[docs](https://x.example/docs)'
        }
      />,
    );
    expect(container.querySelector('p em')?.textContent).toBe('you');
    expect(container.querySelector('p strong')?.textContent).toBe('all');
    expect(container.querySelector('p code')?.textContent).toBe('x<y');
    expect(container.querySelector('p br')).not.toBeNull();
    expect(container.querySelector('blockquote p')?.textContent).toBe('quoted');
    const [bullets, numbers] = screen.getAllByRole('list');
    expect(bullets?.localName).toBe('ul');
    expect(bullets?.textContent).toBe('onetwo');
    expect(numbers?.localName).toBe('ol');
    expect(numbers?.getAttribute('start')).toBe('3');
    expect(container.querySelector('pre > code')?.textContent).toBe('let a = "<b>";');
    const link = screen.getByRole('link', { name: 'docs' });
    expect(link.getAttribute('href')).toBe('https://x.example/docs');
    expect(link.getAttribute('rel')).toBe('nofollow ugc noopener');
    expect(link.hasAttribute('target')).toBe(false);
  });

  test('an ordered list starting at 1 has no start attribute', () => {
    const { container } = render(<MarkdownView source={'1. a\n2. b'} />);
    expect(container.querySelector('ol')?.hasAttribute('start')).toBe(false);
  });

  test('indented text, as pasted, renders as a paragraph, not a code block', () => {
    const { container } = render(<MarkdownView source={'    pasted *text*\n    more'} />);
    expect(container.querySelector('pre')).toBeNull();
    expect(container.querySelector('p')?.textContent).toBe('pasted textmore');
    expect(container.querySelector('p em')?.textContent).toBe('text');
  });

  test('renders nothing for an empty body', () => {
    const { container } = render(<MarkdownView source="   " />);
    expect(container.innerHTML).toBe('');
  });

  test('parses once per source string', () => {
    const parse = vi.mocked(parseMarkdown);
    parse.mockClear();
    const { rerender } = render(<MarkdownView source="*a*" />);
    rerender(<MarkdownView source="*a*" />);
    expect(parse).toHaveBeenCalledTimes(1);
    rerender(<MarkdownView source="*b*" />);
    expect(parse).toHaveBeenCalledTimes(2);
    expect(screen.getByText('b').localName).toBe('em');
  });

  test('renders hostile nesting without overflowing the stack', () => {
    const source = '*a '.repeat(3000) + 'b* '.repeat(3000) + '\n\n' + '> '.repeat(3000) + 'deep';
    const { container } = render(<MarkdownView source={source} />);
    expect(container.textContent).toContain('deep');
  });
});
