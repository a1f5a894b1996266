import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ColloquyConfigError } from 'colloquy/core';
import { createApp } from './app';
import { resolveServerConfig, type ServerConfig } from './config/config';
import { readConfigFile } from './config/config-file';
import { seedDemo } from './demo-seed';
import { createStore } from './store';
import type { Store } from './store/interfaces';

/** How long in-flight requests may take to finish after SIGTERM/SIGINT before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** Where it listens, e.g. http://localhost:8080/ */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** Opens and migrates the store, seeds the demo thread, and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const store = createStore(config.databaseUrl);
  let app: FastifyInstance | undefined;
  try {
    await store.migrate();
    if (config.demoSeed) await seedDemo(store);
    app = createApp({ store, config, logger: { level: 'warn' } });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close();
    await store.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const running = app;
  return {
    app,
    store,
    url: `http://${host}:${port}/`,
    async close() {
      await running.close();
      await store.close();
    },
  };
}

/** `colloquy serve`: configuration from flags and the environment, then listen until a signal. */
export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let server: RunningServer;
  try {
    const { file, argv: flags } = readConfigFile(env, argv);
    server = await startServer(resolveServerConfig(env, flags, file));
  } catch (error) {
    console.error(error instanceof ColloquyConfigError ? error.message : error);
    process.exit(1);
  }
  // A closed terminal or log pipe must not turn a clean shutdown into a crash (EPIPE).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  console.log(`Colloquy: ${server.url}`);
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second Ctrl-C: stop waiting
    stopping = true;
    console.log(`Colloquy: ${signal}, finishing requests in flight…`);
    setTimeout(() => {
      console.error(`[colloquy] requests still running after ${SHUTDOWN_GRACE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
