import { Buffer } from 'node:buffer';
import { InvalidCursorError } from './types';

/** A position in a thread's (createdAt, id) order: the last comment of the previous page. */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

/** The only timestamp shape stores keep and compare: fixed width, so text order is time order. */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Turns any ISO 8601 date into 'YYYY-MM-DDTHH:mm:ss.sssZ'. Throws on anything else (including
 * years past 9999, whose ISO form is wider and would break text ordering).
 */
export function toIsoMillis(value: string, name: string): string {
  const time = Date.parse(value);
  const iso = Number.isNaN(time) ? '' : new Date(time).toISOString();
  if (!ISO_MILLIS.test(iso)) throw new TypeError(`[colloquy] ${name} is not a valid ISO 8601 date: ${JSON.stringify(value)}`);
  return iso;
}

/** Opaque to clients: base64url of `createdAt|id` (an ISO date never contains '|'). */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const invalid = () => new InvalidCursorError('[colloquy] cursor is not one this store gave out');
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 0) throw invalid();
  const position = { createdAt: text.slice(0, bar), id: text.slice(bar + 1) };
  // A comment id is one line of text (see the API's schemas): a NUL would fail PostgreSQL's query.
  if (!/^[^\0-\x1f\x7f-\x9f]{1,64}$/.test(position.id) || !ISO_MILLIS.test(position.createdAt)) throw invalid();
  // Rejects impossible dates ('2024-13-45…') and non-canonical encodings (bad UTF-8, stray bits).
  const time = Date.parse(position.createdAt);
  if (Number.isNaN(time) || new Date(time).toISOString() !== position.createdAt) throw invalid();
  if (encodeCursor(position) !== cursor) throw invalid();
  return position;
}
