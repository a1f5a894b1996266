import { defaultModerationOptions, moderationOptions, type ModerationOptions } from '../comments/moderation-options';
import { checkSignInOptions, defaultSignInOptions, signInOptions, type SignInOptions } from '../auth/options';
import { fail, integer, isAddressOrRange, list, origin, type OptionTable, type Parse } from './option-parsers';
import type { DatabaseTimeouts } from '../store/types';

/** How the reference server runs. Every option is an environment variable and a `colloquy serve` flag. */
export interface ServerConfig extends ModerationOptions, Required<DatabaseTimeouts>, SignInOptions {
  /** TCP port to listen on; 0 picks a free one. @default 8080 */
  port: number;
  /** Interface to listen on. @default 'localhost' */
  host: string;
  /** `sqlite:PATH` (`sqlite::memory:` for a throwaway database) or `postgres://…`. @default 'sqlite:./data/colloquy.db' */
  databaseUrl: string;
  /** Site origins (`https://blog.example`) whose pages may call the API from the browser. @default [] */
  origins: string[];
  /**
   * The site's own origin (`https://blog.example`), for pages that need no CORS entry (a widget
   * reaching the API through the site's own address). A thread's page address must be on it or on
   * one of `origins`; with neither set, page addresses are not kept. @default ''
   */
  siteUrl: string;
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
   * Megabytes of public responses (thread pages, counts, feeds) each process keeps in memory until a
   * write to their thread; 0 turns the read cache off. @default 64
   */
  cacheMb: number;
  /**
   * A folder of demo pages (like the repository's demo/) to serve at /, whose demo thread gets the
   * demo post's two responses when it is empty. For trying Colloquy out, never for a real site:
   * `npm start` passes `--demo demo`. Empty (or `off`): / serves no pages. @default ''
   */
  demo: string;
  /**
   * Signs form tokens, dashboard session cookies and mail links. Empty: one is generated on first start and stored in the database,
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
  | 'siteUrl'
  | 'rateLimit'
  | 'editWindowMinutes'
  | 'trustProxy'
  | 'bodyLimit'
  | 'cacheMb'
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
  | keyof SignInOptions
>;

export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  port: 8080,
  host: 'localhost',
  databaseUrl: 'sqlite:./data/colloquy.db',
  dbStatementTimeoutMs: 5000,
  dbConnectTimeoutMs: 5000,
  origins: [],
  siteUrl: '',
  rateLimit: 10,
  editWindowMinutes: 15,
  trustProxy: false,
  bodyLimit: 65_536,
  cacheMb: 64,
  demo: '',
  ...defaultModerationOptions,
  secret: '',
  adminPassword: '',
  smtpUrl: '',
  mailFrom: '',
  ownerEmail: '',
  publicUrl: '',
  ...defaultSignInOptions,
});

/** Every option, in the order `colloquy --help` lists them; features that own settings bring their own part of the table. */
export const serverOptions: OptionTable<ServerConfig> = {
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
  dbStatementTimeoutMs: {
    env: 'COLLOQUY_DB_STATEMENT_TIMEOUT_MS',
    flag: '--db-statement-timeout-ms',
    help: 'milliseconds one database statement may take, waiting for locks included, before the request answers 503',
    parse: integer(100, 600_000),
  },
  dbConnectTimeoutMs: {
    env: 'COLLOQUY_DB_CONNECT_TIMEOUT_MS',
    flag: '--db-connect-timeout-ms',
    help: 'milliseconds opening a PostgreSQL connection may take before the request answers 503',
    parse: integer(100, 600_000),
  },
  origins: {
    env: 'COLLOQUY_ORIGINS',
    flag: '--origins',
    help: "comma-separated site origins allowed to call the API (CORS); threads' page addresses must be on one of them or on --site-url",
    parse: (raw, name) => list(raw).map((entry) => origin(entry, name, 'must list origins like https://blog.example (scheme and host, no path)')),
  },
  siteUrl: {
    env: 'COLLOQUY_SITE_URL',
    flag: '--site-url',
    help: "the site's origin, where threads' pages are, when the widget reaches the API through it (no CORS entry needed)",
    parse: (raw, name) => origin(raw, name, 'must be an origin like https://blog.example (scheme and host, no path)'),
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
  cacheMb: {
    env: 'COLLOQUY_CACHE_MB',
    flag: '--cache-mb',
    help: 'megabytes of thread pages, counts and feeds kept in memory per process (0 = no read cache)',
    parse: integer(0, 1_048_576),
  },
  demo: {
    env: 'COLLOQUY_DEMO',
    flag: '--demo',
    help: "a folder of demo pages to serve at /, its thread seeded with the demo post's two responses (off = none)",
    parse: (raw) => (/^(?:off|false|no|0)$/i.test(raw) ? '' : raw),
  },
  ...moderationOptions,
  secret: {
    env: 'COLLOQUY_SECRET',
    flag: '--secret',
    help: 'signs form tokens, dashboard sessions and mail links; give every process the same one (prefer the variable: flags show in ps)',
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
  ...signInOptions,
};

/** Splits `--name value` and `--name=value` flags; anything else is a mistake worth naming. */
function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set(Object.values(serverOptions).map((option) => option.flag));
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
  // A list of objects (the `oidc` providers) as the JSON its variable holds.
  if (Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null)) return JSON.stringify(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${key} (config file)`, 'must be a string, number, boolean or list');
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
  const unknown = Object.keys(file).find((key) => !(key in serverOptions));
  if (unknown) fail(`${unknown} (config file)`, `is not an option; the keys are ${Object.keys(serverOptions).join(', ')}`);
  const config = { ...defaultServerConfig } as Record<keyof ServerConfig, unknown>;
  for (const key of Object.keys(serverOptions) as (keyof ServerConfig)[]) {
    const { env: variable, flag, parse } = serverOptions[key];
    const fromFlag = flags.get(flag);
    const fromEnv = env[variable]?.trim() ? env[variable] : undefined;
    const raw = fromFlag ?? fromEnv ?? fileValue(key, file[key]);
    if (raw === undefined || raw.trim() === '') continue;
    const source = fromFlag !== undefined ? flag : fromEnv !== undefined ? variable : `${key} (config file)`;
    config[key] = (parse as Parse<unknown>)(raw.trim(), source);
  }
  if (config.smtpUrl && !config.mailFrom) fail('COLLOQUY_MAIL_FROM', 'is needed with COLLOQUY_SMTP_URL: the From address of notification mails');
  if (config.smtpUrl && !config.publicUrl) fail('COLLOQUY_PUBLIC_URL', 'is needed with COLLOQUY_SMTP_URL: the links in notification mails point there');
  checkSignInOptions(config as ServerConfig);
  return config as ServerConfig;
}
