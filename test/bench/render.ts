/**
 * `npm run bench`: what showing a 1,000-comment thread costs with the widget, beside a floor measured
 * in the same run and the same browser. Figures only, never a pass/fail: timings vary by machine,
 * the ratios are what to watch.
 *
 * The thread is made by the real server: the comments are stored through its store and read back
 * over HTTP in pages, once, before the runs. During the runs this script answers
 * `GET /api/comments` with those very answers (the server's JSON, any page size, a cursor per
 * page), so the browser's figures hold the widget's work and not the server's, which
 * `npm run bench:api` measures.
 *
 * Variants:
 * - floor: a hand-written list (test/bench/floor-list.js, about 1 KB gzip) that fetches the thread in
 *   one response and renders the widget's markup with one innerHTML.
 * - one response: the widget (dist/colloquy.js) with `pageSize: 1000`, the REST adapter against the API.
 * - 10 pages: the same with `pageSize: 100`; the page clicks "Load more comments" whenever it is there
 *   and enabled, as an impatient reader would, until the thread's last comment is shown.
 * With `--baseline <folder>`, both widget variants run again with that folder's colloquy.js (say,
 * another checkout's dist/), for a before/after in one run.
 *
 * Each variant runs 5 times, interleaved, each in a fresh browser context; medians are reported.
 * - in DOM: from the call (floor or `Colloquy.mount()`) until the thread's last comment is in the DOM
 *   (a MutationObserver on the document or the widget's shadow root).
 * - next frame: the same, until the frame after that has been rendered (style, layout, paint).
 * - script: V8's script time over the same span (CDP Performance metrics), the work that blocks a reader.
 * - JS heap: V8's used heap after a forced GC, minus the same just before the start; per comment, too.
 *   DOM heap: the same for Blink's heap (the elements themselves), for context.
 * - TBT: total blocking time, the sum of (duration - 50 ms) over long tasks until the frame after.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { resolveServerConfig, startServer } from 'colloquy-server';
import { buildThread, type ThreadNode } from '../../src/core/thread';
import type { Comment } from '../../src/core/types';
import { chromiumOptions } from '../e2e/harness';
import { random } from '../../server/test/bench/random';

const COMMENTS = 1000;
const RUNS = 5;
const MAX_DEPTH = 5;
const THREAD = 'bench';
const PAGED_SIZE = 100;

const { values: flags } = parseArgs({ options: { baseline: { type: 'string' } } });
const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const words =
  'interview campus search offer email phone colleague network conversation professional school committee position question future connection encouragement lesson process experience relationship follow-up feedback candidate application advice mentor hiring decision opportunity'.split(
    ' ',
  );
const names = ['T', 'Joe', 'Ada', 'Brian', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mo', 'Nia'];

/** A deterministic thread: ~40% top level, the rest replies, often to recent comments, so chains grow past depth 5. */
function generateThread(): Comment[] {
  const next = random(20_120_402);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');
  const comments: Comment[] = [];
  const depth = new Map<string, number>();
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
    // Every inline construct the bench's floor renders: emphasis, a link, code, strong.
    const body =
      `${opening[0]!.toUpperCase()}${opening.slice(1)} *${sentence(2)}* ${sentence(4)}, see [${sentence(2)}](https://example.com/posts/${i}) ` +
      `and run \`npm run ${pick(words)}\` before the ${sentence(3)}. **${sentence(1)}** ${sentence(3)}.`;
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
  return comments;
}

/** What the server answers for `GET /api/comments`. */
interface WirePage {
  thread: { id: string; title: string | null; count: number };
  comments: Comment[];
  nextCursor: string | null;
  formToken: string;
}

/** Stores the thread through the real server's store and reads it back over HTTP: the JSON readers get. */
async function recordFromServer(comments: Comment[]): Promise<WirePage> {
  const server = await startServer(resolveServerConfig({}, ['--port', '0', '--host', '127.0.0.1', '--database-url', 'sqlite::memory:', '--rate-limit', '0']));
  try {
    for (const c of comments) {
      await server.store.comments.create({
        id: c.id,
        threadId: c.threadId,
        threadTitle: 'Bench',
        parentId: c.parentId,
        body: c.body,
        authorName: c.author.name,
        authorEmail: `${c.author.name.toLowerCase()}@example.com`,
        avatarSeed: c.author.avatarSeed,
        editTokenHash: createHash('sha256').update(c.id).digest('hex'),
        createdAt: c.createdAt,
      });
    }
    const all: Comment[] = [];
    let page: WirePage | undefined;
    do {
      const query = new URLSearchParams({ thread: THREAD, limit: '100', ...(page?.nextCursor && { cursor: page.nextCursor }) });
      const response = await fetch(`${server.url}api/comments?${query}`);
      if (!response.ok) throw new Error(`the server answered ${response.status}: ${await response.text()}`);
      page = (await response.json()) as WirePage;
      all.push(...page.comments);
    } while (page.nextCursor);
    return { ...page, comments: all };
  } finally {
    await server.close();
  }
}

/** The API during the runs: the recorded thread in pages of the size asked for, the offset as cursor. */
function answerList(thread: WirePage, url: URL): string {
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const offset = Number(url.searchParams.get('cursor') ?? 0);
  const end = offset + limit;
  return JSON.stringify({ ...thread, comments: thread.comments.slice(offset, end), nextCursor: end < thread.comments.length ? String(end) : null });
}

/** The id of the comment rendered last (document order): the deepest last reply of the last top-level comment. */
function lastInDocument(nodes: ThreadNode[]): string {
  let node = nodes[nodes.length - 1]!;
  while (node.children.length) node = node.children[node.children.length - 1]!;
  return `comment-${node.comment.id}`;
}

interface Variant {
  name: string;
  /** The page to open: /floor.html, or /widget.html?bundle=…&pageSize=… */
  path: string;
  /** Only for widget variants: the reference in "… / one response". */
  onePage?: string;
}

interface Run {
  inDom: number;
  nextFrame: number;
  script: number;
  tbt: number;
  longTasks: number;
  rendered: number;
  requests: number;
  clicks: number;
  jsHeap: number;
  domHeap: number;
}

/** Runs inside the page: starts the render, clicks "Load more" while it is offered, waits for the last comment, then one frame. */
async function measureInPage({ lastId, pageSize }: { lastId: string; pageSize: number | null }) {
  const target = document.getElementById('target')!;
  const longTasks: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  const world = window as unknown as {
    floorList(target: Element, api: string): Promise<void>;
    Colloquy: { mount(target: Element, options: object): unknown };
  };

  let root: Document | ShadowRoot = document;
  let clicks = 0;
  const start = performance.now();
  if (pageSize === null) {
    void world.floorList(target, location.origin);
  } else {
    world.Colloquy.mount(target, { thread: 'bench', title: 'Bench', api: location.origin, pageSize, theme: 'light' });
    root = target.querySelector('colloquy-root')!.shadowRoot!;
  }
  const shadowOrDocument = root;
  // Inline callbacks only: tsx would wrap a named function in a helper the page does not have.
  await new Promise<void>((resolve) => {
    const watcher = new MutationObserver(() => {
      if (shadowOrDocument.getElementById(lastId)) {
        watcher.disconnect();
        return resolve();
      }
      const button = [...shadowOrDocument.querySelectorAll('button')].find((b) => b.textContent === 'Load more comments' && !b.disabled);
      if (button) {
        clicks++;
        button.click();
      }
    });
    watcher.observe(shadowOrDocument, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
  });
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
    clicks,
  };
}

async function runOnce(browser: Browser, origin: string, variant: Variant, lastId: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    let requests = 0;
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => void (request.url().includes('/api/comments') && requests++));
    await page.goto(`${origin}${variant.path}`);
    await page.waitForFunction(() => document.readyState === 'complete');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = await cdp.send('Runtime.getHeapUsage');
      return { js: usage.usedSize, dom: (usage as { embedderHeapUsedSize?: number }).embedderHeapUsedSize ?? Number.NaN };
    };
    const scriptSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration')?.value ?? Number.NaN;
    const pageSize = new URL(variant.path, origin).searchParams.get('pageSize');
    const before = await heap();
    const scriptBefore = await scriptSeconds();
    const result = await page.evaluate(measureInPage, { lastId, pageSize: pageSize === null ? null : Number(pageSize) });
    const scriptAfter = await scriptSeconds();
    const after = await heap();
    if (errors.length) throw new Error(`${variant.name}: ${errors.join('\n')}`);
    return { ...result, requests, script: (scriptAfter - scriptBefore) * 1000, jsHeap: after.js - before.js, domHeap: after.dom - before.dom };
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

function printTable(rows: string[][], rulesAfter: number[]) {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   '));
    if (rulesAfter.includes(index)) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}

async function main() {
  // The folders the script-tag files are served from: colloquy.js loads its packs from beside itself.
  const folders: Record<string, string> = { current: file('dist') };
  if (flags.baseline) folders.baseline = fileURLToPath(new URL(flags.baseline.replace(/\/?$/, '/'), `file://${process.cwd()}/`));
  const bundles = Object.fromEntries(Object.entries(folders).map(([name, folder]) => [name, readFileSync(join(folder, 'colloquy.js'))]));
  const floorScript = readFileSync(fileURLToPath(new URL('floor-list.js', import.meta.url)));
  const thread = await recordFromServer(generateThread());
  const { comments } = thread;
  if (comments.length !== COMMENTS) throw new Error(`the server listed ${comments.length} comments, not ${COMMENTS}`);
  const lastId = lastInDocument(buildThread(comments, { maxDepth: MAX_DEPTH, sort: 'oldest' }));
  // The widget's stylesheet for the floor, so that both pay for the same styles and layout.
  const css = readFileSync(file('src/widget/styles.css'), 'utf8');
  const pages: Record<string, string> = {
    '/floor.html': page('Floor', `<style>${css}</style><script src="/floor-list.js"></script>`, '<div id="target"></div>'),
  };
  const variants: Variant[] = [{ name: 'floor (hand-written list)', path: '/floor.html' }];
  for (const bundle of Object.keys(bundles)) {
    pages[`/${bundle}.html`] = page(bundle, `<script src="/${bundle}/colloquy.js"></script>`, '<div id="target"></div>');
    const suffix = bundle === 'current' ? '' : ` [${bundle}]`;
    const one = `widget, one response${suffix}`;
    variants.push({ name: one, path: `/${bundle}.html?pageSize=${COMMENTS}` });
    variants.push({ name: `widget, ${COMMENTS / PAGED_SIZE} pages${suffix}`, path: `/${bundle}.html?pageSize=${PAGED_SIZE}`, onePage: one });
  }
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://bench');
    const send = (type: string, body: string | Buffer) => response.writeHead(200, { 'content-type': type }).end(body);
    if (url.pathname === '/api/comments') return send('application/json', answerList(thread, url));
    if (url.pathname === '/floor-list.js') return send('text/javascript', floorScript);
    const [, bundle, script] = /^\/(\w+)\/(colloquy[\w-]*\.js)$/.exec(url.pathname) ?? [];
    if (bundle && script && folders[bundle] && existsSync(join(folders[bundle], script)))
      return send('text/javascript', readFileSync(join(folders[bundle], script)));
    const body = pages[url.pathname];
    if (body) return send('text/html; charset=utf-8', body);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const depths = new Map<string, number>();
  for (const c of comments) depths.set(c.id, c.parentId ? depths.get(c.parentId)! + 1 : 1);
  const deep = [...depths.values()].filter((d) => d > MAX_DEPTH).length;
  console.log(
    `Thread: ${comments.length} comments, ${comments.filter((c) => !c.parentId).length} top level, reply depth up to ${Math.max(...depths.values())} ` +
      `(${deep} beyond ${MAX_DEPTH}, shown at ${MAX_DEPTH}); bodies ~${Math.round(comments.reduce((n, c) => n + c.body.length, 0) / comments.length)} chars; ` +
      `one response ${(answerList(thread, new URL(`http://bench/?limit=${COMMENTS}`)).length / 1024).toFixed(0)} KB of JSON.`,
  );
  console.log(`Floor script: ${floorScript.length} B, ${gzipSync(floorScript, { level: 9 }).length} B gzip.`);
  for (const [name, bytes] of Object.entries(bundles)) console.log(`${name} colloquy.js: ${bytes.length} B, ${gzipSync(bytes, { level: 9 }).length} B gzip.`);

  const browser = await chromium.launch(chromiumOptions);
  console.log(`Chromium ${browser.version()}, ${RUNS} runs per variant, medians; load average ${loadavg()[0]!.toFixed(1)}.\n`);
  const runs = new Map<Variant, Run[]>(variants.map((variant) => [variant, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const variant of variants) {
        const run = await runOnce(browser, origin, variant, lastId);
        if (run.rendered !== COMMENTS) throw new Error(`${variant.name} rendered ${run.rendered} comments, not ${COMMENTS}`);
        runs.get(variant)!.push(run);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  const of = (variant: Variant, key: keyof Run) => median(runs.get(variant)!.map((run) => run[key]));
  const floor = variants[0]!;
  const byName = (name: string | undefined) => variants.find((variant) => variant.name === name);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const rows = [['', 'in DOM', '/ floor', '/ one response', 'next frame', 'script', 'TBT', 'JS heap', 'per comment', 'DOM heap', 'requests', 'clicks']];
  for (const variant of variants) {
    const one = byName(variant.onePage);
    rows.push([
      variant.name,
      ms(of(variant, 'inDom')),
      variant === floor ? '' : ratio(of(variant, 'inDom'), of(floor, 'inDom')),
      one ? ratio(of(variant, 'inDom'), of(one, 'inDom')) : '',
      ms(of(variant, 'nextFrame')),
      ms(of(variant, 'script')),
      ms(of(variant, 'tbt')),
      mb(of(variant, 'jsHeap')),
      `${(of(variant, 'jsHeap') / COMMENTS / 1024).toFixed(2)} KB`,
      mb(of(variant, 'domHeap')),
      String(of(variant, 'requests')),
      String(of(variant, 'clicks')),
    ]);
  }
  printTable(rows, [0]);

  const paged = byName(`widget, ${COMMENTS / PAGED_SIZE} pages`)!;
  const one = byName('widget, one response')!;
  const goals: [string, number, number, string][] = [
    [`${COMMENTS / PAGED_SIZE} pages in DOM ≤ 1.20× one response`, of(paged, 'inDom') / of(one, 'inDom'), 1.2, '×'],
    [`${COMMENTS / PAGED_SIZE} pages in DOM ≤ 1.50× floor`, of(paged, 'inDom') / of(floor, 'inDom'), 1.5, '×'],
    ['one response JS heap < 3 MiB', of(one, 'jsHeap') / 1048576, 3, ' MiB'],
    [`${COMMENTS / PAGED_SIZE} pages JS heap < 3 MiB`, of(paged, 'jsHeap') / 1048576, 3, ' MiB'],
  ];
  console.log('\nGoals (this build):');
  for (const [goal, value, limit, unit] of goals) console.log(`  ${goal}: ${value.toFixed(2)}${unit}, ${value <= limit ? 'met' : 'missed'}`);
  console.log('\nAll runs (in DOM ms / script ms / JS heap MiB):');
  for (const variant of variants) {
    console.log(
      `  ${variant.name.padEnd(Math.max(...variants.map((v) => v.name.length)))}  ${runs
        .get(variant)!
        .map((r) => `${r.inDom.toFixed(0)}/${r.script.toFixed(0)}/${(r.jsHeap / 1048576).toFixed(2)}`)
        .join('  ')}`,
    );
  }
}

await main();
