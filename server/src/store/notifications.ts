/** The outbox and thread subscriptions: their rules once, for both engines. */
import { toIsoMillis } from './cursor';
import type { Engine } from './engine';
import type { OutboxStore, SubscriptionStore } from './interfaces';
import type { OutboxItem } from './types';

export function createOutboxStore(engine: Engine): OutboxStore {
  const { db } = engine;
  return {
    async claim(now, leaseUntil, limit) {
      const due = toIsoMillis(now, 'now');
      const lease = toIsoMillis(leaseUntil, 'leaseUntil');
      return engine.transaction(async (tx) => {
        // SKIP LOCKED: processes claiming at once take different items instead of waiting for each other.
        const ids = await tx
          .selectFrom('mail_outbox')
          .select('id')
          .where('next_attempt_at', '<=', due)
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit)
          .$if(engine.rowLocks, (query) => query.forUpdate().skipLocked())
          .execute();
        if (ids.length === 0) return [];
        const rows = await tx
          .updateTable('mail_outbox')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: lease }))
          .where(
            'id',
            'in',
            ids.map((row) => row.id),
          )
          .returning(['id', 'kind', 'message', 'attempts'])
          .execute();
        // In due order, as they were chosen.
        const byId = new Map(rows.map((row) => [row.id, row as OutboxItem]));
        return ids.map((row) => byId.get(row.id)).filter((item) => item !== undefined);
      });
    },

    async release(ids, leaseUntil, at) {
      if (ids.length === 0) return;
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), next_attempt_at: toIsoMillis(at, 'at') }))
        .where('id', 'in', ids)
        .where('next_attempt_at', '=', toIsoMillis(leaseUntil, 'leaseUntil'))
        .execute();
    },

    async finish(id, outcome) {
      if ('done' in outcome) await db.deleteFrom('mail_outbox').where('id', '=', id).execute();
      else
        await db
          .updateTable('mail_outbox')
          .set({ next_attempt_at: toIsoMillis(outcome.retryAt, 'retryAt'), last_error: outcome.error.slice(0, 1000) })
          .where('id', '=', id)
          .execute();
    },

    async completeJob(id, { mails, at, confirmation }) {
      const due = toIsoMillis(at, 'at');
      await engine.transaction(async (tx) => {
        if (mails.length)
          await tx
            .insertInto('mail_outbox')
            .values(mails.map((message) => ({ kind: 'mail', message, next_attempt_at: due })))
            .execute();
        if (confirmation) {
          await tx
            .updateTable('subscriptions')
            .set({ confirm_nonce: confirmation.nonce, confirm_sent_at: due })
            .where('id', '=', confirmation.subscriptionId)
            .execute();
        }
        await tx.deleteFrom('mail_outbox').where('id', '=', id).execute();
      });
    },
  };
}

/**
 * The mailbox an address reaches, as confirmation mails are counted: lowercased, without a `+tag`
 * (`Ann+1@x` and `ann+2@x` reach `ann@x`), so variants of one address share its daily limit.
 */
export function mailboxOf(email: string): string {
  const address = email.toLowerCase();
  const at = address.lastIndexOf('@');
  return at === -1 ? address : `${address.slice(0, at).split('+', 1)[0]}${address.slice(at)}`;
}

export function createSubscriptionStore(engine: Engine): SubscriptionStore {
  const { db } = engine;
  return {
    async subscribe({ id, email, threadId, at, confirmationsSince }) {
      const address = email.toLowerCase();
      const created = toIsoMillis(at, 'at');
      const since = toIsoMillis(confirmationsSince, 'confirmationsSince');
      return engine.transaction(async (tx) => {
        // A concurrent subscribe of the same address inserts first or waits for this one: the unique (thread, email) orders them.
        const inserted = await tx
          .insertInto('subscriptions')
          .values({ id, email: address, mailbox: mailboxOf(address), thread_id: threadId, created_at: created })
          .onConflict((conflict) => conflict.columns(['thread_id', 'email']).doNothing())
          .returning('id')
          .executeTakeFirst();
        const existing = inserted
          ? undefined
          : await tx
              .selectFrom('subscriptions')
              .select(['id', 'unsubscribed_at', 'confirmed_at', 'confirm_sent_at'])
              .where('thread_id', '=', threadId)
              .where('email', '=', address)
              .$if(engine.rowLocks, (query) => query.forUpdate())
              .executeTakeFirstOrThrow();
        // Reopened after an unsubscribe, it waits for a new confirmation, and the links of earlier confirmation mails no longer work.
        const reopened = existing !== undefined && existing.unsubscribed_at !== null;
        if (reopened) {
          await tx.updateTable('subscriptions').set({ unsubscribed_at: null, confirmed_at: null, confirm_nonce: null }).where('id', '=', existing.id).execute();
        }
        const recent = await tx
          .selectFrom('subscriptions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('mailbox', '=', mailboxOf(address))
          .where('confirm_sent_at', '>=', since)
          .executeTakeFirstOrThrow();
        return {
          id: existing?.id ?? id,
          confirmed: existing !== undefined && !reopened && existing.confirmed_at !== null,
          confirmationSentAt: existing?.confirm_sent_at ?? null,
          recentConfirmations: Number(recent.n),
        };
      });
    },

    async confirm(id, nonce, at) {
      const result = await db
        .updateTable('subscriptions')
        .set(({ fn, val }) => ({ confirmed_at: fn.coalesce('confirmed_at', val(toIsoMillis(at, 'at'))) }))
        .where('id', '=', id)
        .where('confirm_nonce', '=', nonce)
        .where('unsubscribed_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async unsubscribe(id, at) {
      const result = await db
        .updateTable('subscriptions')
        .set(({ fn, val }) => ({ unsubscribed_at: fn.coalesce('unsubscribed_at', val(toIsoMillis(at, 'at'))) }))
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listSubscribers(threadId) {
      return db
        .selectFrom('subscriptions')
        .select(['id', 'email'])
        .where('thread_id', '=', threadId)
        .where('unsubscribed_at', 'is', null)
        .where('confirmed_at', 'is not', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
  };
}
