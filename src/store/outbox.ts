// The mail outbox: messages written in the transaction of the change that causes them, then claimed and
// delivered by the outbox worker (mail/outbox-worker.ts). Claims take a lease; a row whose lease ran out
// (its node died mid-send) is claimable again. On PostgreSQL concurrent workers skip each other's rows
// (FOR UPDATE SKIP LOCKED), so in normal operation each message is sent once. Leases are short and renewed
// by a heartbeat while a send runs; a stopping worker releases what it did not start, and a restarted node
// expires its own dead leases (its owner id is stable across restarts: mail/worker-owner.ts).
// The body (text and HTML) is stored only sealed (mail/sealed-body.ts): this repository never sees it in the
// clear, and drops it when the message is settled for good, keeping what `passdesk mail status` shows.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, OutboxState, OutboxTable } from './schema.js';
import type { Dialect } from './migrations/index.js';

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

export interface OutboxRepository {
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
  /** Heartbeat: extends every lease `owner` holds to now + leaseMs; how many it holds. */
  renewLeases(options: { owner: string; now: number; leaseMs: number }): Promise<number>;
  /**
   * Gives back leases of `owner` whose send never started (a stopping worker): due at once, the claim's attempt
   * undone. Only `ids` when given, else every one it holds. How many.
   */
  releaseLeases(options: { owner: string; now: number; ids?: readonly string[] }): Promise<number>;
  /**
   * At start: the leases a previous run of this owner held when it died expire now, so they are claimed at once
   * instead of after the lease. Their attempt stands (the relay may have accepted). How many.
   */
  expireLeases(options: { owner: string; now: number }): Promise<number>;
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

const MAX_ERROR_LENGTH = 500;

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
      let due = db
        .selectFrom('outbox')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', 'in', ['queued', 'retrying']), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('state', '=', 'sending'), eb('lease_until', '<=', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .limit(limit);
      // Rows another node is claiming right now are skipped rather than waited for.
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('outbox')
        .set({ state: 'sending', attempts: sql<number>`attempts + 1`, lease_owner: owner, lease_until: now + leaseMs, updated_at: now })
        .where('id', 'in', due)
        .returningAll()
        .execute();
      return rows.map(toMessage).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async markMessageSent(id, { owner, now, keepBody = false }) {
      const result = await db
        .updateTable('outbox')
        .set({ state: 'sent', sent_at: now, lease_owner: null, lease_until: null, last_error: null, updated_at: now, ...(keepBody ? {} : NO_BODY) })
        .where('id', '=', id)
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markMessageAttemptFailed(id, { owner, now, error, retryAt }) {
      const result = await db
        .updateTable('outbox')
        .set({
          state: retryAt === null ? 'failed' : 'retrying',
          next_attempt_at: retryAt ?? now,
          lease_owner: null,
          lease_until: null,
          last_error: error.slice(0, MAX_ERROR_LENGTH),
          updated_at: now,
          ...(retryAt === null ? NO_BODY : {}),
        })
        .where('id', '=', id)
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteFinishedMessages({ before }) {
      // updated_at is when the message was settled: a finished row is never updated again.
      const result = await db.deleteFrom('outbox').where('state', 'in', ['sent', 'failed']).where('updated_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async detachAccountMail(accountId, { keepIds }) {
      let drop = db.deleteFrom('outbox').where('account_id', '=', accountId).where('state', 'in', ['queued', 'retrying']);
      if (keepIds.length > 0) drop = drop.where('id', 'not in', keepIds);
      const dropped = await drop.executeTakeFirst();
      await db.updateTable('outbox').set({ account_id: null }).where('account_id', '=', accountId).execute();
      return Number(dropped.numDeletedRows);
    },
    ...workerLeases(db),
    ...outboxReads(db),
  };
}

// A worker's leases on the rows it is sending: kept alive, given back, or ended (see the interface).
function workerLeases(db: Kysely<Database>): Pick<OutboxRepository, 'renewLeases' | 'releaseLeases' | 'expireLeases'> {
  return {
    async renewLeases({ owner, now, leaseMs }) {
      const result = await db
        .updateTable('outbox')
        .set({ lease_until: now + leaseMs })
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async releaseLeases({ owner, now, ids }) {
      if (ids && ids.length === 0) return 0;
      let q = db
        .updateTable('outbox')
        .set({
          state: sql<OutboxState>`case when attempts > 1 then 'retrying' else 'queued' end`,
          attempts: sql<number>`attempts - 1`,
          next_attempt_at: now,
          lease_owner: null,
          lease_until: null,
          updated_at: now,
        })
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner);
      if (ids) q = q.where('id', 'in', ids);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async expireLeases({ owner, now }) {
      const result = await db
        .updateTable('outbox')
        .set({ lease_until: now })
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
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
