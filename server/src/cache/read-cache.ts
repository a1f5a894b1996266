/**
 * The read cache: public response bodies (thread pages, counts, feeds) kept in memory, each with its
 * ETag, until a write to a thread they show. The store's change feed says which thread changed: this
 * process's commits at once, other processes' through LISTEN/NOTIFY (PostgreSQL) or data_version
 * (SQLite). Memory is bounded by the bytes of the bodies held; the least recently used go first.
 */
import { createHash } from 'node:crypto';
import type { ChangeFeed, ChangeWatch } from '../store/interfaces';

/** What a body shows: some threads, or (the site feed) every thread. */
export type Shows = readonly string[] | 'every thread';

export interface CachedBody {
  /** The response body, ready to send. */
  readonly body: string;
  /** A strong validator: a hash of the body, computed once, when it was rendered. */
  readonly etag: string;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  /** Bodies rendered: misses, and every read while the cache is off or not live. */
  renders: number;
}

export interface ReadCache {
  /**
   * The body for `key`, rendered by `render` when it is not held. `shows` names the threads whose
   * changes make it stale. Concurrent misses of one key wait for one render. While the cache is off,
   * or other processes' changes may go unheard (a PostgreSQL listener reconnecting), every call renders.
   */
  get(key: string, shows: Shows, render: () => Promise<string>): Promise<CachedBody>;
  /** Starts hearing changes; resolves once the first attempt to listen has succeeded or failed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): CacheStats;
}

export interface ReadCacheOptions {
  changes: ChangeFeed;
  /** The bytes of bodies held at most; 0 turns the cache off. */
  maxBytes: number;
}

interface Entry extends CachedBody {
  readonly shows: Shows;
  readonly bytes: number;
}

/** A render under way; a change to a thread it shows makes it stale: its result is then handed to its waiters but not kept. */
interface Flight {
  readonly shows: Shows;
  readonly result: Promise<Entry>;
  stale: boolean;
}

/** What an entry costs beyond its body: its key, its ETag, the maps' slots. An estimate. */
const OVERHEAD_BYTES = 200;

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

const showsThread = (shows: Shows, threadId: string) => shows === 'every thread' || shows.includes(threadId);

export function createReadCache({ changes, maxBytes }: ReadCacheOptions): ReadCache {
  // Map order is recency order: a hit moves its entry to the end, eviction takes from the front.
  const entries = new Map<string, Entry>();
  const keysByThread = new Map<string, Set<string>>();
  const siteKeys = new Set<string>();
  const flights = new Map<string, Flight>();
  let bytes = 0;
  let hits = 0;
  let renders = 0;
  let watch: ChangeWatch | undefined;

  const keysOf = (threadId: string) => {
    let keys = keysByThread.get(threadId);
    if (!keys) keysByThread.set(threadId, (keys = new Set()));
    return keys;
  };

  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
    if (entry.shows === 'every thread') siteKeys.delete(key);
    else
      for (const threadId of entry.shows) {
        const keys = keysByThread.get(threadId);
        keys?.delete(key);
        if (keys?.size === 0) keysByThread.delete(threadId);
      }
  }

  function keep(key: string, entry: Entry) {
    // One body larger than the whole budget would only evict everything else.
    if (entry.bytes > maxBytes) return;
    entries.set(key, entry);
    bytes += entry.bytes;
    if (entry.shows === 'every thread') siteKeys.add(key);
    else for (const threadId of entry.shows) keysOf(threadId).add(key);
    for (const oldest of entries.keys()) {
      if (bytes <= maxBytes) break;
      remove(oldest);
    }
  }

  /** Forgets what shows `threadId` (null: everything), and what is being rendered for it. */
  function forget(threadId: string | null) {
    for (const [key, flight] of flights) {
      if (threadId === null || showsThread(flight.shows, threadId)) {
        flight.stale = true;
        flights.delete(key);
      }
    }
    if (threadId === null) {
      entries.clear();
      keysByThread.clear();
      siteKeys.clear();
      bytes = 0;
      return;
    }
    for (const key of [...(keysByThread.get(threadId) ?? []), ...siteKeys]) remove(key);
  }

  async function render(shows: Shows, draw: () => Promise<string>): Promise<Entry> {
    renders++;
    const body = await draw();
    return { body, etag: etagOf(body), shows, bytes: Buffer.byteLength(body) + OVERHEAD_BYTES };
  }

  return {
    async get(key, shows, draw) {
      if (!watch?.live) return render(shows, draw);
      watch.check();
      const held = entries.get(key);
      if (held) {
        hits++;
        entries.delete(key);
        entries.set(key, held);
        return held;
      }
      const underway = flights.get(key);
      if (underway) return underway.result;
      const flight: Flight = { shows, stale: false, result: render(shows, draw) };
      flights.set(key, flight);
      try {
        const entry = await flight.result;
        if (!flight.stale) keep(key, entry);
        return entry;
      } finally {
        if (flights.get(key) === flight) flights.delete(key);
      }
    },
    async start() {
      if (maxBytes === 0 || watch) return;
      watch = changes.watch(forget);
      await watch.ready;
    },
    async stop() {
      const stopping = watch;
      watch = undefined;
      forget(null);
      await stopping?.stop();
    },
    stats: () => ({ entries: entries.size, bytes, maxBytes, hits, renders }),
  };
}
