import { ColloquyConfigError } from 'colloquy/core';
import { commandConfig, parseCommandArgs, printable, UsageError } from './command';
import { createStore } from '../store';
import type { Store } from '../store/interfaces';
import type { User } from '../store/types';

export const usersUsage = `Usage: colloquy users list [--blocked] [--search TEXT] [--limit N] [--json]
       colloquy users block|unblock ID [ID…]

Lists the readers who signed in, newest first, with their email (--blocked: only blocked ones),
or blocks and unblocks them by id. A blocked reader's sessions end at once and their new comments
are refused; their comments stay as they are. The database is the server's: --database-url <value>
or DATABASE_URL (default sqlite:./data/colloquy.db).

Exit status: 0 done; 1 an id was not found (the others were changed) or the database failed;
2 a wrong command, flag or value.
`;

const line = (user: User) =>
  [user.id, user.blockedAt ? 'blocked' : 'active', user.provider, printable(user.name), printable(user.email || '-'), user.createdAt.slice(0, 10)].join('  ');

/** `colloquy users …`; resolves to the exit status. */
export async function users(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(usersUsage);
    return 0;
  }
  let parsed;
  let databaseUrl: string;
  try {
    parsed = parseCommandArgs('users', argv, {
      blocked: { type: 'boolean' },
      search: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      'database-url': { type: 'string' },
    });
    databaseUrl = commandConfig(env, parsed.values['database-url']).databaseUrl;
  } catch (error) {
    // A usage error or a bad setting, each already worded: exit status 2.
    if (!(error instanceof UsageError || error instanceof ColloquyConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const { values, positionals } = parsed;
  const [verb, ...ids] = positionals;
  const limit = values.limit ?? '50';
  if (verb !== 'list' && verb !== 'block' && verb !== 'unblock') {
    console.error(
      `[colloquy] ${verb === undefined ? 'say what to do' : `unknown users command "${verb}"`}: colloquy users list|block|unblock (see colloquy users --help)`,
    );
    return 2;
  }
  if (verb === 'list' ? ids.length > 0 : ids.length === 0) {
    console.error(verb === 'list' ? '[colloquy] list takes no ids' : `[colloquy] ${verb} needs at least one user id (see colloquy users list)`);
    return 2;
  }
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000) {
    console.error(`[colloquy] --limit must be a whole number from 1 to 10000, got "${limit}"`);
    return 2;
  }
  let store: Store | undefined;
  try {
    store = createStore(databaseUrl);
    await store.migrate();
    if (verb === 'list') {
      const found = await store.users.list({
        limit: Number(limit),
        ...(values.blocked ? { blocked: true } : {}),
        ...(values.search ? { q: values.search } : {}),
      });
      if (values.json) console.log(JSON.stringify(found, null, 2));
      else console.log(found.length ? found.map(line).join('\n') : 'No readers have signed in yet.');
      return 0;
    }
    let missing = 0;
    for (const id of new Set(ids)) {
      const user = await store.users.setBlocked(id, verb === 'block', new Date().toISOString());
      if (user) console.log(`${verb === 'block' ? 'blocked  ' : 'unblocked'}  ${id}  ${printable(user.name)}`);
      else {
        missing++;
        console.error(`[colloquy] no reader with id "${printable(id)}"`);
      }
    }
    return missing ? 1 : 0;
  } catch (error) {
    console.error(`[colloquy] ${error instanceof Error ? error.message.replace(/^\[colloquy\] /, '') : String(error)}`);
    return 1;
  } finally {
    await store?.close();
  }
}
