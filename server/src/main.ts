import { stat } from 'node:fs/promises';
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

/**
 * The server could not start for a reason of its surroundings (the port is taken, the database is
 * missing): the message is one `[colloquy]` line saying what to do; `cause` is the original error.
 */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

const codeOf = (error: unknown) => (error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined);

/** A store that would not open or migrate, explained without the URL's password. Errors without a code (our bugs) pass unchanged. */
function databaseError(error: unknown, databaseUrl: string): unknown {
  const code = codeOf(error);
  if (code === undefined) return error;
  const reason = (error as Error).message.replace(/^\[colloquy\] /, '');
  let problem: string;
  if (databaseUrl.startsWith('sqlite:')) {
    problem = `cannot open the SQLite database ${databaseUrl.slice('sqlite:'.length)} (${reason}): check that its folder exists or can be created and is writable, or set DATABASE_URL (--database-url) to another file`;
  } else {
    const url = new URL(databaseUrl);
    const server = `${url.hostname}:${url.port || 5432}`;
    const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
    const fixes: Record<string, string> = {
      '3D000': `the PostgreSQL database "${name}" does not exist on ${server}: create it (e.g. createdb -h ${url.hostname} ${name}), or correct the database name in DATABASE_URL (--database-url)`,
      '28P01': `PostgreSQL on ${server} refused the password of user "${decodeURIComponent(url.username)}": correct it in DATABASE_URL (--database-url)`,
      '28000': `PostgreSQL on ${server} refused the connection (${reason}): check the user in DATABASE_URL (--database-url) and the server's pg_hba.conf`,
      ECONNREFUSED: `nothing answers at ${server}: start PostgreSQL there, or correct the host and port in DATABASE_URL (--database-url)`,
      ENOTFOUND: `cannot find the host "${url.hostname}" of DATABASE_URL (--database-url): correct it`,
    };
    problem = Object.hasOwn(fixes, code)
      ? fixes[code]!
      : `cannot open the PostgreSQL database "${name}" on ${server} (${reason}): check DATABASE_URL (--database-url)`;
  }
  return new ServerStartError(`[colloquy] ${problem}`, { cause: error });
}

/** Listening failed: a taken or forbidden port, or a host that is not this machine's, explained. Anything else passes unchanged. */
function listenError(error: unknown, { port, host }: ServerConfig): unknown {
  const fixes: Record<string, string> = {
    EADDRINUSE: `port ${port} on ${host} is already in use (another Colloquy, or another program): stop that, or choose a free port with PORT (--port)`,
    EACCES: `no permission to listen on port ${port}: ports below 1024 need privileges; choose another with PORT (--port), e.g. 8080 behind a reverse proxy`,
    EADDRNOTAVAIL: `cannot listen on ${host}: it is not an address of this machine; correct HOST (--host), e.g. localhost or 0.0.0.0`,
    ENOTFOUND: `cannot listen on ${host}: no such host name; correct HOST (--host), e.g. localhost or 0.0.0.0`,
  };
  const code = codeOf(error);
  const problem = code !== undefined && Object.hasOwn(fixes, code) ? fixes[code] : undefined;
  return problem ? new ServerStartError(`[colloquy] ${problem}`, { cause: error }) : error;
}

/** Opens and migrates the store, seeds the demo thread (with `demo` set), and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  if (
    config.demo &&
    !(await stat(config.demo).then(
      (info) => info.isDirectory(),
      () => false,
    ))
  ) {
    throw new ColloquyConfigError('demo (--demo, COLLOQUY_DEMO)', `names "${config.demo}", which is not a folder: point it at the demo pages (e.g. demo)`);
  }
  let store: Store;
  try {
    store = createStore(config.databaseUrl, config);
    await store.migrate().catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  } catch (error) {
    throw databaseError(error, config.databaseUrl);
  }
  let app: FastifyInstance | undefined;
  try {
    if (config.demo) await seedDemo(store);
    app = createApp({ store, config, logger: { level: 'warn' } });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close();
    await store.close();
    throw listenError(error, config);
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
    // Configuration and surroundings are the owner's to fix: one line says how. Anything else is a bug: its stack.
    console.error(error instanceof ColloquyConfigError || error instanceof ServerStartError ? error.message : error);
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
