import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { API_CSP, ApiError } from './errors';

/** A request Node's HTTP parser refused, as the registry's error. */
function clientError(code: string | undefined): ApiError {
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError('headers-too-large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('request-timeout');
  return new ApiError('invalid', 'The request is not valid HTTP.');
}

/**
 * Answers what Node's HTTP parser refuses before any route or error handler sees it (headers too
 * large, a malformed request line or header, a request too slow to arrive) in the API's error shape
 * and headers, written to the socket by hand as Node and Fastify write their own; then closes it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const answer = clientError(error.code);
    const body = JSON.stringify(answer.toJSON());
    socket.write(
      [
        `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Cache-Control: no-store',
        `Content-Security-Policy: ${API_CSP}`,
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy();
}
