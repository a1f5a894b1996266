import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { readCookie } from '../admin/session';
import { ApiError } from '../shared/errors';
import { safeEqual } from '../shared/signing';
import type { Identity } from '../store/types';
import { flowCookie, FLOW_COOKIE, FLOW_TTL_MS, openFlow, sealFlow, type SignInFlow } from './flow';
import { createGithubProvider, type GithubEndpoints } from './github';
import { createOidcProvider } from './oidc';
import { popupPage } from './popup-page';
import { signInOrigins } from './providers';
import { signIn, type AuthContext } from './routes';

interface StartQuery {
  origin: string;
  mode?: 'popup' | 'redirect';
  returnTo?: string;
}

const startQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['origin'],
  properties: {
    origin: { type: 'string', maxLength: 300 },
    mode: { type: 'string', enum: ['popup', 'redirect'] },
    returnTo: { type: 'string', maxLength: 2000 },
  },
} as const;

interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
}

const providerParams = { type: 'object', required: ['provider'], properties: { provider: { type: 'string', maxLength: 40 } } } as const;

/** A sign-in that cannot go on, told on the popup's page (and to the opener, when it is known and allowed). */
class FlowError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The popup's steps for OpenID Connect providers and GitHub: `/api/auth/start/:provider` remembers
 * the flow in a signed first-party cookie and sends the reader to the provider; the provider sends
 * them back to `/api/auth/callback/:provider`, which checks everything, signs them in and hands the
 * session to the page that asked: by postMessage to its exact origin (a popup), or back to it with
 * the session in the address's fragment (a redirect, when popups are blocked). The page's origin
 * must be one of COLLOQUY_ORIGINS, or this server's own (the demo pages).
 */
export function redirectRoutes(app: FastifyInstance, context: AuthContext, githubEndpoints?: GithubEndpoints) {
  const { config, providers, formSecret, now, counters } = context;
  const base = config.publicUrl.replace(/\/+$/, '');
  const allowed = signInOrigins(config);
  const secure = base.startsWith('https:');
  const redirectUri = (id: string) => `${base}/api/auth/callback/${id}`;

  const oidc = new Map(
    [
      ...(config.oidcIssuer ? [{ id: 'oidc', issuer: config.oidcIssuer, clientId: config.oidcClientId, clientSecret: config.oidcClientSecret }] : []),
      ...config.oidc,
    ].map((settings) => [settings.id, createOidcProvider(settings)]),
  );
  const github = config.githubClientId
    ? createGithubProvider({
        clientId: config.githubClientId,
        clientSecret: config.githubClientSecret,
        ...(githubEndpoints ? { endpoints: githubEndpoints } : {}),
      })
    : undefined;
  const nameOf = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
  const known = (id: string) => oidc.has(id) || (id === 'github' && github !== undefined);

  // Every answer here is a page for one reader, with secrets in its address or body: never stored.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const fail = (reply: FastifyReply, error: unknown, origin: string | undefined, request: FastifyRequest) => {
    const known = error instanceof FlowError;
    if (!known) request.log.warn({ err: error }, 'sign-in with a provider failed');
    const message = known ? error.message : 'Signing in did not work: the provider’s answer could not be checked. Please try again.';
    return popupPage(reply, known ? error.status : 502, message, { origin, message: { type: 'colloquy:sign-in', error: message } });
  };

  app.get<{ Params: { provider: string }; Querystring: StartQuery }>(
    '/auth/start/:provider',
    { schema: { params: providerParams, querystring: startQuery } },
    async (request, reply) => {
      const { provider } = request.params;
      const { origin, mode = 'popup', returnTo = '' } = request.query;
      // Nothing goes to a page whose origin the owner did not list.
      if (!allowed.has(origin))
        return fail(
          reply,
          new FlowError(400, `Signing in is not allowed from ${origin}: it is not one of this site's origins (COLLOQUY_ORIGINS).`),
          undefined,
          request,
        );
      try {
        if (!known(provider)) throw new FlowError(404, `There is no way to sign in called "${provider}" on this site.`);
        if ((mode === 'redirect' || returnTo) && !(URL.canParse(returnTo) && new URL(returnTo).origin === origin)) {
          throw new FlowError(400, 'The page to return to must be on the origin that started the sign-in.');
        }
        const flow: SignInFlow = {
          provider,
          state: client.randomState(),
          nonce: client.randomNonce(),
          verifier: client.randomPKCECodeVerifier(),
          origin,
          mode,
          returnTo,
          startedAt: now().getTime(),
        };
        const target =
          github && provider === 'github'
            ? github.authorizationUrl({
                redirectUri: redirectUri(provider),
                state: flow.state,
                challenge: await client.calculatePKCECodeChallenge(flow.verifier),
              })
            : await oidc.get(provider)!.authorizationUrl({ redirectUri: redirectUri(provider), state: flow.state, nonce: flow.nonce, verifier: flow.verifier });
        reply.header('set-cookie', flowCookie(sealFlow(await formSecret(), flow), FLOW_TTL_MS / 1000, secure));
        return reply.redirect(target, 302);
      } catch (error) {
        return fail(reply, error, mode === 'popup' ? origin : undefined, request);
      }
    },
  );

  app.get<{ Params: { provider: string }; Querystring: CallbackQuery }>(
    '/auth/callback/:provider',
    {
      schema: {
        params: providerParams,
        // Providers add parameters of their own (session_state, iss, error_description…): they are not refused.
        querystring: {
          type: 'object',
          properties: { code: { type: 'string', maxLength: 2000 }, state: { type: 'string', maxLength: 500 }, error: { type: 'string', maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const flow = openFlow(await formSecret(), readCookie(request.headers.cookie, FLOW_COOKIE), now());
      // The cookie is spent whatever happens next.
      reply.header('set-cookie', flowCookie('', 0, secure));
      const { provider } = request.params;
      const target = flow?.mode === 'popup' ? flow.origin : undefined;
      try {
        if (!known(provider)) throw new FlowError(404, `There is no way to sign in called "${provider}" on this site.`);
        if (!flow || flow.provider !== provider) throw new FlowError(400, 'This sign-in has expired or was not started here: please start again.');
        if (request.query.state === undefined || !safeEqual(request.query.state, flow.state))
          throw new FlowError(400, 'This sign-in does not match the one that was started: please start again.');
        // One callback per flow, in every process: a replayed address (from a history, a log) signs nobody in.
        if ((await counters.hit(`sign-in-state:${flow.state}`, FLOW_TTL_MS)).count > 1)
          throw new FlowError(400, 'This sign-in was already used: please start again.');
        if (request.query.error !== undefined)
          throw new FlowError(
            400,
            request.query.error === 'access_denied' ? 'Signing in was cancelled.' : `${nameOf(provider)} did not sign you in (${request.query.error}).`,
          );
        const code = request.query.code;
        if (code === undefined) throw new FlowError(400, `${nameOf(provider)} sent no code: please start again.`);
        const identity: Identity =
          github && provider === 'github'
            ? await github.identity({ code, redirectUri: redirectUri(provider), verifier: flow.verifier })
            : await oidc.get(provider)!.identity({
                callbackUrl: new URL(request.url, base),
                redirectUri: redirectUri(provider),
                state: flow.state,
                nonce: flow.nonce,
                verifier: flow.verifier,
              });
        const signedIn = await signIn(context, identity).catch((error: unknown) => {
          throw error instanceof ApiError ? new FlowError(error.statusCode, error.message) : error;
        });
        if (flow.mode === 'redirect') return reply.redirect(`${flow.returnTo.split('#')[0]}#colloquy-session=${signedIn.session}`, 302);
        return popupPage(
          reply,
          200,
          `You are signed in with ${nameOf(provider)}. This window closes by itself; if it does not, close it and reload the page.`,
          { origin: target, message: { type: 'colloquy:sign-in', ...signedIn } },
        );
      } catch (error) {
        return fail(reply, error, target, request);
      }
    },
  );
}
