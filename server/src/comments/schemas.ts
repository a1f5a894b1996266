/**
 * JSON schemas of the API, checked by Fastify's ajv before a handler runs. They fix shapes and types
 * and reject unknown fields; the rules a reader can break (required, lengths, email, website) are
 * the core `validateNewComment` rules, checked after, so widget and server accept the same input.
 * Response schemas double as an allowlist: the serializer writes only the properties named here.
 */

import { cursor, line, multiline, noControl, pageLimit, threadId } from '../shared/schemas';

export interface CreateCommentBody {
  thread: string;
  title?: string;
  url?: string;
  parentId?: string | null;
  body: string;
  /** The guest's details; a signed-in reader's come from their session, and these are ignored. */
  author?: { name: string; email: string; url?: string };
  /** The `formToken` of the listing the form came with (the "too fast" check). */
  formToken?: string;
  /** The form's hidden honeypot field: empty from people. */
  honeypot?: string;
  /** "Notify me of follow-up comments by email". */
  notify?: boolean;
}

export const createCommentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['thread', 'body'],
  // Lengths are generous bounds, so that nothing huge reaches core validation, which applies the real limits.
  properties: {
    thread: threadId,
    // Their rules are the dashboard's too (shared/thread-page.ts); here only bounds and characters.
    title: line(2000),
    url: line(2000),
    // Empty or unknown ids are core's and the store's to refuse, with the reply's own message.
    parentId: { type: ['string', 'null'], maxLength: 64, pattern: noControl },
    body: multiline(65_536),
    author: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      properties: { name: line(65_536), email: line(65_536), url: line(65_536) },
    },
    formToken: line(200),
    honeypot: line(2000),
    notify: { type: 'boolean' },
  },
} as const;

export interface UpdateCommentBody {
  body: string;
}

export const updateCommentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['body'],
  properties: { body: multiline(65_536) },
} as const;

export const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' } },
} as const;

export interface ListQuery {
  thread: string;
  limit?: string;
  sort?: 'oldest' | 'newest';
  cursor?: string;
}

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['thread'],
  properties: {
    thread: threadId,
    // Query values are strings (types are not coerced, so a JSON body's "5" never passes as 5).
    limit: pageLimit,
    sort: { type: 'string', enum: ['oldest', 'newest'] },
    cursor,
  },
} as const;

export interface CountsQuery {
  thread: string | string[];
}

export const countsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['thread'],
  properties: {
    thread: { anyOf: [threadId, { type: 'array', minItems: 1, maxItems: 100, items: threadId }] },
  },
} as const;

const comment = {
  type: 'object',
  required: ['id', 'threadId', 'parentId', 'author', 'body', 'createdAt', 'status'],
  properties: {
    id: { type: 'string' },
    threadId: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    author: {
      type: 'object',
      required: ['name', 'avatarSeed'],
      properties: {
        name: { type: 'string' },
        url: { type: 'string' },
        avatarSeed: { type: 'string' },
        isOwner: { type: 'boolean' },
        verifiedBy: { type: 'string' },
        userId: { type: 'string' },
      },
    },
    body: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    // Public listings carry approved and deleted (placeholders); the author's own answers also pending and spam.
    status: { type: 'string', enum: ['approved', 'pending', 'spam', 'deleted'] },
  },
} as const;

export const createdResponse = {
  type: 'object',
  required: ['comment', 'editToken', 'editableUntil'],
  properties: { comment, editToken: { type: 'string' }, editableUntil: { type: 'string' } },
} as const;

/** A comment with the end of its edit window: an edit's answer, and a replayed create's (which cannot repeat the token). */
export const commentResponse = {
  type: 'object',
  required: ['comment', 'editableUntil'],
  properties: { comment, editableUntil: { type: 'string' } },
} as const;

export const deletedResponse = {
  type: 'object',
  required: ['outcome'],
  properties: { outcome: { type: 'string', enum: ['removed', 'placeholder'] } },
} as const;

export const listResponse = {
  type: 'object',
  required: ['thread', 'comments', 'nextCursor'],
  properties: {
    thread: {
      type: 'object',
      required: ['id', 'title', 'count'],
      properties: { id: { type: 'string' }, title: { type: ['string', 'null'] }, count: { type: 'integer' } },
    },
    comments: { type: 'array', items: comment },
    nextCursor: { type: ['string', 'null'] },
    formToken: { type: 'string' },
  },
} as const;

export const countsResponse = {
  type: 'object',
  required: ['counts'],
  properties: { counts: { type: 'object', additionalProperties: { type: 'integer' } } },
} as const;
