/**
 * The moderation policy as one pure function: `decideStatus(input, facts, policy)` says which status
 * a new comment gets and why. Everything that needs the database, the clock or the network (is the
 * author known, is the body a duplicate, how old is the form, what did the spam hook say) is
 * gathered by the route beforehand and passed in as `facts`, so every rule is table-testable.
 *
 * Precedence: any spam reason makes `spam`; otherwise any hold reason makes `pending`; otherwise
 * `approved`. No rule rejects a comment: a held or spam comment is stored, never lost.
 *
 * An author's edit is judged by the same rules as a new comment (see `ModerationFacts.edit`): a
 * comment approved for one text must not publish another unchecked.
 */
import { BlockList, isIP } from 'node:net';
import { ColloquyConfigError } from 'colloquy/core';
import { parseMarkdown, type MarkdownNode } from 'colloquy/core';
import { parseAddressRange } from '../shared/addresses';
import { matchingForm, matchingText } from './matching-text';
import { sha256Hex } from '../shared/signing';

/** `none` publishes at once; `first-time` holds a comment unless its author's email has an approved one; `all` holds everything. */
export type ModerationMode = 'none' | 'first-time' | 'all';
export const MODERATION_MODES: readonly ModerationMode[] = ['none', 'first-time', 'all'];

/**
 * The anti-spam checks `COLLOQUY_SPAM_CHECKS` can keep or switch off: guesses about bots, which
 * trusted code posting through the API may skip. The link limit, the blocklist and the moderation
 * list are the owner's content policy: they always apply, each switched off by its own setting.
 */
export const SPAM_CHECKS = ['honeypot', 'timing', 'duplicates', 'hook'] as const;
export type SpamCheck = (typeof SPAM_CHECKS)[number];

/** Former spam checks that are now holds of their own, with the option that sets each. */
export const RETIRED_SPAM_CHECKS: Readonly<Record<string, 'maxLinks' | 'blocklist'>> = { links: 'maxLinks', blocklist: 'blocklist' };

/** A spam-check hook's verdict, as Akismet-style services give it. */
export type SpamVerdict = 'ham' | 'spam' | 'unsure';

/** The comment a spam-check hook judges: as it will be stored, email included (it stays on the server). */
export interface SpamCheckComment {
  threadId: string;
  parentId: string | null;
  body: string;
  author: { name: string; email: string; url?: string };
  /** The page's address and title, when the client sent them. */
  pageUrl?: string;
  title?: string;
}

/** Where the comment came from, for services that weigh it (Akismet's user_ip, user_agent, referrer). */
export interface SpamCheckContext {
  /** The client address, as the rate limit sees it (honouring COLLOQUY_TRUST_PROXY). */
  ip: string;
  userAgent?: string;
  referrer?: string;
  /** Aborted when the hook's time is up: pass it on to `fetch`. */
  signal: AbortSignal;
}

/**
 * A pluggable, asynchronous spam check (e.g. a call to Akismet). `spam` marks the comment as spam,
 * `unsure` holds it; a hook that throws, rejects or runs out of time holds it too.
 */
export type SpamCheckHook = (comment: SpamCheckComment, context: SpamCheckContext) => Promise<SpamVerdict>;

/** Why a comment got its status. The first four make it spam; the others hold it. */
export type ModerationReason =
  | 'honeypot'
  | 'blocklist'
  | 'duplicate'
  | 'hook-spam'
  | 'moderation-all'
  | 'first-time'
  | 'links'
  | 'moderation-words'
  | 'too-fast'
  | 'form-token-missing'
  | 'form-token-invalid'
  | 'hook-unsure'
  | 'hook-failed';

const SPAM_REASONS: ReadonlySet<ModerationReason> = new Set(['honeypot', 'blocklist', 'duplicate', 'hook-spam']);

export type DecidedStatus = 'approved' | 'pending' | 'spam';

export interface Decision {
  status: DecidedStatus;
  /** Every rule that fired, in the order they were checked; empty for an approved comment. */
  reasons: ModerationReason[];
}

/** What the policy reads of the comment itself (normalized, as it will be stored). */
export interface ModerationInput {
  body: string;
  author: { name: string; email: string; url?: string };
  /** The client address. */
  ip: string;
  /** The title and address of the comment's page, which name its thread once it is published. */
  page?: { title?: string; url?: string };
}

/** The signed form timestamp: its age, or why there is none to read. */
export type FormTokenFact = { ageSeconds: number } | 'missing' | 'invalid';

/** What the route found out before deciding. A fact left out counts as "not found". */
export interface ModerationFacts {
  /**
   * An author's edit of their comment: no form was sent, so neither the honeypot nor the form's
   * timing is checked; every other rule is, as for a new comment.
   */
  edit?: boolean;
  /** The author's email has an approved comment, the edited one aside (only asked under `first-time`). */
  knownAuthor?: boolean;
  /** The honeypot field as submitted. */
  honeypot?: string;
  formToken?: FormTokenFact;
  /** The same normalized body is already in this thread (in another comment), posted within the duplicate window. */
  duplicate?: boolean;
  /** The hook's verdict, `failed` when it threw or timed out; absent when it did not run. */
  hook?: SpamVerdict | 'failed';
}

/** A compiled blocklist or moderation list. */
export interface WordList {
  /** The entries, as configured (for logs and tests). */
  entries: readonly string[];
  /** Words, phrases, domains and email addresses, as one case-insensitive pattern; null when there are none. */
  text: RegExp | null;
  /** Addresses and CIDR ranges. */
  addresses: BlockList;
  hasAddresses: boolean;
}

export interface ModerationPolicy {
  mode: ModerationMode;
  /** A comment with more links than this is held; `Infinity` when there is no limit. */
  maxLinks: number;
  /** A form submitted sooner than this after it was served is held. */
  minSubmitSeconds: number;
  checks: ReadonlySet<SpamCheck>;
  /** Matches → spam. */
  blocklist: WordList;
  /** Matches → pending. */
  moderationWords: WordList;
}

export interface ModerationSettings {
  moderation: ModerationMode;
  /** `false`: no limit. */
  maxLinks: number | false;
  minSubmitSeconds: number;
  spamChecks: readonly SpamCheck[];
  blocklist: readonly string[];
  moderationWords: readonly string[];
}

/** The body as duplicate detection compares it: case, Unicode compatibility forms and runs of whitespace do not matter. */
export const bodyFingerprint = (body: string) => sha256Hex(`colloquy-body:${body.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}`);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** An address with a prefix that is not a range (`10.0.0.0/33`): a typo the config refuses rather than match as a word. */
export const isBadRange = (entry: string) => entry.includes('/') && isIP(entry.split('/')[0]!.trim()) !== 0 && parseAddressRange(entry.trim()) === null;

/**
 * Compiles a list of entries, each matched case-insensitively:
 * - an IP address or CIDR range matches the client address;
 * - a word or phrase matches as a whole word in the body, the name, the email, the website or a
 *   link's address (`cash` matches "Cash!" but not "cashew"; spaces in a phrase match any whitespace);
 * - a domain (`spam.example`) or an email address matches the same way but not as part of a longer
 *   domain (`spam.example.org`); `@spam.example` matches every address at that domain, and a domain
 *   also matches the host of every web address, as a browser would reach it (`https://spam%2Eexample/`).
 * Entries and text are compared in their matching form (see matching-text.ts): invisible characters,
 * compatibility forms and look-alike Cyrillic or Greek letters hide nothing.
 */
export function compileWordList(entries: readonly string[]): WordList {
  const addresses = new BlockList();
  let hasAddresses = false;
  const patterns: string[] = [];
  for (const raw of entries) {
    const address = parseAddressRange(raw.trim().toLowerCase());
    if (address) {
      if (address.prefix === undefined) addresses.addAddress(address.address, address.family);
      else addresses.addSubnet(address.address, address.prefix, address.family);
      hasAddresses = true;
      continue;
    }
    const entry = matchingForm(raw).trim();
    if (!entry) continue;
    const body = entry.split(/\s+/).map(escapeRegExp).join('\\s+');
    const before = WORD_CHAR.test(entry[0]!) ? '(?<![\\p{L}\\p{N}_])' : '';
    // Domains and addresses do not end inside a longer name: `a.example` is not `a.example.org`.
    const after = !WORD_CHAR.test(entry.at(-1)!) ? '' : /[.@]/.test(entry) ? '(?![\\p{L}\\p{N}_]|[.-][\\p{L}\\p{N}])' : '(?![\\p{L}\\p{N}_])';
    patterns.push(before + body + after);
  }
  return { entries: [...entries], text: patterns.length ? new RegExp(patterns.join('|'), 'iu') : null, addresses, hasAddresses };
}

/** An IPv4 client seen through a dual-stack socket (`::ffff:192.0.2.1`) is that IPv4 address. */
function clientAddress(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const address = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = isIP(address);
  return family ? { address, family: family === 4 ? 'ipv4' : 'ipv6' } : null;
}

function listMatches(list: WordList, text: string, ip: string): boolean {
  if (list.text?.test(matchingText(text))) return true;
  if (!list.hasAddresses) return false;
  const client = clientAddress(ip);
  return client !== null && list.addresses.check(client.address, client.family);
}

/** The links of a body, found the way the widget will render them: through core's markdown parser. */
export function linksOf(body: string): string[] {
  const hrefs: string[] = [];
  const walk = (nodes: MarkdownNode[]) => {
    for (const node of nodes) {
      if (typeof node === 'string') continue;
      if (node.type === 'link') hrefs.push(node.href);
      if ('children' in node) walk(node.children);
    }
  };
  walk(parseMarkdown(body));
  return hrefs;
}

/**
 * Validated settings (see `resolveServerConfig`) as a policy; lists are compiled once, here. A
 * retired check in `spamChecks` (from code that skipped `resolveServerConfig`) throws rather than
 * be ignored: the hold it meant to switch off would silently stay on.
 */
export function createModerationPolicy(settings: ModerationSettings): ModerationPolicy {
  const retired = settings.spamChecks.find((check) => Object.hasOwn(RETIRED_SPAM_CHECKS, check));
  if (retired !== undefined) {
    throw new ColloquyConfigError(
      'spamChecks',
      `lists "${retired}", which is no longer a spam check: it always applies, and its own option "${RETIRED_SPAM_CHECKS[retired]}" sets it`,
    );
  }
  return {
    mode: settings.moderation,
    maxLinks: settings.maxLinks === false ? Infinity : settings.maxLinks,
    minSubmitSeconds: settings.minSubmitSeconds,
    checks: new Set(settings.spamChecks),
    blocklist: compileWordList(settings.blocklist),
    moderationWords: compileWordList(settings.moderationWords),
  };
}

const statusOf = (reasons: readonly ModerationReason[]): DecidedStatus =>
  reasons.some((reason) => SPAM_REASONS.has(reason)) ? 'spam' : reasons.length ? 'pending' : 'approved';

/**
 * The rules that read the text alone: the blocklist, the link count, the moderation list. They are
 * the owner's content policy, not spam checks, so `COLLOQUY_SPAM_CHECKS` does not switch them off.
 */
function textReasons(input: ModerationInput, policy: ModerationPolicy): ModerationReason[] {
  const reasons: ModerationReason[] = [];
  // The page's title is shown like the body (feeds, mails), so its links count as the body's do.
  const links = [...linksOf(input.body), ...linksOf(input.page?.title ?? '')];
  // Everything a word can hide in: what readers see, and where the links point.
  const text = [input.body, input.author.name, input.author.email, input.author.url ?? '', input.page?.title ?? '', input.page?.url ?? '', ...links].join('\n');
  if (listMatches(policy.blocklist, text, input.ip)) reasons.push('blocklist');
  if (links.length > policy.maxLinks) reasons.push('links');
  if (listMatches(policy.moderationWords, text, input.ip)) reasons.push('moderation-words');
  return reasons;
}

/** The status a new or edited comment gets, and why. Pure: the same arguments give the same answer. */
export function decideStatus(input: ModerationInput, facts: ModerationFacts, policy: ModerationPolicy): Decision {
  const reasons: ModerationReason[] = [];
  const on = (check: SpamCheck) => policy.checks.has(check);
  const form = !facts.edit;

  if (form && on('honeypot') && facts.honeypot) reasons.push('honeypot');
  if (on('duplicates') && facts.duplicate) reasons.push('duplicate');
  if (on('hook') && facts.hook === 'spam') reasons.push('hook-spam');
  if (policy.mode === 'all') reasons.push('moderation-all');
  if (policy.mode === 'first-time' && !facts.knownAuthor) reasons.push('first-time');
  reasons.push(...textReasons(input, policy));
  if (form && on('timing')) {
    const token = facts.formToken ?? 'missing';
    if (token === 'missing') reasons.push('form-token-missing');
    else if (token === 'invalid') reasons.push('form-token-invalid');
    else if (!(token.ageSeconds >= policy.minSubmitSeconds)) reasons.push('too-fast');
  }
  if (on('hook') && facts.hook === 'unsure') reasons.push('hook-unsure');
  if (on('hook') && facts.hook === 'failed') reasons.push('hook-failed');
  return { status: statusOf(reasons), reasons };
}
