/**
 * The server side of `test/bench/api.ts`, run as a child process (forked with the tsx loader) so
 * that on a 2-core machine the server has a core of its own instead of sharing one event loop with
 * autocannon. Told what to serve over IPC, answers with its port, stops when told or orphaned.
 *
 * - `colloquy`: the real app (`createApp`, rate limit off, logger as `colloquy serve` sets it) on a
 *   SQLite file or a PostgreSQL schema, with its read cache or (`cacheMb: 0`) without.
 * - `ceiling`: a bare Fastify instance with one route answering a fixed JSON string from memory.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createApp } from '../../src/app';
import { createPostgresStore, createSqliteStore } from '../../src/store';
import type { Store } from '../../src/store/interfaces';

export type ServeRequest =
  | {
      kind: 'colloquy';
      store: { engine: 'sqlite'; path: string } | { engine: 'postgres'; connectionString: string; schema: string };
      /** COLLOQUY_CACHE_MB: 0 turns the read cache off. @default the server's default */
      cacheMb?: number;
    }
  | { kind: 'ceiling'; path: string; body: string; contentType: string };

export type ServeReply = { ready: number } | { failed: string };

async function serve(request: ServeRequest): Promise<{ app: FastifyInstance; store?: Store }> {
  if (request.kind === 'ceiling') {
    const app = Fastify({ logger: false });
    // A string with a content type is sent as is: no serialization, the least a route can do.
    app.get(request.path, (_request, reply) => reply.header('content-type', request.contentType).send(request.body));
    return { app };
  }
  const options = request.store;
  const store = options.engine === 'sqlite' ? createSqliteStore({ path: options.path }) : createPostgresStore(options);
  await store.migrate();
  // The logger level `colloquy serve` uses, so per-request logging costs what it costs in production.
  return {
    app: createApp({
      store,
      config: {
        rateLimit: 0,
        moderation: 'none',
        spamChecks: ['honeypot', 'duplicates', 'hook'],
        ...(request.cacheMb === undefined ? {} : { cacheMb: request.cacheMb }),
      },
      logger: { level: 'warn' },
    }),
    store,
  };
}

function send(message: ServeReply) {
  process.send?.(message);
}

let running: { app: FastifyInstance; store?: Store } | undefined;

process.once('message', async (message: ServeRequest) => {
  try {
    running = await serve(message);
    await running.app.listen({ host: '127.0.0.1', port: 0 });
    send({ ready: (running.app.server.address() as AddressInfo).port });
  } catch (error) {
    send({ failed: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  process.on('message', async (next: unknown) => {
    if (next !== 'stop') return;
    await running?.app.close();
    await running?.store?.close();
    process.disconnect();
  });
});

// The bench died or was interrupted: don't outlive it.
process.on('disconnect', () => setTimeout(() => process.exit(0), 1000).unref());
