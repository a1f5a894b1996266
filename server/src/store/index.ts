import { createPostgresStore } from './postgres';
import { createSqliteStore } from './sqlite';
import type { Store } from './interfaces';
import type { DatabaseTimeouts } from './types';

export { createPostgresStore, type PostgresStoreOptions } from './postgres';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite';
export { InvalidCursorError, StoreUnavailableError } from './types';
export type * from './types';
export type * from './interfaces';

/**
 * Opens the store a `DATABASE_URL` names: `sqlite:PATH` (a file, created on first start) or
 * `postgres://…` / `postgresql://…`, with the timeouts a `ServerConfig` sets (pass it whole). Call
 * `migrate()` before use.
 */
export function createStore(
  databaseUrl: string,
  { dbStatementTimeoutMs: statementTimeoutMs, dbConnectTimeoutMs: connectTimeoutMs }: DatabaseTimeouts = {},
): Store {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    if (path === '') throw new Error('[colloquy] DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/colloquy.db');
    return createSqliteStore({ path, ...(statementTimeoutMs === undefined ? {} : { busyTimeoutMs: statementTimeoutMs }) });
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return createPostgresStore({
      connectionString: databaseUrl,
      ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    });
  }
  throw new Error(`[colloquy] DATABASE_URL must start with sqlite: or postgres://, got ${JSON.stringify(databaseUrl.replace(/\/\/[^@/]*@/, '//…@'))}`);
}
