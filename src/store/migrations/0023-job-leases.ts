// Leases for jobs one node at a time runs (retention, store/retention.ts); events are deleted by age.
import type { Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function jobLeases(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db) {
      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('until', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_created_idx').on('events').column('created_at').execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
    },
  };
}
