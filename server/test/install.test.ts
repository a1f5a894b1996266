import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilListening } from './listening';

/**
 * Both packages as users get them: packed (what `npm publish` would upload) and installed into empty
 * folders, with nothing of this repository's node_modules, overrides or workspaces to lean on. The
 * npm cache holds every package (`--prefer-offline`); better-sqlite3 compiles from source when no
 * prebuilt binary can be downloaded, which takes a minute or two: the server's install runs once.
 */
const repository = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_TIMEOUT_MS = 10 * 60_000;

interface Run {
  code: number;
  output: string;
  seconds: number;
}

function npm(args: string[], cwd: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile('npm', args, { cwd, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}`, seconds: Math.round((performance.now() - started) / 100) / 10 });
    });
  });
}

const install = (folder: string, tarballs: string[]) => npm(['install', ...tarballs, '--prefer-offline', '--no-audit', '--no-fund'], folder);

/** Every package installed under `folder`/node_modules, nested ones included, as name@version. */
function installedPackages(folder: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries.filter((name) => !name.startsWith('.'))) {
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(modules, entry))) visit(join(modules, entry, scoped));
      } else visit(join(modules, entry));
    }
  };
  const visit = (dir: string) => {
    const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    found.push(`${name}@${version}`);
    walk(join(dir, 'node_modules'));
  };
  walk(join(folder, 'node_modules'));
  return found.sort();
}

const names = (packages: string[]) => packages.map((entry) => entry.slice(0, entry.lastIndexOf('@')));

function newSite(name: string) {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, private: true }));
  return folder;
}

let dir: string;
let widgetTarball: string;
let serverTarball: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'colloquy-install-'));
  // The build is `npm test`'s first step; packing uses it as it is.
  const widget = await npm(['pack', '--ignore-scripts', '--pack-destination', dir], repository);
  const server = await npm(['pack', '-w', 'colloquy-server', '--ignore-scripts', '--pack-destination', dir], repository);
  expect(widget.code, widget.output).toBe(0);
  expect(server.code, server.output).toBe(0);
  widgetTarball = join(dir, 'colloquy-0.1.0.tgz');
  serverTarball = join(dir, 'colloquy-server-0.1.0.tgz');
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packages installed alone, as users install them', () => {
  it('colloquy brings Preact and nanoid, nothing of the server, and imports in Node without a DOM', async () => {
    const site = newSite('widget-site');
    const run = await install(site, [widgetTarball]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain('EBADENGINE');
    const packages = installedPackages(site);
    console.log(`colloquy: installed in ${run.seconds} s, ${packages.length} packages: ${packages.join(', ')}`);
    expect(names(packages)).toEqual(['colloquy', 'nanoid', 'preact']);
    const imported = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', "console.log(Object.keys(await import('colloquy/core')).length > 0, typeof (await import('colloquy')).mount)"],
        { cwd: site },
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
      ),
    );
    expect(imported).toBe('true function');
  });

  it(
    'colloquy-server installed beside it serves the API, the widget and the dashboard with npx colloquy serve, without engine warnings',
    async () => {
      const site = newSite('comment-server');
      const run = await install(site, [widgetTarball, serverTarball]);
      expect(run.code, run.output).toBe(0);
      // Every dependency's engines accept this Node: fastify's newest light-my-request (cookie 2) would not.
      expect(run.output).not.toContain('EBADENGINE');
      const packages = installedPackages(site);
      console.log(`colloquy-server: installed in ${run.seconds} s (better-sqlite3 compiled from source), ${packages.length} packages`);
      expect(names(packages)).toEqual(expect.arrayContaining(['colloquy', 'colloquy-server', 'fastify', 'better-sqlite3', 'pg', 'nodemailer']));
      expect(packages).toContain('light-my-request@6.6.0');
      expect(packages.filter((entry) => entry.startsWith('cookie@'))).toEqual([expect.stringMatching(/^cookie@1\./)]);

      // A process group of its own, so that npx and the server it starts stop together.
      const child = spawn('npx', ['--no', 'colloquy', 'serve', '--port', '0', '--host', '127.0.0.1'], {
        cwd: site,
        detached: true,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', COLLOQUY_ADMIN_PASSWORD: 'a long admin password' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const listening = untilListening(child);
      try {
        const { url: origin } = await listening;
        const get = async (path: string) => {
          const response = await fetch(`${origin}${path}`);
          return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
        };
        expect(await get('/api/health')).toMatchObject({ status: 200 });
        expect(JSON.parse((await get('/api/comments?thread=x')).body)).toMatchObject({ thread: { id: 'x', count: 0 }, comments: [] });
        expect(await get('/colloquy.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
        expect(await get('/colloquy-admin.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
        const admin = await get('/admin');
        expect(admin).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
        expect(admin.body).toContain('<script src="/colloquy-admin.js">');
        // No demo in a real install: / names the server.
        expect((await get('/')).body).toContain('Colloquy comment server');
      } finally {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
        // It rejected only if the process had exited already.
        await listening.then(
          ({ exited }) => exited,
          () => undefined,
        );
      }
    },
    INSTALL_TIMEOUT_MS,
  );
});
