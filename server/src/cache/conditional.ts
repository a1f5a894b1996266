import type { FastifyReply, FastifyRequest } from 'fastify';

/** True when the client's copy (If-None-Match) is `etag`: the weak comparison GET uses (RFC 9110 §13.1.2), or `*`. */
export function isFresh(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const wanted = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === wanted;
  });
}

/**
 * Answers with `body` and its ETag, or with a bodiless 304 when the client holds that version: the
 * tag is known before the body is built, so `body()` only runs for a 200.
 */
export function sendConditional(request: FastifyRequest, reply: FastifyReply, etag: string, contentType: string, body: () => string) {
  reply.header('etag', etag).type(contentType);
  if (isFresh(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.send(body());
}
