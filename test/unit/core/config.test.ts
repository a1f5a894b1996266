import { describe, expect, it } from 'vitest';
import { resolveConfig, type ColloquyOptions, type PageDefaults, type ResolvedConfig } from '../../../src/core/config';
import { ColloquyConfigError } from '../../../src/core/errors';
import { MAX_PAGE_SIZE } from '../../../src/core/validation';
import { seedComment } from '../comment-fixture';

const page: PageDefaults = { title: 'Host page title', url: 'https://blog.example/post', locale: 'fr' };

/** Stands in for a StorageAdapter: resolveConfig only looks for a `listComments` function. */
const adapterObject = { listComments: async () => ({ comments: [], nextCursor: null, total: 0 }) };

const annsComment = seedComment('c1', 'Ann');

/** Options as a script tag or untyped caller may pass them: anything goes at runtime. */
const resolve = (options: Record<string, unknown>) => resolveConfig(options as unknown as ColloquyOptions, page);

/** Asserts `options` are rejected with one ColloquyConfigError naming `option`. */
function expectRejected(options: Record<string, unknown>, option: string) {
  let caught: unknown;
  try {
    resolve(options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ColloquyConfigError);
  const error = caught as ColloquyConfigError;
  expect(error.option).toBe(option);
  expect(error.message.startsWith('[colloquy]')).toBe(true);
  expect(error.message).toContain(`"${option}"`);
}

describe('resolveConfig', () => {
  it('fills every option from the defaults and the page', () => {
    const expected: ResolvedConfig = {
      thread: 'post',
      title: 'Host page title',
      url: 'https://blog.example/post',
      adapter: 'local',
      api: '',
      seed: [],
      locale: 'fr',
      theme: 'auto',
      sort: 'oldest',
      maxDepth: 5,
      pageSize: 50,
      validation: {},
      ssoToken: '',
    };
    expect(resolveConfig({ thread: 'post' }, page)).toEqual(expected);
  });

  it('falls back to English when neither the options nor the page name a locale', () => {
    expect(resolveConfig({ thread: 'post' }, { ...page, locale: '' }).locale).toBe('en');
  });

  it('accepts every option', () => {
    const options: ColloquyOptions<typeof adapterObject> = {
      thread: 'post',
      title: 'My post',
      url: 'https://blog.example/p?id=1',
      adapter: adapterObject,
      api: 'https://comments.example',
      seed: [annsComment],
      locale: 'ar-EG',
      theme: 'dark',
      sort: 'newest',
      maxDepth: 3,
      pageSize: 20,
      validation: { nameMaxLength: 40, requireEmail: false },
      ssoToken: 'eyJhbGciOiJIUzI1NiJ9.e30.signature',
    };
    const config = resolveConfig(options, page);
    expect(config).toEqual({ ...options });
    expect(config.adapter).toBe(adapterObject);
    expect(config.seed).toBe(options.seed);
  });

  it.each(['memory', 'local'] as const)('accepts the built-in adapter %j', (adapter) => {
    expect(resolveConfig({ thread: 'post', adapter }, page).adapter).toBe(adapter);
  });

  describe('the rest adapter and its api', () => {
    it.each(['https://comments.example', 'http://localhost:8080', 'https://example.com/comments/', 'HTTPS://COMMENTS.EXAMPLE', '/', '/comments'])(
      'accepts api %j',
      (api) => {
        expect(resolveConfig({ thread: 'post', adapter: 'rest', api }, page)).toMatchObject({ adapter: 'rest', api });
      },
    );

    it('is the adapter when only an api is given, as the script tag and npm alike', () => {
      expect(resolveConfig({ thread: 'post', api: 'https://comments.example' }, page)).toMatchObject({ adapter: 'rest', api: 'https://comments.example' });
      // Not silently 'local' for a blank or malformed api: the site owner meant a server.
      expectRejected({ thread: 'post', api: '   ' }, 'api');
      expectRejected({ thread: 'post', api: 'comments.example' }, 'api');
    });

    it('trims the api', () => {
      expect(resolveConfig({ thread: 'post', adapter: 'rest', api: ' https://comments.example ' }, page).api).toBe('https://comments.example');
    });

    it.each([undefined, '', '   '])('requires an api with adapter "rest", naming "api" when given %j', (api) => {
      expectRejected({ thread: 'post', adapter: 'rest', api }, 'api');
    });

    it.each(['comments.example', 'ftp://comments.example', 'javascript:alert(1)', '//comments.example', 'https://', 'https:// x.example', '/a b', 42])(
      'rejects api %j',
      (api) => {
        expectRejected({ thread: 'post', adapter: 'rest', api }, 'api');
      },
    );

    it('checks an api given with another adapter, too', () => {
      expectRejected({ thread: 'post', adapter: 'memory', api: 'comments.example' }, 'api');
      expect(resolveConfig({ thread: 'post', adapter: 'memory', api: '/' }, page).api).toBe('/');
    });

    it('says what the api must be', () => {
      expect(() => resolve({ thread: 'post', adapter: 'rest' })).toThrow('[colloquy] option "api" must be an http(s) URL or a path from "/"; got undefined');
    });
  });

  it.each(['light', 'dark', 'auto'] as const)('accepts theme %j', (theme) => {
    expect(resolveConfig({ thread: 'post', theme }, page).theme).toBe(theme);
  });

  it.each(['oldest', 'newest'] as const)('accepts sort %j', (sort) => {
    expect(resolveConfig({ thread: 'post', sort }, page).sort).toBe(sort);
  });

  it('accepts the bounds of maxDepth and pageSize', () => {
    expect(resolveConfig({ thread: 'post', maxDepth: 1, pageSize: 1 }, page)).toMatchObject({ maxDepth: 1, pageSize: 1 });
    expect(resolveConfig({ thread: 'post', maxDepth: 20, pageSize: MAX_PAGE_SIZE }, page)).toMatchObject({ maxDepth: 20, pageSize: MAX_PAGE_SIZE });
  });

  it('trims the thread id', () => {
    expect(resolveConfig({ thread: '  post  ' }, page).thread).toBe('post');
  });

  it('accepts a thread id of exactly 200 characters', () => {
    expect(resolveConfig({ thread: 'x'.repeat(200) }, page).thread).toHaveLength(200);
  });

  describe('falls back to the page', () => {
    it.each([
      ['title', undefined],
      ['title', ''],
      ['title', '   '],
      ['url', undefined],
      ['url', ''],
      ['locale', undefined],
      ['locale', ''],
    ] as const)('%s when given %j', (option, value) => {
      expect(resolve({ thread: 'post', [option]: value })[option]).toBe(page[option]);
    });

    it('but keeps what the options give', () => {
      const config = resolveConfig({ thread: 'post', title: ' Mine ', url: 'https://x.example/', locale: 'ar' }, page);
      expect(config).toMatchObject({ title: 'Mine', url: 'https://x.example/', locale: 'ar' });
    });
  });

  describe('rejects', () => {
    it.each([
      ['options that are not an object', null, 'options'],
      ['a missing thread', {}, 'thread'],
      ['an empty thread', { thread: '' }, 'thread'],
      ['a blank thread', { thread: '   ' }, 'thread'],
      ['a thread over 200 characters', { thread: 'x'.repeat(201) }, 'thread'],
      ['a thread that is not a string', { thread: 42 }, 'thread'],
      ['an unknown adapter name', { thread: 'post', adapter: 'indexeddb' }, 'adapter'],
      ['an object that is not an adapter', { thread: 'post', adapter: { list: () => [] } }, 'adapter'],
      ['a null adapter', { thread: 'post', adapter: null }, 'adapter'],
      ['an unknown theme', { thread: 'post', theme: 'purple' }, 'theme'],
      ['an unknown sort', { thread: 'post', sort: 'best' }, 'sort'],
      ['maxDepth 0', { thread: 'post', maxDepth: 0 }, 'maxDepth'],
      ['maxDepth 21', { thread: 'post', maxDepth: 21 }, 'maxDepth'],
      ['maxDepth 1.5', { thread: 'post', maxDepth: 1.5 }, 'maxDepth'],
      ['maxDepth as a string', { thread: 'post', maxDepth: '5' }, 'maxDepth'],
      ['maxDepth NaN', { thread: 'post', maxDepth: Number.NaN }, 'maxDepth'],
      ['pageSize 0', { thread: 'post', pageSize: 0 }, 'pageSize'],
      [`pageSize ${MAX_PAGE_SIZE + 1}`, { thread: 'post', pageSize: MAX_PAGE_SIZE + 1 }, 'pageSize'],
      ['pageSize 2.5', { thread: 'post', pageSize: 2.5 }, 'pageSize'],
      ['pageSize as a string', { thread: 'post', pageSize: '50' }, 'pageSize'],
      ['a seed that is not an array', { thread: 'post', seed: { id: 'c1' } }, 'seed'],
      ['a null seed (unreadable data-seed)', { thread: 'post', seed: null }, 'seed'],
      // From untyped JavaScript callers: these must not slip through to crash the widget later.
      ['a title that is not a string', { thread: 'post', title: 42 }, 'title'],
      ['a url that is not a string', { thread: 'post', url: 42 }, 'url'],
      ['a locale that is not a string', { thread: 'post', locale: 42 }, 'locale'],
      ['validation that is not an object', { thread: 'post', validation: 'strict' }, 'validation'],
    ])('%s', (_case, options, option) => {
      expectRejected(options as Record<string, unknown>, option);
    });

    it('with a message that shows the bad value and what is allowed', () => {
      expect(() => resolve({ thread: 'post', theme: 'purple' })).toThrow('[colloquy] option "theme" must be one of "light", "dark", "auto"; got "purple"');
      expect(() => resolve({ thread: 'post', maxDepth: '5' })).toThrow('[colloquy] option "maxDepth" must be a whole number from 1 to 20; got "5"');
    });
  });

  it('is pure: it neither changes its input nor shares the defaults between calls', () => {
    const options = { thread: ' post ', title: ' T ' };
    const frozen = Object.freeze({ ...options });
    const first = resolveConfig(frozen, page);
    first.seed.push(annsComment);
    expect(resolveConfig(frozen, page).seed).toEqual([]);
    expect(frozen).toEqual(options);
  });
});
