// A change of sign-in address, and an account's own deletion with its grace period (issue 16).
// email_changes: one row per change asked for. The link's token is stored as its SHA-256, the typed code as a MAC
// under the server secret bound to the account (methods/email-code.ts). States:
//   pending ─(the link or the code, before expires_at)─▶ confirmed ─("This wasn't me" before restore_until)─▶ restored
//      └──── voided (a newer change asked for, the account secured, or the address taken meanwhile)
// A confirmed row keeps the old address until restore_until: the old address stays reserved for the account (nobody
// else can take it) so that "This wasn't me" can put it back.
// account_deletions: at most one row per account:
//   pending ─(the person or the emailed link cancels)─▶ cancelled ─(asked again)─▶ pending
//      └──(due_at passed: the deletion job)──▶ the account and this row are deleted (an audit event without personal data stays)
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function emailChangeAndDeletion(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('email_changes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'confirmed', 'restored', 'voided')`))
        .addColumn('new_email', 'text', (c) => c.notNull())
        .addColumn('new_email_normalized', 'text', (c) => c.notNull())
        .addColumn('old_email', 'text')
        .addColumn('old_email_normalized', 'text')
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('code_digest', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('confirmed_at', time)
        .addColumn('restore_until', time)
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('email_changes_account_idx').on('email_changes').columns(['account_id', 'state']).execute();
      await db.schema.createIndex('email_changes_old_email_idx').on('email_changes').columns(['old_email_normalized', 'state']).execute();
      await db.schema
        .createTable('account_deletions')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'cancelled')`))
        .addColumn('cancel_token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('requested_at', time, (c) => c.notNull())
        .addColumn('due_at', time, (c) => c.notNull())
        .addColumn('cancelled_at', time)
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('account_deletions_due_idx').on('account_deletions').columns(['state', 'due_at']).execute();
    },
  };
}
