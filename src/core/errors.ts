/** The form fields a validation error can point at. */
export type CommentField = 'body' | 'name' | 'email' | 'url' | 'parentId';

/** Why a storage call failed, in terms the widget can show and act on. */
export type ErrorCode = 'invalid' | 'not-found' | 'forbidden' | 'conflict' | 'rate-limited' | 'network' | 'server' | 'aborted';

/**
 * The one error type adapters throw. `field` ties a message to a form field;
 * `retryable` tells the widget whether offering "Retry" makes sense.
 */
export class ColloquyError extends Error {
  override readonly name = 'ColloquyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: CommentField,
    readonly retryable = code === 'network' || code === 'server' || code === 'rate-limited',
  ) {
    super(message);
  }
}

/**
 * True for a ColloquyError from any copy of this code: the script tag's adapter pack is a bundle of
 * its own, with its own class, so `instanceof` would not recognise its errors.
 */
export const isColloquyError = (error: unknown): error is ColloquyError => (error as Error | null)?.name === 'ColloquyError';

/** Fatal misconfiguration by a site owner or developer: names the option at fault. */
export class ColloquyConfigError extends Error {
  override readonly name = 'ColloquyConfigError';
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`[colloquy] option "${option}" ${problem}`);
  }
}
