/**
 * Comment markdown: a small CommonMark subset parsed into a tree that the widget renders as
 * elements, so markup in a comment is inert by construction. Our own code rather than
 * markdown-it or marked: those cost 10-30 KB gzip (the whole widget's budget is 15 KB) and produce
 * HTML strings, which the widget must never render.
 *
 * Supported: paragraphs (a single newline is a line break, as comment systems do), *emphasis*,
 * **strong**, `code`, fenced and indented code blocks, > quotes, - and 1. lists, [links](url),
 * <https://...> and bare http(s) autolinks, backslash escapes. Images become links (no third-party
 * requests from a reader's browser); raw HTML and headings stay text. Every pass is linear or
 * close to it, so hostile input cannot stall a reader's page or the server.
 */
import { safeUrl } from './url';

export type MarkdownNode =
  | string
  | { type: 'paragraph' | 'emphasis' | 'strong' | 'blockquote' | 'list-item'; children: MarkdownNode[] }
  | { type: 'list'; ordered: boolean; start?: number; children: MarkdownNode[] }
  | { type: 'code' | 'code-block'; value: string }
  | { type: 'link'; href: string; children: MarkdownNode[] }
  | { type: 'break' };

/** An emphasis delimiter run: char, chars left, original length, can open, can close. */
type Delim = { d: string; n: number; l: number; o: boolean; c: boolean };
type Token = MarkdownNode | Delim;

// Bound recursion (nested quotes and lists) and the element depth a comment can produce, so
// hostile input cannot overflow the renderer's stack.
const MAX_DEPTH = 16;
const MAX_INLINE_DEPTH = 16;
const FENCE = /^ {0,3}(`{3,}|~{3,})[^`]*$/;
const FENCE_END = /^ {0,3}(`{3,}|~{3,}) *$/;
const QUOTE = /^ {0,3}> ?/;
const LIST = /^ {0,3}(?:[-*+]|(\d{1,9})[.)])(?:\s+|$)/;
const ESCAPABLE = /[!-/:-@[-`{-~]/;
const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /\s/;
const AUTOLINK = /<([a-z][\w+.-]{1,31}:[^\s<>]*)>/iy;
// No `[` or `]`, so a bare URL cannot swallow the `](` of `[see https://a.example](https://b.example)`.
const BARE_URL = /https?:\/\/[^\s<>[\]]+/y;

const indentOf = (l: string) => l.length - l.trimStart().length;

// Nesting depth of the inline nodes built so far (strings 0, leaves 1).
const depths = new WeakMap<object, number>();
const deepest = (ts: Token[]) => ts.reduce<number>((d, t) => Math.max(d, typeof t == 'object' ? (depths.get(t) ?? 1) : 0), 0);

/** Parses a comment body. Total: any string gives a tree, and unusable syntax stays text. */
export function parseMarkdown(source: string): MarkdownNode[] {
  const lines = source
    .replace(/\r\n?/g, '\n')
    .replace(/\0/g, '\uFFFD')
    .split('\n')
    .map((l) => l.replace(/^[ \t]+/, (w) => w.replace(/\t/g, '    ')));
  return blocks(lines, 0);
}

function blocks(lines: string[], depth: number): MarkdownNode[] {
  const out: MarkdownNode[] = [];
  const deep = depth >= MAX_DEPTH;
  // Whether a line starts a block that ends the paragraph before it. Only `1.` starts an ordered
  // list there, so "in\n1986. It was" stays one paragraph (CommonMark's rule).
  const interrupts = (l: string) => {
    const m = !deep && LIST.exec(l);
    return FENCE.test(l) || (!deep && QUOTE.test(l)) || (!!m && l.length > m[0].length && (!m[1] || m[1] == '1'));
  };
  let m: RegExpExecArray | null;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    if (!line.trim()) i++;
    else if ((m = FENCE.exec(line))) {
      const fence = m[1]!, indent = indentOf(line), body: string[] = [];
      while (++i < lines.length) {
        const l = lines[i]!, end = FENCE_END.exec(l)?.[1];
        if (end && end[0] == fence[0] && end.length >= fence.length) {
          i++;
          break;
        }
        body.push(l.slice(Math.min(indent, indentOf(l))));
      }
      out.push({ type: 'code-block', value: body.join('\n') });
    } else if (indentOf(line) >= 4) {
      const body: string[] = [];
      for (; i < lines.length && (indentOf(lines[i]!) >= 4 || !lines[i]!.trim()); i++) body.push(lines[i]!.slice(4));
      while (!body[body.length - 1]!.trim()) body.pop();
      out.push({ type: 'code-block', value: body.join('\n') });
    } else if (!deep && QUOTE.test(line)) {
      // No lazy continuation: a reply typed right under a quote is the reply, not more quote.
      const inner: string[] = [];
      for (; i < lines.length && (m = QUOTE.exec(lines[i]!)); i++) inner.push(lines[i]!.slice(m[0].length));
      out.push({ type: 'blockquote', children: blocks(inner, depth + 1) });
    } else if (!deep && (m = LIST.exec(line))) {
      const ordered = !!m[1], items: { type: 'list-item'; children: MarkdownNode[] }[] = [];
      const list: Extract<MarkdownNode, { type: 'list' }> = { type: 'list', ordered, children: items };
      if (ordered && +m[1]! != 1) list.start = +m[1]!;
      let loose = false;
      for (;;) {
        // Continuation lines are indented to the item's content column.
        const width = m[0].length + (/\s$/.test(m[0]) ? 0 : 1), body = [lines[i]!.slice(m[0].length)];
        for (i++; i < lines.length; i++) {
          const l = lines[i]!;
          if (!l.trim()) {
            let j = i;
            while (j < lines.length && !lines[j]!.trim()) j++;
            if (j == lines.length || indentOf(lines[j]!) < width) break;
            loose = true;
            for (; i < j; i++) body.push('');
            i--;
          } else if (indentOf(l) >= width) body.push(l.slice(width));
          else if (body[body.length - 1]!.trim() && !interrupts(l) && !LIST.test(l)) body.push(l);
          else break;
        }
        items.push({ type: 'list-item', children: blocks(body, depth + 1) });
        let j = i;
        while (j < lines.length && !lines[j]!.trim()) j++;
        m = j < lines.length ? LIST.exec(lines[j]!) : null;
        if (!m || !!m[1] != ordered) break;
        loose ||= j > i;
        i = j;
      }
      // A tight list shows its items' text without paragraph spacing.
      if (!loose)
        for (const item of items)
          item.children = item.children.flatMap((c) => (typeof c == 'object' && c.type == 'paragraph' ? c.children : [c]));
      out.push(list);
    } else {
      const para = [line.trim()];
      while (++i < lines.length && lines[i]!.trim() && !interrupts(lines[i]!)) para.push(lines[i]!.trim());
      out.push({ type: 'paragraph', children: inline(para.join('\n')) });
    }
  }
  return out;
}

/**
 * One left-to-right scan into a flat token list; links are resolved when their `]` is met (so
 * they bind tighter than emphasis), and emphasis is resolved last by `emphasis`.
 */
function inline(s: string): MarkdownNode[] {
  const toks: Token[] = [];
  // Open `[` / `![`: index of their token in `toks`, and whether it is an image.
  const brackets: { at: number; img: boolean }[] = [];
  // Code-span run lengths known to have no closing run further on (keeps backticks linear).
  const unclosed = new Set<number>();
  // A `[` before this token index can no longer open a link: links do not nest.
  let floor = 0;
  let text = '';
  const flush = () => {
    if (text) toks.push(text);
    text = '';
  };
  const push = (t: Token) => {
    flush();
    toks.push(t);
  };
  for (let i = 0; i < s.length; ) {
    const c = s[i]!, next = s[i + 1] ?? '';
    let j = i + 1, a: [string, number] | undefined, href: string | null;
    if (c == '\\' && (next == '\n' || ESCAPABLE.test(next))) {
      // `\` before a newline is CommonMark's hard break; ours is the newline itself.
      if (next != '\n') {
        text += next;
        j++;
      }
    } else if (c == '\n') {
      text = text.trimEnd();
      push({ type: 'break' });
    } else if (c == '`') {
      while (s[j] == '`') j++;
      const n = j - i;
      let k = unclosed.has(n) ? -1 : s.indexOf('`', j), e = k;
      for (; k >= 0; k = s.indexOf('`', e)) {
        for (e = k; s[e] == '`'; ) e++;
        if (e - k == n) break;
      }
      if (k < 0) {
        unclosed.add(n);
        text += s.slice(i, j);
      } else {
        let v = s.slice(j, k).replace(/\n/g, ' ');
        if (/^ [^]*[^ ][^]* $/.test(v)) v = v.slice(1, -1);
        push({ type: 'code', value: v });
        j = e;
      }
    } else if (c == '*' || c == '_') {
      while (s[j] == c) j++;
      const before = s[i - 1] ?? ' ', after = s[j] ?? ' ';
      const sb = SPACE.test(before), sa = SPACE.test(after), pb = PUNCT.test(before), pa = PUNCT.test(after);
      // CommonMark flanking rules; `_` inside a word (snake_case) neither opens nor closes.
      const left = !sa && (!pa || sb || pb), right = !sb && (!pb || sa || pa);
      const o = left && (c == '*' || !right || pb), cl = right && (c == '*' || !left || pa);
      if (o || cl) push({ d: c, n: j - i, l: j - i, o, c: cl });
      else text += s.slice(i, j);
    } else if (c == '[' || (c == '!' && next == '[')) {
      j = i + (c == '!' ? 2 : 1);
      push(s.slice(i, j));
      brackets.push({ at: toks.length - 1, img: c == '!' });
    } else if (c == ']') {
      const b = brackets.pop(), r = b && (b.img || b.at >= floor) && next == '(' ? destination(s, i + 2) : undefined;
      if (!b || !r) text += c;
      else {
        flush();
        // Autolinks or images inside link text would nest anchors: keep their text only.
        const kids = emphasis(
          toks.splice(b.at).slice(1).flatMap<Token>((t) => (typeof t == 'object' && 'type' in t && t.type == 'link' ? t.children : [t])),
        );
        href = safeUrl(r[0]);
        if (href) {
          const link = { type: 'link' as const, href, children: kids.length ? kids : [href] };
          depths.set(link, deepest(kids) + 1);
          toks.push(link);
        } else for (const k of kids) toks.push(k);
        floor = b.img ? Math.min(floor, b.at) : b.at;
        j = r[1];
      }
    } else if ((a = autolink(s, i))) {
      if ((href = safeUrl(a[0]))) push({ type: 'link', href, children: [a[0]] });
      // Not a usable URL: all of it is text, so it is not rescanned.
      else text += s.slice(i, a[1]);
      j = a[1];
    } else text += c;
    i = j;
  }
  flush();
  return emphasis(toks);
}

/** `<scheme:...>` or a bare http(s) URL at `i`: its text and the index after it. */
function autolink(s: string, i: number): [string, number] | undefined {
  let m: RegExpExecArray | null;
  if (s[i] == '<') {
    AUTOLINK.lastIndex = i;
    return (m = AUTOLINK.exec(s)) ? [m[1]!, AUTOLINK.lastIndex] : undefined;
  }
  if (s[i] != 'h' || !/^$|[\s*_~("']/.test(s[i - 1] ?? '')) return;
  BARE_URL.lastIndex = i;
  if (!(m = BARE_URL.exec(s))) return;
  // Sentence punctuation after a URL is not part of it; a `)` is, only if it closes a `(`.
  let u = m[0], open = 0;
  for (const ch of u) open += ch == '(' ? 1 : ch == ')' ? -1 : 0;
  for (let ch: string; (ch = u[u.length - 1]!), /[?!.,:;*_~'"]/.test(ch) || (ch == ')' && open < 0); u = u.slice(0, -1))
    if (ch == ')') open++;
  return [u, i + u.length];
}

/**
 * Parses `(url "title")` after a `]`; returns the raw URL and the index after `)`. The title is
 * checked for syntax and dropped. Paren depth and length are capped, as in cmark, so that
 * `[](` repeated stays linear.
 */
function destination(s: string, i: number): [string, number] | undefined {
  const end = Math.min(s.length, i + 4096);
  const space = () => {
    while (i < end && SPACE.test(s[i]!)) i++;
  };
  let url = '', depth = 0, c: string;
  space();
  if (s[i] == '<') {
    while (++i < end && (c = s[i]!) != '>') {
      if (c == '<' || c == '\n') return;
      if (c == '\\' && ESCAPABLE.test(s[i + 1] ?? '')) c = s[++i]!;
      url += c;
    }
    if (i++ >= end) return;
  } else
    for (; i < end && (c = s[i]!) > ' '; i++) {
      if (c == '\\' && ESCAPABLE.test(s[i + 1] ?? '')) c = s[++i]!;
      else if (c == '(' && ++depth > 32) return;
      else if (c == ')' && !depth--) break;
      url += c;
    }
  const start = i;
  space();
  const q = s[i]!;
  if (i > start && /["'(]/.test(q)) {
    const close = q == '(' ? ')' : q;
    while (++i < end && s[i] != close) {
      if (s[i] == q && q == '(') return;
      if (s[i] == '\\') i++;
    }
    if (i++ >= end) return;
    space();
  }
  return s[i] == ')' ? [url, i + 1] : undefined;
}

/**
 * CommonMark's emphasis algorithm as a single shift-reduce pass: each closer looks down the
 * opener stack, and a failed search records a floor per closer kind so it is never repeated.
 * Tokens are wrapped once each, so the pass is linear.
 */
function emphasis(toks: Token[]): MarkdownNode[] {
  const out: Token[] = [], stack: number[] = [], floors: Record<string, number> = {};
  for (const t of toks) {
    if (typeof t != 'object' || !('d' in t)) {
      out.push(t);
      continue;
    }
    const kind = t.d + t.o + (t.l % 3);
    while (t.c && t.n) {
      let k = stack.length - 1;
      const floor = floors[kind] ?? 0;
      // The "rule of 3": `*a**b*` must not pair the single with the double run.
      for (let o: Delim; k >= floor; k--)
        if ((o = out[stack[k]!] as Delim).d == t.d && !((o.c || t.o) && (o.l + t.l) % 3 == 0 && (o.l % 3 || t.l % 3))) break;
      if (k < floor) {
        floors[kind] = stack.length;
        break;
      }
      const at = stack[k]!, o = out[at] as Delim, use = o.n > 1 && t.n > 1 ? 2 : 1;
      o.n -= use;
      t.n -= use;
      const children = flatten(out.splice(at + 1)), d = deepest(children);
      stack.length = k;
      if (o.n) stack.push(at);
      else out.pop();
      if (d < MAX_INLINE_DEPTH) {
        const node = { type: use > 1 ? ('strong' as const) : ('emphasis' as const), children };
        depths.set(node, d + 1);
        out.push(node);
      } else {
        // Too deep to render safely: the delimiters stay as text.
        out.push(t.d.repeat(use));
        for (const c of children) out.push(c);
        out.push(t.d.repeat(use));
      }
      for (const f in floors) floors[f] = Math.min(floors[f]!, stack.length);
    }
    if (t.n) {
      if (t.o) stack.push(out.length);
      out.push(t);
    }
  }
  return flatten(out);
}

/** Unmatched delimiters become text; adjacent strings merge. */
function flatten(toks: Token[]): MarkdownNode[] {
  const out: MarkdownNode[] = [];
  for (const tok of toks) {
    const t = typeof tok == 'object' && 'd' in tok ? tok.d.repeat(tok.n) : tok;
    if (typeof t == 'string' && typeof out[out.length - 1] == 'string') out[out.length - 1] += t;
    else if (t !== '') out.push(t);
  }
  return out;
}
