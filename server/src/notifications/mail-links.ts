import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml, markdownToHtml } from 'colloquy/core';
import { pageBaseCss, pageColors, styleHash } from '../shared/page-style';
import { verifyLink, type LinkPurpose } from './outbox';
import type { NotificationSubject, SettableStatus } from '../store/types';
import { approvalOptions, type RouteContext } from '../shared/context';
import { line } from '../shared/schemas';

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
  properties: { exp: line(20), sig: line(100), n: line(64) },
} as const;
const idParams = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    required: ['id', ...Object.keys(extra)],
    // A comment's id, or a subscription's.
    properties: { id: { ...line(64), minLength: 1 }, ...extra },
  }) as const;

type LinkRequest = { Params: { id: string; action?: string }; Querystring: { exp?: string; sig?: string; n?: string } };

/** The dashboard's look (its colours, light or dark as the system prefers), as one stylesheet the CSP allows by hash. */
const css =
  pageBaseCss +
  `body{font:16px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;padding:1em}main{max-width:40em;margin:0 auto}h1{font-size:1.6em;margin:0 0 .5em}` +
  `a{color:${pageColors.accent}}.meta{color:${pageColors.muted};margin:0 0 .5em}` +
  `.comment{background:${pageColors.surface};border:1px solid ${pageColors.border};border-radius:6px;padding:.2em 1em;margin:0 0 1em;overflow-wrap:anywhere}` +
  `button{font:inherit;padding:.4em 1em;border-radius:4px;border:1px solid ${pageColors.accent};background:${pageColors.accent};color:${pageColors.accentText};cursor:pointer}`;
// No script, no images, no frames; the form posts back to this same address.
const csp = `default-src 'none'; style-src ${styleHash(css)}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', csp)
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><meta name="color-scheme" content="light dark"><title>${escapeHtml(title)}</title><style>${css}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

/**
 * The comment a moderation link acts on, as the owner needs it to decide: its thread (linked to the
 * page when its address is known), its author's name and its text, rendered as the widget renders
 * it (markdown to safe HTML). Not the author's email: the name is enough to decide.
 */
function describeComment({ comment, thread }: NotificationSubject): string {
  const title = escapeHtml(thread.title || comment.threadId);
  const threadHtml = thread.url && /^https?:\/\//i.test(thread.url) ? `<a href="${escapeHtml(thread.url)}" rel="noreferrer">${title}</a>` : title;
  return (
    `<p class="meta">On ${threadHtml}, ${escapeHtml(comment.author.name)} wrote on ${escapeHtml(comment.createdAt.slice(0, 10))} (${escapeHtml(comment.status)}):</p>` +
    `<div class="comment">${markdownToHtml(comment.body)}</div>`
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
    const subject = await store.moderation.getForNotification(request.params.id);
    if (!subject) return page(reply, 404, 'Comment not found', '<p>This comment does not exist any more: it was deleted.</p>');
    return page(reply, 200, action.label, `${describeComment(subject)}${confirmForm(action.label)}`);
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
