/** What the `colloquy` commands that work on the database share: their flags, the database, safe printing. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveServerConfig, type ServerConfig } from '../config/config';
import { readConfigFile } from '../config/config-file';

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs (positionals allowed, unknown flags refused), its error a UsageError naming the flag and the command's help. */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T }>> {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    // parseArgs names the flag at fault ("Unknown option '--x'", "Option '--limit <value>' argument missing").
    throw new UsageError(`[colloquy] ${(error as Error).message.split('. ')[0]}; see colloquy ${command} --help`);
  }
}

/** The server's settings, with the database `--database-url` names if given: as `serve` resolves them. */
export const commandConfig = (env: Record<string, string | undefined>, databaseUrl: string | undefined): ServerConfig =>
  resolveServerConfig(env, databaseUrl === undefined ? [] : ['--database-url', databaseUrl], readConfigFile(env, []).file);

/**
 * Text from comments and readers: control characters (ANSI escapes could drive the owner's terminal)
 * and bidi overrides (which could make one id read as another) are shown as U+FFFD.
 */
export const printable = (text: string) => text.replace(/[\0-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
