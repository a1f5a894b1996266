import type { AppConfig } from '../config/config';
import type { ModerationPolicy, SpamCheckHook } from '../comments/moderation';
import type { ReadCache } from '../cache/read-cache';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/interfaces';
import type { User } from '../store/types';
import type { SharedCounters } from './rate-limits';

/**
 * Queues notification mails. Features reach it through the route context only, so none of them
 * imports the mail machinery (notifications/outbox.ts implements it).
 */
export interface Notifier {
  /** Works through what is due now (also runs on a timer): call it after queueing a job. */
  kick(): void;
  start(): void;
  /** Stops the timer, waits for the item being worked on, and gives back the items claimed but not started. */
  stop(): Promise<void>;
}

/**
 * `setStatus` options: with notifications on, each approval queues the mails to the thread's
 * followers. Every place that approves (dashboard, mail link, CLI) asks here, not the outbox.
 */
export const approvalOptions = (notificationsOn: boolean, now: Date) => (notificationsOn ? { notifyFollowersAt: now.toISOString() } : {});

/** A reader who signed in, as a request's session token proves. */
export interface SignedInReader {
  user: User;
  /** How they signed in, as readers see it (the provider's name): the comment's verified mark. */
  verifiedBy: string;
}

/** Readers' sessions as features see them (auth/sessions.ts implements it). */
export interface ReaderAuth {
  /** Whether an `Authorization: Bearer` token is a reader session's (rather than a comment's edit token). */
  isSessionToken(token: string): boolean;
  /**
   * The reader whose session token the request carries; null when it carries none. A session that
   * is unknown, expired or revoked is a 401, a blocked user a 403: never silently a guest.
   */
  reader(request: FastifyRequest): Promise<SignedInReader | null>;
}

/** What every feature's routes are given by `createApp`: built once, shared by all. */
export interface RouteContext {
  store: Store;
  config: AppConfig;
  now: () => Date;
  /** The moderation policy, compiled once from the config. */
  policy: ModerationPolicy;
  /** The site's own spam check, if it has one. */
  spamCheck?: SpamCheckHook;
  /** The secret every signer is keyed with (from the config, or stored in the database on first use). */
  formSecret: () => Promise<string>;
  /** The secret avatar seeds are keyed with, once the stored seeds are keyed: no new seed is made before. */
  avatarSecret: () => Promise<string>;
  /** Rate-limit counters kept in the database, shared by every process on it. */
  counters: SharedCounters;
  /** Public pages, counts and feeds, held until a write to their thread (see cache/read-cache.ts). */
  cache: ReadCache;
  /** Queues notification mails; absent without SMTP settings. */
  notifier?: Notifier;
  /** Readers' sessions. */
  readers: ReaderAuth;
}
