import { readFileSync } from 'node:fs';
import { ColloquyConfigError } from 'colloquy/core';

/** Settings from a JSON file, keyed by option name ({ "origins": ["https://a.example"], "rateLimit": 20 }). */
export type ConfigFile = Record<string, unknown>;

/**
 * Finds the config file named by `--config PATH` (or `--config=PATH`) or COLLOQUY_CONFIG, reads it,
 * and returns it with the other flags. No file named: an empty one. The flag wins over the variable.
 */
export function readConfigFile(env: Record<string, string | undefined>, argv: readonly string[]): { file: ConfigFile; argv: string[] } {
  const rest: string[] = [];
  let path = env.COLLOQUY_CONFIG?.trim() || undefined;
  let source = 'COLLOQUY_CONFIG';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg.startsWith('--config=')) {
      path = arg === '--config' ? argv[++i] : arg.slice('--config='.length);
      source = '--config';
      if (!path) throw new ColloquyConfigError(source, 'needs the path of a JSON file');
    } else rest.push(arg);
  }
  if (!path) return { file: {}, argv: rest };
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ColloquyConfigError(source, `names ${path}, which could not be read as JSON (${(error as Error).message})`);
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new ColloquyConfigError(source, `names ${path}, which must hold a JSON object`);
  return { file: file as ConfigFile, argv: rest };
}
