/**
 * The identifiers and text every feature's routes take, as JSON schemas: one definition of what a
 * thread or comment id, or a line of text, may be.
 *
 * Every string the API accepts is checked here, before it reaches a query: no control character and
 * no lone surrogate (half of a UTF-16 pair, which JSON can carry but UTF-8 cannot). PostgreSQL
 * refuses a NUL in text outright and the two engines store a lone surrogate differently, so both
 * would otherwise pass validation and fail, or differ, in the database. ajv compiles patterns with
 * the `u` flag: a surrogate pair (an emoji) is one character there and passes.
 */
import { MAX_PAGE_SIZE } from 'colloquy/core';

/** One line of text: no C0 or C1 control character, no DEL, no lone surrogate. */
export const noControl = '^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$';
/** Text with line breaks (comment bodies): the same, but tab, line feed and carriage return are allowed. */
export const noControlButLineBreaks = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$';
/** Any characters but a lone surrogate: for input no query ever sees (a password, compared with its hash). */
export const wellFormed = '^[^\\ud800-\\udfff]*$';

/** The patterns above, so that a failed match is reported as a bad character rather than a bad format. */
export const characterPatterns: ReadonlySet<string> = new Set([noControl, noControlButLineBreaks, wellFormed]);

/** One line of text of at most `maxLength` characters. */
export const line = (maxLength: number) => ({ type: 'string', maxLength, pattern: noControl }) as const;
/** Text with line breaks, of at most `maxLength` characters. */
export const multiline = (maxLength: number) => ({ type: 'string', maxLength, pattern: noControlButLineBreaks }) as const;

export const threadId = { type: 'string', minLength: 1, maxLength: 200, pattern: noControl } as const;
export const commentId = { type: 'string', minLength: 1, maxLength: 64, pattern: noControl } as const;
/** A listing's cursor, as the store encodes it (base64url); what it decodes to is checked by the store. */
export const cursor = { type: 'string', minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]*$' } as const;

/** `/…/:id` routes about one comment. */
export const commentParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: commentId },
} as const;

/**
 * A pattern for the whole numbers 1 to `max` written in decimal without leading zeros: query values
 * are strings, never coerced, so the range is checked on the text.
 */
export function wholeNumberUpTo(max: number): string {
  const digits = String(max);
  const shorter = digits.length > 1 ? [`[1-9]\\d{0,${digits.length - 2}}`] : [];
  // As long as max: equal up to some digit, smaller at it, anything after.
  const sameLength = [...digits].flatMap((digit, index) => {
    const lowest = index === 0 ? 1 : 0;
    return Number(digit) > lowest ? [`${digits.slice(0, index)}[${lowest}-${Number(digit) - 1}]\\d{${digits.length - index - 1}}`] : [];
  });
  return `^(?:${[...shorter, ...sameLength, digits].join('|')})$`;
}

/** A listing's `limit`: 1 to MAX_PAGE_SIZE, the page size the widget allows too. */
export const pageLimit = { type: 'string', pattern: wholeNumberUpTo(MAX_PAGE_SIZE) } as const;
