// Per-account and per-device sign-in failure counts (issue 11 item 7), shared by every node. Keyed by an HMAC
// (of the typed email, or of a device cookie's nonce), so an unknown address gets a row just like a known
// one and the table names nobody. Rows expire; expired ones are swept by expires_at.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function signInLimits(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sign_in_limits')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', time, (c) => c.notNull())
        .addColumn('notified_at', time)
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_limits_expiry_idx').on('sign_in_limits').columns(['expires_at']).execute();
    },
  };
}
