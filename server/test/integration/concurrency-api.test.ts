import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';
import { createApp } from '../../src/app';
import { selectedStores, useStoreDatabase } from './stores';

const UNIQUE = 150;
/** Every third key is sent twice, at the same moment: 150 + 50 = 200 requests. */
const REPEATED_EVERY = 3;

for (const kind of selectedStores()) {
  describe(`200 concurrent posts over HTTP (${kind})`, () => {
    const database = useStoreDatabase(kind);
    /** Two apps, each with its own connection or pool, as two server processes would have. */
    const apps: FastifyInstance[] = [];
    const urls: string[] = [];

    beforeAll(async () => {
      const db = database();
      for (let i = 0; i < 2; i++) {
        const store = db.open();
        await store.migrate();
        // Trusted code posting: every comment public at once, no spam checks.
        const app = createApp({ store, config: { rateLimit: 0, moderation: 'none', spamChecks: [] } });
        await app.listen({ port: 0, host: '127.0.0.1' });
        apps.push(app);
        urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
      }
    });
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
    });

    it('a quarter repeat an earlier Idempotency-Key: exactly one comment per key', async () => {
      const thread = `concurrency-${kind}`;
      const requests: { key: string; url: string }[] = [];
      for (let i = 0; i < UNIQUE; i++) {
        const key = `key-${i}`;
        requests.push({ key, url: urls[0]! });
        // The repeat goes to the other server, so the race is decided by the database.
        if (i % REPEATED_EVERY === 0) requests.push({ key, url: urls[1]! });
      }
      expect(requests).toHaveLength(200);

      const results = await Promise.all(
        requests.map(async ({ key, url }) => {
          const response = await fetch(`${url}/api/comments`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify({ thread, body: `Body for ${key}`, author: { name: 'Con', email: `${key}@example.com` } }),
          });
          return { key, status: response.status, data: (await response.json()) as { comment?: Comment; editToken?: string } };
        }),
      );

      const byKey = new Map<string, typeof results>();
      for (const result of results) byKey.set(result.key, [...(byKey.get(result.key) ?? []), result]);
      expect(byKey.size).toBe(UNIQUE);
      for (const [key, answers] of byKey) {
        const statuses = answers.map((a) => a.status).sort();
        // One created it; a repeat is a replay of that same comment, without the edit token.
        expect(statuses, key).toEqual(answers.length === 1 ? [201] : [200, 201]);
        expect(new Set(answers.map((a) => a.data.comment?.id)).size, key).toBe(1);
        expect(answers.filter((a) => a.data.editToken !== undefined)).toHaveLength(1);
      }

      const listed: Comment[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ thread, limit: '100', ...(cursor ? { cursor } : {}) });
        const page = (await (await fetch(`${urls[1]}/api/comments?${query}`)).json()) as {
          thread: { count: number };
          comments: Comment[];
          nextCursor: string | null;
        };
        expect(page.thread.count).toBe(UNIQUE);
        listed.push(...page.comments);
        cursor = page.nextCursor;
      } while (cursor);
      expect(listed).toHaveLength(UNIQUE);
      expect(new Set(listed.map((c) => c.body))).toEqual(new Set([...byKey.keys()].map((key) => `Body for ${key}`)));
      const [row] = await database().query<{ n: number | string }>('SELECT count(*) AS n FROM comments WHERE thread_id = ?', [thread]);
      expect(Number(row?.n)).toBe(UNIQUE);
    });
  });
}
