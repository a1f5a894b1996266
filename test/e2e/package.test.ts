import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { budgetBytes } from '../bench/size';

const dist = (file: string) => fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));

/** Pins what the package ships: a change here is a change of the public API or its weight. */
describe('the built package', () => {
  it('exports exactly the documented names', async () => {
    const module: Record<string, unknown> = await import(/* @vite-ignore */ dist('colloquy.mjs'));
    expect(Object.keys(module).sort()).toEqual([
      'Colloquy',
      'ColloquyConfigError',
      'ColloquyError',
      'ar',
      'createLocalStorageAdapter',
      'createMemoryAdapter',
      'createRestAdapter',
      'defineCustomElement',
      'en',
      'mount',
      'registerLocale',
    ]);
    const messages = new Set(['ar', 'en']);
    for (const name of Object.keys(module)) expect(typeof module[name], name).toBe(messages.has(name) ? 'object' : 'function');
    const error = new (module.ColloquyError as new (code: string, message: string) => Error)('invalid', 'x');
    expect(error).toBeInstanceOf(Error);
  });

  it('leaves Preact and nanoid to the application’s bundler', () => {
    const source = readFileSync(dist('colloquy.mjs'), 'utf8');
    expect(source).toMatch(/from\s*["']preact["']/);
    expect(source).toMatch(/from\s*["']nanoid["']/);
  });

  it('ships its type declarations, and package.json points at what was built', () => {
    expect(existsSync(dist('types/index.d.ts'))).toBe(true);
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      types: string;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [manifest.types, ...Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))];
    for (const target of targets) expect(existsSync(fileURLToPath(new URL(`../../${target}`, import.meta.url))), target).toBe(true);
    const types = readFileSync(dist('types/index.d.ts'), 'utf8');
    for (const name of ['mount', 'Colloquy', 'createMemoryAdapter', 'createLocalStorageAdapter', 'StorageAdapter', 'ColloquyOptions'])
      expect(types).toContain(name);
  });

  it(`keeps the script-tag bundle within ${budgetBytes} bytes gzipped`, () => {
    const gzipped = gzipSync(readFileSync(dist('colloquy.js')), { level: 9 }).length;
    expect(gzipped, `dist/colloquy.js is ${gzipped} bytes gzipped`).toBeLessThanOrEqual(budgetBytes);
  });
});
