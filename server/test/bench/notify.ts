/**
 * `npm run bench:notify`: what notifications cost a comment's POST, beside the same POST with
 * notifications off, in the same run. Figures only, never a pass/fail.
 *
 * Both apps run in this process on their own SQLite file (`createApp`, requests through
 * `app.inject`, so no network in the figures). The notifying one has an SMTP sink (smtp-server on
 * 127.0.0.1), an owner address, and FOLLOWERS confirmed followers of the thread, so each approved
 * comment makes 1 + FOLLOWERS mails. Posts alternate between the two apps, so drift in the
 * machine's load touches both alike. Printed: POST latency (median, p95) of each, and, for the
 * notifying app, how long after the last answer the outbox was empty and every mail delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { createSqliteStore } from '../../src/store';

const { values } = parseArgs({ options: { posts: { type: 'string', default: '100' }, followers: { type: 'string', default: '100' } } });
const POSTS = Number(values.posts);
const FOLLOWERS = Number(values.followers);
const THREAD = 'bench-notify';

const dir = mkdtempSync(join(tmpdir(), 'colloquy-bench-notify-'));
let delivered = 0;
const smtp = new SMTPServer({
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      delivered++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = (smtp.server.address() as { port: number }).port;

const base: Partial<AppConfig> = { moderation: 'none', spamChecks: [], rateLimit: 0 };

async function app(name: string, config: Partial<AppConfig>) {
  const path = join(dir, `${name}.db`);
  const store = createSqliteStore({ path });
  await store.migrate();
  return { path, store, app: createApp({ store, config: { ...base, ...config }, logger: false }) };
}

const quiet = await app('quiet', {});
const notifying = await app('notifying', {
  smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
  mailFrom: 'Comments <comments@bench.test>',
  ownerEmail: 'owner@bench.test',
  publicUrl: 'http://comments.bench.test',
});
await Promise.all([quiet.app.ready(), notifying.app.ready()]);

const post = (target: { app: typeof quiet.app }, n: number) =>
  target.app.inject({
    method: 'POST',
    url: '/api/comments',
    payload: { thread: THREAD, title: 'Bench', body: `Comment number ${n}, with a few words.`, author: { name: 'Bench', email: `poster-${n}@bench.test` } },
  });

// The thread exists once a comment does; then its followers, confirmed, straight into the table.
await post(notifying, -1);
const raw = new Database(notifying.path);
const follow = raw.prepare('INSERT INTO subscriptions (id, email, thread_id, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?)');
const now = new Date().toISOString();
raw.transaction(() => {
  for (let i = 0; i < FOLLOWERS; i++) follow.run(`f-${i}`, `follower-${i}@bench.test`, THREAD, now, now);
})();
const outboxSize = raw.prepare<[], { n: number }>('SELECT count(*) AS n FROM mail_outbox');
// Let the first comment's mails go, so the measured run starts from an empty outbox.
while (outboxSize.get()!.n > 0) await new Promise((resolve) => setTimeout(resolve, 20));
delivered = 0;

const times = { quiet: [] as number[], notifying: [] as number[] };
for (let n = 0; n < POSTS; n++) {
  for (const [name, target] of [
    ['quiet', quiet],
    ['notifying', notifying],
  ] as const) {
    const started = performance.now();
    const response = await post(target, n);
    times[name].push(performance.now() - started);
    if (response.statusCode !== 201) throw new Error(`${name}: POST answered ${response.statusCode}: ${response.body}`);
  }
}
const answered = performance.now();
const expected = POSTS * (1 + FOLLOWERS);
while (outboxSize.get()!.n > 0 || delivered < expected) await new Promise((resolve) => setTimeout(resolve, 20));
const drained = performance.now() - answered;

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const row = (name: string, values: number[]) =>
  `${name.padEnd(34)} ${quantile(values, 0.5).toFixed(2).padStart(8)} ms ${quantile(values, 0.95).toFixed(2).padStart(8)} ms`;
console.log(`POST /api/comments, ${POSTS} comments each, ${FOLLOWERS} confirmed followers (SQLite, in process)`);
console.log(`${''.padEnd(34)} ${'median'.padStart(11)} ${'p95'.padStart(11)}`);
console.log(row('notifications off (baseline)', times.quiet));
console.log(row(`notifications on (${1 + FOLLOWERS} mails each)`, times.notifying));
console.log(`median ratio: ${(quantile(times.notifying, 0.5) / quantile(times.quiet, 0.5)).toFixed(2)}×`);
console.log(
  `${expected} mails delivered ${(drained / 1000).toFixed(1)} s after the last answer (${Math.round(expected / ((drained + 1) / 1000))} mails/s overall)`,
);

raw.close();
await Promise.all([quiet.app.close(), notifying.app.close()]);
await Promise.all([quiet.store.close(), notifying.store.close()]);
await new Promise<void>((resolve) => smtp.close(() => resolve()));
rmSync(dir, { recursive: true, force: true });
