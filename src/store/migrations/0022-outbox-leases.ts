// Heartbeats, releases and the reclaim at start find a worker's leases by owner (0022_outbox_leases).
import type { Kysely, Migration } from 'kysely';

export function outboxLeases(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('outbox_lease_owner_idx').on('outbox').columns(['lease_owner', 'state']).execute();
    },
  };
}
