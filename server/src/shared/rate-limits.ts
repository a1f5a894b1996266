import { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Store } from '../store/interfaces';
import type { RateLimitHit } from '../store/types';

/** Expired counters are removed at most this often per process (off the request path). */
const PRUNE_EVERY_MS = 60_000;

/**
 * The address a limit counts: `request.ip`, which is the connection's unless a trusted proxy
 * (COLLOQUY_TRUST_PROXY) names the client, so a forged X-Forwarded-For changes nothing. IPv6 per
 * /64, as @fastify/rate-limit's default key does: one host usually holds a whole /64.
 */
export const clientAddress = (request: FastifyRequest) => normalizeIP(request.ip);

/** Seconds until a window ends, at least 1: what Retry-After and the 429 message say. */
export const secondsUntil = (resetAt: string, now: Date) => Math.max(1, Math.ceil((Date.parse(resetAt) - now.getTime()) / 1000));

/** Fixed-window counters in the database (`rate_limits`), shared by every process on it. */
export interface SharedCounters {
  /** Counts one hit on `key` and answers the window's count, this hit included. */
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
}

/**
 * Counters kept in the store. Each hit is one statement; now and then (at most once a minute) a hit
 * also starts, without waiting for it, the removal of counters whose window has ended, so the
 * table holds about the addresses seen in the last minute.
 */
export function createSharedCounters(store: Pick<Store, 'rateLimits'>, now: () => Date, log: FastifyBaseLogger): SharedCounters {
  let prunedAt = -Infinity;
  return {
    async hit(key, windowMs) {
      const at = now();
      const result = await store.rateLimits.hit(key, windowMs, at.toISOString());
      if (at.getTime() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = at.getTime();
        store.rateLimits.prune(at.toISOString()).catch((error: unknown) => log.warn({ err: error }, 'could not remove expired rate-limit counters'));
      }
      return result;
    },
  };
}

/** The plugin passes a route's own limit its route as `routeInfo` (the published types say otherwise). */
type ChildOptions = { routeInfo?: { method?: string | string[]; url?: string } };

class DatabaseRateLimitStore implements FastifyRateLimitStore {
  constructor(
    private readonly counters: SharedCounters,
    private readonly now: () => Date,
    private readonly namespace: string,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    this.counters.hit(`${this.namespace}${key}`, timeWindow).then(
      ({ count, resetAt }) => callback(null, { current: count, ttl: Math.max(0, Date.parse(resetAt) - this.now().getTime()) }),
      (error: Error) => callback(error),
    );
  }

  child(options: unknown): FastifyRateLimitStore {
    const route = (options as ChildOptions).routeInfo;
    return new DatabaseRateLimitStore(this.counters, this.now, `${this.namespace}${String(route?.method ?? '')}:${route?.url ?? ''}:`);
  }
}

/**
 * A store for @fastify/rate-limit (its custom `store` option) that counts in the database, so
 * every process sharing it enforces one limit. Keys are the plugin's (the client address) under
 * `prefix`; a route with its own limit counts under its method and path too, as the plugin's
 * Redis store does.
 */
export function databaseRateLimitStore(counters: SharedCounters, now: () => Date, prefix: string): FastifyRateLimitStoreCtor {
  // The plugin constructs the store itself (`new Store(options)`), with nothing of ours.
  return class extends DatabaseRateLimitStore {
    constructor() {
      super(counters, now, prefix);
    }
  };
}
