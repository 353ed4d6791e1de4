// Administrative actions name who did them (the help desk agent or administrator) beside whom they touched, so the
// audit log can be filtered by actor and a person's own activity page can say "by your IT department".
import type { Migration } from 'kysely';

export function auditActor(): Migration {
  return {
    async up(db) {
      await db.schema.alterTable('events').addColumn('actor_id', 'text').execute();
      await db.schema.createIndex('events_actor_idx').on('events').columns(['actor_id', 'created_at']).execute();
      await db.schema.createIndex('events_type_created_idx').on('events').columns(['type', 'created_at']).execute();
    },
  };
}
