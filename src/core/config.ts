import { ColloquyConfigError } from './errors';
import type { Comment, SortOrder } from './types';
import { MAX_PAGE_SIZE, type ValidationRules } from './validation';

export type Theme = 'light' | 'dark' | 'auto';

/** The built-in adapters a script tag can name. */
export type AdapterName = 'memory' | 'local' | 'rest';

/**
 * Everything a site owner or developer can set. `Adapter` is the StorageAdapter type; core stays
 * free of adapter code, so it is a parameter here.
 */
export interface ColloquyOptions<Adapter = unknown> {
  /** The thread's id: one per page, stable across URL changes (e.g. the post slug). Required. */
  thread: string;
  /** The page title shown in the heading, "2 responses to “Title”". @default the host page's document.title */
  title?: string;
  /** The page's canonical address, stored with new comments. @default the host page's location without hash */
  url?: string;
  /** Where comments are stored: 'memory' (lost on reload), 'local' (this browser), 'rest' (a Colloquy server, see `api`), or a StorageAdapter. @default 'rest' when `api` is given, else 'local' */
  adapter?: AdapterName | Adapter;
  /** The Colloquy server's address for adapter 'rest': an http(s) URL, or a path such as '/' on this site. Required with 'rest'. @default '' */
  api?: string;
  /** Comments preloaded into a 'memory' or 'local' adapter the first time a thread is opened (demos, static sites). @default [] */
  seed?: Comment[];
  /** UI language, a BCP 47 tag; unsupported tags fall back to English. @default the host page's <html lang>, else 'en' */
  locale?: string;
  /** Color scheme; 'auto' follows the reader's prefers-color-scheme. @default 'auto' */
  theme?: Theme;
  /** Order of top-level comments. @default 'oldest' */
  sort?: SortOrder;
  /** Deepest reply level; deeper replies attach to their deepest allowed ancestor. @default 5 */
  maxDepth?: number;
  /** Comments fetched per page, 1 to MAX_PAGE_SIZE. @default 50 */
  pageSize?: number;
  /** Overrides of the comment validation limits. @default defaultValidationRules */
  validation?: Partial<ValidationRules>;
  /** A token the host site's server signed for its signed-in user (host-site sign-in, see the server's docs); `update()` it when the user changes. @default '' */
  ssoToken?: string;
}

export interface ResolvedConfig<Adapter = unknown> {
  thread: string;
  title: string;
  url: string;
  adapter: AdapterName | Adapter;
  api: string;
  seed: Comment[];
  locale: string;
  theme: Theme;
  sort: SortOrder;
  maxDepth: number;
  pageSize: number;
  validation: Partial<ValidationRules>;
  ssoToken: string;
}

/** What only the host page knows; the widget passes it in so that core never reads the DOM. */
export interface PageDefaults {
  title: string;
  url: string;
  locale: string;
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  throw new ColloquyConfigError(option, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got ${JSON.stringify(value)}`);
}

function integer(option: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new ColloquyConfigError(option, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
}

function text(option: string, value: unknown, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string') return value.trim() || fallback;
  throw new ColloquyConfigError(option, `must be a string; got ${JSON.stringify(value)}`);
}

function isAdapterObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { listComments?: unknown }).listComments === 'function';
}

/**
 * The adapter the options ask for: the one named, else 'rest' when a server is given (giving `api`
 * and getting comments kept in the reader's browser would be a silent surprise; an unusable `api`
 * is then rejected, not ignored), else 'local'. Exported for the script tag, which must know before
 * mounting whether to load the adapter pack.
 */
export const requestedAdapter = <Adapter>({ adapter, api }: ColloquyOptions<Adapter>): AdapterName | Adapter =>
  adapter !== undefined ? adapter : api ? 'rest' : 'local';

/** Turns user options into a complete config, or throws one ColloquyConfigError naming the option. Pure. */
export function resolveConfig<Adapter>(options: ColloquyOptions<Adapter>, page: PageDefaults): ResolvedConfig<Adapter> {
  if (typeof options !== 'object' || options === null) throw new ColloquyConfigError('options', 'must be an object');
  const { thread, seed = [] } = options;
  const adapter = requestedAdapter(options);
  if (typeof thread !== 'string' || !thread.trim() || thread.length > 200) {
    throw new ColloquyConfigError('thread', 'is required: a non-empty id of at most 200 characters, such as the post slug');
  }
  if (typeof adapter === 'string') oneOf<AdapterName>('adapter', adapter, ['memory', 'local', 'rest'], 'local');
  else if (!isAdapterObject(adapter)) throw new ColloquyConfigError('adapter', 'must be "memory", "local", "rest" or a StorageAdapter object');
  const api = text('api', options.api, '');
  // Required with adapter "rest". A path from the root, but not "//host": another site without saying so.
  if ((api || adapter === 'rest') && !/^(https?:\/\/[^/\s]|\/(?!\/))\S*$/i.test(api)) {
    throw new ColloquyConfigError('api', `must be an http(s) URL or a path from "/"; got ${JSON.stringify(options.api)}`);
  }
  if (!Array.isArray(seed)) throw new ColloquyConfigError('seed', 'must be an array of comments');
  const { validation = {} } = options;
  if (typeof validation !== 'object' || validation === null) throw new ColloquyConfigError('validation', 'must be an object of limits');
  return {
    thread: thread.trim(),
    // Without any title the heading still needs words: the thread id is better than “”.
    title: text('title', options.title, page.title || thread.trim()),
    url: text('url', options.url, page.url),
    adapter,
    api,
    seed,
    locale: text('locale', options.locale, page.locale || 'en'),
    theme: oneOf('theme', options.theme, ['light', 'dark', 'auto'], 'auto'),
    sort: oneOf('sort', options.sort, ['oldest', 'newest'], 'oldest'),
    maxDepth: integer('maxDepth', options.maxDepth, 1, 20, 5),
    pageSize: integer('pageSize', options.pageSize, 1, MAX_PAGE_SIZE, 50),
    validation,
    ssoToken: text('ssoToken', options.ssoToken, ''),
  };
}
