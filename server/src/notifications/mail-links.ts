import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml, markdownToHtml } from 'colloquy/core';
import { pageBaseCss, pageColors, styleHash } from '../shared/page-style';
import { signLink, verifyLink, type LinkPurpose } from './outbox';
import type { NotificationSubject, SettableStatus } from '../store/types';
import { approvalOptions, type RouteContext } from '../shared/context';
import { line } from '../shared/schemas';

/**
 * The pages behind the links in notification mails. Each link is signed (HMAC over purpose, id and
 * expiry) and is the only credential. GET never changes anything: it shows a page whose button
 * POSTs back to the same address. Mail scanners and link previewers fetch every link in a mail,
 * so a GET that approved, deleted, confirmed or unsubscribed would act without the reader. The one
 * exception to "a person presses the button" is RFC 8058: a mail client's List-Unsubscribe POST.
 *
 * An approve link names the revision of the text its mail quoted: when the comment was edited
 * since, the page says so, shows the text as it is now, and its button approves that revision.
 */

const moderationActions: Record<string, { status: SettableStatus; label: string; done: string }> = {
  approve: { status: 'approved', label: 'Approve this comment', done: 'The comment is approved.' },
  spam: { status: 'spam', label: 'Mark this comment as spam', done: 'The comment is marked as spam.' },
  delete: { status: 'deleted', label: 'Delete this comment', done: 'The comment is deleted.' },
};

const linkQuery = {
  type: 'object',
  // `n`: the nonce of a confirmation mail, signed with the subscription's id; `v`: the revision an approval is of, signed too.
  properties: { exp: line(20), sig: line(100), n: line(64), v: line(10) },
} as const;
const idParams = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    required: ['id', ...Object.keys(extra)],
    // A comment's id, or a subscription's.
    properties: { id: { ...line(64), minLength: 1 }, ...extra },
  }) as const;

type LinkRequest = { Params: { id: string; action?: string }; Querystring: { exp?: string; sig?: string; n?: string; v?: string } };

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

/** A form without `action` posts to the page's own address, signature included; `query` posts to another signed one. */
const confirmForm = (label: string, query?: string) =>
  `<form method="post"${query === undefined ? '' : ` action="?${escapeHtml(query)}"`}><button type="submit">${escapeHtml(label)}</button></form>`;

/**
 * The revision an approve link names. A link mailed before links named one (no `v`) quoted a text
 * nobody can tell now: 0, which no comment has, so it counts as edited since.
 */
const linkedRevision = (query: LinkRequest['Querystring']) => (query.v === undefined ? 0 : Number(query.v));

export function mailLinkRoutes(app: FastifyInstance, context: RouteContext) {
  const { store, formSecret } = context;
  // Forms and RFC 8058 clients post form bodies; these routes need nothing from them. Registered in
  // this plugin only: the comment API stays JSON-only (its CSRF defense).
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) =>
    done(null, {}),
  );

  const signedOk = async (purpose: LinkPurpose, id: string, query: LinkRequest['Querystring']) =>
    verifyLink(await formSecret(), purpose, id, query.exp, query.sig, new Date(), query.v);

  /**
   * The page of an approve link whose text was edited since its mail: the text now, and a button
   * that approves this revision (a link signed like the mail's, expiring when it does). 409 when
   * an approval was just refused for it.
   */
  const editedPage = async (reply: FastifyReply, status: 200 | 409, subject: NotificationSubject, exp: string) => {
    const query = signLink(await formSecret(), 'approve', subject.comment.id, Number(exp), subject.revision);
    const refused = status === 409 ? ', so it was not approved' : '';
    return page(
      reply,
      status,
      'This comment was edited',
      `<p>It changed after the mail with this link was sent${refused}. This is its text now:</p>${describeComment(subject)}${confirmForm('Approve this text', query)}`,
    );
  };
  const gone = (reply: FastifyReply) => page(reply, 404, 'Comment not found', '<p>This comment does not exist any more: it was deleted.</p>');

  const moderationSchema = { params: idParams({ action: { type: 'string', enum: Object.keys(moderationActions) } }), querystring: linkQuery };
  app.get<LinkRequest>('/moderate/:id/:action', { schema: moderationSchema }, async (request, reply) => {
    const action = moderationActions[request.params.action!]!;
    if (!(await signedOk(request.params.action as LinkPurpose, request.params.id, request.query))) return invalid(reply);
    const subject = await store.moderation.getForNotification(request.params.id);
    if (!subject) return gone(reply);
    if (action.status === 'approved' && subject.comment.status !== 'approved' && linkedRevision(request.query) !== subject.revision) {
      return editedPage(reply, 200, subject, request.query.exp!);
    }
    return page(reply, 200, action.label, `${describeComment(subject)}${confirmForm(action.label)}`);
  });
  app.post<LinkRequest>('/moderate/:id/:action', { schema: moderationSchema }, async (request, reply) => {
    const { id } = request.params;
    const action = moderationActions[request.params.action!]!;
    if (!(await signedOk(request.params.action as LinkPurpose, id, request.query))) return invalid(reply);
    const [change] = await store.moderation.setStatus([id], action.status, {
      ...approvalOptions(context.notifier !== undefined, context.now()),
      ...(action.status === 'approved' ? { revisions: new Map([[id, linkedRevision(request.query)]]) } : {}),
    });
    if (!change || change.outcome === 'not-found') return gone(reply);
    if (change.outcome === 'stale') {
      const subject = await store.moderation.getForNotification(id);
      return subject ? editedPage(reply, 409, subject, request.query.exp!) : gone(reply);
    }
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
