import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres';
import { createSqliteStore } from '../../src/store/sqlite';
import { nanoid } from 'nanoid';
import type { Comment } from 'colloquy/core';
import type { CommentRecordInput, DatabaseTimeouts } from '../../src/store/types';
import type { Store } from '../../src/store/interfaces';

export type StoreKind = 'sqlite' | 'postgres';

const KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export const POSTGRES_URL = process.env.COLLOQUY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The stores to test: all of them, or the comma-separated subset in COLLOQUY_TEST_STORES. */
export function selectedStores(): StoreKind[] {
  const wanted = process.env.COLLOQUY_TEST_STORES?.split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  if (!wanted?.length) return [...KINDS];
  const unknown = wanted.filter((kind) => !KINDS.includes(kind as StoreKind));
  if (unknown.length) throw new Error(`COLLOQUY_TEST_STORES: unknown store ${unknown.join(', ')} (use ${KINDS.join(', ')})`);
  return KINDS.filter((kind) => wanted.includes(kind));
}

/** One empty database (an SQLite file, or a PostgreSQL schema) for one test file; destroy() removes it. */
export interface StoreDatabase {
  kind: StoreKind;
  /** For SQLite, the database file. */
  path?: string;
  /** For PostgreSQL, the schema. */
  schema?: string;
  /** Opens another store instance (its own connection or pool) on this database, with these timeouts. destroy() closes it. */
  open(timeouts?: DatabaseTimeouts): Store;
  /** Raw SQL with `?` placeholders, for what the store does not expose (stored emails, plans, bulk data). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  destroy(): Promise<void>;
}

/**
 * A database for the enclosing describe block, opened before its tests and destroyed after them.
 * If it cannot be opened, every test of the block fails with the reason: none is skipped.
 */
export function useStoreDatabase(kind: StoreKind, setup?: (database: StoreDatabase) => Promise<void>): () => StoreDatabase {
  let database: StoreDatabase | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      database = await createStoreDatabase(kind);
      await setup?.(database);
    } catch (error) {
      failure = error;
    }
  });
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });
  afterAll(async () => {
    await database?.destroy();
  });
  return () => {
    if (!database) throw new Error(`the ${kind} test database is not open`);
    return database;
  };
}

export function createStoreDatabase(kind: StoreKind): Promise<StoreDatabase> {
  return kind === 'sqlite' ? createSqliteDatabase() : createPostgresDatabase();
}

async function createSqliteDatabase(): Promise<StoreDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'colloquy-store-'));
  const path = join(dir, 'nested', 'colloquy.db'); // the store must create the folder
  const stores: Store[] = [];
  let raw: Database.Database | undefined;
  return {
    kind: 'sqlite',
    path,
    open({ dbStatementTimeoutMs }: DatabaseTimeouts = {}) {
      const store = createSqliteStore({ path, ...(dbStatementTimeoutMs === undefined ? {} : { busyTimeoutMs: dbStatementTimeoutMs }) });
      stores.push(store);
      return store;
    },
    async query<T>(sql: string, params: unknown[] = []) {
      raw ??= new Database(path, { timeout: 5000 });
      const statement = raw.prepare(sql);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    },
    async destroy() {
      await Promise.all(stores.map((store) => store.close()));
      raw?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails, never skips: a missing database must not pass as a green run. */
export async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const { hostname, port } = new URL(POSTGRES_URL);
    throw new Error(
      `PostgreSQL is not reachable at ${hostname}:${port || 5432} — start it, or set COLLOQUY_TEST_STORES=sqlite to run SQLite only` +
        ` (${(error as Error).message})`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function createPostgresDatabase(): Promise<StoreDatabase> {
  await assertPostgresReachable();
  const schema = `colloquy_test_${randomBytes(6).toString('hex')}`;
  const stores: Store[] = [];
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, options: `-c search_path=${schema}` });
  admin.on('error', () => {});
  return {
    kind: 'postgres',
    schema,
    open({ dbStatementTimeoutMs, dbConnectTimeoutMs }: DatabaseTimeouts = {}) {
      const store = createPostgresStore({
        connectionString: POSTGRES_URL,
        schema,
        ...(dbStatementTimeoutMs === undefined ? {} : { statementTimeoutMs: dbStatementTimeoutMs }),
        ...(dbConnectTimeoutMs === undefined ? {} : { connectTimeoutMs: dbConnectTimeoutMs }),
      });
      stores.push(store);
      return store;
    },
    async query<T>(sql: string, params: unknown[] = []) {
      let n = 0;
      const { rows } = await admin.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return rows as T[];
    },
    async destroy() {
      await Promise.all(stores.map((store) => store.close()));
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Polls `condition` until it holds (a NOTIFY arrives in its own time), failing after about five seconds: no timing is asserted. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 250; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never happened: ${what}`);
}

/** The stores' tests' clock: a timestamp `seconds` (and `ms`) after a fixed base; equal arguments, equal times. */
export const at = (seconds: number, ms = 0) => new Date(Date.UTC(2024, 0, 1, 12) + seconds * 1000 + ms).toISOString();

/** A valid new comment for a store, as the API would hand it over; `seen` collects the emails used. */
export function recordInput(threadId: string, overrides: Partial<CommentRecordInput> = {}, seen?: Set<string>): CommentRecordInput {
  const id = overrides.id ?? nanoid();
  const email = overrides.authorEmail ?? `secret-${id}@mail.example`;
  seen?.add(email);
  return {
    id,
    threadId,
    parentId: null,
    body: `Body of ${id}`,
    authorName: `Author ${id}`,
    authorEmail: email,
    avatarSeed: `seed-${id}`,
    editTokenHash: `hash-${id}`,
    createdAt: at(0),
    ...overrides,
  };
}

/** Creates a comment that must be created, and returns it. */
export async function createRecord(store: Store, threadId: string, overrides: Partial<CommentRecordInput> = {}, seen?: Set<string>): Promise<Comment> {
  const result = await store.comments.create(recordInput(threadId, overrides, seen));
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
  return result.comment;
}

const sqliteStoreModule = fileURLToPath(new URL('../../src/store/sqlite.ts', import.meta.url));

/**
 * Runs `work` in separate Node processes on one SQLite file, one process per entry of `inputs`:
 * each opens and migrates its own store, and all start `work` at the same moment, so their
 * transactions contend for the file (better-sqlite3 cannot interleave them within one process).
 * In `work`, `store` is the store, `input` the process's entry and `startAt` the shared start (ms);
 * what it pushes onto `output` comes back, one array per process.
 */
export async function inSqliteProcesses<T>(path: string, work: string, inputs: unknown[]): Promise<T[][]> {
  const script = `
const { createSqliteStore } = await import(process.env.STORE_MODULE);
const store = createSqliteStore({ path: process.env.DB_PATH });
await store.migrate();
const input = JSON.parse(process.env.INPUT);
const startAt = Number(process.env.START_AT);
await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
const output = [];
${work}
await store.close();
process.stdout.write(JSON.stringify(output));
`;
  const startAt = String(Date.now() + 1500);
  const outputs = await Promise.all(
    inputs.map((input) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, STORE_MODULE: sqliteStoreModule, DB_PATH: path, INPUT: JSON.stringify(input), START_AT: startAt },
        timeout: 30_000,
      }),
    ),
  );
  return outputs.map(({ stdout }) => JSON.parse(stdout) as T[]);
}
