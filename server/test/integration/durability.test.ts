import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'colloquy-durability-'));
const THREAD = 'durability';

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];

/**
 * Starts the server exactly as a user would, on a free port: `colloquy serve` (the package's bin,
 * through Node), or `npm start` (without its prestart build: the suite runs against one build).
 */
async function serve(database: string, launcher: 'bin' | 'npm start' = 'bin'): Promise<Child> {
  const flags = [
    ...['--port', '0', '--host', '127.0.0.1', '--database-url', `sqlite:${database}`, '--rate-limit', '0'],
    // A load generator is trusted code: every comment public at once, no spam checks.
    ...['--moderation', 'none', '--spam-checks', 'off'],
  ];
  const [command, args] =
    launcher === 'bin' ? [process.execPath, ['server/dist/colloquy.js', 'serve', ...flags]] : ['npm', ['start', '--ignore-scripts', '--', ...flags]];
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Colloquy: (http:\/\/\S+\/)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`the server exited (${code ?? signal}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`the server did not start within 20 s:\n${output}`)), 20_000).unref();
  });
  const started = { process: child, url, output: () => output, exited };
  children.push(started);
  return started;
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const body = (key: string) => ({ thread: THREAD, body: `Comment ${key}`, author: { name: 'Load', email: `${key}@load.example` } });

async function postComment(url: string, key: string): Promise<{ status: number; comment?: Comment }> {
  const response = await fetch(`${url}api/comments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body(key)),
  });
  const data = (await response.json()) as { comment?: Comment };
  return { status: response.status, ...(data.comment ? { comment: data.comment } : {}) };
}

async function listAll(url: string): Promise<Comment[]> {
  const all: Comment[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ thread: THREAD, limit: '100', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${url}api/comments?${query}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { comments: Comment[]; nextCursor: string | null };
    all.push(...page.comments);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/**
 * Posts from `workers` concurrent loops, each comment under its own Idempotency-Key, until `stop()`
 * says so or the server goes away. Returns the ids answered 201 and every key tried.
 */
async function load(url: string, workers: number, stop: (acked: number) => boolean) {
  const acked = new Map<string, string>();
  const attempted: string[] = [];
  let next = 0;
  let gone = false;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!gone && !stop(acked.size)) {
        const key = `k${next++}`;
        attempted.push(key);
        try {
          const { status, comment } = await postComment(url, key);
          if (status === 201 && comment) acked.set(key, comment.id);
          else if (status !== 201) gone = true; // e.g. 503 while closing
        } catch {
          gone = true; // the connection died with the server
        }
      }
    }),
  );
  return { acked, attempted };
}

describe('durability', () => {
  it('every comment answered 201 survives a kill -9 mid-load; retried keys never duplicate', async () => {
    const database = join(dir, 'kill.db');
    const first = await serve(database);
    let killed = false;
    const { acked, attempted } = await load(first.url, 16, (count) => {
      // Kill while requests are in flight, from inside the loop that keeps issuing them.
      if (count >= 150 && !killed) {
        killed = true;
        first.process.kill('SIGKILL');
      }
      return false;
    });
    expect(killed).toBe(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(150);

    const second = await serve(database);
    const stored = new Map((await listAll(second.url)).map((comment) => [comment.id, comment]));
    for (const [key, id] of acked) expect(stored.get(id)?.body, `comment ${key} answered 201`).toBe(`Comment ${key}`);

    // What a client does after a lost answer: send the same request with the same key again.
    for (const key of attempted.filter((k) => !acked.has(k))) {
      const { status } = await postComment(second.url, key);
      expect([200, 201]).toContain(status);
    }
    for (const key of acked.keys()) expect((await postComment(second.url, key)).status).toBe(200);
    const final = await listAll(second.url);
    expect(final).toHaveLength(attempted.length);
    expect(new Set(final.map((c) => c.body)).size).toBe(attempted.length);
  });

  it('npm start passes SIGTERM on: the server closes the store and leaves no process behind', async () => {
    const database = join(dir, 'npm-start.db');
    const server = await serve(database, 'npm start');
    expect((await postComment(server.url, 'npm-start')).status).toBe(201);
    server.process.kill('SIGTERM');
    await server.exited;
    expect(server.output()).toMatch(/SIGTERM, finishing requests in flight/);
    expect(existsSync(`${database}-wal`)).toBe(false);
    await expect(fetch(`${server.url}api/health`)).rejects.toThrow();
  });

  it('SIGTERM finishes the requests in flight, closes the store and exits 0', async () => {
    const database = join(dir, 'term.db');
    const server = await serve(database);
    let signalled = false;
    const { acked } = await load(server.url, 8, (count) => {
      if (count >= 40 && !signalled) {
        signalled = true;
        server.process.kill('SIGTERM');
      }
      return false;
    });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGTERM/);
    // The last connection closed cleanly: SQLite folded the write-ahead log back into the database.
    expect(existsSync(`${database}-wal`)).toBe(false);

    const again = await serve(database);
    const ids = new Set((await listAll(again.url)).map((c) => c.id));
    for (const id of acked.values()) expect(ids.has(id)).toBe(true);
  });
});
