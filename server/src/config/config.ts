import { isIP } from 'node:net';
import { ColloquyConfigError } from 'colloquy/core';
import { isBadRange, MODERATION_MODES, RETIRED_SPAM_CHECKS, SPAM_CHECKS, type ModerationMode, type SpamCheck } from '../comments/moderation';

/** How the reference server runs. Every option is an environment variable and a `colloquy serve` flag. */
export interface ServerConfig {
  /** TCP port to listen on; 0 picks a free one. @default 8080 */
  port: number;
  /** Interface to listen on. @default 'localhost' */
  host: string;
  /** `sqlite:PATH` (`sqlite::memory:` for a throwaway database) or `postgres://…`. @default 'sqlite:./data/colloquy.db' */
  databaseUrl: string;
  /** Site origins (`https://blog.example`) whose pages may call the API from the browser. @default [] */
  origins: string[];
  /** Writes (POST, PATCH, DELETE) per minute per client address; 0 turns the limit off. @default 10 */
  rateLimit: number;
  /** Minutes after posting during which the author may edit or delete a comment. @default 15 */
  editWindowMinutes: number;
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed (also `loopback`,
   * `linklocal`, `uniquelocal`). Off by default: the client address is the socket's, so a forged
   * header cannot dodge the rate limit. @default false
   */
  trustProxy: false | string[];
  /** Largest request body, in bytes. @default 65536 */
  bodyLimit: number;
  /**
   * A folder of demo pages (like the repository's demo/) to serve at /, whose demo thread gets the
   * demo post's two responses when it is empty. For trying Colloquy out, never for a real site:
   * `npm start` passes `--demo demo`. Empty (or `off`): / serves no pages. @default ''
   */
  demo: string;
  /**
   * Which new comments wait for the site owner: `none` publishes at once, `first-time` holds a
   * comment unless its author's email already has an approved one, `all` holds every comment.
   * @default 'first-time'
   */
  moderation: ModerationMode;
  /** A comment with more links than this is held (0: any link holds it); `false` (`off`) for no limit. @default 2 */
  maxLinks: number | false;
  /**
   * Words, phrases, email addresses (`@domain` for a whole domain), domains, IP addresses or CIDR
   * ranges whose comments are spam; `[]` (unset, or `off`) for none. @default []
   */
  blocklist: string[];
  /** The same kinds of entries, whose comments are held for moderation; `[]` (unset, or `off`) for none. @default [] */
  moderationWords: string[];
  /** A form submitted sooner than this after the thread was listed is held. @default 3 */
  minSubmitSeconds: number;
  /**
   * The anti-spam checks that run (honeypot, timing, duplicates, hook); `[]` (`off`) for trusted
   * clients. The link limit and the lists are not among them: they have their own options. @default every check
   */
  spamChecks: SpamCheck[];
  /** How long the spam-check hook may take before the comment is held without its verdict. @default 2000 */
  spamCheckTimeoutMs: number;
  /**
   * Signs the form timestamps. Empty: one is generated on first start and stored in the database,
   * so every process on that database shares it. @default ''
   */
  secret: string;
  /**
   * The site owner's password for the moderation dashboard at /admin (at least 12 characters).
   * Empty: the dashboard and /api/admin/ are off. @default ''
   */
  adminPassword: string;
  /**
   * The mail server for notifications: `smtp://user:password@host:587` (STARTTLS when offered) or
   * `smtps://…:465`. Empty: no mails are sent. @default ''
   */
  smtpUrl: string;
  /** The From address of notification mails, e.g. `Blog comments <comments@blog.example>`. Needed with `smtpUrl`. @default '' */
  mailFrom: string;
  /** Where new comments are announced, with approve / spam / delete links. Empty: no owner mails. @default '' */
  ownerEmail: string;
  /** The server's public address, for the links in mails (e.g. `https://comments.blog.example`). Needed with `smtpUrl`. @default '' */
  publicUrl: string;
}

/** What `createApp` needs of the configuration (the rest is about listening and storage). */
export type AppConfig = Pick<
  ServerConfig,
  | 'origins'
  | 'rateLimit'
  | 'editWindowMinutes'
  | 'trustProxy'
  | 'bodyLimit'
  | 'demo'
  | 'moderation'
  | 'maxLinks'
  | 'blocklist'
  | 'moderationWords'
  | 'minSubmitSeconds'
  | 'spamChecks'
  | 'spamCheckTimeoutMs'
  | 'secret'
  | 'adminPassword'
  | 'smtpUrl'
  | 'mailFrom'
  | 'ownerEmail'
  | 'publicUrl'
>;

export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  port: 8080,
  host: 'localhost',
  databaseUrl: 'sqlite:./data/colloquy.db',
  origins: [],
  rateLimit: 10,
  editWindowMinutes: 15,
  trustProxy: false,
  bodyLimit: 65_536,
  demo: '',
  moderation: 'first-time',
  maxLinks: 2,
  blocklist: [],
  moderationWords: [],
  minSubmitSeconds: 3,
  spamChecks: [...SPAM_CHECKS],
  spamCheckTimeoutMs: 2000,
  secret: '',
  adminPassword: '',
  smtpUrl: '',
  mailFrom: '',
  ownerEmail: '',
  publicUrl: '',
});

type Parse<T> = (raw: string, name: string) => T;

const fail = (name: string, problem: string): never => {
  throw new ColloquyConfigError(name, problem);
};

const integer =
  (min: number, max: number): Parse<number> =>
  (raw, name) => {
    const value = Number(raw);
    return /^\d+$/.test(raw) && value >= min && value <= max ? value : fail(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  };

const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (proxyNames.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const list = (raw: string) =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/**
 * A moderation list: comma-separated entries, or `off` for none (so a variable or flag can empty a
 * list the config file sets). An address with an impossible prefix is a typo, not a word.
 */
const wordList: Parse<string[]> = (raw, name) => {
  if (/^off$/i.test(raw)) return [];
  const entries = list(raw);
  const bad = entries.find(isBadRange);
  return bad === undefined ? entries : fail(name, `lists "${bad}", which is neither an IP address nor a CIDR range (e.g. 203.0.113.0/24)`);
};

/** Every option, in the order `colloquy --help` lists them. */
const options: {
  [K in keyof ServerConfig]: { env: string; flag: string; help: string; parse: Parse<ServerConfig[K]> };
} = {
  port: { env: 'PORT', flag: '--port', help: 'port to listen on (0 = any free port)', parse: integer(0, 65_535) },
  host: {
    env: 'HOST',
    flag: '--host',
    help: 'interface to listen on',
    parse: (raw, name) => (/^[^\s/]+$/.test(raw) ? raw : fail(name, `must be a host name or address, got "${raw}"`)),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    help: 'sqlite:PATH or postgres://user:password@host/database',
    parse: (raw, name) =>
      /^sqlite:.+/.test(raw) || /^postgres(?:ql)?:\/\/./.test(raw)
        ? raw
        : fail(name, `must start with "sqlite:" (e.g. sqlite:./data/colloquy.db) or "postgres://", got "${raw}"`),
  },
  origins: {
    env: 'COLLOQUY_ORIGINS',
    flag: '--origins',
    help: 'comma-separated site origins allowed to call the API (CORS)',
    parse: (raw, name) =>
      list(raw).map((entry) => {
        let url: URL | undefined;
        try {
          url = new URL(entry);
        } catch {
          // reported below
        }
        const bare = url && /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username;
        return bare && url ? url.origin : fail(name, `must list origins like https://blog.example (scheme and host, no path), got "${entry}"`);
      }),
  },
  rateLimit: { env: 'COLLOQUY_RATE_LIMIT', flag: '--rate-limit', help: 'writes per minute per client address (0 = no limit)', parse: integer(0, 1_000_000) },
  editWindowMinutes: {
    env: 'COLLOQUY_EDIT_WINDOW_MINUTES',
    flag: '--edit-window-minutes',
    help: 'minutes during which an author may edit or delete their comment',
    parse: integer(0, 525_600),
  },
  trustProxy: {
    env: 'COLLOQUY_TRUST_PROXY',
    flag: '--trust-proxy',
    help: 'comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed',
    parse: (raw, name) => {
      const entries = list(raw);
      if (entries.length === 0 || (entries.length === 1 && /^(?:false|off|0)$/i.test(entries[0]!))) return false;
      const bad = entries.find((entry) => !isAddressOrRange(entry));
      return bad === undefined
        ? entries
        : fail(name, `must list proxy addresses or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1) or loopback/linklocal/uniquelocal, got "${bad}"`);
    },
  },
  bodyLimit: { env: 'COLLOQUY_BODY_LIMIT', flag: '--body-limit', help: 'largest request body in bytes', parse: integer(1024, 16 * 1024 * 1024) },
  demo: {
    env: 'COLLOQUY_DEMO',
    flag: '--demo',
    help: "a folder of demo pages to serve at /, its thread seeded with the demo post's two responses (off = none)",
    parse: (raw) => (/^(?:off|false|no|0)$/i.test(raw) ? '' : raw),
  },
  moderation: {
    env: 'COLLOQUY_MODERATION',
    flag: '--moderation',
    help: 'which new comments wait for approval: none, first-time (until the author has an approved one) or all',
    parse: (raw, name) =>
      MODERATION_MODES.includes(raw as ModerationMode) ? (raw as ModerationMode) : fail(name, `must be none, first-time or all, got "${raw}"`),
  },
  maxLinks: {
    env: 'COLLOQUY_MAX_LINKS',
    flag: '--max-links',
    help: 'a comment with more links than this is held for moderation (0 = any link; off = no limit)',
    // Not 0 for "no limit": 0 already means "no links at all", and an old config must keep its meaning.
    parse: (raw, name) =>
      /^(?:off|false)$/i.test(raw)
        ? false
        : /^\d+$/.test(raw) && Number(raw) <= 1000
          ? Number(raw)
          : fail(name, `must be a whole number from 0 to 1000, or off for no limit, got "${raw}"`),
  },
  blocklist: {
    env: 'COLLOQUY_BLOCKLIST',
    flag: '--blocklist',
    help: 'comma-separated words, emails, @domains, domains, IPs or CIDRs whose comments are spam (off = none)',
    parse: wordList,
  },
  moderationWords: {
    env: 'COLLOQUY_MODERATION_WORDS',
    flag: '--moderation-words',
    help: "comma-separated entries like the blocklist's, whose comments are held for moderation (off = none)",
    parse: wordList,
  },
  minSubmitSeconds: {
    env: 'COLLOQUY_MIN_SUBMIT_SECONDS',
    flag: '--min-submit-seconds',
    help: 'a form sent sooner than this after the thread was listed is held',
    parse: integer(0, 3600),
  },
  spamChecks: {
    env: 'COLLOQUY_SPAM_CHECKS',
    flag: '--spam-checks',
    help: `anti-spam checks to run: off, or a comma-separated list of ${SPAM_CHECKS.join(', ')}`,
    parse: (raw, name) => {
      if (/^(?:off|none|false|0)$/i.test(raw)) return [];
      if (/^(?:all|on|true)$/i.test(raw)) return [...SPAM_CHECKS];
      const entries = list(raw).map((entry) => entry.toLowerCase());
      // Once spam checks, now holds of their own: ignoring them would leave on what the owner meant to switch off.
      const retired = [...new Set(entries.filter((entry) => Object.hasOwn(RETIRED_SPAM_CHECKS, entry)))];
      if (retired.length) {
        const setting = (entry: string) => `${sameKindOfName(RETIRED_SPAM_CHECKS[entry]!, name)} (${entry === 'links' ? 'off for no limit' : 'off for none'})`;
        fail(
          name,
          retired.length > 1
            ? `lists "links" and "blocklist", which are no longer spam checks: the link limit and the blocklist always apply and have their own settings, ` +
                `${setting('links')} and ${setting('blocklist')}. Remove them from ${name}.`
            : `lists "${retired[0]}", which is no longer a spam check: ${retired[0] === 'links' ? 'the link limit' : 'the blocklist'} always applies and has its own setting, ` +
                `${setting(retired[0]!)}. Remove "${retired[0]}" from ${name}.`,
        );
      }
      const bad = entries.find((entry) => !SPAM_CHECKS.includes(entry as SpamCheck));
      return bad === undefined
        ? SPAM_CHECKS.filter((check) => entries.includes(check))
        : fail(name, `must be off, all, or a comma-separated list of ${SPAM_CHECKS.join(', ')}; got "${bad}"`);
    },
  },
  spamCheckTimeoutMs: {
    env: 'COLLOQUY_SPAM_CHECK_TIMEOUT_MS',
    flag: '--spam-check-timeout-ms',
    help: 'milliseconds the spam-check hook may take before the comment is held without it',
    parse: integer(1, 60_000),
  },
  secret: {
    env: 'COLLOQUY_SECRET',
    flag: '--secret',
    help: 'signs form timestamps; give every process the same one (prefer the variable: flags show in ps)',
    parse: (raw, name) => (raw.length >= 16 ? raw : fail(name, 'must be at least 16 characters long')),
  },
  adminPassword: {
    env: 'COLLOQUY_ADMIN_PASSWORD',
    flag: '--admin-password',
    help: 'turns on the moderation dashboard at /admin with this password (prefer the variable: flags show in ps)',
    parse: (raw, name) => (raw.length >= 12 ? raw : fail(name, 'must be at least 12 characters long')),
  },
  smtpUrl: {
    env: 'COLLOQUY_SMTP_URL',
    flag: '--smtp-url',
    help: 'mail server for notifications: smtp://user:password@host:587 or smtps://user:password@host:465',
    // A query passes nodemailer options (e.g. ?tls.servername=…); a password with / ? # must be percent-encoded.
    parse: (raw, name) =>
      /^smtps?:\/\/[^\s/?#]+\/?(?:\?\S*)?$/.test(raw) ? raw : fail(name, 'must look like smtp://user:password@host:587 or smtps://host:465'),
  },
  mailFrom: {
    env: 'COLLOQUY_MAIL_FROM',
    flag: '--mail-from',
    help: 'From address of notification mails, e.g. "Blog comments <comments@blog.example>"',
    parse: (raw, name) => (/^[^\r\n]*@[^\r\n]*$/.test(raw) ? raw : fail(name, `must be an email address, got "${raw}"`)),
  },
  ownerEmail: {
    env: 'COLLOQUY_OWNER_EMAIL',
    flag: '--owner-email',
    help: 'where new comments are announced, with approve/spam/delete links',
    parse: (raw, name) => (/^[^\s@]+@[^\s@]+$/.test(raw) ? raw : fail(name, `must be an email address, got "${raw}"`)),
  },
  publicUrl: {
    env: 'COLLOQUY_PUBLIC_URL',
    flag: '--public-url',
    help: "the server's public address, for links in mails (https://comments.blog.example)",
    parse: (raw, name) =>
      /^https?:\/\/[^\s]+$/.test(raw) && !/[?#]/.test(raw) ? raw.replace(/\/+$/, '') : fail(name, `must be an http(s) address without query, got "${raw}"`),
  },
};

/** The name of another option in the form `source` (a flag, a variable or a file key) names its own. */
function sameKindOfName(key: keyof ServerConfig, source: string): string {
  const { env, flag } = options[key];
  return source.startsWith('--') ? flag : source.endsWith('(config file)') ? key : env;
}

/** Splits `--name value` and `--name=value` flags; anything else is a mistake worth naming. */
function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set(Object.values(options).map((option) => option.flag));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!known.has(flag)) fail(flag, arg.startsWith('--') ? 'is not an option of colloquy serve (see colloquy --help)' : 'is not a flag');
    let value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) value = fail(flag, 'needs a value');
    flags.set(flag, value);
  }
  return flags;
}

/** A config file's value as the text a variable would hold: lists become comma lists. */
function fileValue(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${key} (config file)`, 'must be a string, number, boolean or list of strings');
}

/**
 * The server's configuration from command-line flags, environment variables and a config file
 * (read by `readConfigFile`), in that order of precedence. Pure: pass `process.env` and
 * `process.argv.slice(2)` (after the `serve` command). An empty variable counts as unset. A bad
 * value throws one `[colloquy]` error naming the flag, variable or file key.
 */
export function resolveServerConfig(
  env: Record<string, string | undefined> = {},
  argv: readonly string[] = [],
  file: Record<string, unknown> = {},
): ServerConfig {
  const flags = parseFlags(argv);
  const unknown = Object.keys(file).find((key) => !(key in options));
  if (unknown) fail(`${unknown} (config file)`, `is not an option; the keys are ${Object.keys(options).join(', ')}`);
  const config = { ...defaultServerConfig } as Record<keyof ServerConfig, unknown>;
  for (const key of Object.keys(options) as (keyof ServerConfig)[]) {
    const { env: variable, flag, parse } = options[key];
    const fromFlag = flags.get(flag);
    const fromEnv = env[variable]?.trim() ? env[variable] : undefined;
    const raw = fromFlag ?? fromEnv ?? fileValue(key, file[key]);
    if (raw === undefined || raw.trim() === '') continue;
    const source = fromFlag !== undefined ? flag : fromEnv !== undefined ? variable : `${key} (config file)`;
    config[key] = (parse as Parse<unknown>)(raw.trim(), source);
  }
  if (config.smtpUrl && !config.mailFrom) fail('COLLOQUY_MAIL_FROM', 'is needed with COLLOQUY_SMTP_URL: the From address of notification mails');
  if (config.smtpUrl && !config.publicUrl) fail('COLLOQUY_PUBLIC_URL', 'is needed with COLLOQUY_SMTP_URL: the links in notification mails point there');
  return config as ServerConfig;
}

/** The option table as `colloquy --help` prints it. */
export function describeServerOptions(): string {
  return Object.entries(options)
    .map(([key, { env, flag, help }]) => {
      const fallback = defaultServerConfig[key as keyof ServerConfig];
      const shown =
        key === 'secret'
          ? 'generated and stored in the database'
          : key === 'adminPassword'
            ? 'none: /admin is off'
            : Array.isArray(fallback)
              ? fallback.length
                ? fallback.join(',')
                : 'none'
              : String(fallback) || 'none';
      return `  ${`${flag} <value>`.padEnd(32)}${env}, file key "${key}"\n  ${''.padEnd(32)}${help} (default: ${shown})`;
    })
    .join('\n');
}
