/**
 * What the rules above need from a database: one Kysely query layer, transactions, and the few
 * things the dialects spell differently. The engines (sqlite.ts, postgres.ts) make every row look
 * the same: timestamps as 'YYYY-MM-DDTHH:mm:ss.sssZ' strings, integers (bigserial, count) as numbers.
 */
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Compilable, Expression, Generated, SqlBool } from 'kysely';
import type { ChangeListener, ChangeWatch } from './interfaces';

/** The tables as queries see them, in both engines (see migrations.ts). */
export interface Tables {
  threads: { id: string; title: string | null; url: string | null; created_at: string };
  comments: {
    id: string;
    thread_id: string;
    parent_id: string | null;
    body: string;
    author_name: string;
    author_email: string;
    author_url: string | null;
    avatar_seed: string;
    status: string;
    created_at: string;
    updated_at: string | null;
    edit_token_hash: string;
    idempotency_key: string | null;
    request_hash: string | null;
    body_fingerprint: string | null;
    /** 1 for a reply the site owner wrote from the dashboard. */
    is_owner: number;
    /** The signed-in reader who wrote it; null for a guest (or an account deleted since). */
    user_id: string | null;
    /** How that reader signed in (the provider's name), for the verified mark. */
    verified_by: string | null;
    /** The title and address the comment's page sent: they name its thread once it is published, if nothing has. */
    page_title: string | null;
    page_url: string | null;
    /** 1 while the author's wish to follow the thread waits for the comment to be published. */
    subscribe_author: number;
    /** 1 when posted, one more at each edit: what an approval names, so that it is of the text the owner read. */
    revision: Generated<number>;
  };
  settings: { key: string; value: string };
  mail_outbox: { id: Generated<number>; kind: string; message: string; attempts: Generated<number>; next_attempt_at: string; last_error: string | null };
  subscriptions: {
    id: string;
    email: string;
    thread_id: string;
    created_at: string;
    unsubscribed_at: string | null;
    confirmed_at: string | null;
    confirm_nonce: string | null;
    confirm_sent_at: string | null;
    /** The address as confirmation mails are counted: lowercased, without a +tag. */
    mailbox: string | null;
  };
  admin_sessions: { token_hash: string; created_at: string; expires_at: string };
  rate_limits: { key: string; count: number; reset_at: string };
  users: {
    id: string;
    provider: string;
    subject: string;
    name: string;
    email: string;
    avatar_url: string | null;
    blocked_at: string | null;
    created_at: string;
    updated_at: string;
  };
  reader_sessions: { token_hash: string; user_id: string; created_at: string; expires_at: string };
  email_sign_ins: { token_hash: string; email: string; name: string; return_to: string; created_at: string; expires_at: string };
}

export type Db = Kysely<Tables>;

export interface Engine {
  readonly kind: 'sqlite' | 'postgres';
  /** Queries outside a transaction. */
  readonly db: Db;
  /**
   * Runs `work` in one transaction, committed when it resolves and rolled back when it throws.
   * SQLite takes the write lock up front (BEGIN IMMEDIATE: two connections never deadlock upgrading
   * a read to a write); PostgreSQL runs READ COMMITTED, and the rules take row locks where `rowLocks`.
   */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Records, inside the transaction `tx` of a write, that what readers see of `threadId` changed
   * (its comments, title or count). Once the transaction commits, this process's listeners hear of
   * it; on PostgreSQL a NOTIFY sent by the same transaction tells every other process. Every rule
   * that writes comments or threads calls it.
   */
  changed(tx: Db, threadId: string): Promise<void>;
  /** Hears what other processes (or connections) commit, and calls `listener` as `ChangeFeed.watch` says. */
  watchOthers(listener: ChangeListener): ChangeWatch;
  /** This process's commits, as `changed` recorded them. */
  readonly localChanges: { subscribe(listener: ChangeListener): () => void };
  /**
   * Whether SELECT … FOR UPDATE / FOR KEY SHARE / SKIP LOCKED exist (PostgreSQL). SQLite has none and
   * needs none: its write transaction already excludes every other writer.
   */
  readonly rowLocks: boolean;
  /** `column IN (values)` with the list as one parameter, so one statement serves any length. */
  inList(column: string, values: readonly string[]): Expression<SqlBool>;
  /**
   * Whether an error of this engine means the database is not answering (down, unreachable, out of
   * time, locked past the wait) or the engine is closed, rather than a fault in a query: the store
   * reports those as StoreUnavailableError.
   */
  isUnavailable(error: unknown): boolean;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A parameter of a query compiled once (`prepare`), filled in at each call. */
class Slot {
  constructor(readonly name: string) {}
}

/** Stands for the value of `params[name]` in a query given to `prepare`. */
export const slot = <T>(name: string): T => new Slot(name) as unknown as T;

/**
 * Compiles a query once and runs it with each call's parameters. Kysely builds and compiles a query
 * at every call otherwise, which costs measurable throughput on the hot read path (a thread's page).
 */
export function prepare<Row>(query: Compilable<Row>): (db: Db, params: Record<string, unknown>) => Promise<Row[]> {
  const compiled = query.compile();
  const fill = compiled.parameters.map((value) => (value instanceof Slot ? value.name : undefined));
  return async (db, params) => {
    const parameters = fill.map((name, index) => (name === undefined ? compiled.parameters[index] : params[name]));
    return (await db.executeQuery<Row>({ ...compiled, parameters })).rows;
  };
}

/** A query layer that compiles for an engine without a connection: to read the SQL an engine runs (plans, EXPLAIN). */
export function compilerFor(kind: Engine['kind']): Db {
  const sqlite = kind === 'sqlite';
  return new Kysely<Tables>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });
}
