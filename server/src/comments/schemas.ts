/**
 * JSON schemas of the API, checked by Fastify's ajv before a handler runs. They fix shapes and types
 * and reject unknown fields; the rules a reader can break (required, lengths, email, website) are
 * the core `validateNewComment` rules, checked after, so widget and server accept the same input.
 * Response schemas double as an allowlist: the serializer writes only the properties named here.
 */

import { noControl, threadId } from '../shared/schemas';

/** Generous bounds, so nothing huge reaches core validation; core applies the real limits. */
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

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
  properties: {
    thread: threadId,
    title: { type: 'string', maxLength: 500, pattern: noControl },
    url: text(2000),
    parentId: { type: ['string', 'null'], maxLength: 64 },
    body: text(65_536),
    author: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      properties: { name: text(65_536), email: text(65_536), url: text(65_536) },
    },
    formToken: text(200),
    honeypot: text(2000),
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
  properties: { body: text(65_536) },
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
    limit: { type: 'string', pattern: '^(?:[1-9]\\d?|100)$' },
    sort: { type: 'string', enum: ['oldest', 'newest'] },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
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
