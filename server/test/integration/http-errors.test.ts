import { connect, createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { answerClientError } from '../../src/shared/client-errors';
import { createStoreDatabase, type StoreDatabase } from './stores';

/*
 * Requests that are wrong below the API (HTTP itself, the body's encoding), sent as raw bytes over
 * TCP: Node's parser refuses some before Fastify sees them, and `inject` cannot send them at all.
 * Every answer is still the API's `{ error: { code, message } }` with a code from the registry.
 */

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` as it is and reads the answer until the server closes the connection (or `Connection: close` ends it). */
function send(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.end(request);
  });
}

function expectJsonError(answer: RawAnswer, status: number, code: string) {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['cache-control']).toBe('no-store');
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
}

const post = (headers: string, body: string) =>
  `POST /api/comments HTTP/1.1\r\nHost: localhost\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

describe('HTTP errors over a raw socket', () => {
  let db: StoreDatabase;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    db = await createStoreDatabase('sqlite');
    const store = db.open();
    await store.migrate();
    app = createApp({ store, config: { rateLimit: 0 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('headers larger than Node accepts: 431 headers-too-large', async () => {
    const answer = await send(port, `GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectJsonError(answer, 431, 'headers-too-large');
  });

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['an unknown HTTP version', 'GET /api/health HTTP/9.9\r\nHost: localhost\r\n\r\n'],
    ['a header name with a space', 'GET /api/health HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'],
    ['a Content-Length that is no number', 'POST /api/comments HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n{}'],
    ['a chunk size that is no number', 'POST /api/comments HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n'],
  ])('%s: 400 invalid', async (_name, request) => {
    expectJsonError(await send(port, request), 400, 'invalid');
  });

  it('a body that is not valid JSON: 400 invalid', async () => {
    expectJsonError(await send(port, post('Content-Type: application/json\r\n', '{"thread": "t", "body": ')), 400, 'invalid');
  });

  it.each([
    ['text/plain', 'Content-Type: text/plain\r\n'],
    ['a malformed content type', 'Content-Type: ;;;\r\n'],
    ['no content type', ''],
  ])('a body sent as %s: 415 unsupported-media-type', async (_name, headers) => {
    expectJsonError(await send(port, post(headers, '{"thread":"t"}')), 415, 'unsupported-media-type');
  });

  it('a request too slow to arrive: 408 request-timeout', async () => {
    // Node reports it after the server's request timeout (30 s): here the handler gets the error at once.
    const server = createServer((socket) => answerClientError(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expectJsonError(await send((server.address() as AddressInfo).port, 'GET /api/health HTTP/1.1\r\n'), 408, 'request-timeout');
    } finally {
      server.close();
    }
  });
});
