/** The identifiers every feature's routes take, as JSON schemas: one definition of what a thread or comment id may be. */
import { MAX_PAGE_SIZE } from 'colloquy/core';

// C0, DEL and C1 control characters.
export const noControl = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

export const threadId = { type: 'string', minLength: 1, maxLength: 200, pattern: noControl } as const;
export const commentId = { type: 'string', minLength: 1, maxLength: 64 } as const;

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
