// Facts about the installation (store/instance.ts), e.g. the check value of the server secret in use.
import type { Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function instance(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db) {
      await db.schema
        .createTable('passdesk_instance')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
