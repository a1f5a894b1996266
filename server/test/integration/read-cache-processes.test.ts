import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';
import { untilListening } from '../listening';
import { assertPostgresReachable, eventually, POSTGRES_URL, selectedStores, type StoreKind } from './stores';

/*
 * Two real `colloquy serve` processes on one database, each with its read cache: what one process
 * writes, and what `colloquy moderate` changes, the other shows as soon as it hears of it
 * (PostgreSQL: LISTEN/NOTIFY; SQLite: the file's data_version). Reads poll for the change, since a
 * notification arrives in its own time; no timing is asserted. Needs `npm run build`.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'server/dist/colloquy.js');
const env = {
  PATH: process.env.PATH ?? '',
  COLLOQUY_SECRET: 'one-secret-for-both-processes',
  COLLOQUY_RATE_LIMIT: '0',
  COLLOQUY_MODERATION: 'none',
  COLLOQUY_SPAM_CHECKS: 'off',
};

/** `colloquy serve` until it listens. */
async function serve(databaseUrl: string) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--database-url', databaseUrl], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, exited } = await untilListening(child);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A database of its own: an SQLite file, or a PostgreSQL database (`colloquy serve` uses its public schema). */
async function createDatabase(kind: StoreKind): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'colloquy-processes-'));
    return { url: `sqlite:${join(dir, 'colloquy.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  await assertPostgresReachable();
  const name = `colloquy_processes_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const bodies = async (server: { url: string }) => {
  const response = await fetch(`${server.url}/api/comments?thread=shared`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { comments: Comment[] }).comments.map((comment) => comment.body);
};
const count = async (server: { url: string }) =>
  ((await (await fetch(`${server.url}/api/counts?thread=shared`)).json()) as { counts: Record<string, number> }).counts.shared;
const feedHas = async (server: { url: string }, text: string) => (await (await fetch(`${server.url}/api/feed.atom?thread=shared`)).text()).includes(text);

describe.each(selectedStores())('two colloquy serve processes on one %s database', (kind) => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let a: Awaited<ReturnType<typeof serve>>;
  let b: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    database = await createDatabase(kind);
    a = await serve(database.url);
    b = await serve(database.url);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('each shows what the other wrote, and what colloquy moderate changed, as soon as it hears of it', async () => {
    // B reads first, so its cache holds the empty thread.
    expect(await bodies(b)).toEqual([]);
    expect(await count(b)).toBe(0);
    expect(await feedHas(b, 'Written on A')).toBe(false);

    const created = await fetch(`${a.url}/api/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ thread: 'shared', body: 'Written on A.', author: { name: 'Ann', email: 'ann@example.com' } }),
    });
    expect(created.status).toBe(201);
    const { comment } = (await created.json()) as { comment: Comment };
    expect(comment.status).toBe('approved');
    expect(await bodies(a)).toEqual(['Written on A.']);
    await eventually(async () => (await bodies(b)).length === 1, 'B lists the comment written on A');
    expect(await bodies(b)).toEqual(['Written on A.']);
    await eventually(async () => (await count(b)) === 1, "B counts A's comment");
    await eventually(() => feedHas(b, 'Written on A'), "B's feed shows A's comment");

    // The owner marks it as spam from the command line: a third process, gone from both at once.
    const moderate = await promisify(execFile)(process.execPath, [bin, 'moderate', 'spam', comment.id, '--database-url', database.url], { cwd: root, env });
    expect(moderate.stdout).toContain(comment.id);
    for (const server of [a, b]) {
      await eventually(async () => (await bodies(server)).length === 0, 'the spam is gone');
      await eventually(async () => (await count(server)) === 0, 'the spam is not counted');
      await eventually(async () => !(await feedHas(server, 'Written on A')), 'the spam is out of the feed');
    }
  });
});
