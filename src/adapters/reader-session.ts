import type { KeyValueStore } from '../core/types';
import type { SignedInReader } from './types';
import { readJson } from './web-storage';

/** A reader's session with one server, as kept in the host page's localStorage: the token and who it signs in. */
export interface StoredSession {
  token: string;
  reader: SignedInReader;
}

/** One key per server (its API base), so two servers on one page never share a session. */
export const sessionKey = (apiBase: string) => `colloquy:session:${apiBase}`;

export const readSession = (store: KeyValueStore, apiBase: string) =>
  readJson(store, sessionKey(apiBase), (value): value is StoredSession => typeof (value as StoredSession | null)?.token === 'string');
