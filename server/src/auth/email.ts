import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml, validateNewComment } from 'colloquy/core';
import { ApiError, throwIfInvalid } from '../shared/errors';
import { clientAddress, secondsUntil } from '../shared/rate-limits';
import { sha256Hex } from '../shared/signing';
import { popupPage } from './popup-page';
import { signInOrigins } from './providers';
import { signIn, type AuthContext } from './routes';

/** A mailed link signs in within this time, once. */
export const EMAIL_LINK_TTL_MS = 15 * 60_000;
/** At most one link per address in this time: a second request waits rather than floods an inbox. */
export const EMAIL_RESEND_MS = 5 * 60_000;
/** Links per address, and per sending address (IP), per day. */
export const EMAIL_LINKS_PER_ADDRESS_PER_DAY = 5;
export const EMAIL_LINKS_PER_IP_PER_DAY = 20;
const DAY_MS = 86_400_000;

interface EmailBody {
  email: string;
  name: string;
  returnTo: string;
}

const emailBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'returnTo'],
  properties: { email: { type: 'string', maxLength: 320 }, name: { type: 'string', maxLength: 400 }, returnTo: { type: 'string', maxLength: 2000 } },
} as const;

const tokenQuery = { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 100 } } } as const;

/**
 * Verified email, the "WordPress.com account" of a self-hosted site: the reader gives a name and an
 * address, gets a one-time link (15 minutes, used once, at most one per address per 5 minutes and a
 * few a day per address and per sending IP), and the link signs them in on the page they came from.
 * The mail goes through the notification outbox, queued with the link in one transaction. The link
 * opens a page whose button signs in: mail scanners that fetch every link sign nobody in.
 */
export function emailSignInRoutes(app: FastifyInstance, context: AuthContext) {
  const { config, store, now, counters } = context;
  const base = config.publicUrl.replace(/\/+$/, '');
  const site = base ? new URL(base).host : '';
  const allowedOrigins = signInOrigins(config);

  const limit = async (key: string, windowMs: number, max: number, message: string, reply: FastifyReply) => {
    const hit = await counters.hit(key, windowMs);
    if (hit.count <= max) return;
    reply.header('retry-after', String(secondsUntil(hit.resetAt, now())));
    throw new ApiError('rate-limited', message);
  };

  app.post<{ Body: EmailBody }>('/auth/email', { schema: { body: emailBody } }, async (request, reply) => {
    if (!config.emailSignIn || !context.notifier)
      throw new ApiError('not-found', 'Sign-in by email is off: set COLLOQUY_EMAIL_SIGNIN=on (with COLLOQUY_SMTP_URL).');
    const { name, returnTo } = request.body;
    const email = request.body.email.trim();
    // The comment form's rules for a name and an address, so both read the same everywhere.
    throwIfInvalid(...validateNewComment({ threadId: 'x', parentId: null, body: 'x', author: { name, email } }, { requireEmail: true }));
    if (!URL.canParse(returnTo) || !allowedOrigins.has(new URL(returnTo).origin)) {
      throw new ApiError('invalid', 'returnTo must be a page of one of this site’s origins (COLLOQUY_ORIGINS).', 'returnTo');
    }
    const address = email.toLowerCase();
    await limit(
      `email-sign-in-ip:${clientAddress(request)}`,
      DAY_MS,
      EMAIL_LINKS_PER_IP_PER_DAY,
      'Too many sign-in links were asked from your address today.',
      reply,
    );
    await limit(
      `email-sign-in:${address}`,
      EMAIL_RESEND_MS,
      1,
      'A sign-in link was sent to this address a few minutes ago: check your inbox (and spam folder).',
      reply,
    );
    await limit(`email-sign-in-day:${address}`, DAY_MS, EMAIL_LINKS_PER_ADDRESS_PER_DAY, 'Too many sign-in links were sent to this address today.', reply);

    const token = randomBytes(32).toString('base64url');
    const link = `${base}/api/auth/email/confirm?token=${token}`;
    const created = now();
    const mail = {
      from: config.mailFrom,
      to: { name: '', address: email },
      subject: `Sign in to comment on ${site}`,
      text: [
        `Sign in to comment on ${site} as ${name}:`,
        link,
        '',
        'The link works once, for 15 minutes.',
        'Did not ask? Ignore this mail: nothing happens.',
      ].join('\n'),
      html: [
        `<p>Sign in to comment on ${escapeHtml(site)} as ${escapeHtml(name)}:</p>`,
        `<p><a href="${escapeHtml(link)}">Sign in</a></p>`,
        '<p>The link works once, for 15 minutes. Did not ask? Ignore this mail: nothing happens.</p>',
      ].join('\n'),
    };
    await store.emailSignIns.create(
      {
        tokenHash: sha256Hex(token),
        email,
        name: name.trim(),
        returnTo,
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + EMAIL_LINK_TTL_MS).toISOString(),
      },
      JSON.stringify(mail),
    );
    context.notifier.kick();
    return reply.code(202).send({ sent: true });
  });

  // The link's page: GET shows a button, which POSTs here (a form body, parsed in this plugin only).
  app.register(async (links) => {
    links.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) =>
      done(null, {}),
    );
    links.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    const unusable = (reply: FastifyReply) =>
      popupPage(reply, 403, 'This sign-in link has expired or was already used: ask for a new one from the comment form.');

    links.get<{ Querystring: { token: string } }>('/auth/email/confirm', { schema: { querystring: tokenQuery } }, async (_request, reply) =>
      popupPage(reply, 200, `Sign in to comment on ${site}.`, undefined, 'Sign in'),
    );

    links.post<{ Querystring: { token: string } }>(
      '/auth/email/confirm',
      { schema: { querystring: tokenQuery } },
      async (request: FastifyRequest<{ Querystring: { token: string } }>, reply) => {
        const link = await store.emailSignIns.consume(sha256Hex(request.query.token), now().toISOString());
        if (!link) return unusable(reply);
        try {
          const { session } = await signIn(context, { provider: 'email', subject: link.email.toLowerCase(), name: link.name, email: link.email });
          return reply.redirect(`${link.returnTo.split('#')[0]}#colloquy-session=${session}`, 303);
        } catch (error) {
          if (error instanceof ApiError) return popupPage(reply, error.statusCode, error.message);
          throw error;
        }
      },
    );
  });
}
