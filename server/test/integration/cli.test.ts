import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite';
import type { CommentRecordInput, ModerationEntry, StatusChange } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { POSTGRES_URL } from './stores';
import { untilListening } from '../listening';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'server/dist/colloquy.js');
const at = (minutes: number) => new Date(Date.UTC(2024, 4, 1, 9) + minutes * 60_000).toISOString();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real `colloquy` command in a child process. The environment is only what the test gives (and
 * PATH), so a developer's DATABASE_URL cannot leak in.
 */
function colloquy(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let path: string;
let store: Store;
let url: string;
/** `moderate …` against this file's database. */
const moderate = (...args: string[]) => colloquy(['moderate', ...args, '--database-url', url]);

async function seed(overrides: Partial<CommentRecordInput> & { id: string }) {
  const result = await store.comments.create({
    threadId: 'post-1',
    threadTitle: 'Post one',
    parentId: null,
    body: `Body of ${overrides.id}`,
    authorName: `Author ${overrides.id}`,
    authorEmail: `${overrides.id}@mail.example`,
    avatarSeed: 'seed',
    editTokenHash: 'hash',
    createdAt: at(0),
    ...overrides,
  });
  if (result.kind !== 'created') throw new Error(result.kind);
}

const statusOf = async (id: string) => (await store.moderation.list({ limit: 100 })).find((entry) => entry.id === id)?.status;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'colloquy-cli-'));
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await store?.close();
  path = join(dir, `${Math.random().toString(36).slice(2)}.db`);
  url = `sqlite:${path}`;
  store = createSqliteStore({ path });
  await store.migrate();
  await seed({ id: 'c-old', authorName: 'Ann', body: 'First line of a long comment\nsecond line', createdAt: at(1) });
  await seed({ id: 'c-held', authorName: 'Bob', threadId: 'post-2', threadTitle: 'Post two', createdAt: at(2) });
  await seed({ id: 'c-new', authorName: 'Cy', authorUrl: 'https://cy.example', createdAt: at(3) });
  await seed({ id: 'c-reply', parentId: 'c-new', createdAt: at(4) });
  await store.moderation.setStatus(['c-held'], 'pending');
});

describe('colloquy moderate list', () => {
  it('prints a table, newest first: id, status, time, thread, author, email, the first line of the comment', async () => {
    const { code, stdout, stderr } = await moderate('list');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+status\s+when \(UTC\)\s+thread\s+author\s+email\s+comment$/);
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual([
      ['c-reply', 'approved', '2024-05-01 09:04', 'post-1', 'Author c-reply', 'c-reply@mail.example', 'Body of c-reply'],
      ['c-new', 'approved', '2024-05-01 09:03', 'post-1', 'Cy', 'c-new@mail.example', 'Body of c-new'],
      ['c-held', 'pending', '2024-05-01 09:02', 'post-2', 'Bob', 'c-held@mail.example', 'Body of c-held'],
      ['c-old', 'approved', '2024-05-01 09:01', 'post-1', 'Ann', 'c-old@mail.example', 'First line of a long comment'],
    ]);
  });

  it('filters by --status and --thread, and stops at --limit (both flag forms)', async () => {
    const ids = (run: Run) =>
      run.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((row) => row.split(' ')[0]);
    expect(ids(await moderate('list', '--status', 'pending'))).toEqual(['c-held']);
    expect(ids(await moderate('list', '--thread=post-1', '--limit=2'))).toEqual(['c-reply', 'c-new']);
    expect(ids(await moderate('list', '--status', 'approved', '--thread', 'post-1'))).toEqual(['c-reply', 'c-new', 'c-old']);
    const none = await moderate('list', '--status', 'spam');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`No comments with status spam (database: ${url}).\n`);
  });

  it('prints JSON with --json: every field the owner needs, email included', async () => {
    const { code, stdout } = await moderate('list', '--json', '--limit', '2');
    expect(code).toBe(0);
    const entries = JSON.parse(stdout) as ModerationEntry[];
    expect(entries).toStrictEqual([
      {
        id: 'c-reply',
        threadId: 'post-1',
        threadTitle: 'Post one',
        threadUrl: null,
        pageTitle: 'Post one',
        pageUrl: null,
        parentId: 'c-new',
        status: 'approved',
        body: 'Body of c-reply',
        author: { name: 'Author c-reply', email: 'c-reply@mail.example', url: null, avatarSeed: 'seed' },
        createdAt: at(4),
        updatedAt: null,
        revision: 1,
      },
      expect.objectContaining({ id: 'c-new', author: { name: 'Cy', email: 'c-new@mail.example', url: 'https://cy.example', avatarSeed: 'seed' } }),
    ]);
  });

  it('cannot drive the terminal: control characters and bidi overrides from a comment are shown as U+FFFD', async () => {
    await seed({ id: 'c-evil', authorName: 'Eve\x1b]0;pwned\x07\u202e', body: 'clear\x1b[2J\x9b31m line', createdAt: at(9) });
    const table = await moderate('list', '--limit', '1');
    expect(table.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(table.stdout).toContain('Eve\uFFFD]0;pwned\uFFFD\uFFFD');
    expect(table.stdout).toContain('clear\uFFFD[2J\uFFFD31m line');
    const json = await moderate('list', '--limit', '1', '--json');
    expect(json.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect((JSON.parse(json.stdout) as ModerationEntry[])[0]!.author.name).toBe('Eve\x1b]0;pwned\x07\u202e');
  });
});

describe('colloquy moderate approve | spam | delete', () => {
  it('approves, marks as spam and deletes, printing each change', async () => {
    const approve = await moderate('approve', 'c-held', 'c-old');
    expect(approve).toEqual({
      code: 0,
      stdout: 'approved   c-held  (was pending)\nunchanged  c-old  (already approved)\n',
      stderr: '',
    });
    expect(await statusOf('c-held')).toBe('approved');

    const spam = await moderate('spam', 'c-old');
    expect(spam.stdout).toBe('spam       c-old  (was approved)\n');
    expect(await statusOf('c-old')).toBe('spam');

    const remove = await moderate('delete', 'c-new', 'c-old');
    expect(remove.code).toBe(0);
    expect(remove.stdout).toBe('deleted    c-new  (was approved; kept as a placeholder because it has replies)\ndeleted    c-old  (was spam)\n');
    expect(await statusOf('c-new')).toBe('deleted');
    expect(await statusOf('c-old')).toBeUndefined();
  });

  it('reports unknown ids on stderr and exits 1, after changing the ids it knows', async () => {
    const run = await moderate('approve', 'no-such-id', 'c-held');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('approved   c-held  (was pending)\n');
    expect(run.stderr).toBe('[colloquy] no comment with id "no-such-id" (or it was deleted)\n');
    expect(await statusOf('c-held')).toBe('approved');
  });

  it('prints the changes as JSON with --json', async () => {
    const run = await moderate('spam', 'c-held', 'gone', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout) as StatusChange[]).toEqual([
      { id: 'c-held', outcome: 'changed', previous: 'pending' },
      { id: 'gone', outcome: 'not-found' },
    ]);
    expect(run.stderr).toContain('"gone"');
  });
});

describe('colloquy moderate thread', () => {
  const site = { DATABASE_URL: '', COLLOQUY_SITE_URL: 'https://blog.example' };

  it('shows a thread, and corrects its title and page address on the site', async () => {
    expect(await moderate('thread', 'post-1')).toEqual({ code: 0, stdout: 'thread   post-1\ntitle    Post one\naddress  (none)\n', stderr: '' });
    const fixed = await colloquy(['moderate', 'thread', 'post-1', '--title', '  The first post ', '--url', 'https://BLOG.example/first'], {
      ...site,
      DATABASE_URL: url,
    });
    expect(fixed).toEqual({ code: 0, stdout: 'thread   post-1\ntitle    The first post\naddress  https://blog.example/first\n', stderr: '' });
    expect(await store.moderation.getThread('post-1')).toStrictEqual({ id: 'post-1', title: 'The first post', url: 'https://blog.example/first' });
    // '' clears; what is not given stays; --json prints the thread.
    const cleared = await moderate('thread', 'post-1', '--title', '', '--json');
    expect(JSON.parse(cleared.stdout)).toStrictEqual({ id: 'post-1', title: null, url: 'https://blog.example/first' });
  });

  it('refuses an address off the site, or any address before the site is known (exit 2), and an unknown thread (exit 1)', async () => {
    const off = await colloquy(['moderate', 'thread', 'post-1', '--url', 'https://evil.example/phish'], { ...site, DATABASE_URL: url });
    expect(off).toMatchObject({ code: 2, stdout: '' });
    expect(off.stderr).toMatch(/^\[colloquy\] --url: Page address must be a page of this site/);
    const unknownSite = await moderate('thread', 'post-1', '--url', 'https://blog.example/first');
    expect(unknownSite.code).toBe(2);
    expect(unknownSite.stderr).toContain('set COLLOQUY_SITE_URL');
    const controls = await moderate('thread', 'post-1', '--title', 'Two\nlines');
    expect(controls).toMatchObject({ code: 2, stderr: '[colloquy] --title: Title must be one line of text, without control characters.\n' });
    expect(await store.moderation.getThread('post-1')).toMatchObject({ title: 'Post one', url: null });
    const unknown = await moderate('thread', 'no-such-thread', '--title', 'X');
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: '[colloquy] no thread with id "no-such-thread": no comment was ever posted in it\n' });
  });

  it('takes one thread id, and its flags only there', async () => {
    expect(await moderate('thread')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^\[colloquy\] thread needs one thread id/) });
    expect(await moderate('thread', 'a', 'b')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^\[colloquy\] thread needs one thread id/) });
    expect(await moderate('list', '--url', 'https://blog.example/')).toMatchObject({ code: 2, stderr: '[colloquy] --url is an option of thread only\n' });
  });
});

describe('colloquy moderate: configuration and mistakes', () => {
  it('reads DATABASE_URL as serve does (the flag wins), and migrates a new database first', async () => {
    const fromEnv = await colloquy(['moderate', 'list', '--status', 'pending'], { DATABASE_URL: url });
    expect(fromEnv.stdout).toContain('c-held');
    const fresh = `sqlite:${join(dir, 'fresh', 'new.db')}`;
    const flagWins = await colloquy(['moderate', 'list', '--database-url', fresh], { DATABASE_URL: url });
    expect(flagWins).toEqual({ code: 0, stdout: `No comments (database: ${fresh}).\n`, stderr: '' });
  });

  it('refuses wrong commands, flags and values with one [colloquy] line and exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['moderate'], /say what to do/],
      [['moderate', 'publish', 'x'], /unknown moderate command "publish"/],
      [['moderate', 'approve'], /approve needs at least one comment id/],
      [['moderate', 'list', 'extra'], /list takes no ids/],
      [['moderate', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['moderate', 'list', '--limit'], /--limit/],
      [['moderate', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 10000, got "0"/],
      [['moderate', 'list', '--limit', 'ten'], /--limit must be a whole number/],
      [['moderate', 'list', '--status', 'hidden'], /--status must be one of pending, approved, spam, deleted, got "hidden"/],
      [['moderate', 'spam', 'x', '--thread', 't'], /--thread is an option of list only/],
      [['moderate', 'list', '--database-url', 'mysql://db'], /option "--database-url" must start with "sqlite:"/],
      [['moderate', 'list', '--port', '80'], /Unknown option '--port'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => colloquy(args, { DATABASE_URL: url })));
    for (const [index, run] of runs.entries()) {
      const [args, message] = cases[index]!;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(/^\[colloquy\] [^\n]+\n$/);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    const badEnv = await colloquy(['moderate', 'list'], { DATABASE_URL: 'nonsense' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/^\[colloquy\] option "DATABASE_URL"/);
  });

  it('exits 1 with a [colloquy] line when the database cannot be opened', async () => {
    const run = await colloquy(['moderate', 'list', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\[colloquy\] .*ECONNREFUSED/);
  });

  it('explains itself with --help, and colloquy --help mentions it', async () => {
    const help = await colloquy(['moderate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: colloquy moderate list/);
    expect((await colloquy(['--help'])).stdout).toContain('colloquy moderate list|approve|spam|delete');
  });
});

/** `colloquy serve` in a child process until it listens; `stop()` sends SIGTERM and returns everything it printed. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, exited, output } = await untilListening(child);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return output();
    },
  };
}

describe('colloquy serve: what the site owner is told', () => {
  it('logs each origin it refuses once, naming COLLOQUY_ORIGINS; never allowed origins or its own pages', async () => {
    const server = await serve(['--database-url', url, '--origins', 'https://blog.example']);
    const from = (origin: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/comments?thread=t`, { headers: { origin, ...headers } });
    let output: string;
    try {
      for (let i = 0; i < 3; i++) expect((await from('https://other.example')).headers.get('access-control-allow-origin')).toBeNull();
      await from('https://third.example', { 'sec-fetch-site': 'cross-site' });
      expect((await from('https://blog.example')).headers.get('access-control-allow-origin')).toBe('https://blog.example');
      // The server's own pages (the demo, the dashboard) send an Origin too, and need no CORS.
      await from(server.url, { 'sec-fetch-site': 'same-origin' });
      await from(server.url);
    } finally {
      output = await server.stop();
    }
    const refusals = output.split('\n').filter((line) => line.includes('refused'));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toContain('"level":40');
    expect(refusals[0]).toContain('refused a request from https://other.example: it is not in COLLOQUY_ORIGINS');
    expect(refusals[1]).toContain('refused a request from https://third.example');
  });

  it('says in one [colloquy] line what to do when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await colloquy(['serve', '--port', String(port), '--host', '127.0.0.1', '--database-url', url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `[colloquy] port ${port} on 127.0.0.1 is already in use (another Colloquy, or another program): stop that, or choose a free port with PORT (--port)\n`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('says in one [colloquy] line what to do when the PostgreSQL database does not exist, without the password', async () => {
    const missing = new URL(POSTGRES_URL);
    missing.password = 'hunter2-secret';
    missing.pathname = `/colloquy_missing_${Date.now()}`;
    const name = missing.pathname.slice(1);
    const run = await colloquy(['serve', '--port', '0'], { DATABASE_URL: missing.href });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^\\[colloquy\\] the PostgreSQL database "${name}" does not exist on ${missing.hostname}:${missing.port || 5432}: create it \\(e\\.g\\. createdb [^\\n]*\\n$`,
      ),
    );
    expect(run.stderr).not.toContain('hunter2');
  });
});
