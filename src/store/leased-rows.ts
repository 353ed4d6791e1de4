// The one lease mechanism of the transactional outboxes: mail (`outbox`, store/outbox.ts) and events out
// (`event_deliveries`, store/event-deliveries.ts) share these statements, so both are claimed, renewed, released,
// reclaimed and settled the same way (the worker that drives them is outbox/worker.ts).
//   claim   — due rows (queued, or retrying with next_attempt_at ≤ now, or sending with an expired lease) become
//             sending, attempts + 1, leased to the owner until now + leaseMs. On PostgreSQL the rows another node
//             is claiming are skipped (FOR UPDATE SKIP LOCKED), so two workers never take the same row.
//   settle  — only the lease holder moves a row out of sending; false when the lease was lost.
//   renew   — the heartbeat of a round in progress; release — a stopping worker gives back rows it never started
//             (the claim's attempt undone); expire — at start, a restarted owner's dead leases end now.
import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Database, OutboxState } from './schema.js';
import type { Dialect } from './migrations/index.js';

/** Tables with the lease columns below. */
export type LeasedTable = 'outbox' | 'event_deliveries';

interface LeasedColumns {
  id: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  updated_at: number;
  sent_at: number | null;
  /** event_deliveries only: a claim can be narrowed to one destination. */
  destination: string;
}

// Kysely checks names against one table type; every LeasedTable has these columns (destination only
// event_deliveries, and only a claim narrowed to a destination names it).
type LeasedDb = Kysely<{ leased: LeasedColumns }>;
const asLeased = (db: Kysely<Database>): LeasedDb => db as unknown as LeasedDb;

const MAX_ERROR_LENGTH = 500;

export interface LeaseOptions {
  owner: string;
  now: number;
}

export interface LeaseOperations {
  /** Heartbeat: extends every lease `owner` holds to now + leaseMs; how many it holds. */
  renewLeases(options: LeaseOptions & { leaseMs: number }): Promise<number>;
  /**
   * Gives back leases of `owner` whose send never started (a stopping worker): due at once, the claim's attempt
   * undone. Only `ids` when given, else every one it holds. How many.
   */
  releaseLeases(options: LeaseOptions & { ids?: readonly string[] }): Promise<number>;
  /**
   * At start: the leases a previous run of this owner held when it died expire now, so they are claimed at once
   * instead of after the lease. Their attempt stands (the receiver may have taken it). How many.
   */
  expireLeases(options: LeaseOptions): Promise<number>;
}

/** Claims up to `limit` due rows of `table` (of one destination when `destination` is given), oldest due first. */
export async function claimDueRows<T extends LeasedTable>(
  database: Kysely<Database>,
  dialect: Dialect,
  table: T,
  o: LeaseOptions & { limit: number; leaseMs: number; destination?: string },
): Promise<Array<Selectable<Database[T]>>> {
  const db = asLeased(database);
  const name = table as 'leased';
  let due = db
    .selectFrom(name)
    .select('id')
    .where((eb) => {
      const dueNow: Expression<SqlBool> = eb.or([
        eb.and([eb('state', 'in', ['queued', 'retrying']), eb('next_attempt_at', '<=', o.now)]),
        eb.and([eb('state', '=', 'sending'), eb('lease_until', '<=', o.now)]),
      ]);
      return o.destination === undefined ? dueNow : eb.and([eb('destination', '=', o.destination), dueNow]);
    })
    .orderBy('next_attempt_at')
    .limit(o.limit);
  // Rows another node is claiming right now are skipped rather than waited for.
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable(name)
    .set({ state: 'sending', attempts: sql<number>`attempts + 1`, lease_owner: o.owner, lease_until: o.now + o.leaseMs, updated_at: o.now })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows as unknown as Array<Selectable<Database[T]>>;
}

/**
 * Settles a row `owner` holds: sent (`retryAt` undefined), retrying at `retryAt`, or failed for good (`retryAt`
 * null), with `extra` columns of the table set too. False when the lease was lost to another worker.
 */
export async function settleRow(
  database: Kysely<Database>,
  table: LeasedTable,
  id: string,
  o: LeaseOptions & { outcome: { sent: true } | { error: string; retryAt: number | null }; extra?: Record<string, unknown> },
): Promise<boolean> {
  const db = asLeased(database);
  const set =
    'sent' in o.outcome
      ? { state: 'sent' as const, sent_at: o.now, last_error: null }
      : {
          state: o.outcome.retryAt === null ? ('failed' as const) : ('retrying' as const),
          next_attempt_at: o.outcome.retryAt ?? o.now,
          last_error: o.outcome.error.slice(0, MAX_ERROR_LENGTH),
        };
  const result = await db
    .updateTable(table as 'leased')
    .set({ ...set, lease_owner: null, lease_until: null, updated_at: o.now, ...(o.extra as Partial<LeasedColumns>) })
    .where('id', '=', id)
    .where('state', '=', 'sending')
    .where('lease_owner', '=', o.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A worker's leases on the rows it is sending: kept alive, given back, or ended (see LeaseOperations). */
export function leaseOperations(database: Kysely<Database>, table: LeasedTable): LeaseOperations {
  const db = asLeased(database);
  const name = table as 'leased';
  return {
    async renewLeases({ owner, now, leaseMs }) {
      const result = await db
        .updateTable(name)
        .set({ lease_until: now + leaseMs })
        .where('state', '=', 'sending')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async releaseLeases({ owner, now, ids }) {
      if (ids && ids.length === 0) return 0;
      let q = db
        .updateTable(name)
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
      const result = await db.updateTable(name).set({ lease_until: now }).where('state', '=', 'sending').where('lease_owner', '=', owner).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

/** Retention: deletes at most `limit` (every one when omitted) sent and failed rows settled before `before`; how many. */
export async function deleteSettledRows(database: Kysely<Database>, table: LeasedTable, before: number, limit?: number): Promise<number> {
  const db = asLeased(database);
  const name = table as 'leased';
  // updated_at is when the row was settled: a settled row is never updated again.
  let q = db.deleteFrom(name).where('state', 'in', ['sent', 'failed']).where('updated_at', '<', before);
  if (limit !== undefined)
    q = db
      .deleteFrom(name)
      .where('id', 'in', db.selectFrom(name).select('id').where('state', 'in', ['sent', 'failed']).where('updated_at', '<', before).limit(limit));
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}
