import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from 'colloquy/core';
import { approvalOptions, verifyLink, type LinkPurpose } from './outbox';
import type { SettableStatus } from '../store/types';
import type { RouteContext } from '../comments/routes';

/**
 * The pages behind the links in notification mails. Each link is signed (HMAC over purpose, id and
 * expiry) and is the only credential. GET never changes anything: it shows a page whose button
 * POSTs back to the same address. Mail scanners and link previewers fetch every link in a mail,
 * so a GET that approved, deleted, confirmed or unsubscribed would act without the reader. The one
 * exception to "a person presses the button" is RFC 8058: a mail client's List-Unsubscribe POST.
 */

const moderationActions: Record<string, { status: SettableStatus; label: string; done: string }> = {
  approve: { status: 'approved', label: 'Approve this comment', done: 'The comment is approved.' },
  spam: { status: 'spam', label: 'Mark this comment as spam', done: 'The comment is marked as spam.' },
  delete: { status: 'deleted', label: 'Delete this comment', done: 'The comment is deleted.' },
};

const linkQuery = {
  type: 'object',
  // `n`: the nonce of a confirmation mail, signed with the subscription's id.
  properties: { exp: { type: 'string', maxLength: 20 }, sig: { type: 'string', maxLength: 100 }, n: { type: 'string', maxLength: 64 } },
} as const;
const idParams = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    required: ['id', ...Object.keys(extra)],
    properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, ...extra },
  }) as const;

type LinkRequest = { Params: { id: string; action?: string }; Querystring: { exp?: string; sig?: string; n?: string } };

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

const invalid = (reply: FastifyReply) => page(reply, 403, 'This link is not valid', '<p>The link is incomplete, altered or expired.</p>');

/** A form without `action` posts to the page's own address, signature included. */
const confirmForm = (label: string) => `<form method="post"><button type="submit">${escapeHtml(label)}</button></form>`;

export function mailLinkRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, formSecret } = context;
  // Forms and RFC 8058 clients post form bodies; these routes need nothing from them. Registered in
  // this plugin only: the comment API stays JSON-only (its CSRF defense).
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) =>
    done(null, {}),
  );

  const signedOk = async (purpose: LinkPurpose, id: string, query: LinkRequest['Querystring']) =>
    verifyLink(await formSecret(), purpose, id, query.exp, query.sig, new Date());

  const moderationSchema = { params: idParams({ action: { type: 'string', enum: Object.keys(moderationActions) } }), querystring: linkQuery };
  app.get<LinkRequest>('/moderate/:id/:action', { schema: moderationSchema }, async (request, reply) => {
    const action = moderationActions[request.params.action!]!;
    if (!(await signedOk(request.params.action as LinkPurpose, request.params.id, request.query))) return invalid(reply);
    return page(reply, 200, action.label, `<p>Comment ${escapeHtml(request.params.id)}.</p>${confirmForm(action.label)}`);
  });
  app.post<LinkRequest>('/moderate/:id/:action', { schema: moderationSchema }, async (request, reply) => {
    const action = moderationActions[request.params.action!]!;
    if (!(await signedOk(request.params.action as LinkPurpose, request.params.id, request.query))) return invalid(reply);
    const [change] = await store.moderation.setStatus([request.params.id], action.status, approvalOptions(context.notifier !== undefined, context.now()));
    if (!change || change.outcome === 'not-found') return page(reply, 404, 'Comment not found', '<p>This comment does not exist any more.</p>');
    context.notifier?.kick();
    return page(reply, 200, 'Done', `<p>${escapeHtml(action.done)}</p>`);
  });

  const subscriptionSchema = { params: idParams(), querystring: linkQuery };
  const subscriptionPages = {
    confirm: {
      label: 'Confirm',
      done: 'Thank you: you will hear of new comments in this thread.',
      // The signature covers the nonce too: the link confirms the subscription its mail asked about, as it was then.
      signedId: (id: string, query: LinkRequest['Querystring']) => `${id}.${query.n ?? ''}`,
      act: (id: string, query: LinkRequest['Querystring'], at: string) => store.subscriptions.confirm(id, query.n ?? '', at),
      gone: 'This link is no longer valid: you unsubscribed since, or asked again and a newer mail has the link that counts.',
    },
    unsubscribe: {
      label: 'Unsubscribe from this thread',
      done: 'You are unsubscribed: no more mails about this thread.',
      signedId: (id: string) => id,
      act: (id: string, _query: LinkRequest['Querystring'], at: string) => store.subscriptions.unsubscribe(id, at),
      gone: 'This subscription does not exist.',
    },
  } as const;
  for (const purpose of ['confirm', 'unsubscribe'] as const) {
    const { label, done, signedId, act, gone } = subscriptionPages[purpose];
    app.get<LinkRequest>(`/subscriptions/:id/${purpose}`, { schema: subscriptionSchema }, async (request, reply) => {
      if (!(await signedOk(purpose, signedId(request.params.id, request.query), request.query))) return invalid(reply);
      return page(reply, 200, label, confirmForm(label));
    });
    app.post<LinkRequest>(`/subscriptions/:id/${purpose}`, { schema: subscriptionSchema }, async (request, reply) => {
      if (!(await signedOk(purpose, signedId(request.params.id, request.query), request.query))) return invalid(reply);
      if (!(await act(request.params.id, request.query, new Date().toISOString()))) return page(reply, 404, 'Not found', `<p>${escapeHtml(gone)}</p>`);
      return page(reply, 200, 'Done', `<p>${escapeHtml(done)}</p>`);
    });
  }
}
