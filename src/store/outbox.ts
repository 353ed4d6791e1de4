// The mail outbox: messages written in the transaction of the change that causes them, then claimed and
// delivered by the outbox worker (mail/outbox-worker.ts). Claims take a lease; a row whose lease ran out
// (its node died mid-send) is claimable again (the lease statements are store/leased-rows.ts, shared with events out). On PostgreSQL concurrent workers skip each other's rows
// (FOR UPDATE SKIP LOCKED), so in normal operation each message is sent once. Leases are short and renewed
// by a heartbeat while a send runs; a stopping worker releases what it did not start, and a restarted node
// expires its own dead leases (its owner id is stable across restarts: mail/worker-owner.ts).
// The body (text and HTML) is stored only sealed (mail/sealed-body.ts): this repository never sees it in the
// clear, and drops it when the message is settled for good, keeping what `passdesk mail status` shows.
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxState, OutboxTable } from './schema.js';
import type { Dialect } from './migrations/index.js';
import { claimDueRows, deleteSettledRows, leaseOperations, settleRow, type LeaseOperations } from './leased-rows.js';

export type { OutboxState } from './schema.js';

/**
 * What a row holds of the body: the sealed text and HTML, or the plaintext of a row queued before the bodies
 * were sealed (0017_outbox_sealed), or null once the message was sent or failed.
 */
export type StoredBody = { kind: 'sealed'; keyId: string; ciphertext: string } | { kind: 'legacy-plaintext'; text: string; html: string };

export interface OutboxMessage {
  id: string;
  /** RFC 5322 Message-ID, angle brackets included; the same on every attempt so a resend is recognisable. */
  messageId: string;
  accountId: string | null;
  template: string;
  to: string;
  /** Never carries a secret: it stays readable after the body is dropped. */
  subject: string;
  body: StoredBody | null;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

export interface NewOutboxMessage {
  id: string;
  messageId: string;
  accountId: string | null;
  template: string;
  to: string;
  subject: string;
  /** The sealed text and HTML, bound to this message's id and recipient. */
  body: { keyId: string; ciphertext: string };
  now: number;
}

export type OutboxCounts = Record<OutboxState, number>;

export interface OutboxRepository extends LeaseOperations {
  enqueueMessage(message: NewOutboxMessage): Promise<void>;
  /**
   * Claims up to `limit` messages that are due (queued or retrying with next_attempt_at ≤ now, or sending
   * with an expired lease): state becomes sending, attempts +1, leased to `owner` until now + leaseMs.
   */
  claimDueMessages(options: { now: number; limit: number; leaseMs: number; owner: string }): Promise<OutboxMessage[]>;
  /**
   * Only the lease holder may settle a message; false when the lease was lost to another worker. The body is
   * dropped unless `keepBody` (the dev mailbox, where the row itself is the delivered message).
   */
  markMessageSent(id: string, options: { owner: string; now: number; keepBody?: boolean }): Promise<boolean>;
  /** A failed attempt: retrying at `retryAt`, or failed for good when `retryAt` is null (the body is dropped). */
  markMessageAttemptFailed(id: string, options: { owner: string; now: number; error: string; retryAt: number | null }): Promise<boolean>;
  /**
   * Before an account is deleted: its messages not yet handed to a worker (queued, retrying) are dropped, and the
   * rest (being sent, sent, failed, kept until PASSDESK_MAIL_RETENTION, and `keepIds`: the notice of the deletion
   * itself) no longer name it. How many were dropped.
   */
  detachAccountMail(accountId: string, o: { keepIds: readonly string[] }): Promise<number>;
  countMessagesByState(): Promise<OutboxCounts>;
  /** Newest first (the dev mailbox, `passdesk mail status`). */
  listMessages(options: { limit: number; accountId?: string; to?: string }): Promise<OutboxMessage[]>;
  findMessage(id: string): Promise<OutboxMessage | null>;
  /** The earliest next_attempt_at of a message waiting to be retried or queued, or null. */
  nextDueAt(): Promise<number | null>;
  /** Retention: deletes sent and failed messages settled before `before`; how many. Unsent ones are kept. */
  deleteFinishedMessages(options: { before: number }): Promise<number>;
}

function storedBody(row: Selectable<OutboxTable>): StoredBody | null {
  if (row.body_ciphertext !== null && row.body_key_id !== null) return { kind: 'sealed', keyId: row.body_key_id, ciphertext: row.body_ciphertext };
  if (row.text_body !== null && row.html_body !== null) return { kind: 'legacy-plaintext', text: row.text_body, html: row.html_body };
  return null;
}

/** Every column that can hold a body, emptied. */
const NO_BODY = { body_ciphertext: null, body_key_id: null, text_body: null, html_body: null } as const;

function toMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    messageId: row.message_id,
    accountId: row.account_id,
    template: row.template,
    to: row.to_address,
    subject: row.subject,
    body: storedBody(row),
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}

export function outboxRepository(db: Kysely<Database>, dialect: Dialect, onEnqueue: () => void = () => {}): OutboxRepository {
  return {
    async enqueueMessage(m) {
      await db
        .insertInto('outbox')
        .values({
          id: m.id,
          message_id: m.messageId,
          account_id: m.accountId,
          template: m.template,
          to_address: m.to,
          subject: m.subject,
          text_body: null,
          html_body: null,
          body_ciphertext: m.body.ciphertext,
          body_key_id: m.body.keyId,
          state: 'queued',
          attempts: 0,
          next_attempt_at: m.now,
          lease_owner: null,
          lease_until: null,
          last_error: null,
          created_at: m.now,
          updated_at: m.now,
          sent_at: null,
        })
        .execute();
      // Inside a transaction this only notes it; the store tells the worker after the commit.
      onEnqueue();
    },
    async claimDueMessages({ now, limit, leaseMs, owner }) {
      const rows = await claimDueRows(db, dialect, 'outbox', { now, limit, leaseMs, owner });
      return rows.map(toMessage).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    markMessageSent: (id, { owner, now, keepBody = false }) =>
      settleRow(db, 'outbox', id, { owner, now, outcome: { sent: true }, extra: keepBody ? {} : NO_BODY }),
    markMessageAttemptFailed: (id, { owner, now, error, retryAt }) =>
      settleRow(db, 'outbox', id, { owner, now, outcome: { error, retryAt }, extra: retryAt === null ? NO_BODY : {} }),
    deleteFinishedMessages: ({ before }) => deleteSettledRows(db, 'outbox', before),
    async detachAccountMail(accountId, { keepIds }) {
      let drop = db.deleteFrom('outbox').where('account_id', '=', accountId).where('state', 'in', ['queued', 'retrying']);
      if (keepIds.length > 0) drop = drop.where('id', 'not in', keepIds);
      const dropped = await drop.executeTakeFirst();
      await db.updateTable('outbox').set({ account_id: null }).where('account_id', '=', accountId).execute();
      return Number(dropped.numDeletedRows);
    },
    ...leaseOperations(db, 'outbox'),
    ...outboxReads(db),
  };
}

// Reads for `passdesk mail status` and the dev mailbox; nothing here changes a row.
function outboxReads(db: Kysely<Database>): Pick<OutboxRepository, 'countMessagesByState' | 'listMessages' | 'findMessage' | 'nextDueAt'> {
  return {
    async countMessagesByState() {
      const rows = await db
        .selectFrom('outbox')
        .select((eb) => ['state', eb.fn.countAll<number | string>().as('n')])
        .groupBy('state')
        .execute();
      const counts: OutboxCounts = { queued: 0, sending: 0, retrying: 0, sent: 0, failed: 0 };
      for (const r of rows) counts[r.state] = Number(r.n);
      return counts;
    },
    async listMessages({ limit, accountId, to }) {
      let q = db.selectFrom('outbox').selectAll();
      if (accountId !== undefined) q = q.where('account_id', '=', accountId);
      if (to !== undefined) q = q.where('to_address', '=', to);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toMessage);
    },
    async findMessage(id) {
      const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toMessage(row) : null;
    },
    async nextDueAt() {
      const row = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.min<number | string | null>('next_attempt_at').as('t'))
        .where('state', 'in', ['queued', 'retrying'])
        .executeTakeFirst();
      return row?.t === null || row?.t === undefined ? null : Number(row.t);
    },
  };
}
