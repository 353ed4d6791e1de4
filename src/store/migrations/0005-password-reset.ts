// Password reset flows (flows/reset-password.ts). One row per request: the emailed link token and the short
// code, both stored only as hashes; the flow id handed out after verification, hashed too. States:
//   requested ─(token or code)─▶ verified ─(new password)─▶ completed
//       │                          │
//       └──── voided (a completed reset, a "This wasn't me" report) / expired (its time ran out)
// Since 0015 a newer request no longer voids older flows, and wrong codes end only the code path (code_attempts
// at the limit), never the link: see flows/reset-password.ts for why.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function passwordReset(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('password_resets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('requested', 'verified', 'completed', 'voided', 'expired')`))
        .addColumn('requires', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('satisfied', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('flow_hash', 'text', (c) => c.unique())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('verified_at', time)
        .addColumn('used_at', time)
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('password_resets_account_idx').on('password_resets').columns(['account_id', 'created_at']).execute();
    },
  };
}
