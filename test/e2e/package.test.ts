import { execFileSync } from 'node:child_process';
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
    for (const name of ['mount', 'Colloquy', 'createMemoryAdapter', 'createLocalStorageAdapter', 'StorageAdapter', 'ColloquyOptions']) expect(types).toContain(name);
  });

  it('ships a colloquy command that runs from the installed package alone', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      bin: { colloquy: string };
      dependencies: Record<string, string>;
    };
    // What `npm publish` would put in the tarball.
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' })) as [
      { files: { path: string }[] },
    ];
    expect(packed.files.map((file) => file.path)).toContain(manifest.bin.colloquy);
    const source = readFileSync(fileURLToPath(new URL(`../../${manifest.bin.colloquy}`, import.meta.url)), 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // Nothing outside the file but packages, and only those installed for users: no devDependency (tsx among them).
    const specifiers = [...source.matchAll(/(?:^import [^;]*? from |^import |\bimport\()"([^"]+)"/gm)].map((match) => match[1]!);
    expect(specifiers.length).toBeGreaterThan(5);
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:')) continue;
      expect(specifier, 'a relative import the bundle should have inlined').not.toMatch(/^\./);
      const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
      expect(manifest.dependencies, `${name} is imported by the colloquy command`).toHaveProperty([name]);
    }
  });

  it(`keeps the script-tag bundle within ${budgetBytes} bytes gzipped`, () => {
    const gzipped = gzipSync(readFileSync(dist('colloquy.js')), { level: 9 }).length;
    expect(gzipped, `dist/colloquy.js is ${gzipped} bytes gzipped`).toBeLessThanOrEqual(budgetBytes);
  });
});
