import { ColloquyConfigError } from 'colloquy/core';
import type { ServerConfig } from '../config/config';
import { approvalOptions } from '../shared/context';
import { createStore } from '../store';
import type { Store } from '../store/interfaces';
import type { ModerationEntry, ModerationStatus, SettableStatus, StatusChange, ThreadChanges } from '../store/types';
import { ApiError } from '../shared/errors';
import { checkedThreadChanges, pageOrigins } from '../shared/thread-page';
import { commandConfig, parseCommandArgs, printable, UsageError } from './command';

export const moderateUsage = `Usage: colloquy moderate list [--status pending|approved|spam|deleted] [--thread ID] [--limit N] [--json]
       colloquy moderate approve|spam|delete ID [ID…] [--json]
       colloquy moderate thread ID [--title TEXT] [--url ADDRESS] [--json]

Lists comments for the site owner, newest first, with the author's email (every status unless
--status is given; --limit defaults to 50), or approves, marks as spam or deletes comments by id.
A deleted comment that has replies stays as a placeholder, as when its author deletes it.
thread shows a thread's title and page address, or corrects them: --title and --url replace
what is stored ('' clears it); the address must be on COLLOQUY_SITE_URL or COLLOQUY_ORIGINS.
Ids may start with '-': put them after --, as in colloquy moderate spam -- -77WJbrhojOjNebVyu01C.
The database is the server's: --database-url <value> or DATABASE_URL (default sqlite:./data/colloquy.db).

Exit status: 0 done; 1 an id was not found (the others were changed) or the database failed;
2 a wrong command, flag or value.
`;

const actions: Record<string, SettableStatus> = { approve: 'approved', spam: 'spam', delete: 'deleted' };
const statuses: readonly ModerationStatus[] = ['pending', 'approved', 'spam', 'deleted'];

/** The options only one command takes. */
const commandOptions = { list: ['status', 'thread', 'limit'], thread: ['title', 'url'] } as const;

interface Command {
  action: 'list' | 'thread' | SettableStatus;
  ids: string[];
  /** The correction `thread` makes, checked; empty to show the thread. */
  changes: ThreadChanges;
  status?: ModerationStatus;
  threadId?: string;
  limit: number;
  json: boolean;
  databaseUrl: string;
  /** The server's settings, for queueing the mails an approval causes. */
  config: ServerConfig;
}

function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): Command {
  const { values, positionals } = parseCommandArgs('moderate', argv, {
    status: { type: 'string' },
    thread: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    title: { type: 'string' },
    url: { type: 'string' },
    'database-url': { type: 'string' },
  });
  const [verb, ...ids] = positionals;
  if (verb === undefined) throw new UsageError('[colloquy] say what to do: colloquy moderate list|approve|spam|delete|thread (see colloquy moderate --help)');
  const action = verb === 'list' || verb === 'thread' ? verb : actions[verb];
  if (action === undefined) throw new UsageError(`[colloquy] unknown moderate command "${verb}"; use list, approve, spam, delete or thread`);
  if (action === 'list') {
    if (ids.length) throw new UsageError(`[colloquy] list takes no ids (got "${ids[0]}"); filter with --status and --thread`);
  } else if (action === 'thread') {
    if (ids.length !== 1) throw new UsageError('[colloquy] thread needs one thread id, e.g. colloquy moderate thread my-post --title "My post"');
  } else if (!ids.length) throw new UsageError(`[colloquy] ${verb} needs at least one comment id, e.g. colloquy moderate ${verb} 3fJx8k…`);
  for (const [command, names] of Object.entries(commandOptions)) {
    const misplaced = names.find((name) => values[name] !== undefined);
    if (command !== action && misplaced) throw new UsageError(`[colloquy] --${misplaced} is an option of ${command} only`);
  }
  if (values.status !== undefined && !statuses.includes(values.status as ModerationStatus)) {
    throw new UsageError(`[colloquy] --status must be one of ${statuses.join(', ')}, got "${values.status}"`);
  }
  const limit = values.limit ?? '50';
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000) {
    throw new UsageError(`[colloquy] --limit must be a whole number from 1 to 10000, got "${limit}"`);
  }
  // The server's own resolver, so that DATABASE_URL and --database-url mean exactly what they mean to `serve`.
  const config = commandConfig(env, values['database-url']);
  let changes: ThreadChanges;
  try {
    changes = checkedThreadChanges({ title: values.title, url: values.url }, pageOrigins(config));
  } catch (error) {
    if (error instanceof ApiError) throw new UsageError(`[colloquy] --${error.field === 'pageUrl' ? 'url' : 'title'}: ${error.message}`);
    throw error;
  }
  return {
    action,
    ids: [...new Set(ids)],
    changes,
    ...(values.status === undefined ? {} : { status: values.status as ModerationStatus }),
    ...(values.thread === undefined ? {} : { threadId: values.thread }),
    limit: Number(limit),
    json: values.json ?? false,
    databaseUrl: config.databaseUrl,
    config,
  };
}

/** JSON.stringify escapes C0 controls only; the rest of `printable`'s set is escaped here, so the JSON stays valid. */
const safeJson = (value: unknown) =>
  JSON.stringify(value, null, 2).replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

function table(entries: ModerationEntry[]): string {
  const rows = entries.map((entry) =>
    [
      entry.id,
      entry.status,
      `${entry.createdAt.slice(0, 10)} ${entry.createdAt.slice(11, 16)}`,
      entry.threadId,
      entry.author.name,
      entry.author.email,
      entry.body.split('\n', 1)[0]!,
    ].map((cell, index) => clip(printable(cell), [24, 8, 16, 28, 20, 32, 60][index]!)),
  );
  const header = ['id', 'status', 'when (UTC)', 'thread', 'author', 'email', 'comment'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function describeChange(change: StatusChange, status: SettableStatus): string {
  const id = printable(change.id);
  switch (change.outcome) {
    case 'not-found':
      return `[colloquy] no comment with id "${id}" (or it was deleted)`;
    case 'unchanged':
      return `unchanged  ${id}  (already ${change.previous})`;
    case 'placeholder':
      return `deleted    ${id}  (was ${change.previous}; kept as a placeholder because it has replies)`;
    default:
      return `${status.padEnd(9)}  ${id}  (was ${change.previous})`;
  }
}

/** `thread ID`: corrects the thread when asked to, then shows it. */
async function showThread(store: Store, { ids: [id = ''], changes, json }: Command): Promise<number> {
  const thread = await store.moderation.updateThread(id, changes);
  if (!thread) {
    console.error(`[colloquy] no thread with id "${printable(id)}": no comment was ever posted in it`);
    return 1;
  }
  if (json) console.log(safeJson(thread));
  else console.log([`thread   ${thread.id}`, `title    ${thread.title ?? '(none)'}`, `address  ${thread.url ?? '(none)'}`].map(printable).join('\n'));
  return 0;
}

/** A database address fit to print: no password. */
const redacted = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');

/** `colloquy moderate …`; resolves to the exit status. */
export async function moderate(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(moderateUsage);
    return 0;
  }
  let command: Command;
  try {
    command = parseCommand(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ColloquyConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  let store: Store | undefined;
  try {
    store = createStore(command.databaseUrl, command.config);
    await store.migrate();
    if (command.action === 'list') {
      const { status, threadId, limit } = command;
      const entries = await store.moderation.list({ limit, ...(status === undefined ? {} : { status }), ...(threadId === undefined ? {} : { threadId }) });
      if (command.json) console.log(safeJson(entries));
      else console.log(entries.length ? table(entries) : `No comments${status ? ` with status ${status}` : ''} (database: ${redacted(command.databaseUrl)}).`);
      return 0;
    }
    if (command.action === 'thread') return await showThread(store, command);
    // Followers hear of a held comment once it is approved, here as from the dashboard: the job is
    // queued with the change, and a running server's worker sends the mails.
    const changes = await store.moderation.setStatus(command.ids, command.action, approvalOptions(Boolean(command.config.smtpUrl), new Date()));
    if (command.json) console.log(safeJson(changes));
    for (const change of changes) {
      if (change.outcome === 'not-found') console.error(describeChange(change, command.action));
      else if (!command.json) console.log(describeChange(change, command.action));
    }
    return changes.some((change) => change.outcome === 'not-found') ? 1 : 0;
  } catch (error) {
    console.error(`[colloquy] ${error instanceof Error ? error.message.replace(/^\[colloquy\] /, '') : String(error)}`);
    return 1;
  } finally {
    await store?.close();
  }
}
