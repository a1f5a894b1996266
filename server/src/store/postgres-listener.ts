/**
 * Other processes' changes on PostgreSQL: a `pg` client of its own LISTENs on one channel, and each
 * write transaction NOTIFYs it with the thread it changed (`notifyChange`). PostgreSQL delivers a
 * notification only if its transaction commits, and in commit order.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from './engine';
import type { ChangeListener, ChangeWatch } from './interfaces';

const CHANNEL = 'colloquy_changes';
/** Reconnection waits this long at first, doubling up to the longest. */
const RETRY_MS = { first: 100, longest: 5000 };
/** A silent connection (a host that vanished without closing it) is found by a query this often, given this long to answer. */
const HEARTBEAT = { everyMs: 30_000, timeoutMs: 10_000 };

/**
 * Identifies this engine instance in its notifications, so its own (already announced at commit)
 * are not heard twice; the schema keeps sites that share a database apart.
 */
export const newOrigin = () => randomBytes(8).toString('hex');

/** PostgreSQL refuses a payload of 8000 bytes or more; a thread id too long to fit is sent as "any thread". */
const MAX_THREAD_BYTES = 7000;

/** Inside the write's transaction: delivered to every listener when, and only if, it commits. */
export async function notifyChange(tx: Db, schema: string, origin: string, threadId: string): Promise<void> {
  const thread = Buffer.byteLength(threadId) > MAX_THREAD_BYTES ? '' : ` ${threadId}`;
  await sql`SELECT pg_notify(${CHANNEL}, ${`${schema} ${origin}${thread}`})`.execute(tx);
}

export interface ListenOptions {
  connectionString: string;
  schema: string;
  origin: string;
}

/**
 * Listens until stopped, reconnecting with backoff. While not listening, notifications are lost:
 * `live` is false then, and each (re)connection and each loss tells the listener `null` (anything may
 * have changed).
 */
export function listenForChanges({ connectionString, schema, origin }: ListenOptions, listener: ChangeListener): ChangeWatch {
  let client: pg.Client | undefined;
  let live = false;
  let stopped = false;
  let retryMs = RETRY_MS.first;
  let retry: NodeJS.Timeout | undefined;
  let settle!: () => void;
  const ready = new Promise<void>((resolve) => (settle = resolve));

  const lose = (lost: pg.Client) => {
    if (client !== lost) return;
    client = undefined;
    lost.end().catch(() => {});
    if (live) {
      live = false;
      listener(null);
    }
    settle();
    if (stopped) return;
    retry = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MS.longest);
  };

  const heard = ({ payload = '' }: pg.Notification) => {
    const [from, sender, ...thread] = payload.split(' ');
    if (from === schema && sender !== origin) listener(thread.length === 0 ? null : thread.join(' '));
  };

  async function connect() {
    const next = new pg.Client({ connectionString, keepAlive: true, application_name: 'colloquy-listen', connectionTimeoutMillis: 10_000 });
    client = next;
    next.on('error', () => lose(next));
    next.on('end', () => lose(next));
    next.on('notification', heard);
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch {
      return lose(next);
    }
    // Stopped meanwhile.
    if (client !== next) return void next.end().catch(() => {});
    live = true;
    retryMs = RETRY_MS.first;
    // Whatever committed before LISTEN took effect was not heard.
    listener(null);
    settle();
  }

  const heartbeat = setInterval(() => {
    const current = client;
    if (!current || !live) return;
    const timeout = setTimeout(() => lose(current), HEARTBEAT.timeoutMs);
    current.query('SELECT 1').then(
      () => clearTimeout(timeout),
      () => {
        clearTimeout(timeout);
        lose(current);
      },
    );
  }, HEARTBEAT.everyMs);
  heartbeat.unref();

  void connect();
  return {
    get live() {
      return live;
    },
    ready,
    check() {},
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      const current = client;
      client = undefined;
      live = false;
      settle();
      // Bounded: ending a client whose connection already broke may never settle.
      await Promise.race([current?.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    },
  };
}
