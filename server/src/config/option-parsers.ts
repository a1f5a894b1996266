import { ColloquyConfigError } from 'colloquy/core';
import { parseAddressRange } from '../shared/addresses';

/**
 * The pieces every option of `colloquy serve` is made of. Features that own settings (moderation)
 * describe their options with these, and config.ts composes the tables: one way to parse a value,
 * one error shape, whichever folder the option lives in.
 */

/** Turns the raw text of a flag, a variable or a config-file key (named by `name`) into the option's value, or throws. */
export type Parse<T> = (raw: string, name: string) => T;

/** One option: its variable, its flag, its line in `colloquy --help` and its parser. */
export interface OptionSpec<T> {
  env: string;
  flag: string;
  help: string;
  parse: Parse<T>;
}

/** An option table: one spec per key of the settings it fills. */
export type OptionTable<Settings> = { [K in keyof Settings]: OptionSpec<Settings[K]> };

/** Throws the one `[colloquy]` error naming the flag, variable or file key at fault. */
export const fail = (name: string, problem: string): never => {
  throw new ColloquyConfigError(name, problem);
};

export const integer =
  (min: number, max: number): Parse<number> =>
  (raw, name) => {
    const value = Number(raw);
    return /^\d+$/.test(raw) && value >= min && value <= max ? value : fail(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  };

/** Comma-separated entries, trimmed, empty ones dropped. */
export const list = (raw: string) =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** An http(s) origin (`https://blog.example`, a trailing `/` allowed), as the URL parser writes it; `problem` otherwise. */
export function origin(raw: string, name: string, problem: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  const bare = url && /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  return bare ? url.origin : fail(name, `${problem}, got "${raw}"`);
}

const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, a CIDR range, or one of the named ranges Fastify's trustProxy knows. */
export const isAddressOrRange = (entry: string): boolean => proxyNames.has(entry) || parseAddressRange(entry) !== null;

/** The name `option` goes by in the form `source` (a flag, a variable or a file key) uses, so a message names what the reader typed. */
export const sameKindOfName = (key: string, option: Pick<OptionSpec<unknown>, 'env' | 'flag'>, source: string): string =>
  source.startsWith('--') ? option.flag : source.endsWith('(config file)') ? key : option.env;
