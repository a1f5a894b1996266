import { createServer, type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { createPostgresStore } from '../../src/store/postgres';
import type { Store } from '../../src/store/interfaces';
import { POSTGRES_URL, selectedStores, useStoreDatabase, type StoreDatabase, type StoreKind } from './stores';

/*
 * A database that does not answer — stopped, unreachable, or locked by someone else for longer than
 * the statement timeout — makes the API answer 503 `unavailable` with Retry-After, on every route,
 * never a 500, and never a request that waits for the database indefinitely.
 */

const config: Partial<AppConfig> = {
  moderation: 'none',
  spamChecks: [],
  // Counted in the database on PostgreSQL: the write limit must fail over to 503 too.
  rateLimit: 100,
  adminPassword: 'correct horse battery staple',
  secret: 'a-test-secret-of-some-length',
};
/** Short, so that a test waiting for a lock ends soon; the status is asserted, never the time. */
const SHORT = { dbStatementTimeoutMs: 200 };

const comment = { thread: 't', body: 'A comment.', author: { name: 'Ann', email: 'ann@example.com' } };
const bearer = { authorization: `Bearer ${'x'.repeat(32)}` };
/** One request of each kind the database serves: reads, writes, an author's token, the feed, the dashboard's sign-in. */
const requests: InjectOptions[] = [
  { url: '/api/comments?thread=t' },
  { url: '/api/counts?thread=t' },
  { url: '/api/feed.atom?thread=t' },
  { method: 'POST', url: '/api/comments', payload: comment },
  { method: 'PATCH', url: '/api/comments/some-id', payload: { body: 'Edited.' }, headers: bearer },
  { method: 'DELETE', url: '/api/comments/some-id', headers: bearer },
  { method: 'POST', url: '/api/admin/session', payload: { password: 'wrong' }, headers: { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' } },
  { url: '/api/health' },
];

function expectUnavailable(response: LightMyRequestResponse, what: string) {
  expect(response.statusCode, `${what}: ${response.body}`).toBe(503);
  expect(response.json().error.code, what).toBe('unavailable');
  expect(Number(response.headers['retry-after']), what).toBeGreaterThan(0);
}

const apps: FastifyInstance[] = [];
const appOn = (store: Store) => {
  const app = createApp({ store, config });
  apps.push(app);
  return app;
};
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Holds the lock that a request must wait for, from a connection of its own; resolves to its release. */
async function holdLock(database: StoreDatabase): Promise<() => Promise<void>> {
  if (database.kind === 'sqlite') {
    // SQLite in WAL mode never blocks readers: it is the write lock that a write waits for.
    const other = new Database(database.path!);
    other.exec('BEGIN IMMEDIATE');
    return async () => {
      other.exec('ROLLBACK');
      other.close();
    };
  }
  const other = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${database.schema}` });
  await other.connect();
  await other.query('BEGIN');
  await other.query('LOCK TABLE comments, threads IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await other.query('ROLLBACK');
    await other.end();
  };
}

function suite(kind: StoreKind) {
  describe(`a database that does not answer (${kind})`, () => {
    const db = useStoreDatabase(kind, async (database) => {
      await database.open().migrate();
    });

    it('a closed store: every route answers 503 unavailable with Retry-After', async () => {
      const store = db().open();
      const app = appOn(store);
      expect((await app.inject(requests[0]!)).statusCode).toBe(200);
      await store.close();
      for (const request of requests) expectUnavailable(await app.inject(request), `${request.method ?? 'GET'} ${request.url}`);
    });

    it(`a lock held by another connection past the statement timeout: 503, then answers again once it is released`, async () => {
      const app = appOn(db().open(SHORT));
      expect((await app.inject(requests[0]!)).statusCode).toBe(200);
      const release = await holdLock(db());
      try {
        // PostgreSQL's table lock holds up reads too; SQLite's write lock only writes.
        const waiting = kind === 'postgres' ? [requests[0]!, requests[3]!] : [requests[3]!];
        for (const request of waiting) expectUnavailable(await app.inject(request), `${request.method ?? 'GET'} ${request.url}`);
      } finally {
        await release();
      }
      expect((await app.inject(requests[3]!)).statusCode).toBe(201);
    });
  });
}

for (const kind of selectedStores()) suite(kind);

describe.runIf(selectedStores().includes('postgres'))('PostgreSQL that is not there', () => {
  it('a store pointed at a closed port: every route answers 503 unavailable with Retry-After', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${port}`;
    const store = createPostgresStore({ connectionString: url.href });
    try {
      const app = appOn(store);
      for (const request of requests) expectUnavailable(await app.inject(request), `${request.method ?? 'GET'} ${request.url}`);
    } finally {
      await store.close();
    }
  });
});
