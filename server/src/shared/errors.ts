import type { FastifyError } from 'fastify';
import { createTranslator, MAX_PAGE_SIZE } from 'colloquy/core';
import type { FieldProblem } from 'colloquy/core';
import { characterPatterns } from './schemas';
import { decodeCursor, type CursorPosition } from '../store/cursor';
import { InvalidCursorError, StoreUnavailableError } from '../store/types';

/**
 * Every error code the API answers with, its HTTP status and the message it carries when the
 * thrower has nothing more precise to say. The one list: routes throw by code, the status follows,
 * and docs/api.md's error table is checked against it (server/test/unit/errors.test.ts).
 */
export const API_ERRORS = {
  invalid: { status: 400, message: 'The request is not valid.' },
  unauthorized: { status: 401, message: 'Sign in, or send the token that proves you may do this.' },
  forbidden: { status: 403, message: 'This is not allowed.' },
  'not-found': { status: 404, message: 'Not found.' },
  'request-timeout': { status: 408, message: 'The request took too long to arrive: please send it again.' },
  conflict: { status: 409, message: 'The request conflicts with what is stored.' },
  'too-large': { status: 413, message: 'The request is too large.' },
  'unsupported-media-type': { status: 415, message: 'Send the request body as JSON, with Content-Type: application/json.' },
  'rate-limited': { status: 429, message: 'Too many requests: please wait and try again.' },
  'headers-too-large': { status: 431, message: "The request's headers are too large." },
  server: { status: 500, message: 'Something went wrong on the server. Please try again later.' },
  unavailable: { status: 503, message: 'The server cannot answer right now. Please try again in a moment.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** The Content-Security-Policy of API answers, errors included: JSON loads nothing, and no one may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The `code` of an error body; the HTTP status says the same thing for machines that only read that. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The one error shape every route and every failure answers with: `{ error: { code, message, field? } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string = API_ERRORS[code].message,
    /** The input at fault: `body`, `name`, `email`, `url` (the author's website), `parentId`, `thread`, … */
    readonly field?: string,
  ) {
    super(message);
    this.statusCode = API_ERRORS[code].status;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) } };
  }
}

/** The 404 of every route that looks up one comment. */
export const commentNotFound = () => new ApiError('not-found', 'This comment does not exist, or it was deleted.');
/** A listing's `cursor` the store could not read. */
export const invalidCursor = () => new ApiError('invalid', 'cursor must be a cursor from a previous page.', 'cursor');

/** A listing's `cursor` as the store reads it (none for the first page), or a 400 naming `cursor`. */
export function readCursor(cursor: string | undefined): CursorPosition | undefined {
  try {
    return cursor === undefined ? undefined : decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw invalidCursor();
    throw error;
  }
}

const { t } = createTranslator('en');

/** Labels as the widget's form shows them, so a message reads the same wherever it appears. */
const labels: Record<string, string> = {
  body: t('comment'),
  name: t('name'),
  email: t('email'),
  url: t('website'),
  parentId: 'The comment you are replying to',
  thread: 'Thread',
  title: 'Title',
  pageUrl: 'Page address',
  author: 'Author',
  limit: 'limit',
  sort: 'sort',
  cursor: 'cursor',
  q: 'The search',
  id: 'Comment id',
  'Idempotency-Key': 'The Idempotency-Key header',
  formToken: 'formToken',
  honeypot: 'honeypot',
  revision: 'revision',
  revisions: 'revisions',
};

/** What a field accepts, for messages about wrong types and formats. */
const expectations: Record<string, string> = {
  body: 'must be text',
  name: 'must be text',
  email: 'must be text',
  url: 'must be text',
  parentId: 'must be a comment id or null',
  thread: 'must be a thread id of 1 to 200 characters',
  title: 'must be text without control characters',
  pageUrl: 'must be text',
  author: 'must be an object with name, email and an optional url',
  limit: `must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
  sort: 'must be "oldest" or "newest"',
  cursor: 'must be a cursor from a previous page',
  id: 'must be a comment id',
  'Idempotency-Key': 'must be 1 to 128 printable ASCII characters without spaces',
  formToken: 'must be the formToken of a listing',
  honeypot: 'must be text',
  revision: "must be the comment's revision from the listing, a whole number from 1",
  revisions: 'must map each comment id to its revision from the listing',
  token: 'must be a signed token (a JWT) of at most 8192 characters',
  comments: 'must be "delete" or "anonymise"',
};

/** Maps a request property path to the field name clients see: nested author fields use the form's names. */
function fieldOf(context: string | undefined, path: string): string {
  const segments = path.split('/').filter(Boolean);
  if (context === 'headers') return segments[0] === 'idempotency-key' ? 'Idempotency-Key' : (segments[0] ?? 'headers');
  if (context !== 'body') return segments[0] ?? context ?? 'request';
  if (segments.length === 1 && segments[0] === 'url') return 'pageUrl';
  if (segments.length === 2 && segments[0] === 'author' && ['name', 'email', 'url'].includes(segments[1]!)) return segments[1]!;
  // A map's keys are comment ids the client chose: named by the map, never echoed.
  if (segments[0] === 'revisions') return 'revisions';
  // An item of a list is reported as the list (`ids`, not `ids.3`).
  return segments.filter((segment) => !/^\d+$/.test(segment)).join('.');
}

const label = (field: string) => labels[field] ?? `"${field}"`;

/** One readable 400 from the first schema violation Fastify's validator reported. */
export function validationError(error: FastifyError): ApiError {
  const [first] = error.validation ?? [];
  const context = error.validationContext;
  if (!first) return new ApiError('invalid');
  const params = first.params as Record<string, unknown>;
  const base = first.instancePath ?? '';
  if (first.keyword === 'required') {
    const field = fieldOf(context, `${base}/${String(params.missingProperty)}`);
    return new ApiError('invalid', t('errRequired', { field: label(field) }), field);
  }
  if (first.keyword === 'additionalProperties') {
    const where = context === 'body' ? 'field' : 'parameter';
    const name = String(params.additionalProperty);
    // Named only when it looks like a field name: a key can be anything, an email address included.
    if (!/^[A-Za-z_][\w-]{0,63}$/.test(name)) return new ApiError('invalid', `Unknown ${where}: remove it and try again.`);
    const field = fieldOf(context, `${base}/${name}`);
    return new ApiError('invalid', `Unknown ${where} "${field}": remove it and try again.`, field);
  }
  if (base === '' && context === 'body') return new ApiError('invalid', 'The request body must be a JSON object.');
  const field = fieldOf(context, base);
  if (first.keyword === 'maxLength') return new ApiError('invalid', t('errTooLong', { field: label(field), limit: String(params.limit) }), field);
  if (first.keyword === 'minLength') return new ApiError('invalid', t('errRequired', { field: label(field) }), field);
  if (first.keyword === 'maxItems') return new ApiError('invalid', `Ask for at most ${String(params.limit)} threads at a time.`, field);
  if (first.keyword === 'pattern' && characterPatterns.has(String(params.pattern))) {
    return new ApiError(
      'invalid',
      `${label(field)} contains a character that is not allowed (a control character or a broken one): remove it and try again.`,
      field,
    );
  }
  return new ApiError('invalid', `${label(field)} ${expectations[field] ?? 'is not valid'}.`, field);
}

/** A problem found by core validation, worded as the widget words it (in English). */
export function fieldProblemError({ field, problem, limit }: FieldProblem): ApiError {
  const message =
    field === 'parentId'
      ? 'The comment you are replying to is not valid.'
      : problem === 'invalid-email'
        ? t('errEmail')
        : problem === 'invalid-url'
          ? t('errUrl')
          : problem === 'too-long'
            ? t('errTooLong', { field: label(field), limit: String(limit ?? '') })
            : t(problem === 'required' ? 'errRequired' : 'errInvalid', { field: label(field) });
  return new ApiError('invalid', message, field);
}

/** Throws the 400 for the first problem core validation found; nothing when there is none. */
export function throwIfInvalid(...problems: (FieldProblem | undefined)[]): void {
  const problem = problems.find((found) => found !== undefined);
  if (problem) throw fieldProblemError(problem);
}

/** The code of each status in the registry; a status two codes shared would be ambiguous, so none does. */
const codeOfStatus = new Map<number, ApiErrorCode>(Object.entries(API_ERRORS).map(([code, { status }]) => [status, code as ApiErrorCode]));

/** Any error a request can end in (ours, Fastify's, a plugin's, a bug) as an ApiError. */
export function toApiError(error: FastifyError | Error, bodyLimit: number): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) return new ApiError('unavailable', 'The database is not answering: please try again in a moment.');
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported-media-type');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('too-large', `The request is too large: at most ${bodyLimit} bytes are accepted.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid', 'The request body is not valid JSON.');
    case 'FST_ERR_BAD_URL':
      return new ApiError('invalid', 'The address is not validly percent-encoded.');
  }
  const status = fastifyError.statusCode ?? 500;
  // A client error with a status the registry does not list is answered as `invalid`: clients only ever see documented statuses.
  if (status >= 400 && status < 500) return new ApiError(codeOfStatus.get(status) ?? 'invalid', error.message || undefined);
  return new ApiError(status === 503 ? 'unavailable' : 'server');
}
