import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { server } from '../msw';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('msw test server', () => {
  it('answers fetch with the response a test scripts', async () => {
    server.use(
      http.get('https://api.example/threads/:thread/comments', ({ params, request }) =>
        HttpResponse.json({ thread: params.thread, cursor: new URL(request.url).searchParams.get('cursor') }, { status: 201 }),
      ),
    );
    const response = await fetch('https://api.example/threads/post-1/comments?cursor=abc');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ thread: 'post-1', cursor: 'abc' });
  });

  it('forgets a test’s handlers after it, and fails a request nobody scripted', async () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The message is msw's own, so this cannot pass because of a real network failure (no DNS here).
    await expect(fetch('https://api.example/threads/post-1/comments')).rejects.toThrow(/\[MSW\].*onUnhandledRequest/);
    expect(report).toHaveBeenCalledWith(expect.stringContaining('without a matching request handler'));
    report.mockRestore();
  });
});
