// The help desk's caller checks and temporary passwords (issue 15).
// caller_verifications: one row per check an agent starts for an account. By emailed code:
//   pending ─(the code read back)─▶ verified     pending ─(too many wrong codes)─▶ failed     (expires_at passed: dead)
// by the person's authenticator app the row is written verified at once. A verified row counts for its agent and
// its account until valid_until. The code is kept only as a MAC under the server secret.
// temporary_passwords: a password a help desk agent set, kept as a digest so that sign-in can tell it apart:
//   issued ─(first sign-in with it)─▶ used;   expires_at passed, or a newer one issued (the row deleted): refused.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function helpDeskCallers(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('caller_verifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('email-code', 'totp')`))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'verified', 'failed')`))
        .addColumn('code_digest', 'text')
        .addColumn('wrong_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('verified_at', time)
        .addColumn('valid_until', time)
        .execute();
      await db.schema.createIndex('caller_verifications_agent_idx').on('caller_verifications').columns(['agent_id', 'account_id', 'state']).execute();
      await db.schema.createIndex('caller_verifications_account_idx').on('caller_verifications').column('account_id').execute();
      await db.schema
        .createTable('temporary_passwords')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('password_digest', 'text', (c) => c.notNull())
        .addColumn('issued_by', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('used_at', time)
        .execute();
      await db.schema.createIndex('temporary_passwords_account_idx').on('temporary_passwords').column('account_id').execute();
    },
  };
}
