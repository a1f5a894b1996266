import { waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinAdapters } from '../../../src/adapters/builtin';
import { resolveConfig } from '../../../src/core/config';
import { ColloquyConfigError } from '../../../src/core/errors';
import type { Comment } from '../../../src/core/types';
import { attributeNames, optionsFromAttributes } from '../../../src/embed/attributes';

const page = { title: 'Page', url: 'https://blog.example/post', locale: 'en' };

const seed: Comment[] = [
  {
    id: 'c1',
    threadId: 'post',
    parentId: null,
    author: { name: 'Ann', avatarSeed: 'a' },
    body: 'Seeded words.',
    createdAt: '2024-01-01T00:00:00.000Z',
    status: 'approved',
  },
];

/** An element as a site owner writes it, e.g. `<div data-thread="post">`. */
function element(html: string): HTMLElement {
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const el = template.content.firstElementChild as HTMLElement;
  document.body.append(el);
  return el;
}

function seedScript(id: string, text: string) {
  const script = document.createElement('script');
  script.type = 'application/json';
  script.id = id;
  script.textContent = text;
  document.body.append(script);
}

afterEach(() => {
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

describe('optionsFromAttributes', () => {
  it('maps every data-attribute to its option', () => {
    seedScript('seed', JSON.stringify(seed));
    const el = element(`
      <div data-thread="post" data-title="My post" data-url="https://blog.example/p" data-adapter="rest" data-api="https://comments.example"
           data-seed="#seed" data-locale="ar" data-theme="dark" data-sort="newest" data-max-depth="3" data-page-size="20"></div>`);
    expect(optionsFromAttributes(el.dataset)).toEqual({
      thread: 'post',
      title: 'My post',
      url: 'https://blog.example/p',
      adapter: 'rest',
      api: 'https://comments.example',
      seed,
      locale: 'ar',
      theme: 'dark',
      sort: 'newest',
      maxDepth: 3,
      pageSize: 20,
    });
  });

  it('reads an attribute for every documented name', () => {
    const html = `<div ${attributeNames.map((name) => `data-${name}="x"`).join(' ')}></div>`;
    const options = optionsFromAttributes(element(html).dataset) as unknown as Record<string, unknown>;
    const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    for (const name of attributeNames) expect(options[camel(name)], name).not.toBeUndefined();
  });

  it('gives the rest adapter its server from data-api', () => {
    const options = optionsFromAttributes(element('<div data-thread="post" data-adapter="rest" data-api="/"></div>').dataset);
    expect(resolveConfig(options, page)).toMatchObject({ adapter: 'rest', api: '/' });
  });

  it('leaves out what is not set, so the defaults apply', () => {
    const options = optionsFromAttributes(element('<div data-thread="post"></div>').dataset);
    expect(resolveConfig(options, page)).toMatchObject({
      thread: 'post',
      title: 'Page',
      adapter: 'local',
      seed: [],
      theme: 'auto',
      sort: 'oldest',
      maxDepth: 5,
      pageSize: 50,
    });
  });

  it('gives an empty thread when data-thread is missing, which resolveConfig rejects', () => {
    const options = optionsFromAttributes(element('<div data-adapter="memory"></div>').dataset);
    expect(options.thread).toBe('');
    expect(() => resolveConfig(options, page)).toThrow(ColloquyConfigError);
  });

  it.each([
    ['data-max-depth="abc"', 'maxDepth'],
    ['data-max-depth="2.5"', 'maxDepth'],
    ['data-page-size="-1"', 'pageSize'],
    ['data-theme="purple"', 'theme'],
    ['data-adapter="indexeddb"', 'adapter'],
    ['data-adapter="rest"', 'api'],
    ['data-adapter="rest" data-api="comments.example"', 'api'],
  ])('passes %s on for resolveConfig to reject, naming %s', (attribute, option) => {
    const options = optionsFromAttributes(element(`<div data-thread="post" ${attribute}></div>`).dataset);
    expect(() => resolveConfig(options, page)).toThrow(`option "${option}"`);
  });

  describe('data-seed', () => {
    it('reads the comments from the JSON script it points at', () => {
      seedScript('comments', JSON.stringify(seed));
      const options = optionsFromAttributes(element('<div data-thread="post" data-seed="#comments"></div>').dataset);
      expect(resolveConfig(options, page).seed).toEqual(seed);
    });

    it.each([
      ['bad JSON', () => seedScript('comments', '[{"id": "c1",'), '#comments'],
      ['a missing element', () => {}, '#comments'],
      ['an invalid selector', () => {}, '#[oops'],
    ])('gives null for %s, which resolveConfig rejects as "seed"', (_case, arrange, selector) => {
      arrange();
      const options = optionsFromAttributes(element(`<div data-thread="post" data-seed="${selector}"></div>`).dataset);
      expect(options.seed).toBeNull();
      expect(() => resolveConfig(options, page)).toThrow('option "seed"');
    });

    it('passes JSON that is not an array on, for resolveConfig to reject', () => {
      seedScript('comments', '{"comments": []}');
      const options = optionsFromAttributes(element('<div data-thread="post" data-seed="#comments"></div>').dataset);
      expect(() => resolveConfig(options, page)).toThrow('option "seed"');
    });
  });
});

describe('the script-tag entry (src/embed/index.ts)', () => {
  // As on a page that loaded dist/colloquy-local.js first (in tests there is no script URL to load it from).
  window.ColloquyAdapters = builtinAdapters;

  it('mounts into every [data-colloquy] element and exposes window.Colloquy.mount', async () => {
    seedScript('seed', JSON.stringify(seed));
    const first = element('<div data-colloquy data-thread="post" data-title="First" data-adapter="memory" data-seed="#seed"></div>');
    const second = element('<section data-colloquy data-thread="empty" data-title="Second" data-adapter="memory"></section>');
    const untouched = element('<div data-thread="post"></div>');
    vi.resetModules();
    Reflect.deleteProperty(window, 'Colloquy');

    await import('../../../src/embed/index');

    const firstUi = within(first.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await firstUi.findByRole('heading', { level: 2, name: 'One response to “First”' })).toBeTruthy();
    expect(firstUi.getByText('Seeded words.')).toBeTruthy();
    const secondUi = within(second.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await secondUi.findByRole('heading', { level: 2, name: 'No responses yet' })).toBeTruthy();
    expect(untouched.querySelector('colloquy-root')).toBeNull();

    expect(window.Colloquy?.mount).toBeTypeOf('function');
    const later = element('<div id="later"></div>');
    window.Colloquy!.mount('#later', { thread: 'post', title: 'Later', adapter: 'memory' });
    const laterUi = within(later.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await laterUi.findByRole('heading', { level: 2, name: 'No responses yet' })).toBeTruthy();

    expect(customElements.get('colloquy-thread')).toBeTypeOf('function');
  });

  it('logs a bad [data-colloquy] element and still mounts the others', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const bad = element('<div data-colloquy data-adapter="memory"></div>');
    const good = element('<div data-colloquy data-thread="post" data-title="Good" data-adapter="memory"></div>');
    vi.resetModules();

    await expect(import('../../../src/embed/index')).resolves.toBeDefined();

    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^\[colloquy\] option "thread"/);
    const badUi = within(bad.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(badUi.getByRole('alert').textContent).toBe('Comments are unavailable on this page.');
    const goodUi = within(good.querySelector('colloquy-root')!.shadowRoot as unknown as HTMLElement);
    expect(await goodUi.findByRole('heading', { level: 2, name: 'No responses yet' })).toBeTruthy();
  });
});

describe('the script tag’s adapter pack (src/embed/adapter-loader.ts)', () => {
  /** A fresh loader (its pack promise and registry are per module) on a page without the pack. */
  async function freshLoader() {
    vi.resetModules();
    const pack = window.ColloquyAdapters;
    Reflect.deleteProperty(window, 'ColloquyAdapters');
    const { createPackAwareMount } = await import('../../../src/embed/adapter-loader');
    const mountHere = createPackAwareMount('https://cdn.example/colloquy.js');
    window.ColloquyAdapters = pack;
    return mountHere;
  }
  const packTag = () => document.head.querySelector('script[src="https://cdn.example/colloquy-local.js"]');

  afterEach(() => packTag()?.remove());

  it('is loaded for an element that names no adapter, since the default is local', async () => {
    const mountHere = await freshLoader();
    mountHere(element('<div></div>'), optionsFromAttributes(element('<div data-thread="post"></div>').dataset)).unmount();
    expect(packTag()).not.toBeNull();
  });

  it('is not loaded when data-api alone is given: the adapter is then rest', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise(() => {}));
    const mountHere = await freshLoader();
    const target = element('<div></div>');
    const handle = mountHere(target, optionsFromAttributes(element('<div data-thread="post" data-api="https://comments.example"></div>').dataset));
    expect(packTag()).toBeNull();
    expect(target.querySelector('colloquy-root')).not.toBeNull();
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(String(vi.mocked(fetch).mock.calls[0]?.[0])).toMatch(/^https:\/\/comments\.example\/api\/comments\?/);
    handle.unmount();
  });
});
