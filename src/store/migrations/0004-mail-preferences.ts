// Mail preferences per account: the anti-phishing phrase, the verified recovery address, and one address
// waiting for its code (stored as a hash, with an expiry and an attempt count).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function mailPreferences(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('mail_preferences')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
        .addColumn('anti_phishing_phrase', 'text')
        .addColumn('recovery_email', 'text')
        .addColumn('recovery_email_verified_at', time)
        .addColumn('pending_recovery_email', 'text')
        .addColumn('pending_code_hash', 'text')
        .addColumn('pending_expires_at', time)
        .addColumn('pending_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
