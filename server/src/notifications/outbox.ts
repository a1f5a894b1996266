import type { FastifyBaseLogger } from 'fastify';
import { nanoid } from 'nanoid';
import nodemailer from 'nodemailer';
import { escapeHtml, markdownToHtml } from 'colloquy/core';
import type { AppConfig } from '../config/config';
import type { Notifier } from '../shared/context';
import { createSigner } from '../shared/signing';
import type { Store } from '../store/interfaces';
import type { NotificationJob, NotificationSubject, OutboxItem } from '../store/types';

/**
 * Notification mails: the site owner hears of each new comment (with signed approve / spam /
 * delete links), and commenters who ticked "Notify me of follow-up comments" hear of new comments
 * in that thread once they confirmed that subscription (double opt-in).
 *
 * A stored comment (or an approval) queues one notification job in the `mail_outbox` table, in
 * its own transaction. A worker in each server process claims due items: a job becomes the mails
 * it causes (rendered and queued in one transaction, replacing the job), a mail is sent. Failures
 * are retried with backoff. So the request never waits for mail work, a mail server that is slow
 * or down never delays or loses a comment, and nothing is lost when a process stops: one that
 * stops gracefully gives back what it claimed and did not start, and an item claimed by a process
 * that died is due again when its lease runs out.
 *
 * Subscriptions are confirmed one by one (double opt-in per thread), only once the comment that
 * asked is published, and a mailbox gets at most MAX_CONFIRMATIONS confirmation mails a day (a client
 * address may ask for at most SUBSCRIPTIONS_PER_ADDRESS a day, comments/routes.ts): the form cannot be used to flood
 * an inbox, nor to send text of a stranger's choosing to anyone.
 */

/** What a signed link may do. */
export type LinkPurpose = 'approve' | 'spam' | 'delete' | 'confirm' | 'unsubscribe';

const MODERATION_LINK_DAYS = 30;
const CONFIRM_LINK_DAYS = 14;
/** Unsubscribe links must keep working for as long as anyone keeps the mail. */
const UNSUBSCRIBE_LINK_DAYS = 3650;
const DAY_MS = 86_400_000;
const MAX_BACKOFF_MS = 60 * 60_000;
/** Confirmation mails one mailbox (any case, any +tag) gets per day, whatever threads they are for. */
const MAX_CONFIRMATIONS = 3;
const BATCH = 10;
/**
 * A claimed item is due again after this, should its process die while working on it. Longer
 * than a whole batch can take (10 sends bounded by the transport's 10 + 10 + 30 s timeouts, ~8 min),
 * so another process never claims an item this one is still about to work on.
 */
const LEASE_MS = 15 * 60_000;

/**
 * What a link's signature covers: what it lets its holder do, to what (and to which revision of
 * it, for an approval), until when. Read from the end, the digits of the expiry and the `v` of the
 * revision cannot be part of the id, whatever characters the id has.
 */
const linkMessage = (purpose: LinkPurpose, id: string, expires: number, revision?: number) =>
  `${purpose}:${id}:${expires}${revision === undefined ? '' : `:v${revision}`}`;

/**
 * `exp=…&sig=…` for a link that lets its holder do `purpose` to `id` until `expires` (ms since the
 * epoch); with `revision`, only to that revision of it, and `&v=…` follows.
 */
export function signLink(secret: string, purpose: LinkPurpose, id: string, expires: number, revision?: number): string {
  const query = `exp=${expires}&sig=${createSigner(secret, 'link').sign(linkMessage(purpose, id, expires, revision))}`;
  return revision === undefined ? query : `${query}&v=${revision}`;
}

/**
 * Whether the signature is ours, for this purpose and id (and revision `v`, when the link has one),
 * and not expired. Constant-time on the signature.
 */
export function verifyLink(secret: string, purpose: LinkPurpose, id: string, exp: string | undefined, sig: string | undefined, now: Date, v?: string): boolean {
  if (!exp || !/^\d{1,15}$/.test(exp) || (v !== undefined && !/^[1-9]\d{0,9}$/.test(v))) return false;
  const expires = Number(exp);
  return createSigner(secret, 'link').verify(linkMessage(purpose, id, expires, v === undefined ? undefined : Number(v)), sig) && now.getTime() <= expires;
}

/** One line, for headers we compose: CR, LF and other controls could start a header of their own. */
export const oneLine = (text: string, max = 120) => {
  const line = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** What the outbox keeps: nodemailer message fields, as JSON. */
interface OutboxMessage {
  from: string;
  /** An address object, not a string: nodemailer would split "a,b@x" into two recipients. */
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface NotifierOptions {
  store: Pick<Store, 'outbox' | 'subscriptions' | 'moderation'>;
  config: AppConfig;
  /** The secret that signs links (the one that signs form tokens). */
  secret: () => Promise<string>;
  /** Where failures are logged (the server's Fastify logger). */
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** The first retry waits this long, each next one twice as long (up to an hour). @default 30000 */
  retryBaseMs?: number;
  /** How often the outbox is checked for due items. @default 30000 */
  pollMs?: number;
}

/** What nodemailer tells of an SMTP failure. */
type SmtpError = { responseCode?: unknown; command?: unknown };

/**
 * The mail server refused the recipient for good: a 5xx answer to RCPT TO (no such mailbox, a
 * domain it will not relay to). Any other failure, a 5xx to AUTH (wrong credentials) among them,
 * is ours or passing, and is retried.
 */
const recipientRefused = (error: unknown): boolean => {
  const { responseCode, command } = (error ?? {}) as SmtpError;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && typeof command === 'string' && /^RCPT\b/i.test(command);
};

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;
const link = (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

export function createNotifier({ store, config, secret, log, retryBaseMs = 30_000, pollMs = 30_000 }: NotifierOptions): Notifier {
  // Pooled: one SMTP connection carries many mails (about 8 ms a mail here, against 100 ms for a
  // connection each). Bounded waits: a mail server that hangs must not hold a shutdown for
  // nodemailer's default two minutes.
  const transport = nodemailer.createTransport({ url: config.smtpUrl, pool: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  const base = config.publicUrl.replace(/\/+$/, '');
  // The thread's title and address come from the store (see NotificationSubject), never from the
  // request that brought the comment: a commenter must not choose the subject and link of our mails.
  const threadName = ({ comment, thread }: NotificationSubject) => oneLine(thread.title || comment.threadId, 80);

  async function signed(path: string, purpose: LinkPurpose, id: string, days: number, extra = '', revision?: number): Promise<string> {
    return `${base}/api/${path}?${signLink(await secret(), purpose, id, Date.now() + days * DAY_MS, revision)}${extra}`;
  }

  /** For a held comment: what approving it would name the thread, which has no title or address yet. */
  function pageLine({ comment, thread, page }: NotificationSubject): string | undefined {
    const title = !thread.title && page.title ? `"${oneLine(page.title, 80)}"` : '';
    const url = !thread.url && page.url ? page.url : '';
    if (comment.status === 'approved' || !(title || url)) return undefined;
    return `Approving it names the thread after its page: ${[title, url].filter(Boolean).join(' ')}`;
  }

  async function ownerMail(subject: NotificationSubject): Promise<OutboxMessage> {
    const { comment, authorEmail, thread } = subject;
    const named = pageLine(subject);
    const target = `moderate/${encodeURIComponent(comment.id)}`;
    const actions = [
      // Approves the text quoted below, and no later edit of it.
      ['Approve', await signed(`${target}/approve`, 'approve', comment.id, MODERATION_LINK_DAYS, '', subject.revision)],
      ['Mark as spam', await signed(`${target}/spam`, 'spam', comment.id, MODERATION_LINK_DAYS)],
      ['Delete', await signed(`${target}/delete`, 'delete', comment.id, MODERATION_LINK_DAYS)],
    ] as const;
    const title = threadName(subject);
    const author = `${comment.author.name} <${authorEmail}>${comment.author.url ? ` ${comment.author.url}` : ''}`;
    const status = comment.status === 'approved' ? 'published' : 'held for moderation';
    return {
      from: config.mailFrom,
      to: { name: '', address: config.ownerEmail },
      subject: `New comment on "${title}" by ${oneLine(comment.author.name, 60)}`,
      text: [
        `New comment on "${title}"${thread.url ? ` (${thread.url})` : ''}`,
        `Author: ${author}`,
        `Status: ${status}`,
        ...(named ? [named] : []),
        '',
        comment.body,
        '',
        ...actions.map(([label, href]) => `${label}: ${href}`),
        '',
        'Each link opens a page that asks you to confirm.',
      ].join('\n'),
      html: [
        paragraph(`New comment on "${title}"`) + (thread.url ? `<p>${link(thread.url, thread.url)}</p>` : ''),
        paragraph(`Author: ${author}`),
        paragraph(`Status: ${status}`),
        ...(named ? [paragraph(named)] : []),
        `<blockquote>${markdownToHtml(comment.body)}</blockquote>`,
        `<p>${actions.map(([label, href]) => link(href, label)).join(' · ')}</p>`,
        paragraph('Each link opens a page that asks you to confirm.'),
      ].join('\n'),
    };
  }

  /** Every mail to a commenter names one subscription, and carries its one-click unsubscribe. */
  async function subscriberMail(to: string, subscriptionId: string, subject: string, text: string[], html: string[]): Promise<OutboxMessage> {
    const unsubscribe = await signed(`subscriptions/${subscriptionId}/unsubscribe`, 'unsubscribe', subscriptionId, UNSUBSCRIBE_LINK_DAYS);
    return {
      from: config.mailFrom,
      to: { name: '', address: to },
      subject,
      text: [...text, '', `Unsubscribe from this thread: ${unsubscribe}`].join('\n'),
      html: [...html, `<p>${link(unsubscribe, 'Unsubscribe from this thread')}</p>`].join('\n'),
      // RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the address, no page in between.
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }

  /**
   * Subscribes the author, and asks them to confirm unless they did for this thread already, were
   * asked within a day, or were asked MAX_CONFIRMATIONS times that day (for any thread).
   */
  async function subscribeAuthor(subject: NotificationSubject, now: number) {
    const { comment, authorEmail } = subject;
    const since = new Date(now - DAY_MS).toISOString();
    const subscription = await store.subscriptions.subscribe({
      id: nanoid(),
      email: authorEmail,
      threadId: comment.threadId,
      at: new Date(now).toISOString(),
      confirmationsSince: since,
    });
    const askedToday = subscription.confirmationSentAt !== null && subscription.confirmationSentAt >= since;
    if (subscription.confirmed || askedToday || subscription.recentConfirmations >= MAX_CONFIRMATIONS) return undefined;
    // The nonce ties the link to this mail: a subscription reopened later needs a new one.
    const nonce = nanoid();
    // Whoever posts can type in any address, so this mail carries nothing they chose: the thread's
    // stored title (only a published comment or the owner sets it), never its id, which any POST names.
    const on = subject.thread.title ? ` on "${oneLine(subject.thread.title, 80)}"` : '';
    const confirm = await signed(`subscriptions/${subscription.id}/confirm`, 'confirm', `${subscription.id}.${nonce}`, CONFIRM_LINK_DAYS, `&n=${nonce}`);
    const mail = await subscriberMail(
      authorEmail,
      subscription.id,
      `Confirm: follow-up comments${on}`,
      [`You asked to hear of new comments${on}. Confirm to start:`, confirm, '', 'Did not ask? Ignore this mail: nothing will be sent.'],
      [
        paragraph(`You asked to hear of new comments${on}.`),
        `<p>${link(confirm, 'Confirm')}</p>`,
        paragraph('Did not ask? Ignore this mail: nothing will be sent.'),
      ],
    );
    return { mail, confirmation: { subscriptionId: subscription.id, nonce } };
  }

  /** Readers hear only of what is public; never of their own comment. */
  async function followerMails(subject: NotificationSubject): Promise<OutboxMessage[]> {
    const { comment, authorEmail, thread } = subject;
    const own = authorEmail.toLowerCase();
    const title = threadName(subject);
    const name = oneLine(comment.author.name, 60);
    const mails: OutboxMessage[] = [];
    for (const subscriber of await store.subscriptions.listSubscribers(comment.threadId)) {
      if (subscriber.email === own) continue;
      mails.push(
        await subscriberMail(
          subscriber.email,
          subscriber.id,
          `New comment on "${title}" by ${name}`,
          [`${comment.author.name} wrote on "${title}"${thread.url ? ` (${thread.url})` : ''}:`, '', comment.body],
          [
            paragraph(`${comment.author.name} wrote on "${title}":`),
            `<blockquote>${markdownToHtml(comment.body)}</blockquote>`,
            thread.url ? `<p>${link(thread.url, 'Read the thread')}</p>` : '',
          ],
        ),
      );
    }
    return mails;
  }

  /** Turns a job into its mails, queued in place of the job. What changed since it was queued counts. */
  async function expand(item: OutboxItem) {
    const job = JSON.parse(item.message) as NotificationJob;
    const now = Date.now();
    const subject = await store.moderation.getForNotification(job.commentId);
    const mails: OutboxMessage[] = [];
    let confirmation: { subscriptionId: string; nonce: string } | undefined;
    // Spam asks nothing of anyone: no mail to the owner for each bot, no confirmation to an address a bot typed in.
    if (subject && subject.comment.status !== 'spam') {
      if (job.toOwner && config.ownerEmail) mails.push(await ownerMail(subject));
      // Only a published comment subscribes its author: a held one waits for its approval's job.
      if (job.subscribeAuthor && subject.comment.status === 'approved' && subject.authorEmail) {
        const asked = await subscribeAuthor(subject, now);
        if (asked) {
          mails.push(asked.mail);
          confirmation = asked.confirmation;
        }
      }
      if (job.toFollowers && subject.comment.status === 'approved') mails.push(...(await followerMails(subject)));
    }
    await store.outbox.completeJob(item.id, {
      mails: mails.map((mail) => JSON.stringify(mail)),
      at: new Date(now).toISOString(),
      ...(confirmation ? { confirmation } : {}),
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function work(item: OutboxItem) {
    try {
      if (item.kind === 'job') await expand(item);
      else {
        await transport.sendMail(JSON.parse(item.message) as OutboxMessage);
        await store.outbox.finish(item.id, { done: true });
      }
    } catch (error) {
      if (item.kind === 'mail' && recipientRefused(error)) {
        // Retrying hourly for ever would not change the answer. Logged without the address.
        log.error({ responseCode: (error as SmtpError).responseCode, attempts: item.attempts }, 'the mail server refused a recipient for good; mail dropped');
        await store.outbox.finish(item.id, { done: true });
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** Math.min(20, item.attempts - 1));
      log.warn(
        { err: error, kind: item.kind, attempts: item.attempts },
        item.kind === 'job' ? 'notification job failed; will retry' : 'notification mail not sent; will retry',
      );
      await store.outbox.finish(item.id, { retryAt: new Date(Date.now() + delay).toISOString(), error: String(error) });
    }
  }

  async function drain() {
    while (!stopped) {
      const now = Date.now();
      const lease = new Date(now + LEASE_MS).toISOString();
      const batch = await store.outbox.claim(new Date(now).toISOString(), lease, BATCH);
      if (batch.length === 0) return;
      const left = [...batch];
      while (left.length && !stopped) await work(left.shift()!);
      // Stopped between items: the rest go back at once, for the next worker (or this one restarted), not after the lease.
      if (left.length) {
        await store.outbox.release(
          left.map((item) => item.id),
          lease,
          new Date().toISOString(),
        );
      }
    }
  }

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => log.error({ err: error }, 'notification outbox failed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    start() {
      stopped = false;
      timer ??= setInterval(kick, pollMs);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running;
      transport.close();
    },
  };
}
