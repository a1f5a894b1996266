/**
 * `npm run bench`: what rendering a 1,000-comment thread costs with the widget, beside the floor
 * measured in the same run and the same browser: the same thread as plain pre-built HTML set with
 * innerHTML. Figures only, never a pass/fail: timings vary by machine, the ratio is what to watch.
 *
 * Each variant runs 5 times, interleaved, each in a fresh browser context; medians are reported.
 * - in DOM: from just before `innerHTML =` / `Colloquy.mount()` until the thread's last comment is in
 *   the DOM (for the widget, a MutationObserver on its shadow root; the memory adapter is async).
 * - next frame: the same, until the frame after that has been rendered (style, layout, paint).
 * - JS heap: V8's used heap after a forced GC, minus the same on the page just before the start.
 *   DOM heap: the same for Blink's heap (the elements themselves), for context.
 * - TBT: total blocking time, the sum of (duration - 50 ms) over long tasks observed from just
 *   before the start until the frame after the render.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { identicon } from '../../src/core/avatar';
import { buildThread, type ThreadNode } from '../../src/core/thread';
import type { Comment } from '../../src/core/types';
import { chromiumOptions } from '../e2e/harness';
import { random } from '../../server/test/bench/random';

const COMMENTS = 1000;
const RUNS = 5;
const MAX_DEPTH = 5;
const THREAD = 'bench';

const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

type Segment = { text: string } | { em: string } | { strong: string } | { code: string } | { link: string; href: string };

const words =
  'interview campus search offer email phone colleague network conversation professional school committee position question future connection encouragement lesson process experience relationship follow-up feedback candidate application advice mentor hiring decision opportunity'.split(
    ' ',
  );
const names = ['T', 'Joe', 'Ada', 'Brian', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mo', 'Nia'];

/** A deterministic thread: ~40% top level, the rest replies, often to recent comments, so chains grow past depth 5. */
function generateThread(): { comments: Comment[]; segments: Map<string, Segment[]> } {
  const next = random(20_120_402);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');
  const comments: Comment[] = [];
  const depth = new Map<string, number>();
  const segments = new Map<string, Segment[]>();
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < COMMENTS; i++) {
    const id = `c${i.toString().padStart(4, '0')}`;
    let parent: Comment | null = null;
    if (i > 0 && next() >= 0.4) {
      // Half the replies answer one of the last few comments, which makes deep chains.
      parent = next() < 0.5 ? comments[Math.max(0, i - 1 - Math.floor(next() * 8))]! : pick(comments);
      while ((depth.get(parent.id) ?? 1) >= 8) parent = comments.find((c) => c.id === parent!.parentId)!;
    }
    depth.set(id, parent ? depth.get(parent.id)! + 1 : 1);
    const opening = sentence(7);
    const parts: Segment[] = [
      { text: `${opening[0]!.toUpperCase()}${opening.slice(1)} ` },
      { em: sentence(2) },
      { text: ` ${sentence(4)}, see ` },
      { link: sentence(2), href: `https://example.com/posts/${i}` },
      { text: ' and run ' },
      { code: `npm run ${pick(words)}` },
      { text: ` before the ${sentence(3)}. ` },
      { strong: sentence(1) },
      { text: ` ${sentence(3)}.` },
    ];
    segments.set(id, parts);
    const body = parts
      .map((s) =>
        'text' in s ? s.text : 'em' in s ? `*${s.em}*` : 'strong' in s ? `**${s.strong}**` : 'code' in s ? `\`${s.code}\`` : `[${s.link}](${s.href})`,
      )
      .join('');
    const name = pick(names);
    comments.push({
      id,
      threadId: THREAD,
      parentId: parent?.id ?? null,
      author: { name, avatarSeed: `${name}-${i % 37}` },
      body,
      createdAt: new Date(start + i * 7 * 60_000).toISOString(),
      status: 'approved',
    });
  }
  return { comments, segments };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short' });

/** The floor: the markup the widget renders for the same thread, as one HTML string. */
function floorHtml(nodes: ThreadNode[], segments: Map<string, Segment[]>, title: string): string {
  const now = Date.now();
  const item = ({ comment, children }: ThreadNode): string => {
    const { hue, cells } = identicon(comment.author.avatarSeed);
    const name = escape(comment.author.name);
    const years = Math.round((Date.parse(comment.createdAt) - now) / 31_536_000_000);
    const body = segments
      .get(comment.id)!
      .map((s) =>
        'text' in s
          ? escape(s.text)
          : 'em' in s
            ? `<em>${escape(s.em)}</em>`
            : 'strong' in s
              ? `<strong>${escape(s.strong)}</strong>`
              : 'code' in s
                ? `<code>${escape(s.code)}</code>`
                : `<a href="${escape(s.href)}" rel="nofollow ugc noopener">${escape(s.link)}</a>`,
      )
      .join('');
    return (
      `<li class="comment"><article id="comment-${comment.id}" tabindex="-1" class="comment-body" aria-label="${name}">` +
      `<header class="comment-meta"><svg class="avatar" viewBox="0 0 5 5" width="40" height="40" aria-hidden="true" focusable="false">` +
      `<rect width="5" height="5" fill="hsl(${hue} 30% 92%)"></rect>` +
      cells.map(([x, y]) => `<rect x="${x}" y="${y}" width="1" height="1" fill="hsl(${hue} 55% 45%)"></rect>`).join('') +
      `</svg><span class="author"><b class="author-name">${name}</b> <span class="says">says:</span></span>` +
      `<a class="permalink" href="#comment-${comment.id}"><time datetime="${comment.createdAt}" title="${absolute.format(Date.parse(comment.createdAt))}">${relative.format(years, 'year')}</time></a></header>` +
      `<div class="comment-content"><p>${body}</p></div>` +
      `<button type="button" class="reply" aria-label="Reply to ${name}">Reply</button></article>` +
      (children.length ? list(children) : '') +
      `</li>`
    );
  };
  const list = (nodes: ThreadNode[]): string => `<ol class="${nodes[0]?.depth === 1 ? 'comment-list' : 'children'}">${nodes.map(item).join('')}</ol>`;
  return `<h2 class="comments-title">${nodes.length} responses to “${escape(title)}”</h2>${list(nodes)}`;
}

/** The id of the comment rendered last (document order): the deepest last reply of the last top-level comment. */
function lastInDocument(nodes: ThreadNode[]): string {
  let node = nodes[nodes.length - 1]!;
  while (node.children.length) node = node.children[node.children.length - 1]!;
  return `comment-${node.comment.id}`;
}

interface Run {
  inDom: number;
  nextFrame: number;
  tbt: number;
  longTasks: number;
  rendered: number;
  jsHeap: number;
  domHeap: number;
}

/** Runs inside the page: starts the render, waits for the last comment, then one frame. */
async function measureInPage({ variant, lastId }: { variant: 'floor' | 'widget'; lastId: string }) {
  const data = (window as unknown as { benchData?: { comments: unknown[] } }).benchData;
  // Read from the DOM now, not held in a JS string before: Blink externalizes a string handed to
  // innerHTML, which would move it out of the JS heap between the two heap readings.
  const html = document.getElementById('floor-html')?.textContent ?? '';
  const target = document.getElementById('target')!;
  const longTasks: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });

  let root: Document | ShadowRoot = document;
  const start = performance.now();
  if (variant === 'floor') {
    target.innerHTML = html;
  } else {
    const colloquy = (window as unknown as { Colloquy: { mount(target: Element, options: object): unknown } }).Colloquy;
    colloquy.mount(target, { thread: 'bench', title: 'Bench', adapter: 'memory', seed: data?.comments, pageSize: 1000, theme: 'light' });
    root = target.querySelector('colloquy-root')!.shadowRoot!;
  }
  const shadowOrDocument = root;
  if (!shadowOrDocument.getElementById(lastId)) {
    await new Promise<void>((resolve) => {
      const watcher = new MutationObserver(() => {
        if (shadowOrDocument.getElementById(lastId)) {
          watcher.disconnect();
          resolve();
        }
      });
      watcher.observe(shadowOrDocument, { childList: true, subtree: true });
    });
  }
  const inDom = performance.now() - start;
  // rAF runs before the frame's style and layout; a task queued from it runs after the frame.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const frameDone = performance.now();
  // Long-task entries arrive after their task has ended.
  await new Promise((resolve) => setTimeout(resolve, 200));
  longTasks.push(...observer.takeRecords());
  observer.disconnect();
  const counted = longTasks.filter((task) => task.startTime <= frameDone);
  return {
    inDom,
    nextFrame: frameDone - start,
    tbt: counted.reduce((sum, task) => sum + Math.max(0, task.duration - 50), 0),
    longTasks: counted.length,
    rendered: shadowOrDocument.querySelectorAll('article.comment-body').length,
  };
}

async function runOnce(browser: Browser, origin: string, variant: 'floor' | 'widget', lastId: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/${variant}.html`);
    await page.waitForFunction(() => document.readyState === 'complete');
    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = await cdp.send('Runtime.getHeapUsage');
      return { js: usage.usedSize, dom: (usage as { embedderHeapUsedSize?: number }).embedderHeapUsedSize ?? Number.NaN };
    };
    const before = await heap();
    const result = await page.evaluate(measureInPage, { variant, lastId });
    const after = await heap();
    if (errors.length) throw new Error(`${variant}: ${errors.join('\n')}`);
    return { ...result, jsHeap: after.js - before.js, domHeap: after.dom - before.dom };
  } finally {
    await context.close();
  }
}

function page(title: string, head: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body><main>${body}</main></body></html>`;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main() {
  const bundle = readFileSync(file('dist/colloquy.js'));
  const adapterPack = readFileSync(file('dist/colloquy-local.js'));
  const { comments, segments } = generateThread();
  const nodes = buildThread(comments, { maxDepth: MAX_DEPTH, sort: 'oldest' });
  const lastId = lastInDocument(nodes);
  const html = floorHtml(nodes, segments, 'Bench');
  if (/<\/script/i.test(html)) throw new Error('the floor HTML cannot be carried in a <script> element');
  // The widget's stylesheet, so both variants pay for the same styles and layout.
  const css = readFileSync(file('src/widget/styles.css'), 'utf8');
  const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
  const pages: Record<string, string> = {
    '/floor.html': page('Floor', `<style>${css}</style>`, `<div id="target" class="colloquy"></div><script type="text/plain" id="floor-html">${html}</script>`),
    // The adapter pack is on the page before the widget, as a site owner may add it, so mount() is synchronous.
    '/widget.html': page(
      'Widget',
      '',
      `<div id="target"></div><script src="/colloquy-local.js"></script><script src="/colloquy.js"></script><script>window.benchData = ${json({ comments })};</script>`,
    ),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    if (path === '/colloquy.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    if (path === '/colloquy-local.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(adapterPack);
    const body = pages[path];
    if (body) return response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const depths = new Map<string, number>();
  for (const c of comments) depths.set(c.id, c.parentId ? depths.get(c.parentId)! + 1 : 1);
  const topLevel = comments.filter((c) => !c.parentId).length;
  const deep = [...depths.values()].filter((d) => d > MAX_DEPTH).length;
  console.log(
    `Thread: ${comments.length} comments, ${topLevel} top level, reply depth up to ${Math.max(...depths.values())} ` +
      `(${deep} beyond ${MAX_DEPTH}, shown at ${MAX_DEPTH}); bodies ~${Math.round(comments.reduce((n, c) => n + c.body.length, 0) / comments.length)} chars; ` +
      `floor HTML ${(html.length / 1024).toFixed(0)} KB.`,
  );

  const browser = await chromium.launch(chromiumOptions);
  console.log(`Chromium ${browser.version()}, ${RUNS} runs per variant, medians.\n`);
  const runs: Record<'floor' | 'widget', Run[]> = { floor: [], widget: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const variant of ['floor', 'widget'] as const) {
        const run = await runOnce(browser, origin, variant, lastId);
        if (run.rendered !== COMMENTS) throw new Error(`${variant} rendered ${run.rendered} comments, not ${COMMENTS}`);
        runs[variant].push(run);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  const figures = (['floor', 'widget'] as const).map((variant) => {
    const of = (key: keyof Run) => median(runs[variant].map((run) => run[key]));
    return { variant, inDom: of('inDom'), nextFrame: of('nextFrame'), jsHeap: of('jsHeap'), domHeap: of('domHeap'), tbt: of('tbt') };
  });
  const [floor, widget] = figures as [(typeof figures)[0], (typeof figures)[0]];
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : a > 0 ? '∞' : '—');
  const rows = [
    ['', 'in DOM', 'next frame', 'JS heap', 'DOM heap', 'TBT'],
    ...figures.map((f) => [
      f.variant === 'floor' ? 'floor (innerHTML)' : 'widget (dist/colloquy.js)',
      ms(f.inDom),
      ms(f.nextFrame),
      mb(f.jsHeap),
      mb(f.domHeap),
      ms(f.tbt),
    ]),
    [
      'widget / floor',
      ratio(widget.inDom, floor.inDom),
      ratio(widget.nextFrame, floor.nextFrame),
      ratio(widget.jsHeap, floor.jsHeap),
      ratio(widget.domHeap, floor.domHeap),
      ratio(widget.tbt, floor.tbt),
    ],
    ['goal', '≤ 1.50× floor', '', '< 3 MB', '', ''],
    ['verdict', widget.inDom <= floor.inDom * 1.5 ? 'met' : 'missed', '', widget.jsHeap < 3 * 1024 * 1024 ? 'met' : 'missed', '', ''],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   '));
    if (index === 0 || index === 2) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
  console.log('\nAll runs (in DOM ms / JS heap MB / TBT ms):');
  for (const variant of ['floor', 'widget'] as const) {
    console.log(
      `  ${variant.padEnd(6)} ${runs[variant].map((r) => `${r.inDom.toFixed(0)}/${(r.jsHeap / 1048576).toFixed(2)}/${r.tbt.toFixed(0)}`).join('  ')}`,
    );
  }
}

await main();
