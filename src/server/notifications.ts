import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { nanoid } from 'nanoid';
import nodemailer from 'nodemailer';
import { escapeHtml, markdownToHtml } from '../core/markdown-html';
import type { Comment } from '../core/types';
import type { AppConfig } from './config';
import type { CommentStore } from './store/types';

/**
 * Notification mails: the site owner hears of each new comment (with signed approve / spam /
 * delete links), and commenters who ticked "Notify me of follow-up comments" hear of new comments
 * in that thread once they confirmed their address (double opt-in).
 *
 * Mails are rendered when the comment is stored and written to the `mail_outbox` table; a worker
 * in each server process claims due mails and sends them, retrying failures with backoff. So a
 * mail server that is slow or down never delays or loses a comment, and no mail is lost when the
 * process stops (a claimed mail whose process died is due again when its lease runs out).
 */

/** What a signed link may do. */
export type LinkPurpose = 'approve' | 'spam' | 'delete' | 'confirm' | 'unsubscribe';

const MODERATION_LINK_DAYS = 30;
const CONFIRM_LINK_DAYS = 14;
/** Unsubscribe links must keep working for as long as anyone keeps the mail. */
const UNSUBSCRIBE_LINK_DAYS = 3650;
const DAY_MS = 86_400_000;
const MAX_BACKOFF_MS = 60 * 60_000;
const BATCH = 10;
/**
 * A claimed mail is due again after this, should its process die while sending. Longer than a
 * whole batch can take (10 sends bounded by the transport's 10 + 10 + 30 s timeouts, ~8 min), so
 * another process never claims a mail this one is still about to send.
 */
const LEASE_MS = 15 * 60_000;

const mac = (secret: string, purpose: LinkPurpose, id: string, expires: number) =>
  createHmac('sha256', secret).update(`colloquy-link:${purpose}:${id}:${expires}`).digest('base64url');

/** `exp=…&sig=…` for a link that lets its holder do `purpose` to `id` until `expires` (ms since the epoch). */
export function signLink(secret: string, purpose: LinkPurpose, id: string, expires: number): string {
  return `exp=${expires}&sig=${mac(secret, purpose, id, expires)}`;
}

/** Whether the signature is ours, for this purpose and id, and not expired. Constant-time on the signature. */
export function verifyLink(secret: string, purpose: LinkPurpose, id: string, exp: string | undefined, sig: string | undefined, now: Date): boolean {
  if (!exp || !sig || !/^\d{1,15}$/.test(exp)) return false;
  const expires = Number(exp);
  const given = Buffer.from(sig);
  const expected = Buffer.from(mac(secret, purpose, id, expires));
  return given.length === expected.length && timingSafeEqual(given, expected) && now.getTime() <= expires;
}

/** One line, for headers we compose: CR, LF and other controls could start a header of their own. */
export const oneLine = (text: string, max = 120) => {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
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

export interface NewCommentEvent {
  comment: Comment;
  authorEmail: string;
  /** The author ticked "Notify me of follow-up comments by email". */
  notify: boolean;
  /** The stored thread's title and address (the notifier reads them; see commentCreated). */
  thread: { title?: string; url?: string };
}

export interface Notifier {
  /** Queues the mails a stored comment causes. Never throws: a failure is logged, the comment stands. */
  commentCreated(event: Omit<NewCommentEvent, 'thread'>): Promise<void>;
  /** Queues the follow-up mails of a held comment the owner just approved. Never throws. */
  commentApproved(id: string): Promise<void>;
  /** Sends what is due now (also runs on a timer). */
  kick(): void;
  start(): void;
  /** Stops the timer and waits for the mails being sent. */
  stop(): Promise<void>;
}

export interface NotifierOptions {
  store: CommentStore;
  config: AppConfig;
  /** The secret that signs links (the one that signs form tokens). */
  secret: () => Promise<string>;
  /** Where failures are logged (Fastify's logger in the server; the console in the CLI). */
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** The first retry waits this long, each next one twice as long (up to an hour). @default 30000 */
  retryBaseMs?: number;
  /** How often the outbox is checked for due mails. @default 30000 */
  pollMs?: number;
}

/** A stored thread's title and address, as the mails use them (absent rather than null). */
const storedThread = ({ thread }: { thread: { title: string | null; url: string | null } }) => ({
  ...(thread.title ? { title: thread.title } : {}),
  ...(thread.url ? { url: thread.url } : {}),
});

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;
const link = (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

export function createNotifier({ store, config, secret, log, retryBaseMs = 30_000, pollMs = 30_000 }: NotifierOptions): Notifier {
  // Bounded waits: a mail server that hangs must not hold a shutdown for nodemailer's default two minutes.
  const transport = nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  const base = config.publicUrl.replace(/\/+$/, '');
  const threadName = (thread: NewCommentEvent['thread'], fallback: string) => oneLine(thread.title || fallback, 80);

  async function signed(path: string, purpose: LinkPurpose, id: string, days: number): Promise<string> {
    return `${base}/api/${path}?${signLink(await secret(), purpose, id, Date.now() + days * DAY_MS)}`;
  }

  async function ownerMail({ comment, authorEmail, thread }: NewCommentEvent): Promise<OutboxMessage> {
    const target = `moderate/${encodeURIComponent(comment.id)}`;
    const actions = [
      ['Approve', await signed(`${target}/approve`, 'approve', comment.id, MODERATION_LINK_DAYS)],
      ['Mark as spam', await signed(`${target}/spam`, 'spam', comment.id, MODERATION_LINK_DAYS)],
      ['Delete', await signed(`${target}/delete`, 'delete', comment.id, MODERATION_LINK_DAYS)],
    ] as const;
    const title = threadName(thread, comment.threadId);
    const author = `${comment.author.name} <${authorEmail}>${comment.author.url ? ` ${comment.author.url}` : ''}`;
    const status = comment.status === 'approved' ? 'published' : `held (${comment.status === 'spam' ? 'as spam' : 'pending'})`;
    return {
      from: config.mailFrom,
      to: { name: '', address: config.ownerEmail },
      subject: `New comment on "${title}" by ${oneLine(comment.author.name, 60)}`,
      text: [
        `New comment on "${title}"${thread.url ? ` (${thread.url})` : ''}`,
        `Author: ${author}`,
        `Status: ${status}`,
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

  async function collect(event: NewCommentEvent, toOwner: boolean): Promise<OutboxMessage[]> {
    const { comment, authorEmail, thread } = event;
    const mails: OutboxMessage[] = [];
    if (toOwner && config.ownerEmail) mails.push(await ownerMail(event));
    const title = threadName(thread, comment.threadId);
    // Not for spam: the form would otherwise mail confirmations to any address a bot typed in.
    if (event.notify && authorEmail && comment.status !== 'spam') {
      const subscription = await store.subscribe({ id: nanoid(), email: authorEmail, threadId: comment.threadId, at: new Date().toISOString() });
      if (!subscription.confirmed && subscription.started) {
        const confirm = await signed(`subscriptions/${subscription.id}/confirm`, 'confirm', subscription.id, CONFIRM_LINK_DAYS);
        mails.push(
          await subscriberMail(
            authorEmail,
            subscription.id,
            `Confirm: follow-up comments on "${title}"`,
            [`You asked to hear of new comments on "${title}". Confirm your address to start (once for every thread):`, confirm, '', 'Did not ask? Ignore this mail: nothing will be sent.'],
            [paragraph(`You asked to hear of new comments on "${title}".`), `<p>${link(confirm, 'Confirm your address')} (once for every thread)</p>`, paragraph('Did not ask? Ignore this mail: nothing will be sent.')],
          ),
        );
      }
    }
    // Readers hear only of what is public; never of their own comment.
    if (comment.status === 'approved') {
      const own = authorEmail.toLowerCase();
      for (const subscriber of await store.listSubscribers(comment.threadId)) {
        if (subscriber.email === own) continue;
        const name = oneLine(comment.author.name, 60);
        mails.push(
          await subscriberMail(
            subscriber.email,
            subscriber.id,
            `New comment on "${title}" by ${name}`,
            [`${comment.author.name} wrote on "${title}"${thread.url ? ` (${thread.url})` : ''}:`, '', comment.body],
            [paragraph(`${comment.author.name} wrote on "${title}":`), `<blockquote>${markdownToHtml(comment.body)}</blockquote>`, thread.url ? `<p>${link(thread.url, 'Read the thread')}</p>` : ''],
          ),
        );
      }
    }
    return mails;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function send(mail: { id: number; message: string; attempts: number }) {
    try {
      await transport.sendMail(JSON.parse(mail.message) as OutboxMessage);
      await store.finishMail(mail.id, { sent: true });
    } catch (error) {
      const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** Math.min(20, mail.attempts - 1));
      log.warn({ err: error, attempts: mail.attempts }, 'notification mail not sent; will retry');
      await store.finishMail(mail.id, { retryAt: new Date(Date.now() + delay).toISOString(), error: String(error) });
    }
  }

  async function drain() {
    while (!stopped) {
      const now = Date.now();
      const batch = await store.claimMail(new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), BATCH);
      if (batch.length === 0) return;
      // A stop between sends leaves the rest claimed; their lease runs out and another worker takes them.
      for (const mail of batch) if (!stopped) await send(mail);
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

  async function enqueue(mails: Promise<OutboxMessage[]>) {
    try {
      const rendered = await mails;
      if (rendered.length === 0) return;
      await store.enqueueMail(
        rendered.map((mail) => JSON.stringify(mail)),
        new Date().toISOString(),
      );
      kick();
    } catch (error) {
      log.error({ err: error }, 'could not queue notification mails');
    }
  }

  return {
    // The thread's title and address come from the store, never from the request that brought the
    // comment: a commenter must not choose the subject and link of mails sent from the site.
    commentCreated: (event) =>
      enqueue(store.getForNotification(event.comment.id).then((found) => collect({ ...event, thread: found ? storedThread(found) : {} }, true))),
    commentApproved: (id) =>
      enqueue(
        store.getForNotification(id).then(async (found) => {
          if (!found || found.comment.status !== 'approved') return [];
          return collect({ comment: found.comment, authorEmail: found.authorEmail, notify: false, thread: storedThread(found) }, false);
        }),
      ),
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
