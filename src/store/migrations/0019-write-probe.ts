// A table readiness writes to (and empties again) after writes failed for lack of space, to see if space is back.
import type { Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function writeProbe(dialect: Dialect): Migration {
  return {
    async up(db) {
      await db.schema
        .createTable('passdesk_write_probe')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('filler', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
        .execute();
    },
  };
}
