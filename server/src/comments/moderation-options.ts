import { isBadRange, MODERATION_MODES, RETIRED_SPAM_CHECKS, SPAM_CHECKS, type ModerationMode, type SpamCheck } from './moderation';
import { fail, integer, list, sameKindOfName, type OptionTable, type Parse } from '../config/option-parsers';

/** The server options moderation owns; `ServerConfig` includes them, and `createModerationPolicy` compiles them. */
export interface ModerationOptions {
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
}

export const defaultModerationOptions: Readonly<ModerationOptions> = Object.freeze({
  moderation: 'first-time',
  maxLinks: 2,
  blocklist: [],
  moderationWords: [],
  minSubmitSeconds: 3,
  spamChecks: [...SPAM_CHECKS],
  spamCheckTimeoutMs: 2000,
});

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

/** The moderation options, in the order `colloquy --help` lists them. */
export const moderationOptions: OptionTable<ModerationOptions> = {
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
        const setting = (entry: string) => `${retiredName(entry, name)} (${entry === 'links' ? 'off for no limit' : 'off for none'})`;
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
};

/** The option that now sets what a retired spam check did, as the reader named options (flag, variable or file key). */
function retiredName(check: string, source: string): string {
  const key = RETIRED_SPAM_CHECKS[check]!;
  return sameKindOfName(key, moderationOptions[key], source);
}
