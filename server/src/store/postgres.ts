import pg from 'pg';
import type { PoolClient } from 'pg';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { createLocalChanges } from './changes';
import { composeStore } from './compose';
import type { Engine, Tables } from './engine';
import type { Store } from './interfaces';
import { migrations } from './migrations';
import { listenForChanges, newOrigin, notifyChange } from './postgres-listener';

export interface PostgresStoreOptions {
  /** A libpq URL, e.g. `postgres://user@host:5432/db`. */
  connectionString: string;
  /**
   * The schema holding Colloquy's tables; created by `migrate()` if missing. Lowercase letters,
   * digits and underscores. Lets several sites, or test runs, share one database.
   * @default 'public'
   */
  schema?: string;
  /**
   * Connections this process keeps open at most.
   * @default 10
   */
  poolSize?: number;
  /**
   * How long one statement may run, waiting for locks included, before PostgreSQL cancels it
   * (`statement_timeout`) and the request answers 503. Migrations are not bounded.
   * @default 5000
   */
  statementTimeoutMs?: number;
  /**
   * How long opening a connection may take before the request answers 503.
   * @default 5000
   */
  connectTimeoutMs?: number;
}

/** Socket errors of a server that is down, unreachable or gone. */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a database that is not answering: a statement or lock timeout (57014, 55P03), a server
 * shutting down or starting (57P01–57P03), too many connections (53300); class 08 is connection exceptions.
 */
const UNAVAILABLE_STATES = new Set(['57014', '55P03', '57P01', '57P02', '57P03', '53300']);
/** pg's and pg-pool's own connection errors, which carry no code. */
const PG_CONNECTION_ERRORS =
  /^(?:Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error|Client was closed)/;

function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_ERRORS.has(code) || UNAVAILABLE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return PG_CONNECTION_ERRORS.test(error.message);
}

const TIMESTAMPTZ = 1184;
const INT8 = 20;
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ);

/**
 * A timestamptz as a UTC session prints it ('2024-01-01 09:05:03.25+00': 0–3 fractional digits, as
 * the columns keep milliseconds) in the API's form, '2024-01-01T09:05:03.250Z', without building a
 * Date: a thread's page parses a hundred of them, and Date parsing was its largest cost in pg.
 * Anything else (another zone, a year beyond 9999) goes through pg's own parser.
 */
export function isoFromTimestamptz(text: string): string {
  if (text[10] === ' ' && text[16] === ':' && (text[19] === '.' || text[19] === '+') && text.endsWith('+00') && text.length <= 26) {
    const fraction = text.slice(19, -3) || '.';
    return `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction.padEnd(4, '0')}Z`;
  }
  return (parseTimestamp(text) as Date).toISOString();
}

/** Rows as SQLite gives them: ISO strings for timestamps (the columns keep milliseconds), numbers for bigint (ids, counts). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ) return isoFromTimestamptz;
    // bigserial ids and count(*): an outbox or a thread never holds 2^53 of anything.
    if (oid === INT8) return Number;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  },
} as unknown as pg.CustomTypesConfig;

/**
 * Hands Kysely clients that run each parameterized statement as a named one: pg parses and plans it
 * once per connection and reuses the plan, as a hand-written store would.
 */
function namedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const wrapped = new WeakMap<PoolClient, PostgresPoolClient>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `colloquy_${names.size + 1}`));
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrapped.get(client);
      if (!wrapper) {
        wrapper = {
          query: ((text: unknown, values?: readonly unknown[]) =>
            typeof text === 'string' && values && values.length > 0
              ? client.query({ name: nameOf(text), text, values: [...values] })
              : client.query(text as string, values as unknown[])) as unknown as PostgresPoolClient['query'],
          release: (destroy?: boolean) => client.release(destroy),
        } as PostgresPoolClient;
        wrapped.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/**
 * The PostgreSQL engine, for larger sites: a `pg` pool behind Kysely's dialect. Any number of server
 * processes may share one database: `migrate()` holds an advisory lock, and the rules take row locks
 * (FOR UPDATE, FOR KEY SHARE, SKIP LOCKED) where two processes could otherwise decide on stale reads.
 */
export function createPostgresEngine({
  connectionString,
  schema = 'public',
  poolSize = 10,
  statementTimeoutMs = 5000,
  connectTimeoutMs = 5000,
}: PostgresStoreOptions): Engine {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`[colloquy] schema must be lowercase letters, digits and underscores, got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    types,
    // Every connection resolves table names in our schema, prints timestamps in UTC (the fast path of
    // isoFromTimestamptz) and bounds its statements, without an extra round trip.
    options: `-c search_path=${schema} -c TimeZone=UTC -c statement_timeout=${Math.max(1, Math.floor(statementTimeoutMs))}`,
    // A database that is down or unreachable fails the request instead of queueing it.
    connectionTimeoutMillis: Math.max(1, Math.floor(connectTimeoutMs)),
  });
  // An idle connection the server dropped is discarded by the pool; without a listener it would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: namedStatements(pool) }) });
  const localChanges = createLocalChanges();
  const origin = newOrigin();
  let closed = false;

  return {
    kind: 'postgres',
    db,
    rowLocks: true,
    transaction: (work) => localChanges.transaction(db, work),
    async changed(tx, threadId) {
      localChanges.record(tx, threadId);
      await notifyChange(tx, schema, origin, threadId);
    },
    watchOthers: (listener) => listenForChanges({ connectionString, schema, origin }, listener),
    localChanges,
    inList: (column, values) => sql<boolean>`${sql.ref(column)} = ANY(${[...values]}::text[])`,
    // Once closed, every failure is the closed store's (Kysely refuses before the driver is asked).
    isUnavailable: (error) => closed || isUnavailableError(error),
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // A migration may rewrite a large table, and waits for another process's: no statement timeout.
        await client.query('SET LOCAL statement_timeout = 0');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`colloquy:migrate:${schema}`]);
        if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((row) => row.version));
        for (const [index, migration] of migrations.postgres.entries()) {
          if (applied.has(index + 1)) continue;
          await client.query(migration);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [index + 1]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** The store on PostgreSQL. */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  return composeStore(createPostgresEngine(options));
}
