import type { CommentField } from './errors';
import type { NewComment } from './types';
import { isHttpUrl } from './url';

/** Limits on a new comment, shared by the widget and the server so both accept the same input. */
export interface ValidationRules {
  /** The longest author name, in Unicode code points. @default 100 */
  nameMaxLength: number;
  /** The longest comment, in Unicode code points, after normalization. @default 10000 */
  bodyMaxLength: number;
  /** Whether a reader must give an email (stored, never shown). @default true */
  requireEmail: boolean;
}

export const defaultValidationRules: ValidationRules = Object.freeze({
  nameMaxLength: 100,
  bodyMaxLength: 10_000,
  requireEmail: true,
});

/**
 * The most comments one page may hold: the widget's `pageSize` (`data-page-size`), the REST
 * adapter's `limit` and the server's all stop here. Chosen from `npm run bench:api` (README, Performance).
 */
export const MAX_PAGE_SIZE = 1000;

/** `invalid`: control characters in a name or body, or a malformed `parentId`. */
export type ValidationProblem = 'required' | 'too-long' | 'invalid' | 'invalid-email' | 'invalid-url';

export interface FieldProblem {
  field: CommentField;
  problem: ValidationProblem;
  /** For `too-long`: the maximum, in code points. */
  limit?: number;
}

/** The longest address SMTP can deliver to (RFC 5321 path limit). */
const EMAIL_MAX = 254;
/** Long enough for any real home page; bounds what is stored and parsed. */
const URL_MAX = 2000;
const PARENT_ID_MAX = 64;

// C0, DEL and C1: invisible, and able to spoof text or break storage and logs.
const CONTROL = /[\0-\x1f\x7f-\x9f]/;
// The same, less tab and newline (CR is normalized away before this runs).
const BODY_CONTROL = /[\0-\x08\x0b-\x1f\x7f-\x9f]/;
// Pragmatic on purpose: stricter patterns turn away real addresses, and only a mail proves one.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** Length as a reader counts it: an emoji is one character, not two UTF-16 units. */
const codePoints = (s: string) => s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ' ').length;

/** One field's problem, if any: empty and required, too long (checked before syntax, so an oversized value is never parsed), or malformed. */
function checkField(
  field: CommentField,
  value: string,
  required: boolean,
  max: number,
  bad: (value: string) => boolean,
  problem: ValidationProblem,
): FieldProblem | undefined {
  if (!value) return required ? { field, problem: 'required' } : undefined;
  if (codePoints(value) > max) return { field, problem: 'too-long', limit: max };
  return bad(value) ? { field, problem } : undefined;
}

/**
 * Checks a comment body on its own (an edit, an owner's reply) exactly as `validateNewComment`
 * checks it within a new comment, after `normalizeBody`. Undefined means valid.
 */
export function validateBody(body: string, rules: Partial<ValidationRules> = {}): FieldProblem | undefined {
  // `??` rather than a spread, so an explicit `undefined` keeps the default.
  const max = rules.bodyMaxLength ?? defaultValidationRules.bodyMaxLength;
  return checkField('body', normalizeBody(body), true, max, (v) => BODY_CONTROL.test(v), 'invalid');
}

/** Checks an author name on its own (the name an owner replies under) as `validateNewComment` checks it, after trimming. */
export function validateName(name: string, rules: Partial<ValidationRules> = {}): FieldProblem | undefined {
  const max = rules.nameMaxLength ?? defaultValidationRules.nameMaxLength;
  return checkField('name', name.trim(), true, max, (v) => CONTROL.test(v), 'invalid');
}

/**
 * Checks a submission as it will be stored (after `normalizeNewComment`). Returns at most one
 * problem per field, in form order (body, name, email, url, then parentId); `[]` means valid.
 */
export function validateNewComment(input: NewComment, rules: Partial<ValidationRules> = {}): FieldProblem[] {
  const { body, parentId, author } = normalizeNewComment(input);
  const problems = [
    validateBody(body, rules),
    validateName(author.name, rules),
    checkField(
      'email',
      author.email,
      rules.requireEmail ?? defaultValidationRules.requireEmail,
      EMAIL_MAX,
      (v) => CONTROL.test(v) || !EMAIL.test(v),
      'invalid-email',
    ),
    // The control check matters: `new URL` silently drops tabs and newlines.
    checkField('url', author.url ?? '', false, URL_MAX, (v) => CONTROL.test(v) || !isHttpUrl(v), 'invalid-url'),
  ].filter((problem): problem is FieldProblem => problem !== undefined);
  if (parentId !== null && parentId !== undefined && !(parentId && parentId.length <= PARENT_ID_MAX)) problems.push({ field: 'parentId', problem: 'invalid' });
  return problems;
}

/**
 * A body as it should be stored. Leading whitespace stays, as it is meaningful in markdown
 * (indented code); all line breaks become LF so lengths match on every platform.
 */
export const normalizeBody = (body: string) => body.replace(/\r\n?/g, '\n').trimEnd();

/** The submission as it should be stored: the body as `normalizeBody` leaves it, author fields trimmed. */
export function normalizeNewComment(input: NewComment): NewComment {
  const { name, email, url } = input.author;
  return {
    ...input,
    body: normalizeBody(input.body),
    author: { ...input.author, name: name.trim(), email: email.trim(), url: url?.trim() || undefined },
  };
}
