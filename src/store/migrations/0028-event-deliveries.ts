// Events out (events/): the audit log leaves Passdesk through the same transactional outbox as mail. One row per
// event and destination (the syslog receiver, each webhook URL), written in the transaction that records the event,
// delivered by a leased worker (outbox/worker.ts) and settled like a mail message:
//   queued ─(claimed: lease, attempts+1)─▶ sending ─(receiver took it)─▶ sent
//                                             ├─(refused, attempts left)─▶ retrying ─(due)─▶ sending …
//                                             ├─(refused, none left)─▶ failed
//                                             └─(lease ran out: its node died)─▶ claimable again
// The payload is the event as it was written (core/public-event.ts), so a resend carries the same id and fields.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function eventDeliveries(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('event_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', time, (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued', 'sending', 'retrying', 'sent', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', time, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', time)
        .addColumn('last_error', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('sent_at', time)
        .execute();
      // The claim: one destination's due rows by state and time; heartbeats and releases by owner; retention by age.
      await db.schema.createIndex('event_deliveries_due_idx').on('event_deliveries').columns(['destination', 'state', 'next_attempt_at']).execute();
      await db.schema.createIndex('event_deliveries_lease_owner_idx').on('event_deliveries').columns(['lease_owner', 'state']).execute();
      await db.schema.createIndex('event_deliveries_settled_idx').on('event_deliveries').columns(['state', 'updated_at']).execute();
    },
  };
}
