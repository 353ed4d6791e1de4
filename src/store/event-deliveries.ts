// Events out: each audit event that is sent has one row here per destination, written in the transaction that
// records the event (store/events.ts), so an event and its copies commit together or not at all. The rows are
// claimed, leased and settled exactly as mail is (store/leased-rows.ts; the worker is outbox/worker.ts, the senders
// events/); a worker claims only its own destination's rows, so a receiver that is down holds up no other.
import type { Kysely, Selectable } from 'kysely';
import type { Database, EventDeliveriesTable, OutboxState } from './schema.js';
import type { Dialect } from './migrations/index.js';
import type { PublicEvent } from '../core/public-event.js';
import { claimDueRows, leaseOperations, settleRow, type LeaseOperations } from './leased-rows.js';

export interface EventDelivery {
  id: string;
  eventId: number;
  eventType: string;
  /** "syslog", or "webhook:" and a digest of the URL. */
  destination: string;
  payload: PublicEvent;
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

export interface NewEventDelivery {
  id: string;
  destination: string;
  payload: PublicEvent;
  now: number;
}

export interface DeliveryCount {
  destination: string;
  state: OutboxState;
  count: number;
}

export interface EventDeliveryRepository extends LeaseOperations {
  /** Claims up to `limit` due rows of `destination` for `owner` (store/leased-rows.ts), oldest event first. */
  claimDueDeliveries(options: { destination: string; now: number; limit: number; leaseMs: number; owner: string }): Promise<EventDelivery[]>;
  /** Only the lease holder settles a row; false when the lease was lost to another worker. */
  markDeliverySent(id: string, options: { owner: string; now: number }): Promise<boolean>;
  /** A refused attempt: retrying at `retryAt`, or failed for good when `retryAt` is null. */
  markDeliveryAttemptFailed(id: string, options: { owner: string; now: number; error: string; retryAt: number | null }): Promise<boolean>;
  /** Rows by destination and state (`passdesk events status`, the metrics). */
  countDeliveries(): Promise<DeliveryCount[]>;
  /** Newest first; only `states` when given. */
  listDeliveries(options: { limit: number; destination?: string; states?: readonly OutboxState[] }): Promise<EventDelivery[]>;
  /** Failed rows of `destination` (every destination when omitted) are queued again, due now, attempts reset; how many. */
  requeueFailed(options: { now: number; destination?: string }): Promise<number>;
}

function toDelivery(row: Selectable<EventDeliveriesTable>): EventDelivery {
  return {
    id: row.id,
    eventId: Number(row.event_id),
    eventType: row.event_type,
    destination: row.destination,
    payload: JSON.parse(row.payload) as PublicEvent,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
  };
}

/** Writes the copies of one event (called by the event repository, inside the event's transaction). */
export async function insertDeliveries(db: Kysely<Database>, rows: readonly NewEventDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('event_deliveries')
    .values(
      rows.map((r) => ({
        id: r.id,
        event_id: r.payload.eventId,
        event_type: r.payload.type,
        destination: r.destination,
        payload: JSON.stringify(r.payload),
        state: 'queued' as const,
        attempts: 0,
        next_attempt_at: r.now,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        created_at: r.now,
        updated_at: r.now,
        sent_at: null,
      })),
    )
    .execute();
}

export function eventDeliveryRepository(db: Kysely<Database>, dialect: Dialect): EventDeliveryRepository {
  return {
    async claimDueDeliveries({ destination, now, limit, leaseMs, owner }) {
      const rows = await claimDueRows(db, dialect, 'event_deliveries', { destination, now, limit, leaseMs, owner });
      return rows.map(toDelivery).sort((a, b) => a.eventId - b.eventId || a.id.localeCompare(b.id));
    },
    markDeliverySent: (id, { owner, now }) => settleRow(db, 'event_deliveries', id, { owner, now, outcome: { sent: true } }),
    markDeliveryAttemptFailed: (id, { owner, now, error, retryAt }) => settleRow(db, 'event_deliveries', id, { owner, now, outcome: { error, retryAt } }),
    ...leaseOperations(db, 'event_deliveries'),
    async countDeliveries() {
      const rows = await db
        .selectFrom('event_deliveries')
        .select((eb) => ['destination', 'state', eb.fn.countAll<number | string>().as('n')])
        .groupBy(['destination', 'state'])
        .orderBy('destination')
        .orderBy('state')
        .execute();
      return rows.map((r) => ({ destination: r.destination, state: r.state, count: Number(r.n) }));
    },
    async listDeliveries({ limit, destination, states }) {
      if (states !== undefined && states.length === 0) return [];
      let q = db.selectFrom('event_deliveries').selectAll();
      if (destination !== undefined) q = q.where('destination', '=', destination);
      if (states !== undefined) q = q.where('state', 'in', [...states]);
      const rows = await q.orderBy('created_at', 'desc').orderBy('event_id', 'desc').limit(limit).execute();
      return rows.map(toDelivery);
    },
    async requeueFailed({ now, destination }) {
      let q = db
        .updateTable('event_deliveries')
        .set({ state: 'queued', attempts: 0, next_attempt_at: now, last_error: null, updated_at: now })
        .where('state', '=', 'failed');
      if (destination !== undefined) q = q.where('destination', '=', destination);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
