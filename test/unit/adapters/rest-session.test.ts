import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRestAdapter } from '../../../src/adapters/rest';
import { sessionKey } from '../../../src/adapters/reader-session';
import type { Comment, NewComment } from '../../../src/core/types';
import { server } from '../msw';

const API = 'https://api.example/api';
const SESSION = 'cqs.' + 'a'.repeat(43);
const reader = { id: 'u-ann', name: 'Ann', provider: 'github', verifiedBy: 'GitHub', avatarSeed: 'seed' };
const mine: Comment = {
  id: 'c1',
  threadId: 'post',
  parentId: null,
  author: { name: 'Ann', avatarSeed: 'seed', verifiedBy: 'GitHub', userId: 'u-ann' },
  body: 'Mine.',
  createdAt: '2024-01-01T10:00:00.000Z',
  status: 'approved',
};
const theirs: Comment = { ...mine, id: 'c2', author: { name: 'Ben', avatarSeed: 'b', verifiedBy: 'GitHub', userId: 'u-ben' } };
const guest: Comment = { ...mine, id: 'c3', author: { name: 'Cy', avatarSeed: 'c' } };
const input: NewComment = { threadId: 'post', parentId: null, body: 'Signed in.', author: { name: 'Ann', email: '' } };
const live = () => new AbortController().signal;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  localStorage.clear();
});
afterAll(() => server.close());

const signIn = () => localStorage.setItem(sessionKey(`${API}/`), JSON.stringify({ token: SESSION, reader }));

describe('the REST adapter with a reader session', () => {
  it('sends the session with a new comment, and nothing without one', async () => {
    const seen: (string | null)[] = [];
    server.use(
      http.post(`${API}/comments`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.json({ comment: mine, editToken: 't', editableUntil: new Date(Date.now() + 60_000).toISOString() }, { status: 201 });
      }),
    );
    const adapter = createRestAdapter({ baseUrl: 'https://api.example' });
    await adapter.createComment(input, live());
    signIn();
    await adapter.createComment(input, live());
    expect(seen).toEqual([null, `Bearer ${SESSION}`]);
  });

  it('lets the signed-in reader change their own comments only, with the session when this browser has no edit token', async () => {
    const adapter = createRestAdapter({ baseUrl: 'https://api.example' });
    expect([mine, theirs, guest].map((comment) => adapter.canEdit!(comment))).toEqual([false, false, false]);
    signIn();
    expect([mine, theirs, guest].map((comment) => adapter.canEdit!(comment))).toEqual([true, false, false]);
    let authorization: string | null = null;
    server.use(
      http.delete(`${API}/comments/c1`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json({ outcome: 'removed' });
      }),
    );
    await adapter.deleteComment('c1', live());
    expect(authorization).toBe(`Bearer ${SESSION}`);
  });
});
