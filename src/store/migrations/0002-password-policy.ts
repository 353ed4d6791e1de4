// Old password hashes for the history rule, and when the expiry reminder was last sent.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function passwordPolicy(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('password_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('password_history_account_idx').on('password_history').columns(['account_id', 'created_at']).execute();
      await db.schema.alterTable('accounts').addColumn('expiry_reminder_sent_at', time).execute();
    },
  };
}
