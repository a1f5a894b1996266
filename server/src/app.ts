import { createSecretSource, keyedAvatarSeed, untilDone } from './shared/signing';
import { pageOrigins } from './shared/thread-page';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { defaultServerConfig, type AppConfig } from './config/config';
import { answerClientError } from './shared/client-errors';
import { API_CSP, ApiError, toApiError } from './shared/errors';
import { createModerationPolicy, type SpamCheckHook } from './comments/moderation';
import { createNotifier } from './notifications/outbox';
import { mailLinkRoutes } from './notifications/mail-links';
import { adminPage } from './admin/page';
import { adminRoutes } from './admin/routes';
import { commentRoutes, commentWriteRoutes } from './comments/routes';
import { authRoutes, authWriteRoutes, type AuthContext } from './auth/routes';
import { configuredProviders } from './auth/providers';
import { createReaderSessions } from './auth/sessions';
import type { GithubEndpoints } from './auth/github';
import { redirectRoutes } from './auth/redirect-routes';
import { emailSignInRoutes } from './auth/email';
import type { RouteContext } from './shared/context';
import { countsRoute } from './comments/counts';
import { feedRoute } from './feeds/routes';
import { healthRoute } from './shared/health';
import { createSharedCounters, databaseRateLimitStore } from './shared/rate-limits';
import { createStaticFiles } from './shared/static-files';
import { createReadCache } from './cache/read-cache';
import type { Store } from './store/interfaces';
import { StoreUnavailableError } from './store/types';

// The widget package (resolved like any dependency): its dist/ holds the bundles the server serves.
const widgetPackage = dirname(createRequire(import.meta.url).resolve('colloquy/package.json'));

export interface AppOptions {
  /** Where comments live; the app never opens or closes it. */
  store: Store;
  /** Overrides of the server defaults (see `resolveServerConfig`). */
  config?: Partial<AppConfig>;
  /** The clock for timestamps and edit windows; tests pass a fake one. @default () => new Date() */
  now?: () => Date;
  /** The widget package, whose dist/ (the script-tag bundles and the dashboard's) is served at /. @default the `colloquy` package */
  root?: string;
  /** Fastify's logger option. @default false */
  logger?: boolean | { level: string };
  /**
   * The site's own spam check (e.g. Akismet), asked about each new comment that no other rule marked
   * as spam: `spam` marks it, `unsure` holds it, `ham` lets the other rules decide. A hook that throws
   * or takes longer than `spamCheckTimeoutMs` holds the comment; the request never waits longer.
   * @default none
   */
  spamCheck?: SpamCheckHook;
  /** Timing of the notification mail outbox (with `smtpUrl` set); tests shorten it. @default { retryBaseMs: 30000, pollMs: 30000 } */
  mail?: { retryBaseMs?: number; pollMs?: number };
  /** Where sign-in with GitHub reaches GitHub; tests point it at a local stand-in. @default GitHub's own addresses */
  githubEndpoints?: GithubEndpoints;
}

const homePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>Colloquy</title></head>
<body><h1>Colloquy</h1><p>This is a Colloquy comment server. Pages load its widget from <a href="/colloquy.js">/colloquy.js</a>; the site owner moderates at <a href="/admin">/admin</a>.</p></body></html>
`;

/**
 * Whether a request with this Origin comes from a page of this server: the browser says so in
 * Sec-Fetch-Site; without it, the Origin's host is the Host the request was sent to.
 */
function isSameOrigin(headers: FastifyRequest['headers'], origin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  return URL.canParse(origin) && new URL(origin).host === headers.host;
}

/** How many refused origins are named in the log: enough for any real site, bounded against forged headers. */
const REFUSED_ORIGINS_LOGGED = 20;

/**
 * Warns once per origin the CORS allowlist refuses. The widget on such a page cannot reach the API,
 * and its readers only see that it is offline: the site owner learns why from this line.
 */
function createRefusedOriginLog(log: FastifyBaseLogger) {
  const seen = new Set<string>();
  return (origin: string) => {
    if (seen.has(origin) || seen.size > REFUSED_ORIGINS_LOGGED) return;
    seen.add(origin);
    if (seen.size > REFUSED_ORIGINS_LOGGED) {
      log.warn(`refused requests from more than ${REFUSED_ORIGINS_LOGGED} origins not in COLLOQUY_ORIGINS; no more are logged`);
      return;
    }
    log.warn(
      { origin },
      `refused a request from ${origin}: it is not in COLLOQUY_ORIGINS (--origins), so a widget on its pages cannot reach the API. ` +
        `If comments belong there, add ${origin} to COLLOQUY_ORIGINS.`,
    );
  };
}

/** Seconds a client is asked to wait when the database is not answering: a restart or a lock rarely lasts longer. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Every error answer, routed or not (a malformed address is answered before routing): JSON, never stored, never rendered. */
function sendError(reply: FastifyReply, error: ApiError) {
  if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="colloquy"');
  if (error.statusCode === 503) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
  return reply.code(error.statusCode).header('cache-control', 'no-store').send(error.toJSON());
}

/**
 * The reference server as a Fastify instance that never listens: `main` listens, tests call
 * `inject()` (or `listen({ port: 0 })`). Serves the API under /api, the widget's bundles at / and the
 * dashboard at /admin; with `config.demo`, also that folder's demo pages at /.
 */
export function createApp({
  store,
  config: overrides = {},
  now = () => new Date(),
  root = widgetPackage,
  logger = false,
  spamCheck,
  mail,
  githubEndpoints,
}: AppOptions): FastifyInstance {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const config: AppConfig = { ...defaultServerConfig, ...defined };
  // Read (or generated and stored) on first use, so createApp stays synchronous and never touches the store.
  const formSecret = createSecretSource(store, config.secret);
  const app = Fastify({
    logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Bound slow clients; generous for any real comment.
    requestTimeout: 30_000,
    // Unknown fields are errors, not silently dropped, and "5" is not 5.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allowUnionTypes: true } },
    frameworkErrors: (error, _request, reply) => sendError(reply, toApiError(error, config.bodyLimit)),
    // What Node's parser refuses never reaches Fastify's handlers: answered in the API's error shape too.
    clientErrorHandler: answerClientError,
    // An HTTP/1.1 request without Host is refused below, in JSON, rather than by Node with an empty 400.
    http: { requireHostHeader: false },
  });
  const providers = configuredProviders(config);
  const sessions = createReaderSessions(store, providers, now);
  const context: RouteContext = {
    readers: sessions,
    store,
    config,
    now,
    policy: createModerationPolicy(config),
    formSecret,
    avatarSecret: untilDone(async () => {
      const secret = await formSecret();
      const keyed = await store.comments.keyAvatarSeeds((fingerprint) => keyedAvatarSeed(secret, fingerprint));
      if (keyed) app.log.warn(`keyed the avatar seeds of ${keyed} stored comments with the site's secret (once): identicons change this one time`);
      return secret;
    }),
    // One set for the sign-in and the write limits, so expired counters are pruned once a minute, not once per limit.
    counters: createSharedCounters(store, now, app.log),
    cache: createReadCache({ changes: store.changes, maxBytes: config.cacheMb * 1024 * 1024 }),
    ...(spamCheck ? { spamCheck } : {}),
  };
  // Until it hears changes (on PostgreSQL, once its LISTEN connection is up) the cache serves nothing it holds.
  app.addHook('onReady', async () => context.cache.start());
  app.addHook('onClose', async () => context.cache.stop());

  // At start (or, with the database down then, before the first comment needs it): once per database,
  // seeds stored before they were keyed become keyed ones, so each author keeps one avatar.
  app.addHook('onReady', async () => {
    await context.avatarSecret().catch((error: unknown) => {
      if (!(error instanceof StoreUnavailableError)) throw error;
      app.log.warn('the database is not answering: avatar seeds will be keyed when it does');
    });
  });
  if (pageOrigins(config).size === 0) {
    app.addHook('onReady', async () =>
      app.log.warn("threads' page addresses are not kept: set COLLOQUY_SITE_URL (or COLLOQUY_ORIGINS) to the site's origin, where its pages are"),
    );
  }

  if (config.smtpUrl) {
    const notifier = createNotifier({ store, config, secret: formSecret, log: app.log, ...mail });
    context.notifier = notifier;
    app.addHook('onReady', async () => notifier.start());
    app.addHook('onClose', async () => notifier.stop());
  } else {
    // A warning, so that it shows at the level `colloquy serve` logs at.
    app.addHook('onReady', async () => app.log.warn('notifications by email are off: COLLOQUY_SMTP_URL is not set'));
  }

  // JSON only: with text/plain gone, a cross-site form or `no-cors` fetch cannot post (415), and any
  // real cross-origin write needs a CORS preflight, which only allowlisted origins pass.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error as FastifyError, config.bodyLimit);
    if (apiError.statusCode === 503) request.log.warn({ err: (error as Error).cause ?? error }, 'the database is not answering');
    else if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, apiError);
  });
  // The path is not echoed: no response repeats what a client sent.
  app.setNotFoundHandler((_request, reply) => sendError(reply, new ApiError('not-found')));

  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) throw new ApiError('invalid', 'The request has no Host header.');
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  const allowed = new Set(config.origins);
  const refusedOrigin = createRefusedOriginLog(app.log);
  const corsOptions = {
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Idempotency-Key', 'Authorization', 'X-Colloquy-Own'],
    exposedHeaders: ['Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
    // A malformed preflight from an allowed origin gets the usual answer, not a text/plain 400.
    strictPreflight: false,
  };
  app.register(cors, {
    // Per request rather than a bare origin callback: telling a refused site from our own pages
    // (demo, dashboard), which send an Origin too but need no CORS, takes the request.
    delegator: (request, callback) => {
      const { origin } = request.headers;
      // Allowlisted origins get CORS headers; every other origin gets none. Same-origin needs none.
      const ok = origin !== undefined && allowed.has(origin);
      if (origin !== undefined && !ok && !isSameOrigin(request.headers, origin)) refusedOrigin(origin);
      callback(null, { ...corsOptions, origin: ok ? origin : false });
    },
  });

  app.register(
    async (api) => {
      // The API's headers belong to its routes (and its 404s), however the path was spelled:
      // `/%61pi/comments` is routed here too, and a test on the raw URL would miss it.
      api.addHook('onSend', async (request, reply) => {
        // A listing with the reader's own held comments (X-Colloquy-Own), or anything asked with a session, is theirs alone: never stored.
        const personal = request.headers['x-colloquy-own'] !== undefined || request.headers.authorization !== undefined;
        const read = (request.method === 'GET' || request.method === 'HEAD') && reply.statusCode < 400 && !personal;
        reply.header('cache-control', read ? 'no-cache' : 'no-store');
        // The API's pages for people (the mail links) set their own, which allows their stylesheet.
        if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
      });
      api.setNotFoundHandler((_request, reply) => sendError(reply, new ApiError('not-found', 'The API has no such route for this method.')));
      // Claims the API's paths from the static files' catch-all below, so that an unknown one gets the API's 404.
      api.get('/*', async (_request, reply) => reply.callNotFound());
      // Made here, when the notifier is in the context.
      const auth: AuthContext = { ...context, providers, sessions };
      commentRoutes(api, context);
      authRoutes(api, auth);
      // Its own plugin: its pages are never stored by a cache.
      api.register(async (popup) => redirectRoutes(popup, auth, githubEndpoints));
      countsRoute(api, context);
      feedRoute(api, context);
      healthRoute(api, context);
      // Its own plugin: these pages accept form posts, which the rest of the API refuses.
      api.register(async (links) => mailLinkRoutes(links, context));
      api.register((admin) => adminRoutes(admin, context), { prefix: '/admin' });
      api.register(async (writes) => {
        if (config.rateLimit > 0) {
          // One budget per client address for all writes, counted before the body is read. On
          // PostgreSQL, where several processes serve one site, it is counted in the database (one
          // more round trip per write) so that they share it. On SQLite the site runs on one machine,
          // usually as one process, and it stays in memory (per process): a counter in the file would
          // be a second synced write per POST, about halving write throughput.
          const shared = store.engine === 'postgres';
          await writes.register(rateLimit, {
            global: true,
            max: config.rateLimit,
            timeWindow: 60_000,
            ...(shared ? { store: databaseRateLimitStore(context.counters, now, 'write:') } : {}),
            errorResponseBuilder: (_request, { ttl }) =>
              new ApiError(
                'rate-limited',
                `Too many posts and edits from your address: please wait ${Math.max(1, Math.ceil(ttl / 1000))} seconds and try again.`,
              ),
          });
        }
        commentWriteRoutes(writes, context);
        authWriteRoutes(writes, auth);
        emailSignInRoutes(writes, auth);
      });
    },
    { prefix: '/api' },
  );

  const staticFiles = createStaticFiles({
    mounts: [
      ...(config.demo ? [{ prefix: '/', folder: resolve(config.demo) }] : []),
      // Of the widget package's build, only what a page's script tag (or the dashboard) loads: not its npm modules, types or anything else built beside them.
      { prefix: '/', folder: join(root, 'dist'), only: /^\/colloquy(?:-[a-z0-9]+)*\.(?:js|css)$/ },
    ],
  });
  app.get('/admin', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', adminPage.csp)
      // A link in a comment tells the site it leads to nothing of the dashboard; the dashboard's own
      // requests keep their Origin, which its writes are checked against.
      .header('referrer-policy', adminPage.referrerPolicy)
      .send(adminPage.html),
  );
  // The widget loads the sign-in pack when a form first shows; with no way to sign in configured, the
  // readers of every page would download 9 KB to learn that: they get an empty script instead.
  if (providers.length === 0) {
    app.get('/colloquy-sign-in.js', async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send('// No way to sign in is configured on this server.\n'),
    );
  }
  // Without demo pages, / says what this server is rather than answering a bare 404.
  if (!config.demo) app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(homePage));
  app.get('/*', async (request, reply) => {
    const file = await staticFiles(request.url);
    if (!file) return reply.callNotFound();
    return reply.type(file.contentType).header('cache-control', 'no-cache').send(file.body);
  });

  return app;
}
