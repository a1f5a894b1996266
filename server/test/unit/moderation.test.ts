import { describe, expect, it } from 'vitest';
import { FORM_TOKEN_MAX_AGE_MS, issueFormToken, readFormToken } from '../../src/comments/form-token';
import {
  compileWordList,
  createModerationPolicy,
  decideStatus,
  linksOf,
  SPAM_CHECKS,
  type ModerationFacts,
  type ModerationInput,
  type ModerationReason,
  type ModerationSettings,
} from '../../src/comments/moderation';

/** A comment every rule lets through, from an author the site knows, sent 10 s after the form was shown. */
const input: ModerationInput = { body: 'A thoughtful comment.', author: { name: 'Ann', email: 'ann@mail.example' }, ip: '198.51.100.7' };
const facts: ModerationFacts = { knownAuthor: true, honeypot: '', formToken: { ageSeconds: 10 }, duplicate: false };
const settings: ModerationSettings = {
  moderation: 'none',
  maxLinks: 2,
  minSubmitSeconds: 3,
  spamChecks: [...SPAM_CHECKS],
  blocklist: ['casino', 'cheap pills', 'bob@bad.example', '@junk.example', 'spam.example', '203.0.113.9', '192.0.2.0/24', '2001:db8::/32', '(free)'],
  moderationWords: ['crypto', '198.51.100.99', 'hold.example'],
};

type Case = [
  name: string,
  changes: {
    input?: Partial<ModerationInput>;
    author?: Partial<ModerationInput['author']>;
    facts?: Partial<ModerationFacts>;
    settings?: Partial<ModerationSettings>;
  },
  status: 'approved' | 'pending' | 'spam',
  reasons: ModerationReason[],
];

const links = (n: number) => Array.from({ length: n }, (_, i) => `[link ${i}](https://site${i}.example/)`).join(' ');

const cases: Case[] = [
  ['a clean comment', {}, 'approved', []],
  // The policy
  ['moderation all', { settings: { moderation: 'all' } }, 'pending', ['moderation-all']],
  ['first-time, an author without an approved comment', { settings: { moderation: 'first-time' }, facts: { knownAuthor: false } }, 'pending', ['first-time']],
  ['first-time, an author not looked up', { settings: { moderation: 'first-time' }, facts: { knownAuthor: undefined } }, 'pending', ['first-time']],
  ['first-time, an author with an approved comment', { settings: { moderation: 'first-time' }, facts: { knownAuthor: true } }, 'approved', []],
  ['none, an unknown author', { facts: { knownAuthor: false } }, 'approved', []],
  // Links, counted as the markdown parser finds them
  ['as many links as allowed', { input: { body: links(2) } }, 'approved', []],
  ['one link more than allowed', { input: { body: links(3) } }, 'pending', ['links']],
  ['bare URLs and <autolinks> count', { input: { body: 'https://a.example, https://b.example and <https://c.example>' } }, 'pending', ['links']],
  [
    'text that is no link does not count',
    { input: { body: 'www.a.example b.example `https://c.example` javascript:alert(1) [d](javascript:alert(1))' } },
    'approved',
    [],
  ],
  ['maxLinks 0: one link holds', { input: { body: 'See https://a.example' }, settings: { maxLinks: 0 } }, 'pending', ['links']],
  ['no link limit (maxLinks off)', { input: { body: links(50) }, settings: { maxLinks: false } }, 'approved', []],
  // The link limit is the owner's policy, not a spam check: switching the checks off leaves it on.
  ['too many links with every spam check off', { input: { body: links(3) }, settings: { spamChecks: [] } }, 'pending', ['links']],
  // The blocklist
  ['a blocked word in the body, any case', { input: { body: 'Best CASINO in town' } }, 'spam', ['blocklist']],
  ['a blocked word inside a longer word', { input: { body: 'The casinos of Monaco' } }, 'approved', []],
  ['a blocked phrase, whatever the spacing', { input: { body: 'Buy cheap \n  pills' } }, 'spam', ['blocklist']],
  ['a blocked word in the name', { author: { name: 'Casino Bot' } }, 'spam', ['blocklist']],
  ['a blocked entry with regex characters, literally', { input: { body: 'Get it (free) now' } }, 'spam', ['blocklist']],
  ['regex characters do not act as a pattern', { input: { body: 'Get it free now' } }, 'approved', []],
  ['a blocked email', { author: { email: 'Bob@Bad.example' } }, 'spam', ['blocklist']],
  ['a longer email that contains a blocked one', { author: { email: 'xbob@bad.example' } }, 'approved', []],
  ['a blocked @domain, any address there', { author: { email: 'anyone@junk.example' } }, 'spam', ['blocklist']],
  ['a blocked domain as the website', { author: { url: 'https://www.spam.example/about' } }, 'spam', ['blocklist']],
  ['a blocked domain behind a link text', { input: { body: 'A [nice site](https://spam.example/x)' } }, 'spam', ['blocklist']],
  ['a blocked domain in the email', { author: { email: 'ann@spam.example' } }, 'spam', ['blocklist']],
  ['a longer domain that ends like a blocked one', { author: { url: 'https://notspam.example/' } }, 'approved', []],
  ['a longer domain that starts like a blocked one', { author: { url: 'https://spam.example.org/' } }, 'approved', []],
  ['a blocked address', { input: { ip: '203.0.113.9' } }, 'spam', ['blocklist']],
  ['an address in a blocked range', { input: { ip: '192.0.2.200' } }, 'spam', ['blocklist']],
  ['a blocked IPv4 address seen through a dual-stack socket', { input: { ip: '::ffff:192.0.2.1' } }, 'spam', ['blocklist']],
  ['an address in a blocked IPv6 range', { input: { ip: '2001:db8:1::5' } }, 'spam', ['blocklist']],
  ['an address next to a blocked one', { input: { ip: '203.0.113.10' } }, 'approved', []],
  ['no blocklist', { input: { body: 'casino', ip: '203.0.113.9' }, settings: { blocklist: [] } }, 'approved', []],
  ['a blocked email with every spam check off', { author: { email: 'bob@bad.example' }, settings: { spamChecks: [] } }, 'spam', ['blocklist']],
  ['a blocked address with every spam check off', { input: { ip: '203.0.113.9' }, settings: { spamChecks: [] } }, 'spam', ['blocklist']],
  // The blocklist sees through spellings that hide an entry from the raw text (the security review's bypasses)
  ['a blocked domain with a percent-encoded dot, in a link', { input: { body: 'See [this](https://spam%2Eexample/offer)' } }, 'spam', ['blocklist']],
  ['a blocked domain with a percent-encoded dot, as a bare address', { input: { body: 'See https://spam%2eexample/offer' } }, 'spam', ['blocklist']],
  ['a blocked domain with a percent-encoded dot, as the website', { author: { url: 'https://spam%2Eexample/' } }, 'spam', ['blocklist']],
  ['a blocked domain with an ideographic full stop, in a link', { input: { body: 'https://spam\u3002example/' } }, 'spam', ['blocklist']],
  ['a blocked domain with an ideographic full stop, in text', { input: { body: 'Visit spam\u3002example today' } }, 'spam', ['blocklist']],
  ['a blocked domain with a halfwidth ideographic full stop', { author: { url: 'https://spam\uff61example/' } }, 'spam', ['blocklist']],
  ['a blocked domain in fullwidth letters, in text', { input: { body: 'Visit ｓｐａｍ．ｅｘａｍｐｌｅ today' } }, 'spam', ['blocklist']],
  ['a blocked domain in fullwidth letters, in a link', { input: { body: '[deal](https://ｓｐａｍ.example/)' } }, 'spam', ['blocklist']],
  ['a blocked domain with a trailing dot and a port', { author: { url: 'https://SPAM.example.:443/' } }, 'spam', ['blocklist']],
  ['a blocked domain with a percent-encoded look-alike letter', { input: { body: 'https://sp%D0%B0m.example/' } }, 'spam', ['blocklist']],
  ['a blocked domain in look-alike letters', { author: { url: 'https://ѕраm.example/' } }, 'spam', ['blocklist']],
  ['a blocked @domain in fullwidth letters', { author: { email: 'anyone@ｊｕｎｋ.example' } }, 'spam', ['blocklist']],
  ['a blocked word split by a zero-width space', { input: { body: 'Best ca\u200bsino in town' } }, 'spam', ['blocklist']],
  ['a blocked word split by a zero-width joiner', { input: { body: 'Best cas\u200dino in town' } }, 'spam', ['blocklist']],
  ['a blocked word split by a soft hyphen', { input: { body: 'Best ca\u00adsi\u00adno in town' } }, 'spam', ['blocklist']],
  ['a blocked word split by bidi controls', { input: { body: 'Best cas\u202eino\u202c in town' } }, 'spam', ['blocklist']],
  ['a blocked word split by a variation selector', { input: { body: 'Best casi\ufe0fno in town' } }, 'spam', ['blocklist']],
  ['a blocked word in fullwidth letters', { input: { body: 'Best ＣＡＳＩＮＯ in town' } }, 'spam', ['blocklist']],
  ['a blocked word in mathematical letters', { input: { body: 'Best 𝐜𝐚𝐬𝐢𝐧𝐨 in town' } }, 'spam', ['blocklist']],
  ['a blocked word with Cyrillic look-alikes', { input: { body: 'Best сasinо in town' } }, 'spam', ['blocklist']],
  ['a blocked word in Cyrillic capitals', { input: { body: 'Best САЅІNО in town' } }, 'spam', ['blocklist']],
  ['a blocked word with Greek look-alikes', { input: { body: 'Best cαsinο in town' } }, 'spam', ['blocklist']],
  ['a blocked word in look-alikes, in the name', { author: { name: 'Саsіnо Bot' } }, 'spam', ['blocklist']],
  ['a blocked phrase split by a non-breaking space', { input: { body: 'Buy cheap\u00a0pills' } }, 'spam', ['blocklist']],
  ['an invisible character does not make a longer word a blocked one', { input: { body: 'The casino\u200bs of Monaco' } }, 'approved', []],
  ['a moderation word in look-alikes', { input: { body: 'сrурtо tips inside' } }, 'pending', ['moderation-words']],
  ['an entry written in fullwidth letters', { input: { body: 'casino' }, settings: { blocklist: ['ＣＡＳＩＮＯ'] } }, 'spam', ['blocklist']],
  ['an entry with look-alikes', { input: { body: 'casino' }, settings: { blocklist: ['сasinо'] } }, 'spam', ['blocklist']],
  [
    'a Unicode domain entry, linked in punycode',
    { input: { body: 'https://xn--bcher-kva.example/' }, settings: { blocklist: ['bücher.example'] } },
    'spam',
    ['blocklist'],
  ],
  [
    'a punycode domain entry, linked in Unicode',
    { input: { body: 'https://bücher.example/' }, settings: { blocklist: ['xn--bcher-kva.example'] } },
    'spam',
    ['blocklist'],
  ],
  // The moderation list
  ['a moderation word', { input: { body: 'Crypto tips inside' } }, 'pending', ['moderation-words']],
  ['a moderated address', { input: { ip: '198.51.100.99' } }, 'pending', ['moderation-words']],
  ['a moderated domain', { author: { url: 'http://hold.example' } }, 'pending', ['moderation-words']],
  ['moderation words apply with every spam check off', { input: { body: 'crypto' }, settings: { spamChecks: [] } }, 'pending', ['moderation-words']],
  // The honeypot
  ['a filled honeypot', { facts: { honeypot: 'https://bot.example' } }, 'spam', ['honeypot']],
  ['an empty honeypot', { facts: { honeypot: '' } }, 'approved', []],
  ['the honeypot switched off', { facts: { honeypot: 'x' }, settings: { spamChecks: SPAM_CHECKS.filter((c) => c !== 'honeypot') } }, 'approved', []],
  // The signed form timestamp
  ['no form token', { facts: { formToken: 'missing' } }, 'pending', ['form-token-missing']],
  ['no form token fact at all', { facts: { formToken: undefined } }, 'pending', ['form-token-missing']],
  ['a forged form token', { facts: { formToken: 'invalid' } }, 'pending', ['form-token-invalid']],
  ['sent too fast', { facts: { formToken: { ageSeconds: 2.9 } } }, 'pending', ['too-fast']],
  ['sent just in time', { facts: { formToken: { ageSeconds: 3 } } }, 'approved', []],
  ['minSubmitSeconds 0 takes any valid token', { facts: { formToken: { ageSeconds: 0 } }, settings: { minSubmitSeconds: 0 } }, 'approved', []],
  ['minSubmitSeconds 0 still wants a token', { facts: { formToken: 'missing' }, settings: { minSubmitSeconds: 0 } }, 'pending', ['form-token-missing']],
  ['the timing check switched off', { facts: { formToken: 'missing' }, settings: { spamChecks: SPAM_CHECKS.filter((c) => c !== 'timing') } }, 'approved', []],
  // Duplicates
  ['a duplicate body', { facts: { duplicate: true } }, 'spam', ['duplicate']],
  [
    'the duplicates check switched off',
    { facts: { duplicate: true }, settings: { spamChecks: SPAM_CHECKS.filter((c) => c !== 'duplicates') } },
    'approved',
    [],
  ],
  // The hook
  ['the hook says spam', { facts: { hook: 'spam' } }, 'spam', ['hook-spam']],
  ['the hook is unsure', { facts: { hook: 'unsure' } }, 'pending', ['hook-unsure']],
  ['the hook failed or timed out', { facts: { hook: 'failed' } }, 'pending', ['hook-failed']],
  ['the hook says ham', { facts: { hook: 'ham' } }, 'approved', []],
  ['ham does not lift a first-time hold', { facts: { hook: 'ham', knownAuthor: false }, settings: { moderation: 'first-time' } }, 'pending', ['first-time']],
  ['the hook switched off', { facts: { hook: 'spam' }, settings: { spamChecks: SPAM_CHECKS.filter((c) => c !== 'hook') } }, 'approved', []],
  // Precedence and "off"
  [
    'spam wins over holds, and every reason is named',
    { input: { body: `casino crypto ${links(3)}` }, facts: { honeypot: 'x', formToken: 'missing' }, settings: { moderation: 'all' } },
    'spam',
    ['honeypot', 'moderation-all', 'blocklist', 'links', 'moderation-words', 'form-token-missing'],
  ],
  [
    'every spam check off: the policy, the blocklist, the link limit and the moderation list remain',
    {
      input: { body: `casino crypto ${links(9)}`, ip: '203.0.113.9' },
      facts: { honeypot: 'x', formToken: 'invalid', duplicate: true, hook: 'spam' },
      settings: { spamChecks: [], moderation: 'all' },
    },
    'spam',
    ['moderation-all', 'blocklist', 'links', 'moderation-words'],
  ],
  // An author's edit: no form, so no honeypot or timing to check; every other rule, as for a new comment.
  ['an edit, clean: no form token is asked for', { facts: { edit: true, formToken: undefined, honeypot: undefined } }, 'approved', []],
  ['an edit ignores the form facts altogether', { facts: { edit: true, formToken: 'invalid', honeypot: 'x' } }, 'approved', []],
  [
    'an edit by an author with no other approved comment',
    { facts: { edit: true, knownAuthor: false }, settings: { moderation: 'first-time' } },
    'pending',
    ['first-time'],
  ],
  ['an edit under moderation all', { facts: { edit: true }, settings: { moderation: 'all' } }, 'pending', ['moderation-all']],
  ['an edit that adds links', { input: { body: links(3) }, facts: { edit: true } }, 'pending', ['links']],
  ['an edit that adds a blocked word', { input: { body: 'casino' }, facts: { edit: true } }, 'spam', ['blocklist']],
  ['an edit into a duplicate of another comment', { facts: { edit: true, duplicate: true } }, 'spam', ['duplicate']],
  ['an edit the hook calls spam', { facts: { edit: true, hook: 'spam' } }, 'spam', ['hook-spam']],
  [
    'every spam check off and a clean comment: approved whatever the facts',
    { facts: { honeypot: 'x', formToken: 'invalid', duplicate: true, hook: 'spam' }, settings: { spamChecks: [] } },
    'approved',
    [],
  ],
];

describe('decideStatus', () => {
  it.each(cases.map(([name, changes, status, reasons]) => [name, status, reasons, changes] as const))('%s → %s %j', (_name, status, reasons, changes) => {
    const policy = createModerationPolicy({ ...settings, ...changes.settings });
    const subject = { ...input, ...changes.input, author: { ...input.author, ...changes.author } };
    expect(decideStatus(subject, { ...facts, ...changes.facts }, policy)).toEqual({ status, reasons });
  });

  it('covers every reason at least once', () => {
    const all: ModerationReason[] = [
      ...['honeypot', 'blocklist', 'duplicate', 'hook-spam', 'moderation-all', 'first-time', 'links'],
      ...['moderation-words', 'too-fast', 'form-token-missing', 'form-token-invalid', 'hook-unsure', 'hook-failed'],
    ] as ModerationReason[];
    expect(new Set(cases.flatMap(([, , , reasons]) => reasons))).toEqual(new Set(all));
  });

  it('keeps only the anti-spam checks in SPAM_CHECKS', () => {
    expect(SPAM_CHECKS).toEqual(['honeypot', 'timing', 'duplicates', 'hook']);
  });

  it.each(['links', 'blocklist'])('refuses a policy whose spamChecks still names "%s", naming its own option', (retired) => {
    const spamChecks = [retired] as unknown as ModerationSettings['spamChecks'];
    expect(() => createModerationPolicy({ ...settings, spamChecks })).toThrow(
      `[colloquy] option "spamChecks" lists "${retired}", which is no longer a spam check: it always applies, and its own option "${retired === 'links' ? 'maxLinks' : 'blocklist'}" sets it`,
    );
  });

  it('is pure: the same arguments give the same answer, and nothing is changed', () => {
    const policy = createModerationPolicy(settings);
    const frozen = Object.freeze({ ...input, body: 'casino', author: Object.freeze({ ...input.author }) });
    const first = decideStatus(frozen, Object.freeze({ ...facts }), policy);
    expect(decideStatus(frozen, Object.freeze({ ...facts }), policy)).toEqual(first);
  });
});

describe('linksOf', () => {
  it('finds the links core renders, with their addresses', () => {
    expect(linksOf('[a](https://a.example/x) and https://b.example. Also <mailto:c@c.example> and `https://no.example`')).toEqual([
      'https://a.example/x',
      'https://b.example',
      'mailto:c@c.example',
    ]);
  });
});

describe('compileWordList', () => {
  it('ignores empty entries and compiles none to no pattern', () => {
    expect(compileWordList(['', '  ']).text).toBeNull();
    expect(compileWordList([]).hasAddresses).toBe(false);
  });

  it('takes entries with every regex metacharacter literally', () => {
    const list = compileWordList(['a.b*c', '^x$', '[y]', 'z\\']);
    expect(list.text?.test('a.b*c')).toBe(true);
    expect(list.text?.test('aXbbbc')).toBe(false);
    expect(list.text?.test('^x$')).toBe(true);
    expect(list.text?.test('[y]')).toBe(true);
    expect(list.text?.test('z\\')).toBe(true);
  });
});

describe('form tokens', () => {
  const secret = 'a-secret-of-enough-length';
  const issued = new Date(Date.UTC(2024, 0, 1, 12));
  const later = (ms: number) => new Date(issued.getTime() + ms);

  const thread = 'blog/a-post';

  it('tell how long ago they were issued', () => {
    const token = issueFormToken(secret, issued, thread);
    expect(token).toMatch(/^\d+\.[\w-]{11}\.[\w-]{43}$/);
    expect(readFormToken(token, secret, later(4500), thread)).toEqual({ ageSeconds: 4.5 });
    expect(readFormToken(token, secret, issued, thread)).toEqual({ ageSeconds: 0 });
    // A little clock skew between processes reads as "just now", not as a forgery.
    expect(readFormToken(token, secret, later(-30_000), thread)).toEqual({ ageSeconds: 0 });
  });

  it('expire after a week: an old token reads as invalid', () => {
    const token = issueFormToken(secret, issued, thread);
    expect(readFormToken(token, secret, later(FORM_TOKEN_MAX_AGE_MS), thread)).toEqual({ ageSeconds: FORM_TOKEN_MAX_AGE_MS / 1000 });
    expect(readFormToken(token, secret, later(FORM_TOKEN_MAX_AGE_MS + 1), thread)).toBe('invalid');
  });

  it('serve only the thread they were issued for', () => {
    const token = issueFormToken(secret, issued, thread);
    for (const other of ['blog/another-post', 'blog/a-post/', 'Blog/a-post', '']) {
      expect(readFormToken(token, secret, later(10_000), other), other).toBe('other-thread');
    }
    expect(readFormToken(issueFormToken(secret, issued, 'blog/another-post'), secret, later(10_000), 'blog/another-post')).toEqual({ ageSeconds: 10 });
  });

  it('are missing when absent, invalid when forged, altered, from another secret, far in the future or of the unbound kind', () => {
    const token = issueFormToken(secret, issued, thread);
    const [time, tag, mac] = token.split('.') as [string, string, string];
    const otherTag = issueFormToken(secret, issued, 'blog/another-post').split('.')[1]!;
    expect(readFormToken(undefined, secret, issued, thread)).toBe('missing');
    expect(readFormToken('', secret, issued, thread)).toBe('missing');
    for (const bad of [
      `${Number(time) - 60_000}.${tag}.${mac}`,
      `${time}.${tag}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      // Another thread's tag under this token's signature: forged, not merely misplaced.
      `${time}.${otherTag}.${mac}`,
      issueFormToken('another-secret-entirely', issued, thread),
      `${time}.${tag}.${mac}x`,
      `${time}.${mac}`,
      `${time}`,
      'garbage',
      `-1.${tag}.${mac}`,
    ]) {
      expect(readFormToken(bad, secret, later(10_000), thread), bad).toBe('invalid');
    }
    expect(readFormToken(issueFormToken(secret, later(120_000), thread), secret, issued, thread)).toBe('invalid');
  });
});
