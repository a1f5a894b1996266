/**
 * Text as the moderation lists compare it: what a reader sees as a listed word or domain must match,
 * however it is spelled underneath. Both the entries and the comment go through the same folding.
 */
import { domainToUnicode } from 'node:url';

/**
 * Characters no reader sees, which could split a listed word: every default-ignorable code point
 * (zero-width spaces and joiners, soft hyphens, bidi controls, variation selectors, tag characters,
 * Hangul fillers).
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/** The ideographic full stop, a dot to IDNA (a browser resolves `spam。example` as `spam.example`); NFKC leaves it. */
const IDEOGRAPHIC_FULL_STOP = /\u3002/g;

/** The letters of `from` paired with those of `to`, by position. */
const pairs = (from: string, to: string) => [...from].map((letter, index): [string, string] => [letter, to[index]!]);

/**
 * Cyrillic and Greek letters that look like Latin ones in common fonts (after Unicode's confusables
 * list, UTS #39), each with the Latin letter it passes for: a small fold, not the whole list. Capitals
 * are folded before lower-casing, since some look Latin only as capitals (Cyrillic Н is H, н is not h).
 */
const LOOK_ALIKES = new Map<string, string>([
  // Cyrillic: capitals, then small letters, each above the Latin letter it passes for.
  ...pairs('АВСЕНІӀЈКМОРЅТХУҮ', 'ABCEHIIJKMOPSTXYY'),
  ...pairs('асԁеһіјӏорԛѕԝху', 'acdehijlopqswxy'),
  // Greek, likewise.
  ...pairs('ΑΒϹΕΗΙͿΚΜΝΟΡΤΧΥΖ', 'ABCEHIJKMNOPTXYZ'),
  ...pairs('αϲιϳορυνγ', 'acijopuvy'),
]);
const LOOK_ALIKE = new RegExp(`[${[...LOOK_ALIKES.keys()].join('')}]`, 'gu');

/**
 * A text in the form the lists compare: NFKC (fullwidth and other compatibility forms become plain
 * letters and digits: `ｓｐａｍ` is `spam`, `ﬁ` is `fi`), without invisible characters, with
 * ideographic full stops as dots, Cyrillic and Greek look-alikes as the Latin letters they pass
 * for, in lower case.
 */
export function matchingForm(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(IDEOGRAPHIC_FULL_STOP, '.')
    .replace(LOOK_ALIKE, (letter) => LOOK_ALIKES.get(letter)!)
    .toLowerCase();
}

/** Where a web address may start: the schemes a link can have, however many slashes follow (`https:\\x` is `https://x` to a browser). */
const WEB_ADDRESS = /\bhttps?:[^\s<>"'`]+/gi;

/**
 * The hosts of the web addresses in a text, as a browser would reach them: parsed by the WHATWG URL
 * parser, which decodes percent-escapes and applies IDNA (`spam%2Eexample` is `spam.example`), in
 * ASCII (punycode) and Unicode, without a trailing dot.
 */
function hostsIn(text: string): string[] {
  const hosts = new Set<string>();
  for (const address of new Set(Array.from(text.matchAll(WEB_ADDRESS), ([match]) => match))) {
    let host: string;
    try {
      host = new URL(address).hostname.replace(/\.$/, '');
    } catch {
      continue; // Not an address a browser would follow.
    }
    hosts.add(host).add(domainToUnicode(host));
  }
  return [...hosts];
}

/** A comment's text as the lists match it: its matching form, and the matching form of every host it links to. */
export function matchingText(text: string): string {
  const plain = matchingForm(text);
  return [plain, ...hostsIn(plain).map(matchingForm)].join('\n');
}
