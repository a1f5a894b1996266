import { createRateLimitStore, createSessionStore, createSettingsStore } from './access';
import { createChangeFeed } from './changes';
import { createCommentStore } from './comments';
import type { Engine } from './engine';
import type { Store } from './interfaces';
import { createModerationStore } from './moderation';
import { createOutboxStore, createSubscriptionStore } from './notifications';
import { createEmailSignInStore, createReaderSessionStore, createUserStore } from './users';
import { StoreUnavailableError } from './types';

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * Wraps a method so that the engine's "not answering" errors reach callers as StoreUnavailableError:
 * they tell an unavailable database from a fault without knowing the driver.
 */
function reportingUnavailable(engine: Engine) {
  const translate = (error: unknown) =>
    error instanceof StoreUnavailableError || !engine.isUnavailable(error)
      ? error
      : new StoreUnavailableError('[colloquy] the database is not answering', { cause: error });
  return <M extends Method>(method: M) => ((...args: unknown[]) => method(...args).catch((error: unknown) => Promise.reject(translate(error)))) as M;
}

/** The store the app is handed: each concern's rules over one engine. */
export function composeStore(engine: Engine): Store {
  const guard = reportingUnavailable(engine);
  const concern = <Concern extends object>(create: (engine: Engine) => Concern): Concern => {
    const rules = create(engine);
    const methods = Object.entries(rules).map(([name, value]) => [name, typeof value === 'function' ? guard((value as Method).bind(rules)) : value]);
    return Object.fromEntries(methods) as Concern;
  };
  return {
    comments: concern(createCommentStore),
    moderation: concern(createModerationStore),
    settings: concern(createSettingsStore),
    outbox: concern(createOutboxStore),
    subscriptions: concern(createSubscriptionStore),
    sessions: concern(createSessionStore),
    rateLimits: concern(createRateLimitStore),
    // Not guarded: watching is not a query.
    changes: createChangeFeed(engine),
    users: concern(createUserStore),
    readerSessions: concern(createReaderSessionStore),
    emailSignIns: concern(createEmailSignInStore),
    engine: engine.kind,
    // Start-up errors keep the driver's own, which `colloquy serve` explains by their codes.
    migrate: () => engine.migrate(),
    ping: guard(() => engine.ping()),
    close: () => engine.close(),
  };
}
