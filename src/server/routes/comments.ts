import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { Comment, NewComment } from '../../core/types';
import { isHttpUrl } from '../../core/url';
import { normalizeNewComment, validateNewComment } from '../../core/validation';
import type { AppConfig } from '../config';
import { ApiError, fieldProblemError } from '../errors';
import { avatarSeedFor, canonicalJson, sha256Hex, tokenMatches } from '../hashing';
import {
  commentParams,
  commentResponse,
  createCommentBody,
  createdResponse,
  deletedResponse,
  idempotencyHeaders,
  listQuery,
  listResponse,
  replayedResponse,
  updateCommentBody,
  type CreateCommentBody,
  type ListQuery,
  type UpdateCommentBody,
} from '../schemas';
import { InvalidCursorError, type CommentStore } from '../store/types';

export interface RouteContext {
  store: CommentStore;
  config: AppConfig;
  now: () => Date;
}

/** Stands in for a field core checks but this request does not carry (an edit sends only the body). */
const placeholderAuthor = { name: 'x', email: 'x@example.com' };

/** The body as the create rules judge and store it; core has no body-only validator, so borrow the full one. */
function checkedBody(body: string): string {
  const input: NewComment = { threadId: 'x', parentId: null, body, author: placeholderAuthor };
  const problem = validateNewComment(input).find((p) => p.field === 'body');
  if (problem) throw fieldProblemError(problem);
  return normalizeNewComment(input).body;
}

const editableUntil = (comment: Comment, config: AppConfig) =>
  new Date(Date.parse(comment.createdAt) + config.editWindowMinutes * 60_000).toISOString();

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
const notFound = () => new ApiError(404, 'not-found', 'This comment does not exist, or it was deleted.');

/** The comment an author may change: checks the bearer token (401), existence (404) and the edit window (403). */
async function authorize(request: FastifyRequest<{ Params: { id: string } }>, { store, config, now }: RouteContext) {
  const match = /^Bearer[ \t]+([\x21-\x7e]{1,256})$/i.exec(request.headers.authorization ?? '');
  if (!match) throw unauthorized('Send the edit token that came with the comment: Authorization: Bearer <editToken>.');
  const editable = await store.getEditable(request.params.id);
  if (!editable) throw notFound();
  if (!tokenMatches(match[1]!, editable.editTokenHash)) throw unauthorized('The edit token does not match this comment.');
  if (editable.comment.status === 'deleted') throw notFound();
  if (now().getTime() >= Date.parse(editableUntil(editable.comment, config))) {
    throw new ApiError(403, 'forbidden', `Comments can be edited or deleted for ${config.editWindowMinutes} minutes after posting; that time has passed.`);
  }
  return editable.comment;
}

/** The comment routes: the only place the wire format meets core types. */
export function commentRoutes(app: FastifyInstance, { store }: RouteContext) {
  app.get<{ Querystring: ListQuery }>('/comments', { schema: { querystring: listQuery, response: { 200: listResponse } } }, async (request) => {
    const { thread: threadId, limit = '50', sort = 'oldest', cursor } = request.query;
    try {
      const [thread, page] = await Promise.all([
        store.getThread(threadId),
        store.listComments({ threadId, limit: Number(limit), sort, ...(cursor === undefined ? {} : { cursor }) }),
      ]);
      return { thread: { id: threadId, title: thread?.title ?? null, count: thread?.count ?? 0 }, comments: page.comments, nextCursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid', 'cursor must be a cursor from a previous page.', 'cursor');
      throw error;
    }
  });
}

/** The routes that change data; registered where the rate limit applies. */
export function commentWriteRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, config, now } = context;

  app.post<{ Body: CreateCommentBody; Headers: { 'idempotency-key'?: string } }>(
    '/comments',
    { schema: { body: createCommentBody, headers: idempotencyHeaders, response: { 200: replayedResponse, 201: createdResponse } } },
    async (request, reply) => {
      const input = request.body;
      const submitted: NewComment = {
        threadId: input.thread,
        parentId: input.parentId ?? null,
        body: input.body,
        author: { name: input.author.name, email: input.author.email, ...(input.author.url === undefined ? {} : { url: input.author.url }) },
      };
      const [problem] = validateNewComment(submitted);
      if (problem) throw fieldProblemError(problem);
      const pageUrl = input.url?.trim() || undefined;
      if (pageUrl !== undefined && !isHttpUrl(pageUrl)) {
        throw new ApiError(400, 'invalid', 'Page address must be the full http:// or https:// address of the page.', 'pageUrl');
      }
      const { body, author, parentId, threadId } = normalizeNewComment(submitted);
      const title = input.title?.trim() || undefined;
      const key = request.headers['idempotency-key'];
      const editToken = nanoid(32);
      const result = await store.createComment({
        id: nanoid(),
        threadId,
        ...(title === undefined ? {} : { threadTitle: title }),
        ...(pageUrl === undefined ? {} : { pageUrl }),
        parentId,
        body,
        authorName: author.name,
        authorEmail: author.email,
        ...(author.url === undefined ? {} : { authorUrl: author.url }),
        avatarSeed: avatarSeedFor(author.email, author.name),
        editTokenHash: sha256Hex(editToken),
        createdAt: now().toISOString(),
        ...(key === undefined ? {} : { idempotencyKey: key, requestHash: sha256Hex(canonicalJson(input)) }),
      });
      switch (result.kind) {
        case 'created':
          return reply.code(201).send({ comment: result.comment, editToken, editableUntil: editableUntil(result.comment, config) });
        case 'replayed':
          // The token exists only as a hash, so a replay cannot repeat it: the comment, without it.
          return reply.code(200).header('idempotent-replayed', 'true').send({ comment: result.comment, editableUntil: editableUntil(result.comment, config) });
        case 'conflict':
          throw new ApiError(409, 'conflict', 'This Idempotency-Key was already used for a different comment; send a new key.');
        case 'parent-not-found':
          throw new ApiError(400, 'invalid', 'The comment you are replying to does not exist in this thread.', 'parentId');
      }
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateCommentBody }>(
    '/comments/:id',
    { schema: { params: commentParams, body: updateCommentBody, response: { 200: commentResponse } } },
    async (request) => {
      const body = checkedBody(request.body.body);
      const comment = await authorize(request, context);
      const updated = await store.updateBody(comment.id, body, now().toISOString());
      if (!updated) throw notFound();
      return { comment: updated, editableUntil: editableUntil(updated, config) };
    },
  );

  app.delete<{ Params: { id: string } }>('/comments/:id', { schema: { params: commentParams, response: { 200: deletedResponse } } }, async (request) => {
    const comment = await authorize(request, context);
    const outcome = await store.deleteComment(comment.id);
    if (outcome === 'not-found') throw notFound();
    return { outcome };
  });
}
