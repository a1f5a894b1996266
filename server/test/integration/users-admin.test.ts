import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app';
import { users as usersCommand } from '../../src/cli/users';
import type { Store } from '../../src/store/interfaces';
import { createStoreDatabase, type StoreDatabase } from './stores';

const PASSWORD = 'correct horse battery staple';
/** Headers of a same-origin write from the dashboard (inject's Host is localhost:80). */
const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };

let db: StoreDatabase;
let store: Store;
let app: FastifyInstance;
let cookie: string;

beforeAll(async () => {
  db = await createStoreDatabase('sqlite');
  store = db.open();
  await store.migrate();
  app = createApp({ store, config: { rateLimit: 0, adminPassword: PASSWORD, secret: 'a-test-secret-of-some-length' } });
  const response = await app.inject({ method: 'POST', url: '/api/admin/session', headers: sameOrigin, payload: { password: PASSWORD } });
  cookie = String(response.headers['set-cookie']).split(';')[0]!;
  await store.users.signIn({ provider: 'github', subject: '1', name: 'Ann', email: 'ann@mail.example' }, 'u-ann', '2024-01-01T00:00:00.000Z');
  await store.users.signIn({ provider: 'sso', subject: '2', name: 'Bob', email: '' }, 'u-bob', '2024-01-02T00:00:00.000Z');
});

afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

describe('readers in the admin API', () => {
  it('lists readers who signed in, newest first, with their email, only to the signed-in owner', async () => {
    expect((await app.inject({ url: '/api/admin/users' })).statusCode).toBe(401);
    const response = await app.inject({ url: '/api/admin/users?q=ann', headers: { cookie } });
    expect(response.json()).toEqual({
      users: [expect.objectContaining({ id: 'u-ann', name: 'Ann', email: 'ann@mail.example', provider: 'github', blockedAt: null })],
      nextCursor: null,
    });
    const page = (await app.inject({ url: '/api/admin/users?limit=1', headers: { cookie } })).json();
    expect(page.users.map((user: { id: string }) => user.id)).toEqual(['u-bob']);
    const next = (await app.inject({ url: `/api/admin/users?limit=1&cursor=${page.nextCursor}`, headers: { cookie } })).json();
    expect(next.users.map((user: { id: string }) => user.id)).toEqual(['u-ann']);
  });

  it('blocks and unblocks a reader from the dashboard only', async () => {
    const block = (blocked: boolean, headers: Record<string, string> = sameOrigin) =>
      app.inject({ method: 'POST', url: '/api/admin/users/u-bob/block', headers: { cookie, ...headers }, payload: { blocked } });
    expect((await block(true, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await block(true)).json().user).toMatchObject({ id: 'u-bob', blockedAt: expect.any(String) });
    expect((await app.inject({ url: '/api/admin/users?blocked=true', headers: { cookie } })).json().users).toMatchObject([{ id: 'u-bob' }]);
    expect((await block(false)).json().user).toMatchObject({ id: 'u-bob', blockedAt: null });
    const unknown = await app.inject({ method: 'POST', url: '/api/admin/users/nobody/block', headers: { cookie, ...sameOrigin }, payload: { blocked: true } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('colloquy users', () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => void out.push(text));
    const error = vi.spyOn(console, 'error').mockImplementation((text: string) => void err.push(text));
    try {
      const code = await usersCommand(args, { DATABASE_URL: `sqlite:${db.path}` });
      return { code, stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };

  it('lists, blocks and unblocks readers, and says which ids it does not know', async () => {
    expect((await run(['list'])).stdout).toMatch(/^u-bob {2}active {2}sso {2}Bob {2}- {2}2024-01-02\nu-ann {2}active {2}github {2}Ann {2}ann@mail\.example/);
    expect(await run(['block', 'u-ann', 'nobody'])).toEqual({ code: 1, stdout: 'blocked    u-ann  Ann', stderr: '[colloquy] no reader with id "nobody"' });
    expect((await run(['list', '--blocked'])).stdout).toMatch(/^u-ann {2}blocked/);
    expect((await run(['unblock', 'u-ann'])).code).toBe(0);
    expect((await store.users.get('u-ann'))?.blockedAt).toBeNull();
    expect((await run(['block'])).code).toBe(2);
    expect((await run(['ban', 'u-ann'])).stderr).toMatch(/unknown users command "ban"/);
  });

  it('refuses an unknown flag or a bad database address with exit status 2, naming it, and changes nothing', async () => {
    expect(await run(['block', 'u-ann', '--forever'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "[colloquy] Unknown option '--forever'; see colloquy users --help",
    });
    const badDatabase = await run(['list', '--database-url', 'mysql://db/comments']);
    expect(badDatabase.code).toBe(2);
    expect(badDatabase.stderr).toMatch(/^\[colloquy\] option "--database-url"/);
    expect((await store.users.get('u-ann'))?.blockedAt).toBeNull();
  });
});
