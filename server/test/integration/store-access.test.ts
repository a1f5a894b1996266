import { describe, expect, it } from 'vitest';
import type { RateLimitHit } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';
import { at, createStoreDatabase, inSqliteProcesses, selectedStores, useStoreDatabase, type StoreKind } from './stores';

const MINUTE = 60_000;

/** The contract of dashboard sessions and rate-limit counters (migration 7); run once per engine. */
function access(kind: StoreKind) {
  describe(`Store contract, sessions and rate limits: ${kind}`, () => {
    // Two instances on one database, as two server processes would have.
    const stores: Store[] = [];
    const db = useStoreDatabase(kind, async (database) => {
      stores.push(database.open(), database.open());
      for (const store of stores) await store.migrate();
    });
    const first = () => stores[0]!;
    const second = () => stores[1]!;

    it('names its engine', () => {
      expect(first().engine).toBe(kind);
    });

    it('keeps a session until it expires, visible to every instance, and ends it on delete', async () => {
      await first().sessions.create({ tokenHash: 'a'.repeat(64), createdAt: at(0), expiresAt: at(3600) });
      expect(await second().sessions.get('a'.repeat(64), at(3599, 999))).toStrictEqual({ tokenHash: 'a'.repeat(64), createdAt: at(0), expiresAt: at(3600) });
      expect(await second().sessions.get('a'.repeat(64), at(3600))).toBeNull();
      expect(await second().sessions.get('b'.repeat(64), at(0))).toBeNull();

      expect(await second().sessions.delete('a'.repeat(64))).toBe(true);
      expect(await first().sessions.get('a'.repeat(64), at(1))).toBeNull();
      expect(await first().sessions.delete('a'.repeat(64))).toBe(false);
    });

    it('removes expired sessions when a new one is created, and ends all of them at once', async () => {
      await first().sessions.create({ tokenHash: 'old', createdAt: at(0), expiresAt: at(10) });
      await first().sessions.create({ tokenHash: 'live', createdAt: at(0), expiresAt: at(1000) });
      expect(await db().query('SELECT token_hash FROM admin_sessions')).toHaveLength(2);
      await second().sessions.create({ tokenHash: 'new', createdAt: at(10), expiresAt: at(2000) });
      const left = await db().query<{ token_hash: string }>('SELECT token_hash FROM admin_sessions ORDER BY token_hash');
      expect(left.map((row) => row.token_hash)).toEqual(['live', 'new']);

      expect(await second().sessions.deleteAll()).toBe(2);
      expect(await first().sessions.get('live', at(11))).toBeNull();
      expect(await first().sessions.deleteAll()).toBe(0);
    });

    it('refuses a session token that is already stored', async () => {
      await first().sessions.create({ tokenHash: 'twice', createdAt: at(0), expiresAt: at(100) });
      await expect(second().sessions.create({ tokenHash: 'twice', createdAt: at(1), expiresAt: at(100) })).rejects.toThrow();
    });

    it('counts hits in a fixed window, per key, and starts a new window once it has ended', async () => {
      expect(await first().rateLimits.hit('k1', MINUTE, at(0))).toStrictEqual({ count: 1, resetAt: at(60) });
      expect(await second().rateLimits.hit('k1', MINUTE, at(30))).toStrictEqual({ count: 2, resetAt: at(60) });
      expect(await first().rateLimits.hit('k1', MINUTE, at(59, 999))).toStrictEqual({ count: 3, resetAt: at(60) });
      expect(await first().rateLimits.hit('k2', MINUTE, at(59, 999))).toStrictEqual({ count: 1, resetAt: at(119, 999) });
      // At the end of the window, a hit starts the next one.
      expect(await second().rateLimits.hit('k1', MINUTE, at(60))).toStrictEqual({ count: 1, resetAt: at(120) });
      expect(await second().rateLimits.hit('k1', 5000, at(61))).toStrictEqual({ count: 2, resetAt: at(120) });
    });

    it('removes only the counters whose window has ended', async () => {
      await first().rateLimits.hit('gone', MINUTE, at(1000));
      await first().rateLimits.hit('kept', MINUTE, at(1030));
      expect(await second().rateLimits.prune(at(1060))).toBeGreaterThanOrEqual(1);
      const keys = (await db().query<{ key: string }>("SELECT key FROM rate_limits WHERE key IN ('gone', 'kept')")).map((row) => row.key);
      expect(keys).toEqual(['kept']);
      expect(await first().rateLimits.hit('kept', MINUTE, at(1061))).toStrictEqual({ count: 2, resetAt: at(1090) });
    });

    it('rejects a window or a time it cannot count with', async () => {
      await expect(first().rateLimits.hit('bad', 0, at(0))).rejects.toThrow(/windowMs/);
      await expect(first().rateLimits.hit('bad', 1.5, at(0))).rejects.toThrow(/windowMs/);
      await expect(first().rateLimits.hit('bad', MINUTE, 'yesterday')).rejects.toThrow(/now/);
      await expect(first().sessions.get('x', 'never')).rejects.toThrow(/now/);
    });

    it('counts every one of 200 concurrent hits on one key from two instances exactly once', async () => {
      const hits = await Promise.all(Array.from({ length: 200 }, (_, n) => stores[n % 2]!.rateLimits.hit('busy', MINUTE, at(5000, n))));
      // Each hit saw its own count: none lost, none doubled.
      expect(hits.map((hit) => hit.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
      expect(new Set(hits.map((hit) => hit.resetAt)).size).toBe(1);
      const [row] = await db().query<{ count: number }>("SELECT count FROM rate_limits WHERE key = 'busy'");
      expect(Number(row?.count)).toBe(200);
    });
  });
}

for (const kind of selectedStores()) access(kind);

describe.runIf(selectedStores().includes('sqlite'))('SQLite rate-limit counters shared by several processes', () => {
  it('counts every hit of three processes on one key exactly once', async () => {
    const database = await createStoreDatabase('sqlite');
    try {
      // Three processes hit one counter 50 times each.
      const work = "for (let n = 0; n < 50; n++) output.push(await store.rateLimits.hit('shared', 60000, new Date(startAt).toISOString()));";
      const hits = (await inSqliteProcesses<RateLimitHit>(database.path!, work, [0, 1, 2])).flat();
      expect(hits.map((hit) => hit.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, n) => n + 1));
    } finally {
      await database.destroy();
    }
  });
});
