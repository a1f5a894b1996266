/** The identifiers every feature's routes take, as JSON schemas: one definition of what a thread or comment id may be. */

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
