// Reset hardening (issue 11). Passwords a reset must refuse after "This wasn't me": the account's password and
// every password it had in use at or after the reported event (flows/not-me.ts records them, hashed as they
// were stored; a completed reset clears them). The code counter moved to one guarded UPDATE, which needs no
// new column; this index serves it (a code check reserves a slot in the account's live flows).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function resetHardening(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('reset_refused_passwords')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reset_refused_passwords_account_idx').on('reset_refused_passwords').columns(['account_id']).execute();
      await db.schema.createIndex('password_resets_live_idx').on('password_resets').columns(['account_id', 'state', 'expires_at']).execute();
    },
  };
}
