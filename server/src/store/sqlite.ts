import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type SqliteDialectConfig, type SqliteStatement } from 'kysely';
import { createLocalChanges } from './changes';
import { composeStore } from './compose';
import type { Engine, Tables } from './engine';
import type { Store } from './interfaces';
import { migrations } from './migrations';

export interface SqliteStoreOptions {
  /** The database file; its folder is created if missing. `':memory:'` gives a private, throwaway database. */
  path: string;
  /**
   * How long a write waits for another process's lock before failing (and the request answering
   * 503), in milliseconds. The wait blocks the process (better-sqlite3 is synchronous).
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/**
 * One queue per database file for the stores of this process. better-sqlite3 waits for a lock
 * synchronously: a second store of the file waiting for the first one's open transaction would
 * block the event loop that transaction needs to finish. Other processes just wait (busy_timeout).
 */
const fileQueues = new Map<string, { tail: Promise<void>; users: number }>();

/** Kysely's driver, with transactions that take the write lock when they begin, queued per file. */
class ImmediateDriver extends SqliteDriver {
  readonly #queue: { tail: Promise<void>; users: number };
  #release: (() => void) | undefined;
  constructor(config: SqliteDialectConfig, queue: { tail: Promise<void>; users: number }) {
    super(config);
    this.#queue = queue;
  }
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const previous = this.#queue.tail;
    this.#queue.tail = new Promise<void>((resolve) => (this.#release = resolve));
    await previous;
    return connection;
  }
  override async releaseConnection(): Promise<void> {
    this.#release?.();
    await super.releaseConnection();
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #queue: { tail: Promise<void>; users: number };
  constructor(config: SqliteDialectConfig, queue: { tail: Promise<void>; users: number }) {
    super(config);
    this.#config = config;
    this.#queue = queue;
  }
  override createDriver() {
    return new ImmediateDriver(this.#config, this.#queue);
  }
}

/**
 * The SQLite engine: one file through better-sqlite3, behind Kysely's dialect.
 *
 * - WAL mode, so readers never block the writer; `synchronous = FULL`, so each commit is on disk
 *   before the call returns (a comment answered 201 survives `kill -9`).
 * - Transactions are BEGIN IMMEDIATE, and `busy_timeout` makes a second connection (or process)
 *   wait for the lock instead of failing. Kysely holds the one connection for a transaction's
 *   length, so no other query of this process runs inside it.
 * - Statements are prepared once per SQL text and reused (Kysely would prepare one per call).
 */
export function createSqliteEngine({ path, busyTimeoutMs = 5000 }: SqliteStoreOptions): Engine {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true });
  const raw = new Database(path);
  // The busy timeout first: switching to WAL needs a lock another process may hold. A file in WAL
  // mode already (any but a new one) is not switched again: SQLite can answer that switch "busy"
  // at once, without waiting, while other processes open the file.
  raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  if (raw.pragma('journal_mode', { simple: true }) !== 'wal') raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');

  const statements = new Map<string, SqliteStatement>();
  const database = {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      let statement = statements.get(text);
      if (!statement) statements.set(text, (statement = raw.prepare(text) as unknown as SqliteStatement));
      return statement;
    },
  };
  // A memory database is private to its connection: nothing to queue behind.
  const key = path === ':memory:' || path === '' ? Symbol('private') : resolve(path);
  const queue = (typeof key === 'string' && fileQueues.get(key)) || { tail: Promise.resolve(), users: 0 };
  if (typeof key === 'string') fileQueues.set(key, queue);
  queue.users++;
  const db = new Kysely<Tables>({ dialect: new ImmediateDialect({ database }, queue) });
  const ping = raw.prepare('SELECT 1');
  // Changes with every commit of another connection (another process, `colloquy moderate`), never with this one's.
  const dataVersion = raw.prepare<[], number>('PRAGMA data_version').pluck();
  const localChanges = createLocalChanges();

  const migrate = raw.transaction(() => {
    raw.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    const applied = new Set(raw.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());
    const record = raw.prepare<[number, string]>('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
    migrations.sqlite.forEach((text, index) => {
      if (applied.has(index + 1)) return;
      raw.exec(text);
      record.run(index + 1, new Date().toISOString());
    });
  });

  return {
    kind: 'sqlite',
    db,
    rowLocks: false,
    transaction: (work) => localChanges.transaction(db, work),
    async changed(tx, threadId) {
      localChanges.record(tx, threadId);
    },
    watchOthers(listener) {
      let seen = dataVersion.get();
      return {
        live: true,
        ready: Promise.resolve(),
        // Which thread another connection changed is not known: any may have.
        check() {
          if (!raw.open) return;
          const now = dataVersion.get();
          if (now !== seen) {
            seen = now;
            listener(null);
          }
        },
        stop: async () => {},
      };
    },
    localChanges,
    inList: (column, values) => sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
    // Another process held the lock past the busy timeout; once closed, every failure is the closed store's.
    isUnavailable: (error) => !raw.open || (error instanceof Error && String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')),
    async migrate() {
      statements.clear();
      migrate.immediate();
    },
    async ping() {
      ping.get();
    },
    async close() {
      if (!raw.open) return;
      // Lets SQLite refresh the planner statistics it finds worth refreshing; cheap.
      raw.pragma('optimize');
      // Kysely closes the file only if it ever opened its driver.
      await db.destroy();
      if (raw.open) raw.close();
      if (--queue.users === 0 && typeof key === 'string') fileQueues.delete(key);
    },
  };
}

/** The default store: SQLite. */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  return composeStore(createSqliteEngine(options));
}
