import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Pins what the server package ships: the `colloquy` command and nothing it cannot run without. */
describe('the built colloquy-server package', () => {
  it('exports exactly the documented API (docs/server.md)', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: { '.': { import: string } } };
    const api: Record<string, unknown> = await import(/* @vite-ignore */ fileURLToPath(new URL(`../${manifest.exports['.'].import}`, import.meta.url)));
    expect(Object.keys(api).sort()).toEqual([
      'InvalidCursorError',
      'ServerStartError',
      'StoreUnavailableError',
      'createApp',
      'createPostgresStore',
      'createSqliteStore',
      'createStore',
      'defaultServerConfig',
      'resolveServerConfig',
      'startServer',
    ]);
    const docs = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');
    for (const name of Object.keys(api)) expect(docs, `docs/server.md names ${name}`).toContain(`\`${name}`);
  });

  it('ships a colloquy command that runs from the installed package alone', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      bin: { colloquy: string };
      dependencies: Record<string, string>;
    };
    // What `npm publish` would put in the tarball.
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' }),
    ) as [{ files: { path: string }[] }];
    const files = new Set(packed.files.map((file) => file.path));
    expect(files).toContain(manifest.bin.colloquy);
    const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');
    expect(read(manifest.bin.colloquy).startsWith('#!/usr/bin/env node\n')).toBe(true);
    // Every module the tarball holds imports only packed files and the packages installed for users:
    // no devDependency (tsx among them), no source file left outside dist/.
    const packages = new Set<string>();
    for (const path of [...files].filter((file) => file.endsWith('.js'))) {
      for (const [, specifier] of read(path).matchAll(/(?:^import [^;]*? from |^import |^export [^;]*? from |\bimport\()"([^"]+)"/gm)) {
        if (specifier!.startsWith('node:')) continue;
        if (specifier!.startsWith('.')) {
          expect(files, `${path} imports ${specifier}`).toContain(posix.join(posix.dirname(path), specifier!));
          continue;
        }
        packages.add(
          specifier!
            .split('/')
            .slice(0, specifier!.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      }
    }
    // light-my-request is pinned, not imported: fastify's newest needs Node 22 (see install.test.ts).
    expect([...packages].sort()).toEqual(
      Object.keys(manifest.dependencies)
        .filter((name) => name !== 'light-my-request')
        .sort(),
    );
  });
});
