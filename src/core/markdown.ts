/**
 * Comment markdown: a small CommonMark subset parsed into a tree that the widget renders as
 * elements, so markup in a comment is inert by construction. Our own code rather than
 * markdown-it or marked: those cost 10-30 KB gzip (the whole widget's budget is 15 KB) and produce
 * HTML strings, which the widget must never render.
 *
 * Supported: paragraphs (a single newline is a line break, as comment systems do), *emphasis*,
 * **strong**, `code`, fenced code blocks, > quotes, - and 1. lists, [links](url), <https://...>
 * and bare http(s) autolinks, backslash escapes. Images become links (no third-party requests from
 * a reader's browser); raw HTML and headings stay text. Every pass is linear in the input, and a
 * comment has at most `MAX_ELEMENTS` elements nested at most `MAX_DEPTH` deep (past either, the
 * syntax stays text), so hostile input cannot stall a reader's page, the dashboard or a feed.
 *
 * Left out to save bundle bytes: indented code blocks (pasted text hits them by accident; indented
 * lines are paragraphs), link titles and `<url>` destinations (`[a](url "title")` and `[a](<url>)`
 * are not links), lazy list continuation (an unindented line ends the list), and CommonMark's
 * "rule of 3" (a `*` or `_` closer pairs with the nearest opener of its character, so
 * `*foo**bar*` is two emphases).
 */
import { safeUrl } from './url';

export type MarkdownNode =
  | string
  | { type: 'paragraph' | 'emphasis' | 'strong' | 'blockquote' | 'list-item'; children: MarkdownNode[] }
  | { type: 'list'; ordered: boolean; start?: number; children: MarkdownNode[] }
  | { type: 'code' | 'code-block'; value: string }
  | { type: 'link'; href: string; children: MarkdownNode[] }
  | { type: 'break' };

/** The element each node becomes (lists pick `ol` or `ul` by `ordered`), wherever the tree is rendered. */
export const markdownTags = {
  paragraph: 'p',
  emphasis: 'em',
  strong: 'strong',
  blockquote: 'blockquote',
  'list-item': 'li',
  code: 'code',
  'code-block': 'pre',
  link: 'a',
  break: 'br',
} as const;

/** A block-level node: never a bare string. */
type Block = Exclude<MarkdownNode, string>;
type ListItem = { type: 'list-item'; children: MarkdownNode[] };

/**
 * A run of `*` or `_` that `opens` and/or `closes` emphasis. `left` counts the characters of `run`
 * not yet used by an emphasis; what is left over at the end is text. (Short property names: the
 * minifier keeps them.)
 */
type Delimiter = { run: string; left: number; opens: boolean; closes: boolean };
/** What the inline scan produces: finished nodes, and delimiters still waiting for a partner. */
type Token = MarkdownNode | Delimiter;

// Nesting is bounded (blocks by recursion depth, inline elements by tree depth) so that hostile
// input cannot overflow the renderer's stack.
const MAX_DEPTH = 16;
/**
 * The most elements one comment becomes (plus, once they are spent, one paragraph of the remaining
 * text per open block): what a reader's page, the dashboard and a feed render for it stays bounded,
 * however its 10,000 characters are spent. Real comments stay far below it.
 */
export const MAX_ELEMENTS = 500;
const FENCE = /^ {0,3}(`{3,}|~{3,})[^`]*$/;
const FENCE_END = /^ {0,3}(`+|~+)$/;
const QUOTE = /^ {0,3}> ?/;
// Group 1: the number of an ordered item ("3." or "3)"); absent for a bullet.
const LIST_MARKER = /^ {0,3}(?:[-*+]|(\d{1,9})[.)])(?:\s+|$)/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
// Everything inline that is not plain text. A backtick run is matched whole, so no part of it opens
// a code span. A bare URL needs a boundary before it, and has no `[` or `]`, so it cannot swallow
// the `](` of `[see https://a.example](https://b.example)`.
// Group 1: the URL of an `<autolink>`.
const INLINE = /\\[!-/:-@[-`{-~]|\\?\n|`+|\*+|_+|!?\[|]|<([a-zA-Z][\w+.-]{1,31}:[^\s<>]*)>|(?<![^\s*_~("'])https?:\/\/[^\s<>[\]]+/g;
// `(url)` after `]`. No title and no `<url>` form: `[a](<url>)` stays text, so its autolink still
// works. Alternatives that repeat start with different chars and the leading space cannot be
// given back, so a failed match backtracks linearly.
const DESTINATION = /\(\s*(?![\s<])((?:\\(?:\S|(?!\S))|[^\\\0- ()]|\((?:\\\S|[^\\\0- ()])*\))*)\s*\)/y;

const indentOf = (line: string) => line.length - line.trimStart().length;
const isDelimiter = (token: Token): token is Delimiter => !!(token as Delimiter).run;

// The elements the comment being parsed may still become (parsing is synchronous: one comment at a time).
let elementsLeft = 0;
/** Counts one more element against the comment's budget; false once it is spent. */
const spend = () => elementsLeft-- > 0;

/** Parses a comment body. Total: any string gives a tree, and unusable syntax stays text. */
export function parseMarkdown(source: string): MarkdownNode[] {
  // Trailing whitespace is dropped (so a blank line is empty), and leading tabs count as four
  // columns, for list continuation.
  const lines = source.replace(/\0/g, '\uFFFD').split(/\r\n?|\n/);
  elementsLeft = MAX_ELEMENTS;
  return parseBlocks(
    lines.map((line) => line.trimEnd().replace(/^[ \t]+/, (indent) => indent.replace(/\t/g, '    '))),
    0,
  );
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  const canNest = depth < MAX_DEPTH;
  let next = 0;
  let match: RegExpExecArray | null;
  /** Consumes lines from `next` while `keep` holds, and returns them. */
  const takeWhile = (keep: (line: string) => unknown) => {
    const start = next;
    while (next < lines.length && keep(lines[next]!)) next++;
    return lines.slice(start, next);
  };
  while (next < lines.length) {
    const line = lines[next]!;
    if (!line) next++;
    else if (!spend()) {
      // Over the budget: the rest is text.
      blocks.push({ type: 'paragraph', children: [lines.slice(next).join('\n')] });
      break;
    } else if ((match = FENCE.exec(line))) {
      const fence = match[1]!;
      next++;
      // The fence ends at a line of the same character, at least as long; else at the end.
      const body = takeWhile((bodyLine) => !FENCE_END.exec(bodyLine)?.[1]!.startsWith(fence));
      // Body lines lose as much indentation as the opening fence had.
      const value = body.map((bodyLine) => bodyLine.slice(Math.min(indentOf(line), indentOf(bodyLine)))).join('\n');
      blocks.push({ type: 'code-block', value });
      next++;
    } else if (canNest && QUOTE.test(line)) {
      // No lazy continuation: a reply typed right under a quote is the reply, not more quote.
      const quoted = takeWhile((quoteLine) => QUOTE.test(quoteLine)).map((quoteLine) => quoteLine.replace(QUOTE, ''));
      blocks.push({ type: 'blockquote', children: parseBlocks(quoted, depth + 1) });
    } else if (canNest && (match = LIST_MARKER.exec(line)) && spend()) {
      // Counted above as the list; its first item in the condition, each later one in the loop's.
      const ordered = !!match[1];
      const firstLine = next;
      const items: ListItem[] = [];
      const list: Block = { type: 'list', ordered, children: items };
      if (ordered && Number(match[1]) !== 1) list.start = Number(match[1]);
      // Index after the last non-blank line of the current item.
      let itemEnd: number;
      do {
        const markerLine = next++;
        const content = lines[markerLine]!.slice(match[0].length);
        // Continuation lines are indented to the item's content column (one past a bare marker).
        const contentColumn = match[0].length + (content ? 0 : 1);
        itemEnd = content ? next : markerLine;
        takeWhile((itemLine) => !itemLine || (indentOf(itemLine) >= contentColumn && (itemEnd = next + 1)));
        const continuation = lines.slice(markerLine + 1, itemEnd).map((itemLine) => itemLine.slice(contentColumn));
        items.push({ type: 'list-item', children: parseBlocks([content, ...continuation], depth + 1) });
        // The list goes on while markers of its kind (bullet or number) follow.
      } while ((match = LIST_MARKER.exec(lines[next] ?? '')) && !!match[1] === ordered && spend());
      // A tight list (no blank line between or inside its items) shows its items' text without
      // paragraph spacing.
      if (!lines.slice(firstLine, itemEnd).includes('')) {
        for (const item of items) {
          item.children = item.children.flatMap((child) => ((child as Block).type === 'paragraph' ? (child as ListItem).children : [child]));
        }
      }
      blocks.push(list);
    } else {
      // Lines that start a fence, quote or list end a paragraph; but only `1.` starts an ordered
      // list there, so "in\n1986. It was" stays one paragraph (CommonMark's rule). An empty item
      // (a marker alone) cannot interrupt a paragraph either.
      const interrupts = (paragraphLine: string) =>
        FENCE.test(paragraphLine) ||
        (canNest && (QUOTE.test(paragraphLine) || ((match = LIST_MARKER.exec(paragraphLine)) && match[0] !== paragraphLine && Number(match[1] ?? 1) === 1)));
      const paragraph = takeWhile((paragraphLine) => paragraphLine && !interrupts(paragraphLine));
      blocks.push({ type: 'paragraph', children: parseInline(paragraph.map((paragraphLine) => paragraphLine.trim()).join('\n')) });
    }
  }
  return blocks;
}

// Element depth of the inline elements built so far (anything else counts 1), to cap nesting
// without walking the tree.
const inlineDepths = new WeakMap<object, number>();
const depthOf = (tokens: Token[]) => tokens.reduce((deepest, token) => Math.max(deepest, inlineDepths.get(token as object) ?? 1), 1);
/** Records a new inline element's depth, one more than its deepest child's, and returns it. */
const withDepth = <T extends MarkdownNode & object>(node: T) => {
  inlineDepths.set(node, depthOf((node as { children: Token[] }).children) + 1);
  return node;
};

/** Classes a character beside a delimiter run, for the flanking rules: space 0, punctuation 1, other 2. */
const characterClass = (character = ' ') => (/\s/.test(character) ? 0 : PUNCTUATION.test(character) ? 1 : 2);

/**
 * One left-to-right scan into a flat token list; links are resolved when their `]` is met (so
 * they bind tighter than emphasis), and emphasis is resolved last by `resolveEmphasis`.
 */
function parseInline(text: string): MarkdownNode[] {
  const tokens: Token[] = [];
  // Token indexes of the open `[` and `![`.
  const brackets: number[] = [];
  // A `[` before this token index can no longer open a link: links do not nest. Nor do images,
  // though an image may sit in a link (a badge) and a link in an image. So text moves into an
  // enclosing link at most twice; through a nest of images it would move once per level.
  let linkFloor = 0;
  let imageFloor = 0;
  // Where each backtick run starts, by length, last first: a code span ends at the next run as
  // long as its opening one. Found in one scan, and taken off as the scan passes them, so hostile
  // backticks cost linear time; searching the text on from each opening run would not.
  const backtickRuns: Record<number, number[]> = {};
  for (const run of [...text.matchAll(/`+/g)].reverse()) (backtickRuns[run[0].length] ??= []).push(run.index);
  // Where the text not yet turned into tokens starts.
  let scanned = 0;
  let match: RegExpExecArray | null;
  let href: string | null;
  // Resumes the scan after a construct that is longer than the token that started it.
  const resumeAt = (index: number) => (INLINE.lastIndex = scanned = index);
  for (INLINE.lastIndex = 0; (match = INLINE.exec(text));) {
    const [token, autolink] = match;
    const first = token[0]!;
    tokens.push(text.slice(scanned, match.index));
    scanned = INLINE.lastIndex;
    // `\` before a newline is CommonMark's hard break; ours is the newline itself.
    if (token.endsWith('\n')) tokens.push(spend() ? { type: 'break' } : '\n');
    else if (first === '\\') tokens.push(token[1]!);
    else if (first === '`') {
      const closers = backtickRuns[token.length] ?? [];
      while (closers.at(-1)! <= match.index) closers.pop();
      const end = closers.pop();
      // Backticks that open no code span are text.
      if (end === undefined || !spend()) tokens.push(token);
      else {
        // One space either side is padding, so that `` `a` `` can show backticks. (The lookahead
        // is atomic, so a failed match backtracks linearly.)
        const value = text
          .slice(scanned, end)
          .replace(/\n/g, ' ')
          .replace(/^ (?=[^]*[^ ])([^]*) $/, '$1');
        tokens.push({ type: 'code', value });
        resumeAt(end + token.length);
      }
    } else if (first === '*' || first === '_') tokens.push(delimiterOrText(token, characterClass(text[match.index - 1]), characterClass(text[scanned])));
    else if (first === ']') {
      const opener = brackets.pop() ?? -1;
      const image = tokens[opener] === '![';
      DESTINATION.lastIndex = scanned;
      const destination = opener >= (image ? imageFloor : linkFloor) && DESTINATION.exec(text);
      if (!destination || !spend()) tokens.push(first);
      else {
        // Autolinks or images inside link text would nest anchors: keep their text only.
        const linkText = resolveEmphasis(
          tokens
            .splice(opener)
            .slice(1)
            .flatMap((inner) => ((inner as { href?: string }).href ? (inner as { children: Token[] }).children : [inner])),
        );
        if ((href = safeUrl(destination[1]!.replace(/\\([!-/:-@[-`{-~])/g, '$1')))) {
          tokens.push(withDepth({ type: 'link', href, children: linkText.length ? linkText : [href] }));
        } else for (const node of linkText) tokens.push(node);
        // The splice left `opener` tokens: no floor stays above that.
        [linkFloor, imageFloor] = image ? [Math.min(linkFloor, opener), opener] : [opener, Math.min(imageFloor, opener)];
        resumeAt(DESTINATION.lastIndex);
      }
    } else if (first === '[' || first === '!') {
      brackets.push(tokens.length);
      tokens.push(token);
    } else {
      // An autolink or a bare URL. Sentence punctuation after a bare URL is not part of it; a `)`
      // is, only if it closes a `(`.
      let url = autolink ?? token;
      let unclosedParentheses = url.split('(').length - url.split(')').length;
      while (!autolink && ('?!.,:;*_~\'"'.includes(url.at(-1)!) || (url.endsWith(')') && unclosedParentheses++ < 0))) url = url.slice(0, -1);
      // Not a usable URL: all of it is text, so it is not rescanned.
      const consumed = autolink ? token : url;
      href = safeUrl(url);
      tokens.push(href && spend() ? { type: 'link', href, children: [url] } : consumed);
      resumeAt(match.index + consumed.length);
    }
  }
  tokens.push(text.slice(scanned));
  return resolveEmphasis(tokens);
}

/**
 * A `*` or `_` run as a delimiter, by CommonMark's flanking rules given the classes of the
 * characters before and after it; plain text if it can neither open nor close. A run can open if
 * it is left-flanking (flanks the text after it), close if it is right-flanking; `_` inside a word
 * (snake_case) does neither.
 */
function delimiterOrText(run: string, before: number, after: number): Token {
  const isFlanking = (outside: number, inside: number) => inside > 0 && (inside > 1 || outside < 2);
  const can = (outside: number, inside: number) => isFlanking(outside, inside) && (run[0] === '*' || !isFlanking(inside, outside) || outside < 2);
  const opens = can(before, after);
  const closes = can(after, before);
  return opens || closes ? { run, left: run.length, opens, closes } : run;
}

/**
 * Emphasis as a single shift-reduce pass with one opener stack per delimiter character: a closer
 * pairs with the nearest opener of its character (no "rule of 3"), so there is nothing to search.
 * Tokens are wrapped once each, every opener is pushed and popped once, and a span that is refused
 * takes every opener before it along, so the pass is linear.
 */
function resolveEmphasis(tokens: Token[]): MarkdownNode[] {
  const output: Token[] = [];
  // Indexes in `output` of the delimiters that may still open, per character.
  const starOpeners: number[] = [];
  const underscoreOpeners: number[] = [];
  for (const token of tokens) {
    if (isDelimiter(token)) {
      const openers = token.run[0] === '*' ? starOpeners : underscoreOpeners;
      // Over the budget, delimiters stay text.
      for (let openerIndex: number | undefined; token.closes && token.left && elementsLeft > 0 && (openerIndex = openers.at(-1)) !== undefined;) {
        const opener = output[openerIndex] as Delimiter;
        const inside = output.slice(openerIndex + 1);
        if (depthOf(inside) > MAX_DEPTH) {
          // Too deep to render safely: the delimiters stay text, and so do the openers before them,
          // so that no later closer goes over this span again.
          starOpeners.length = underscoreOpeners.length = 0;
          break;
        }
        spend();
        output.length = openerIndex + 1;
        // Two characters a side make strong, one makes emphasis; the rest of a run stays for more.
        const used = opener.left > 1 && token.left > 1 ? 2 : 1;
        opener.left -= used;
        token.left -= used;
        if (!opener.left) openers.pop();
        // Openers of the other character inside the span are text now.
        for (const stack of [starOpeners, underscoreOpeners]) while (stack.at(-1)! > openerIndex) stack.pop();
        output.push(withDepth({ type: used > 1 ? 'strong' : 'emphasis', children: mergeText(inside) }));
      }
      if (token.left && token.opens) openers.push(output.length);
    }
    output.push(token);
  }
  return mergeText(output);
}

/** Unmatched delimiters become text; adjacent strings merge. */
function mergeText(tokens: Token[]): MarkdownNode[] {
  const nodes: MarkdownNode[] = [];
  for (const token of tokens) {
    const node = isDelimiter(token) ? token.run.slice(0, token.left) : token;
    if (typeof node === 'string' && typeof nodes.at(-1) === 'string') nodes[nodes.length - 1] += node;
    else if (node) nodes.push(node);
  }
  return nodes;
}
