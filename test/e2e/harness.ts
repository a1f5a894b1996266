import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Comment } from '../../src/core/types';
import { resolveServerConfig, startServer, type RunningServer } from 'colloquy-server';

/** Debian's Chromium, never a downloaded one; the flags keep it from calling home during tests. */
export const chromiumOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** The repository's demo pages, which the server serves at / with `--demo`. */
const demoFolder = fileURLToPath(new URL('../../demo', import.meta.url));

export const postTitle = 'Post-Interview Non-Awkwardness';
/** The demo page's `data-thread`. */
export const demoThreadId = 'post-interview-non-awkwardness';
/** The widget's h2, as WordPress words it. */
export const responsesHeading = (count: number) => `${count} responses to “${postTitle}”`;
/** The post's two real responses, which the server seeds into each test's database (spelled out, not read from the seed). */
export const seedT = 'Great perspective Brian- these interviews and interactions are never a one shot deal. Congrats on your new position! T';
export const seedJoe =
  'Brian – you always find these short, insightful, and great experiences in your everyday life to share and educate others with. Keep it up. – Joe';

/** The section's h2 when it counts `count` responses. */
export const heading = (page: Page, count: number) => page.getByRole('heading', { level: 2, name: responsesHeading(count), exact: true });
/** A text field by its label's accessible name (the decorative " *" is aria-hidden). */
export const field = (page: Page, label: string) => page.getByRole('textbox', { name: label, exact: true });
/** A comment's article, named by its author (or "This comment was deleted." for a placeholder). */
export const commentArticle = (page: Page, author: string) => page.getByRole('article', { name: author, exact: true });

/** Everything one test's browser context saw, for assertions about privacy and errors. */
export interface Session {
  context: BrowserContext;
  page: Page;
  /** The server's origin, e.g. http://127.0.0.1:43125: this test's own server and database. */
  origin: string;
  /** The demo thread as the API lists it now (oldest first), read by the test runner, not the browser. */
  listComments(): Promise<{ thread: { id: string; title: string | null; count: number }; comments: Comment[] }>;
  /** Every URL the pages of this context requested, in order. */
  requests: string[];
  /** Uncaught exceptions and console errors, in order. */
  errors: string[];
  /** Turns off the end-of-test "no uncaught errors" check, for tests that provoke errors on purpose. */
  allowErrors(): void;
  /** Opens the demo page (optionally with a `#hash`) and waits for the thread to be shown. */
  openDemo(hash?: string): Promise<void>;
  /** Reloads and waits for the thread again. */
  reload(): Promise<void>;
  /** Another page in the same context, watched for errors like the first. */
  newPage(): Promise<Page>;
}

/**
 * Starts one Chromium for the whole file (or describe block) and, for each test, the real server on a
 * fresh database and a fresh browser context, so no test sees another's comments, localStorage,
 * drafts or cookies. At the end of each test it checks that nothing threw and nothing was logged as
 * an error, unless the test opted out. The server publishes comments at once unless `serverFlags`
 * (`colloquy serve` flags) say otherwise, e.g. `['--moderation', 'first-time']`.
 *
 * Call once at the top level of a test file, or once in each describe block that needs other server
 * flags; read the current test's session through the getter.
 */
export function useDemo(contextOptions: BrowserContextOptions = {}, serverFlags: readonly string[] = []): () => Session {
  let browser: Browser;
  let server: RunningServer | undefined;
  let current: (Session & { errorsAllowed: boolean }) | undefined;

  beforeAll(async () => {
    browser = await chromium.launch(chromiumOptions);
  });

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    // The server as `npm start` starts it (same flags parser, migrations, demo pages and seed), on a
    // throwaway in-memory SQLite database: a few tens of milliseconds. No rate limit for a test's
    // burst of posts; the environment is left out so a developer's settings cannot leak in.
    // Comments are published at once and a test may post within a second of loading the page, but
    // the form token must still be there and valid (else the comment would be held): the spam
    // checks stay on. `serverFlags` come last, so they win.
    server = await startServer(
      resolveServerConfig({}, [
        ...['--port', '0', '--host', '127.0.0.1', '--database-url', 'sqlite::memory:', '--rate-limit', '0', '--demo', demoFolder],
        ...['--moderation', 'none', '--min-submit-seconds', '0'],
        ...serverFlags,
      ]),
    );
    const origin = server.url.replace(/\/$/, '');
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...contextOptions });
    const watch = (page: Page) => {
      page.on('pageerror', (error) => session.errors.push(`pageerror: ${error.stack ?? error.message}`));
      page.on('console', (message) => {
        // Chromium asks every page for /favicon.ico; the demo has none, which is not the widget's doing.
        if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
          session.errors.push(`console.error: ${message.text()} (${message.location().url})`);
        }
      });
      return page;
    };
    // Generous for 2 busy cores, yet well inside the test's own timeout so a failure names the locator.
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const session: Session & { errorsAllowed: boolean } = {
      context,
      page,
      origin,
      async listComments() {
        const response = await fetch(`${origin}/api/comments?${new URLSearchParams({ thread: demoThreadId, limit: '100' })}`);
        if (!response.ok) throw new Error(`GET /api/comments answered ${response.status}`);
        return (await response.json()) as Awaited<ReturnType<Session['listComments']>>;
      },
      requests: [],
      errors: [],
      errorsAllowed: false,
      allowErrors: () => void (session.errorsAllowed = true),
      async openDemo(hash = '') {
        await page.goto(`${origin}/${hash}`);
        await waitForThread(page);
      },
      async reload() {
        await page.reload();
        await waitForThread(page);
      },
      newPage: async () => watch(await context.newPage()),
    };
    context.on('request', (request) => session.requests.push(request.url()));
    watch(page);
    current = session;
  });

  afterEach(async () => {
    const session = current;
    current = undefined;
    await session?.context.close();
    await server?.close();
    server = undefined;
    if (!session) return;
    if (!session.errorsAllowed) expect(session.errors, 'uncaught errors or console errors during the test').toEqual([]);
  });

  return () => {
    if (!current) throw new Error('useDemo: no session outside a test');
    return current;
  };
}

/** Waits until the widget has mounted and loaded its thread (the heading counts the responses). */
export async function waitForThread(page: Page) {
  await page.getByRole('heading', { level: 2, name: /responses? to|No responses yet/ }).waitFor();
  await page.getByRole('button', { name: 'Post Comment', exact: true }).waitFor();
}

/** Fills the comment form by its labels, as a reader would. */
export async function fillForm(page: Page, values: { comment?: string; name?: string; email?: string; website?: string }) {
  const labels = { comment: 'Comment', name: 'Name', email: 'Email', website: 'Website' } as const;
  for (const key of Object.keys(labels) as (keyof typeof labels)[]) {
    const value = values[key];
    if (value !== undefined) await page.getByRole('textbox', { name: labels[key], exact: true }).fill(value);
  }
}

/** Posts a comment through the form and waits until the heading shows the new count. */
export async function postComment(page: Page, values: { comment: string; name: string; email: string; website?: string }, expectedCount: number) {
  await fillForm(page, values);
  await page.getByRole('button', { name: 'Post Comment', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: responsesHeading(expectedCount), exact: true }).waitFor();
}

/** The focused element, looking through open shadow roots: tag, id, class and a bit of its text. */
export function focusedElement(page: Page) {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element) return null;
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      className: element.getAttribute('class') ?? '',
      type: element.getAttribute('type') ?? '',
      text: (element.textContent ?? '').trim().slice(0, 300),
    };
  });
}

/**
 * Runs `fn` in the page with the widget's shadow root (the first `<colloquy-root>`). `fn` is sent
 * to the page as source, so it must not use anything from the test's scope; pass data as `arg`
 * (JSON-like values only).
 */
export async function inShadow<R, A = null>(page: Page, fn: (root: ShadowRoot, arg: A) => R, arg: A): Promise<R> {
  const root = await page.evaluateHandle(() => {
    const shadow = document.querySelector('colloquy-root')?.shadowRoot;
    if (!shadow) throw new Error('no <colloquy-root> with an open shadow root');
    return shadow;
  });
  try {
    // Serializable `arg` arrives unchanged; Playwright's `Unboxed<A>` cannot see that for a generic A.
    return (await root.evaluate(fn as (root: ShadowRoot, arg: unknown) => R, arg as unknown)) as R;
  } finally {
    await root.dispose();
  }
}

/** Texts of the replies listed directly under a comment (`comment-…` id), in its `ol.children`. */
export const repliesOf = (page: Page, commentId: string) =>
  inShadow(
    page,
    (root, id) =>
      [...(root.getElementById(id)?.parentElement?.querySelectorAll(':scope > ol.children > li > article') ?? [])].map((a) => ({
        author: a.getAttribute('aria-label'),
        text: a.querySelector('.comment-content')?.textContent?.trim(),
      })),
    commentId,
  );

/** Requests that did not go to the test server (data: and blob: URLs never leave the browser). */
export function foreignRequests(session: Session): string[] {
  return session.requests.filter((url) => !/^(data|blob):/.test(url) && new URL(url).origin !== session.origin);
}
