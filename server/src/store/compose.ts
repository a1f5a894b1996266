import { createRateLimitStore, createSessionStore, createSettingsStore } from './access';
import { createCommentStore } from './comments';
import type { Engine } from './engine';
import type { Store } from './interfaces';
import { createModerationStore } from './moderation';
import { createOutboxStore, createSubscriptionStore } from './notifications';
import { createEmailSignInStore, createReaderSessionStore, createUserStore } from './users';

/** The store the app is handed: each concern's rules over one engine. */
export function composeStore(engine: Engine): Store {
  return {
    comments: createCommentStore(engine),
    moderation: createModerationStore(engine),
    settings: createSettingsStore(engine),
    outbox: createOutboxStore(engine),
    subscriptions: createSubscriptionStore(engine),
    sessions: createSessionStore(engine),
    rateLimits: createRateLimitStore(engine),
    users: createUserStore(engine),
    readerSessions: createReaderSessionStore(engine),
    emailSignIns: createEmailSignInStore(engine),
    engine: engine.kind,
    migrate: () => engine.migrate(),
    ping: () => engine.ping(),
    close: () => engine.close(),
  };
}
