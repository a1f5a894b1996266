import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { createStoreDatabase, selectedStores, type StoreDatabase, type StoreKind } from './stores';

/**
 * The write rate limit with several processes on one database: shared in the database on
 * PostgreSQL, in each process's memory on SQLite (api.test.ts covers one process).
 */
const base: Partial<AppConfig> = { rateLimit: 3, moderation: 'none', spamChecks: [], secret: 'a-test-secret-of-some-length' };

const open: { apps: FastifyInstance[]; db: StoreDatabase }[] = [];

/** `count` apps, each with its own store instance (as separate processes have), on one fresh database. */
async function processes(kind: StoreKind, count: number, config: Partial<AppConfig> = {}) {
  const db = await createStoreDatabase(kind);
  const apps: FastifyInstance[] = [];
  const started = { apps, db };
  open.push(started);
  for (let n = 0; n < count; n++) {
    const store = db.open();
    await store.migrate();
    apps.push(createApp({ store, config: { ...base, ...config } }));
  }
  return started;
}

afterEach(async () => {
  for (const { apps, db } of open.splice(0)) {
    await Promise.all(apps.map((app) => app.close()));
    await db.destroy();
  }
});

const post = (app: FastifyInstance, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/comments',
    payload: { thread: 't', body: 'A comment.', author: { name: 'Ann', email: 'ann@example.com' } },
    ...options,
  });

describe.runIf(selectedStores().includes('postgres'))('write rate limit on PostgreSQL', () => {
  it('is one budget per address across every process on the database, and survives a restart', async () => {
    const { apps, db } = await processes('postgres', 3);
    const [a, b, c] = apps as [FastifyInstance, FastifyInstance, FastifyInstance];
    expect((await post(a)).statusCode).toBe(201);
    expect((await post(b)).statusCode).toBe(201);
    expect((await post(a)).statusCode).toBe(201);
    const limited = await post(b);
    expect(limited.statusCode, limited.body).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate-limited' });
    const seconds = Number(limited.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(limited.json().error.message).toBe(`Too many posts and edits from your address: please wait ${seconds} seconds and try again.`);
    expect((await post(a)).statusCode).toBe(429);
    // A process started later (or restarted) knows the count.
    await a.close();
    expect((await post(c)).statusCode).toBe(429);
    // Another address has its own budget, in every process.
    expect((await post(c, { remoteAddress: '192.0.2.7' })).statusCode).toBe(201);
    const keys = (await db.query<{ key: string; count: number }>('SELECT key, count FROM rate_limits ORDER BY key')).map((row) => [row.key, Number(row.count)]);
    expect(keys).toEqual([
      ['write:127.0.0.1', 6],
      ['write:192.0.2.7', 1],
    ]);
    expect(await db.query('SELECT id FROM comments')).toHaveLength(4);
  });

  it('a forged X-Forwarded-For does not escape the shared limit when no proxy is trusted', async () => {
    const { apps } = await processes('postgres', 2, { rateLimit: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const headers = { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `203.0.113.${i}`, forwarded: `for=203.0.113.${i}` };
      statuses.push((await post(apps[i % 2]!, { headers })).statusCode);
    }
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
  });

  it('behind a trusted proxy, limits the forwarded client address across processes; IPv6 per /64', async () => {
    const { apps } = await processes('postgres', 2, { rateLimit: 1, trustProxy: ['127.0.0.1'] });
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const from = (app: FastifyInstance, client: string, remoteAddress = '127.0.0.1') => post(app, { remoteAddress, headers: { 'x-forwarded-for': client } });
    expect((await from(a, '198.51.100.1')).statusCode).toBe(201);
    expect((await from(b, '198.51.100.2')).statusCode).toBe(201);
    expect((await from(b, '198.51.100.1')).statusCode).toBe(429);
    expect((await from(a, '2001:db8:1:2::1')).statusCode).toBe(201);
    expect((await from(b, '2001:db8:1:2:ffff::9')).statusCode).toBe(429);
    // A request that does not come through the trusted proxy cannot choose its address.
    expect((await from(a, '198.51.100.3', '192.0.2.50')).statusCode).toBe(201);
    expect((await from(b, '198.51.100.4', '192.0.2.50')).statusCode).toBe(429);
  });
});

describe.runIf(selectedStores().includes('sqlite'))('write rate limit on SQLite', () => {
  it('is counted in each process\u2019s memory: nothing is written to the database for it', async () => {
    const { apps, db } = await processes('sqlite', 2);
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    for (let i = 0; i < 3; i++) expect((await post(a)).statusCode).toBe(201);
    expect((await post(a)).statusCode).toBe(429);
    // The other process has its own count (the README says so).
    expect((await post(b)).statusCode).toBe(201);
    expect(await db.query('SELECT key FROM rate_limits')).toEqual([]);
  });
});
