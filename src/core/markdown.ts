/**
 * Comment markdown: a small CommonMark subset parsed into a tree that the widget renders as
 * elements, so markup in a comment is inert by construction. Our own code rather than
 * markdown-it or marked: those cost 10-30 KB gzip (the whole widget's budget is 15 KB) and produce
 * HTML strings, which the widget must never render.
 *
 * Supported: paragraphs (a single newline is a line break, as comment systems do), *emphasis*,
 * **strong**, `code`, fenced code blocks, > quotes, - and 1. lists, [links](url), <https://...>
 * and bare http(s) autolinks, backslash escapes. Images become links (no third-party requests from
 * a reader's browser); raw HTML and headings stay text. Every pass is linear or close to it, so
 * hostile input cannot stall a reader's page or the server.
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

/** An emphasis delimiter run: its text, how many of its chars are left, whether it can open, close. */
type Delim = { run: string; left: number; opens: boolean; closes: boolean };
type Token = MarkdownNode | Delim;

// Nesting is bounded (blocks by recursion depth, inline elements by tree depth) so that hostile
// input cannot overflow the renderer's stack.
const MAX_DEPTH = 16;
const FENCE = /^ {0,3}(`{3,}|~{3,})[^`]*$/;
const FENCE_END = /^ {0,3}(`+|~+)$/;
const QUOTE = /^ {0,3}> ?/;
const LIST = /^ {0,3}(?:[-*+]|(\d{1,9})[.)])(?:\s+|$)/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
// Everything inline that is not plain text. A code span closes at the next backtick run of the
// opening run's length; a run that no span uses is matched whole by `+, so no part of it opens one.
// A bare URL needs a boundary before it, and has no `[` or `]`, so it cannot swallow the `](` of
// `[see https://a.example](https://b.example)`.
const INLINE = /\\[!-/:-@[-`{-~]|\\?\n|(`+)(?!`)([^]*?[^`])\1(?!`)|`+|\*+|_+|!?\[|]|<([a-zA-Z][\w+.-]{1,31}:[^\s<>]*)>|(?<![^\s*_~("'])https?:\/\/[^\s<>[\]]+/g;
// `(url)` after `]`. No title and no `<url>` form: `[a](<url>)` stays text, so its autolink still
// works. Alternatives that repeat start with different chars and the leading space cannot be
// given back, so a failed match backtracks linearly.
const DESTINATION = /\(\s*(?![\s<])((?:\\(?:\S|(?!\S))|[^\\\0- ()]|\((?:\\\S|[^\\\0- ()])*\))*)\s*\)/y;

const indentOf = (line: string) => line.length - line.trimStart().length;
const isDelim = (t: Token): t is Delim => !!(t as Delim).run;

/** Parses a comment body. Total: any string gives a tree, and unusable syntax stays text. */
export function parseMarkdown(source: string): MarkdownNode[] {
  // Trailing whitespace is dropped (so a blank line is empty), and leading tabs count as four
  // columns, for list continuation.
  const lines = source.replace(/\0/g, '\uFFFD').split(/\r\n?|\n/);
  return blocks(
    lines.map((line) => line.trimEnd().replace(/^[ \t]+/, (indent) => indent.replace(/\t/g, '    '))),
    0,
  );
}

function blocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [],
    nests = depth < MAX_DEPTH;
  let i = 0,
    m: RegExpExecArray | null;
  /** Consumes lines from `i` while `keep` holds. */
  const take = (keep: (line: string) => unknown) => {
    const start = i;
    while (i < lines.length && keep(lines[i]!)) i++;
    return lines.slice(start, i);
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line) i++;
    else if ((m = FENCE.exec(line))) {
      const fence = m[1]!;
      i++;
      const body = take((l) => !FENCE_END.exec(l)?.[1]!.startsWith(fence));
      out.push({ type: 'code-block', value: body.map((l) => l.slice(Math.min(indentOf(line), indentOf(l)))).join('\n') });
      i++;
    } else if (nests && QUOTE.test(line)) {
      // No lazy continuation: a reply typed right under a quote is the reply, not more quote.
      out.push({
        type: 'blockquote',
        children: blocks(
          take((l) => QUOTE.test(l)).map((l) => l.replace(QUOTE, '')),
          depth + 1,
        ),
      });
    } else if (nests && (m = LIST.exec(line))) {
      const ordered = !!m[1],
        first = i,
        items: { type: 'list-item'; children: MarkdownNode[] }[] = [];
      const list: Block = { type: 'list', ordered, children: items };
      if (ordered && +m[1]! != 1) list.start = +m[1]!;
      // Index after the last non-blank line of the current item.
      let end = 0;
      do {
        const start = i++,
          content = lines[start]!.slice(m[0].length),
          width = m[0].length + (content ? 0 : 1);
        end = content ? i : start;
        // Continuation lines are indented to the item's content column.
        take((l) => !l || (indentOf(l) >= width && (end = i + 1)));
        const body = lines.slice(start + 1, end).map((l) => l.slice(width));
        items.push({ type: 'list-item', children: blocks([content, ...body], depth + 1) });
      } while ((m = LIST.exec(lines[i] ?? '')) && !!m[1] == ordered);
      // A tight list (no blank line between or inside its items) shows its items' text without
      // paragraph spacing.
      if (!lines.slice(first, end).includes(''))
        for (const item of items)
          item.children = item.children.flatMap((c) => ((c as Block).type == 'paragraph' ? (c as { children: MarkdownNode[] }).children : [c]));
      out.push(list);
    } else {
      // Lines that start a fence, quote or list end a paragraph; but only `1.` starts an ordered
      // list there, so "in\n1986. It was" stays one paragraph (CommonMark's rule).
      const para = take((l) => l && !FENCE.test(l) && !(nests && (QUOTE.test(l) || ((m = LIST.exec(l)) && m[0] != l && (m[1] || 1) == 1))));
      out.push({ type: 'paragraph', children: inline(para.map((l) => l.trim()).join('\n')) });
    }
  }
  return out;
}

// Element depth of the inline elements built so far (anything else counts 1), to cap nesting
// without walking the tree.
const depths = new WeakMap<object, number>();
const depthOf = (tokens: Token[]) => tokens.reduce((d, t) => Math.max(d, depths.get(t as object) ?? 1), 1);
const wrap = <T extends MarkdownNode & object>(node: T) => (depths.set(node, depthOf((node as { children: Token[] }).children) + 1), node);

/**
 * One left-to-right scan into a flat token list; links are resolved when their `]` is met (so
 * they bind tighter than emphasis), and emphasis is resolved last by `emphasis`.
 */
function inline(s: string): MarkdownNode[] {
  const tokens: Token[] = [];
  // Token indexes of the open `[` and `![`.
  const brackets: number[] = [];
  // A `[` before this token index can no longer open a link: links do not nest.
  let floor = 0,
    end = 0,
    m: RegExpExecArray | null,
    href: string | null;
  // Resumes the scan after a construct that is longer than the token that started it.
  const resume = (at: number) => (INLINE.lastIndex = end = at);
  for (INLINE.lastIndex = 0; (m = INLINE.exec(s));) {
    const [token, , code, autolink] = m,
      c = token[0]!;
    tokens.push(s.slice(end, m.index));
    end = INLINE.lastIndex;
    // `\` before a newline is CommonMark's hard break; ours is the newline itself.
    if (token.endsWith('\n')) tokens.push({ type: 'break' });
    else if (c == '\\') tokens.push(token[1]!);
    // One space either side is padding, so that `` `a` `` can show backticks.
    else if (code) tokens.push({ type: 'code', value: code.replace(/\n/g, ' ').replace(/^ ([^]*[^ ][^]*) $/, '$1') });
    else if (c == '*' || c == '_') {
      // CommonMark's flanking rules, with each neighbour classed as space (0), punctuation (1) or
      // other (2). A run can open if it is left-flanking (flanks the text after it), close if it
      // is right-flanking; `_` inside a word (snake_case) does neither.
      const [before, after] = [s[m.index - 1], s[end]].map((n = ' ') => (/\s/.test(n) ? 0 : PUNCTUATION.test(n) ? 1 : 2)) as [number, number];
      const flanks = (from: number, to: number) => to > 0 && (to > 1 || from < 2);
      const can = (from: number, to: number) => flanks(from, to) && (c == '*' || !flanks(to, from) || from < 2);
      const opens = can(before, after),
        closes = can(after, before);
      tokens.push(opens || closes ? { run: token, left: token.length, opens, closes } : token);
    } else if (c == ']') {
      const at = brackets.pop() ?? -1,
        image = tokens[at] == '![';
      DESTINATION.lastIndex = end;
      const d = (image || at >= floor) && DESTINATION.exec(s);
      if (!d) tokens.push(c);
      else {
        // Autolinks or images inside link text would nest anchors: keep their text only.
        const text = emphasis(
          tokens
            .splice(at)
            .slice(1)
            .flatMap((t) => ((t as { href?: string }).href ? (t as { children: Token[] }).children : [t])),
        );
        if ((href = safeUrl(d[1]!.replace(/\\([!-/:-@[-`{-~])/g, '$1')))) tokens.push(wrap({ type: 'link', href, children: text.length ? text : [href] }));
        else for (const t of text) tokens.push(t);
        floor = image ? Math.min(floor, at) : at;
        resume(DESTINATION.lastIndex);
      }
    } else if (c == '[' || c == '!') {
      brackets.push(tokens.length);
      tokens.push(token);
    } else if (c != '`') {
      // An autolink or a bare URL. Sentence punctuation after a bare URL is not part of it; a `)`
      // is, only if it closes a `(`.
      let url = autolink ?? token,
        open = url.split('(').length - url.split(')').length;
      while (!autolink && ('?!.,:;*_~\'"'.includes(url.at(-1)!) || (url.endsWith(')') && open++ < 0))) url = url.slice(0, -1);
      // Not a usable URL: all of it is text, so it is not rescanned.
      const text = autolink ? token : url;
      tokens.push((href = safeUrl(url)) ? { type: 'link', href, children: [url] } : text);
      resume(m.index + text.length);
    } else tokens.push(token); // backticks that open no code span
  }
  tokens.push(s.slice(end));
  return emphasis(tokens);
}

/**
 * Emphasis as a single shift-reduce pass with one opener stack per delimiter character: a closer
 * pairs with the nearest opener of its character (no "rule of 3"), so there is nothing to search.
 * Tokens are wrapped once each and every opener is pushed and popped once, so the pass is linear.
 */
function emphasis(tokens: Token[]): MarkdownNode[] {
  const out: Token[] = [],
    stars: number[] = [],
    underscores: number[] = [];
  for (const t of tokens) {
    if (isDelim(t)) {
      const c = t.run[0]!,
        openers = c == '*' ? stars : underscores;
      for (let at: number | undefined; t.closes && t.left && (at = openers.at(-1)) != null;) {
        const o = out[at] as Delim,
          use = o.left > 1 && t.left > 1 ? 2 : 1,
          children = flatten(out.splice(at + 1));
        o.left -= use;
        t.left -= use;
        if (!o.left) openers.pop();
        // Openers of the other character inside the span are text now.
        for (const s of [stars, underscores]) while (s.at(-1)! > at) s.pop();
        if (depthOf(children) <= MAX_DEPTH) out.push(wrap({ type: use > 1 ? 'strong' : 'emphasis', children }));
        else {
          // Too deep to render safely: the delimiters stay as text.
          const text = c.repeat(use);
          for (const node of [text, ...children, text]) out.push(node);
        }
      }
      if (t.left && t.opens) openers.push(out.length);
    }
    out.push(t);
  }
  return flatten(out);
}

/** Unmatched delimiters become text; adjacent strings merge. */
function flatten(tokens: Token[]): MarkdownNode[] {
  const out: MarkdownNode[] = [];
  for (const token of tokens) {
    const t = isDelim(token) ? token.run.slice(0, token.left) : token;
    if (typeof t == 'string' && typeof out.at(-1) == 'string') out[out.length - 1] += t;
    else if (t) out.push(t);
  }
  return out;
}
