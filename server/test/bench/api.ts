/**
 * `npm run bench:api`: what the reference server sustains, on SQLite and on PostgreSQL, beside the
 * ceiling measured in the same run: a bare Fastify route answering the same JSON body from memory.
 * Figures only, never a pass/fail: timings vary by machine, the ratios are what to watch.
 *
 * 1. Throughput (autocannon, 10 connections, 2 s warm-up then 10 s measured per scenario):
 *    `GET /api/comments?thread=bench&limit=100` on a thread of 100 comments (seeded through the
 *    API) three ways: from the read cache (a 200 with the page and a fresh form token), revalidated
 *    (If-None-Match with the page's ETag: a 304), and from a second server on the same database
 *    without the cache (COLLOQUY_CACHE_MB=0: every GET reads the database and serializes); then
 *    `POST /api/comments` with a fresh body and Idempotency-Key on every request (so every
 *    answer is a 201 that wrote a row). The ceiling runs first and again last; ratios are to the
 *    mean of the two. p50/p99 come from each response's time (autocannon's own histogram keeps whole
 *    milliseconds); "autocannon CPU" near 100% means the load generator, not the server, was the limit.
 *    A status other than the expected one, an error or a timeout marks the row void.
 * 2. A thread of 100,000 comments, inserted through the raw driver in one transaction (the store's
 *    createComment commits each comment on its own: about a minute on SQLite and two on PostgreSQL
 *    here, too slow for this run), then ANALYZE (SQLite) or VACUUM ANALYZE (PostgreSQL, as
 *    autovacuum soon would). GET latency of its first page and of its last page (found by walking
 *    every cursor once over HTTP), 200 sequential requests each, beside the 100-comment thread's
 *    first page, from the cache and without it; and the same pages through `store.listComments`
 *    alone, without HTTP or the count.
 * 3. Page sizes: the first page of the 100,000-comment thread at limit 100, 200, 500 and 1000 (50
 *    sequential requests each), without the cache (what each change of a thread costs) and from it
 *    (what every other read costs), with the size of the JSON: the figures behind MAX_PAGE_SIZE.
 *
 * The goals of issue 10 are printed with each figure: a cached GET at 0.6× the ceiling or more on
 * each engine, and the last page of the big thread within 1.1× of the first.
 *
 * The server runs in a child process (test/bench/api-server.ts), autocannon in this one: on 2 cores,
 * in-process autocannon would share the server's single event loop, so every figure would include
 * the load generator's own work, and the ceiling most of all (its route costs about what
 * autocannon spends per request). PostgreSQL's backends share the same cores; that is part of
 * the figure. Run it on an otherwise idle machine: the load average is printed.
 *
 * Flags: `--sqlite-only` skips PostgreSQL (without it, an unreachable PostgreSQL exits 1);
 * `--duration <s>` shortens the measured runs, for trying the script out.
 * PostgreSQL: COLLOQUY_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; the
 * run uses a schema of its own and drops it at the end. SQLite: a file in the OS temp folder.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore, createSqliteStore } from '../../src/store';
import type { Store } from '../../src/store/interfaces';
import type { ServeReply, ServeRequest } from './api-server';
import { assertPostgresReachable, POSTGRES_URL } from '../integration/stores';
import { random } from './random';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// autocannon ships no types; this is the part of its API the bench uses.

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  requests?: (AutocannonRequest & { setupRequest?: (request: AutocannonRequest) => AutocannonRequest })[];
}
interface AutocannonResult {
  duration: number;
  requests: { total: number };
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
/** The instance is also a promise of the result; 'response' gives each response time in fractional ms. */
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, milliseconds: number) => void): this;
}
const autocannon = require('autocannon') as (options: AutocannonOptions) => AutocannonInstance;

// ---------------------------------------------------------------------------------------------
// Settings

function readFlags() {
  try {
    return parseArgs({
      options: { 'sqlite-only': { type: 'boolean', default: false }, duration: { type: 'string', default: '10' } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: tsx test/bench/api.ts [--sqlite-only] [--duration <seconds>]`);
    process.exit(1);
  }
}
const flags = readFlags();
const DURATION = Number(flags.duration);
if (!Number.isInteger(DURATION) || DURATION < 1 || DURATION > 60) {
  console.error(`--duration must be a whole number of seconds from 1 to 60, got "${flags.duration}"`);
  process.exit(1);
}
const SQLITE_ONLY = flags['sqlite-only'];
const WARMUP = 2;
const CONNECTIONS = 10;
const SEEDED = 100;
const BIG = 100_000;
const PAGE = 100;
const SAMPLES = 200;
const WARMUP_SAMPLES = 20;
const PAGE_SIZES = [100, 200, 500, 1000];
const PAGE_SIZE_SAMPLES = 50;
/** Issue 10's goals. */
const GOALS = { cachedGet: 0.6, lastOverFirst: 1.1 };
const GET_PATH = `/api/comments?thread=bench&limit=${PAGE}`;
const RUN_ID = randomBytes(4).toString('hex');

// ---------------------------------------------------------------------------------------------
// Data: deterministic comments of realistic length, the same on both stores.

const words =
  'interview campus search offer email phone colleague network conversation professional school committee position question future connection encouragement lesson process experience relationship follow-up feedback candidate application advice mentor hiring decision opportunity'.split(
    ' ',
  );
const names = ['T', 'Joe', 'Ada', 'Brian', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mo', 'Nia'];

/** Comment text of 2–6 sentences (~100–450 characters) with a little markdown, decided by `seed`. */
function commentText(seed: number): string {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const sentences = Array.from({ length: 2 + Math.floor(next() * 5) }, () => {
    const s = Array.from({ length: 6 + Math.floor(next() * 8) }, () => pick(words)).join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  });
  if (next() < 0.3) sentences.push(`See *${pick(words)}* and [the ${pick(words)} notes](https://example.com/${pick(words)}).`);
  return sentences.join(' ');
}

const authorOf = (i: number) => {
  const name = `${names[i % names.length]!} ${Math.floor(i / names.length) % 40}`;
  return { name, email: `reader${i % 640}@example.com`, ...(i % 5 === 0 ? { url: `https://reader${i % 640}.example.org` } : {}) };
};

/** Row `i` of the 100,000-comment thread: three comments per second (ties), ids unrelated to insertion order. */
function bigRow(i: number) {
  const id = (n: number) => createHash('md5').update(`big-${n}`).digest('base64url').slice(0, 21);
  const author = authorOf(i);
  return {
    id: id(i),
    // A quarter are replies to a recent comment.
    parentId: i >= 12 && i % 4 === 3 ? id(i - 1 - (i % 11)) : null,
    body: commentText(i),
    authorName: author.name,
    authorEmail: author.email,
    authorUrl: author.url ?? null,
    avatarSeed: createHash('sha256').update(author.email).digest('hex').slice(0, 16),
    createdAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 3) * 1000).toISOString(),
    editTokenHash: createHash('sha256').update(`token-${i}`).digest('hex'),
  };
}
type BigRow = ReturnType<typeof bigRow>;

// ---------------------------------------------------------------------------------------------
// Databases

interface BenchDatabase {
  name: 'SQLite' | 'PostgreSQL';
  serve: Extract<ServeRequest, { kind: 'colloquy' }>;
  version: string;
  /** Another store instance on this database, in this process (for listComments alone). */
  openStore(): Store;
  /** Inserts the big thread through the raw driver, in one transaction, then ANALYZE. */
  insertBig(rows: Iterable<BigRow>): Promise<void>;
}

/** Last-in, first-out: what to undo at the end, or on Ctrl-C. */
const cleanups: (() => Promise<void> | void)[] = [];
async function cleanUp() {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('cleanup:', error);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const fsNames: Record<number, string> = { 0xef53: 'ext2/3/4', 0x01021994: 'tmpfs', 0x794c7630: 'overlayfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs' };

function createSqliteDatabase(): BenchDatabase & { where: string } {
  const dir = mkdtempSync(join(tmpdir(), 'colloquy-bench-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'colloquy.db');
  const fsType = statfsSync(dir).type;
  const stores: Store[] = [];
  cleanups.push(() => Promise.all(stores.map((store) => store.close())).then(() => {}));
  const memory = new Database(':memory:');
  const sqliteVersion = (memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  memory.close();
  return {
    name: 'SQLite',
    where: `${path} (${fsNames[fsType] ?? `filesystem 0x${fsType.toString(16)}`})`,
    serve: { kind: 'colloquy', store: { engine: 'sqlite', path } },
    version: sqliteVersion,
    openStore() {
      const store = createSqliteStore({ path });
      stores.push(store);
      return store;
    },
    async insertBig(rows) {
      const raw = new Database(path, { timeout: 10_000 });
      try {
        const insert = raw.prepare(
          `INSERT INTO comments (id, thread_id, parent_id, body, author_name, author_email, author_url, avatar_seed, status, created_at, edit_token_hash)
           VALUES (@id, 'big', @parentId, @body, @authorName, @authorEmail, @authorUrl, @avatarSeed, 'approved', @createdAt, @editTokenHash)`,
        );
        raw.transaction(() => {
          raw
            .prepare(`INSERT INTO threads (id, title, created_at) VALUES ('big', 'A thread of 100,000 comments', ?)`)
            .run(new Date(Date.UTC(2024, 0, 1)).toISOString());
          for (const row of rows) insert.run(row);
        })();
        raw.exec('ANALYZE');
      } finally {
        raw.close();
      }
    },
  };
}

async function createPostgresDatabase(): Promise<BenchDatabase> {
  const schema = `colloquy_bench_${RUN_ID}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  await admin.connect();
  cleanups.push(() => admin.end());
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
  const stores: Store[] = [];
  cleanups.push(() => Promise.all(stores.map((store) => store.close())).then(() => {}));
  return {
    name: 'PostgreSQL',
    serve: { kind: 'colloquy', store: { engine: 'postgres', connectionString: POSTGRES_URL, schema } },
    version: rows[0]?.server_version ?? '?',
    openStore() {
      const store = createPostgresStore({ connectionString: POSTGRES_URL, schema });
      stores.push(store);
      return store;
    },
    async insertBig(all) {
      await admin.query(`SET search_path = ${schema}`);
      await admin.query('BEGIN');
      try {
        await admin.query(`INSERT INTO threads (id, title, created_at) VALUES ('big', 'A thread of 100,000 comments', $1)`, [
          new Date(Date.UTC(2024, 0, 1)).toISOString(),
        ]);
        // Batches of 5,000 rows as parallel arrays: one round trip and one statement per batch.
        const batch: BigRow[] = [];
        const flush = async () => {
          const column = <K extends keyof BigRow>(key: K) => batch.map((row) => row[key]);
          await admin.query(
            `INSERT INTO comments (id, thread_id, parent_id, body, author_name, author_email, author_url, avatar_seed, status, created_at, edit_token_hash)
             SELECT id, 'big', parent_id, body, author_name, author_email, author_url, avatar_seed, 'approved', created_at, edit_token_hash
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])
               AS t (id, parent_id, body, author_name, author_email, author_url, avatar_seed, created_at, edit_token_hash)`,
            [
              column('id'),
              column('parentId'),
              column('body'),
              column('authorName'),
              column('authorEmail'),
              column('authorUrl'),
              column('avatarSeed'),
              column('createdAt'),
              column('editTokenHash'),
            ],
          );
          batch.length = 0;
        };
        for (const row of all) {
          batch.push(row);
          if (batch.length === 5000) await flush();
        }
        if (batch.length) await flush();
        await admin.query('COMMIT');
      } catch (error) {
        await admin.query('ROLLBACK');
        throw error;
      }
      // What autovacuum would soon do after 100,000 inserts: without the visibility map, the thread
      // count (an index-only scan) would read every heap page, and the figure would depend on timing.
      await admin.query('VACUUM (ANALYZE) threads, comments');
    },
  };
}

/** Fails clearly, never skips silently: a run without PostgreSQL has to be asked for. */
async function checkPostgres(): Promise<void> {
  try {
    await assertPostgresReachable();
  } catch (error) {
    console.error(`${(error as Error).message}\nOr run with --sqlite-only to benchmark SQLite alone.`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Servers (child processes)

interface Server {
  origin: string;
  stop(): Promise<void>;
}

async function startServer(request: ServeRequest): Promise<Server> {
  const child = fork(fileURLToPath(new URL('./api-server.ts', import.meta.url)), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.send('stop');
      else child.kill('SIGTERM');
    });
  cleanups.push(stop);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (reply: ServeReply) =>
      'ready' in reply ? resolve(reply.ready) : reject(new Error(`the bench server failed to start:\n${reply.failed}`)),
    );
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before listening`)));
    child.send(request);
  });
  return { origin: `http://127.0.0.1:${port}`, stop };
}

async function call(url: string, init?: RequestInit): Promise<{ status: number; text: string; contentType: string; etag: string }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get('content-type') ?? '',
    etag: response.headers.get('etag') ?? '',
  };
}

/** The 100-comment thread, through the API: a quarter replies, as readers would post it. */
async function seedThread(origin: string) {
  const ids: string[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const parentId = i >= 4 && i % 4 === 3 ? ids[i - 1 - (i % 3)] : undefined;
    const { status, text } = await call(`${origin}/api/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `seed-${RUN_ID}-${i}` },
      body: JSON.stringify({
        thread: 'bench',
        title: 'Benchmark thread',
        body: commentText(1_000_000 + i),
        author: authorOf(i),
        ...(parentId ? { parentId } : {}),
      }),
    });
    if (status !== 201) throw new Error(`seeding comment ${i}: ${status} ${text}`);
    ids.push((JSON.parse(text) as { comment: { id: string } }).comment.id);
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Figures {
  scenario: string;
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time of this process (autocannon) ÷ wall time: near 100%, the load generator, not the server, is the limit. */
  clientCpu: number;
  /** Anything but the expected status, errors and timeouts; the figures are void if non-empty. */
  problems: string[];
}

async function load(scenario: string, options: AutocannonOptions, expected: number): Promise<Figures> {
  await autocannon({ ...options, duration: WARMUP });
  // Our own percentiles: autocannon's latency histogram keeps whole milliseconds, too coarse for the ceiling.
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await autocannon(options).on('response', (_client, _status, _bytes, milliseconds) => times.push(milliseconds));
  const cpu = process.cpuUsage(cpuBefore);
  const clientCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
  const problems = Object.entries(result.statusCodeStats)
    .filter(([status]) => Number(status) !== expected)
    .map(([status, { count }]) => `${count}× HTTP ${status}`);
  if (result.errors) problems.push(`${result.errors} errors`);
  if (result.timeouts) problems.push(`${result.timeouts} timeouts`);
  return {
    scenario,
    perSecond: result.requests.total / result.duration,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    requests: result.requests.total,
    clientCpu,
    problems,
  };
}

const getLoad = (scenario: string, origin: string, headers?: Record<string, string>) =>
  load(scenario, { url: `${origin}${GET_PATH}`, connections: CONNECTIONS, duration: DURATION, ...(headers ? { headers } : {}) }, headers ? 304 : 200);

/** Every request a new comment: its own body and its own Idempotency-Key, so every answer is a 201. */
function postLoad(scenario: string, origin: string) {
  let n = 0;
  return load(
    scenario,
    {
      url: origin,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          path: '/api/comments',
          setupRequest: (request) => {
            const i = n++;
            return {
              ...request,
              headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${RUN_ID}-${i}` },
              body: JSON.stringify({ thread: 'bench-posts', title: 'Posting benchmark', body: commentText(i), author: authorOf(i) }),
            };
          },
        },
      ],
    },
    201,
  );
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/** Sequential latency of several operations, interleaved round by round so drift hits each alike. */
async function sequential(operations: Record<string, () => Promise<unknown>>, count = SAMPLES): Promise<Record<string, { median: number; p99: number }>> {
  const names = Object.keys(operations);
  const samples = new Map(names.map((name) => [name, [] as number[]]));
  for (let round = 0; round < WARMUP_SAMPLES + count; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const start = performance.now();
      await operations[name]!();
      const elapsed = performance.now() - start;
      if (round >= WARMUP_SAMPLES) samples.get(name)!.push(elapsed);
    }
  }
  return Object.fromEntries(names.map((name) => [name, { median: percentile(samples.get(name)!, 50), p99: percentile(samples.get(name)!, 99) }]));
}

interface Page {
  comments: { id: string }[];
  nextCursor: string | null;
}

async function getPage(origin: string, thread: string, cursor?: string, limit = PAGE): Promise<Page & { bytes: number }> {
  const { status, text } = await call(`${origin}/api/comments?thread=${thread}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
  if (status !== 200) throw new Error(`GET ${thread} page: ${status} ${text}`);
  return { ...(JSON.parse(text) as Page), bytes: Buffer.byteLength(text) };
}

interface BigFigures {
  store: string;
  insertSeconds: number;
  walkSeconds: number;
  pages: number;
  timings: Record<'reference' | 'first' | 'last' | 'bareFirst' | 'bareLast' | 'storeFirst' | 'storeLast', { median: number; p99: number }>;
  pageSizes: { limit: number; kilobytes: number; bare: number; cached: number }[];
}

/** Both servers of a database: with the read cache, and without it. */
interface Servers {
  cached: Server;
  bare: Server;
}

async function measureBigThread(database: BenchDatabase, { cached, bare }: Servers): Promise<BigFigures> {
  const origin = cached.origin;
  const started = performance.now();
  await database.insertBig(
    (function* () {
      for (let i = 1; i <= BIG; i++) yield bigRow(i);
    })(),
  );
  const insertSeconds = (performance.now() - started) / 1000;

  // Walk every page once, as a reader paging through would, to find the cursor of the last page.
  const walkStart = performance.now();
  let cursor: string | undefined;
  let lastCursor: string | undefined;
  let pages = 0;
  let seen = 0;
  for (;;) {
    const page = await getPage(origin, 'big', cursor);
    pages++;
    seen += page.comments.length;
    if (page.nextCursor === null) break;
    lastCursor = page.nextCursor;
    cursor = page.nextCursor;
  }
  const walkSeconds = (performance.now() - walkStart) / 1000;
  if (seen !== BIG || lastCursor === undefined) throw new Error(`walking the big thread saw ${seen} comments in ${pages} pages, not ${BIG}`);
  const last = await getPage(origin, 'big', lastCursor);
  if (last.comments.length !== PAGE || last.nextCursor !== null) throw new Error('the last page is not a full page without a next cursor');

  const store = database.openStore();
  const timings = await sequential({
    reference: () => getPage(origin, 'bench'),
    first: () => getPage(origin, 'big'),
    last: () => getPage(origin, 'big', lastCursor),
    bareFirst: () => getPage(bare.origin, 'big'),
    bareLast: () => getPage(bare.origin, 'big', lastCursor),
    storeFirst: () => store.comments.list({ threadId: 'big', limit: PAGE, sort: 'oldest' }),
    storeLast: () => store.comments.list({ threadId: 'big', limit: PAGE, sort: 'oldest', cursor: lastCursor }),
  });
  const pageSizes: BigFigures['pageSizes'] = [];
  for (const limit of PAGE_SIZES) {
    const { bytes } = await getPage(bare.origin, 'big', undefined, limit);
    const times = await sequential(
      { bare: () => getPage(bare.origin, 'big', undefined, limit), cached: () => getPage(origin, 'big', undefined, limit) },
      PAGE_SIZE_SAMPLES,
    );
    pageSizes.push({ limit, kilobytes: bytes / 1024, bare: times.bare!.median, cached: times.cached!.median });
  }
  return { store: database.name, insertSeconds, walkSeconds, pages, timings: timings as BigFigures['timings'], pageSizes };
}

// ---------------------------------------------------------------------------------------------
// Printing

function table(rows: string[][], rules: number[]) {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('   ')
        .trimEnd(),
    );
    if (rules.includes(index)) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const version = (name: string) => {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
};

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!SQLITE_ONLY) await checkPostgres();

  const cpu = cpus();
  console.log(
    `Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${osType()} ${release()} ${process.arch}`,
  );
  console.log(
    `Load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')} (other work on the machine skews every figure)`,
  );

  const sqlite = createSqliteDatabase();
  const databases: BenchDatabase[] = [sqlite];
  if (!SQLITE_ONLY) databases.push(await createPostgresDatabase());
  console.log(
    `Fastify ${version('fastify')}, better-sqlite3 ${version('better-sqlite3')} (SQLite ${sqlite.version})` +
      (databases[1] ? `, pg ${version('pg')} (PostgreSQL ${databases[1].version})` : '') +
      `, autocannon ${version('autocannon')}`,
  );
  console.log(`SQLite file: ${sqlite.where}; WAL, synchronous=FULL (each POST waits for its commit to reach the disk)`);
  if (databases[1]) console.log(`PostgreSQL: ${new URL(POSTGRES_URL).host}, schema colloquy_bench_${RUN_ID} (dropped at the end), pool of 10`);
  console.log(
    `Each server runs in a child process (one event loop), autocannon in this one; ${CONNECTIONS} connections, ` +
      `${WARMUP} s warm-up + ${DURATION} s per scenario.\n`,
  );

  const servers = new Map<BenchDatabase, Servers>();
  for (const database of databases) {
    const cached = await startServer(database.serve);
    await seedThread(cached.origin);
    servers.set(database, { cached, bare: await startServer({ ...database.serve, cacheMb: 0 }) });
  }
  // The ceiling answers exactly what the real GET answered.
  const captured = await call(`${servers.get(sqlite)!.cached.origin}${GET_PATH}`);
  const capturedComments = (JSON.parse(captured.text) as Page).comments.length;
  if (captured.status !== 200 || capturedComments !== SEEDED) throw new Error(`GET ${GET_PATH}: ${captured.status}, ${capturedComments} comments`);
  const ceiling = await startServer({ kind: 'ceiling', path: '/api/comments', body: captured.text, contentType: captured.contentType });
  console.log(`GET body: ${SEEDED} comments, ${(Buffer.byteLength(captured.text) / 1024).toFixed(1)} KB of JSON (${captured.contentType}).`);

  const results: Figures[] = [];
  const progress = (figures: Figures) => {
    console.log(`  ${figures.scenario}: ${figures.perSecond.toFixed(0)} req/s${figures.problems.length ? `  (!) ${figures.problems.join(', ')}` : ''}`);
    results.push(figures);
  };
  progress(await getLoad('ceiling: bare Fastify, same body from memory', ceiling.origin));
  const cachedGets = new Map<BenchDatabase, Figures>();
  for (const database of databases) {
    const { cached, bare } = servers.get(database)!;
    const { etag } = await call(`${cached.origin}${GET_PATH}`);
    cachedGets.set(database, await getLoad(`${database.name}: GET ${GET_PATH}, from the cache`, cached.origin));
    progress(cachedGets.get(database)!);
    progress(await getLoad(`${database.name}: the same GET with If-None-Match (304)`, cached.origin, { 'if-none-match': etag }));
    progress(await getLoad(`${database.name}: the same GET without the cache`, bare.origin));
    progress(await postLoad(`${database.name}: POST /api/comments`, cached.origin));
  }
  progress(await getLoad('ceiling, again at the end', ceiling.origin));
  await ceiling.stop();

  const ceilings = [results[0]!, results[results.length - 1]!];
  const ceilingRate = (ceilings[0]!.perSecond + ceilings[1]!.perSecond) / 2;
  console.log(`\nThroughput (${CONNECTIONS} connections, ${DURATION} s each; ratio = req/s ÷ mean of the two ceiling runs, ${ceilingRate.toFixed(0)} req/s)\n`);
  table(
    [
      ['scenario', 'req/s', 'p50', 'p99', '÷ ceiling', 'requests', 'autocannon CPU'],
      ...results.map((f) => [
        f.scenario + (f.problems.length ? '  (!) void: ' + f.problems.join(', ') : ''),
        f.perSecond.toFixed(0),
        ms(f.p50),
        ms(f.p99),
        `${(f.perSecond / ceilingRate).toFixed(2)}×`,
        String(f.requests),
        `${(f.clientCpu * 100).toFixed(0)}%`,
      ]),
    ],
    [0],
  );
  const goal = (met: boolean) => (met ? 'goal met' : 'goal MISSED');
  for (const [database, figures] of cachedGets) {
    const ratio = figures.perSecond / ceilingRate;
    console.log(`Goal: a cached GET at ${GOALS.cachedGet}× the ceiling or more on ${database.name}: ${ratio.toFixed(2)}×, ${goal(ratio >= GOALS.cachedGet)}`);
  }

  console.log(
    `\nA thread of ${BIG.toLocaleString('en')} comments (limit=${PAGE}; ${SAMPLES} sequential requests per row after ${WARMUP_SAMPLES} warm-up, interleaved)\n`,
  );
  const big: BigFigures[] = [];
  for (const database of databases) {
    const figures = await measureBigThread(database, servers.get(database)!);
    console.log(
      `  ${database.name}: inserted through the raw driver in one transaction in ${figures.insertSeconds.toFixed(1)} s (then ${database.name === 'SQLite' ? 'ANALYZE' : 'VACUUM ANALYZE'}); ` +
        `walked ${figures.pages} pages over HTTP in ${figures.walkSeconds.toFixed(1)} s`,
    );
    big.push(figures);
  }
  console.log();
  const rows: string[][] = [['', 'GET median', 'GET p99', 'listComments median', 'listComments p99']];
  for (const { store, timings: t } of big) {
    rows.push(
      [`${store}: 100-comment thread, first page (reference)`, ms(t.reference.median), ms(t.reference.p99), '', ''],
      [`${store}: 100,000-comment thread, first page, from the cache`, ms(t.first.median), ms(t.first.p99), '', ''],
      [`${store}: 100,000-comment thread, last page, from the cache`, ms(t.last.median), ms(t.last.p99), '', ''],
      [`${store}: 100,000-comment thread, first page, no cache`, ms(t.bareFirst.median), ms(t.bareFirst.p99), ms(t.storeFirst.median), ms(t.storeFirst.p99)],
      [`${store}: 100,000-comment thread, last page, no cache`, ms(t.bareLast.median), ms(t.bareLast.p99), ms(t.storeLast.median), ms(t.storeLast.p99)],
      [
        `${store}: last ÷ first, no cache`,
        `${(t.bareLast.median / t.bareFirst.median).toFixed(2)}×`,
        `${(t.bareLast.p99 / t.bareFirst.p99).toFixed(2)}×`,
        `${(t.storeLast.median / t.storeFirst.median).toFixed(2)}×`,
        `${(t.storeLast.p99 / t.storeFirst.p99).toFixed(2)}×`,
      ],
    );
  }
  table(rows, [0, ...big.slice(1).map((_, k) => 6 * (k + 1))]);
  console.log(
    '\nGET is the whole request over HTTP (one keep-alive connection): the page plus the thread count the response carries.' +
      '\nlistComments is the store call alone, in this process: the keyset page query without HTTP or the count.',
  );
  for (const { store, timings: t } of big) {
    const ratio = t.bareLast.median / t.bareFirst.median;
    console.log(
      `Goal: the last page within ${GOALS.lastOverFirst}× of the first on ${store} (no cache, median): ${ratio.toFixed(2)}×, ${goal(ratio <= GOALS.lastOverFirst)}`,
    );
  }

  console.log(`\nPage sizes: the first page of the 100,000-comment thread (${PAGE_SIZE_SAMPLES} sequential requests each, medians)\n`);
  const sizeRows: string[][] = [['', 'JSON', 'no cache', 'from the cache', 'no cache per comment']];
  for (const { store, pageSizes } of big) {
    for (const size of pageSizes) {
      sizeRows.push([
        `${store}: limit=${size.limit}`,
        `${size.kilobytes.toFixed(0)} KB`,
        ms(size.bare),
        ms(size.cached),
        `${((size.bare / size.limit) * 1000).toFixed(0)} µs`,
      ]);
    }
  }
  table(sizeRows, [0, ...big.slice(1).map((_, k) => PAGE_SIZES.length * (k + 1))]);
  console.log(
    `\nLoad average at the end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')}`,
  );
}

try {
  await main();
} finally {
  await cleanUp();
}
