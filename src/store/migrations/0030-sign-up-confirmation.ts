// Verified email at sign-up and the security checkup (issue 16, items 1 and 2).
// accounts.email_confirmed_at: when the address was shown to reach the person (a sign-up's link or code, an
//   administrator's word, the confirmation link an administrator's unconfirmed account was sent). Accounts made
//   before this migration count as confirmed: their created_at is copied in.
// accounts.checkup_reminder_at: when the monthly checkup reminder last looked at the account (sent or not), so a
//   person is looked at, and mailed, at most once a month (flows/checkup.ts).
// mail_preferences.checkup_reminders: the person's own choice about that email (1: send it, 0: don't).
// pending_registrations: a sign-up waiting for its address to be confirmed, or an administrator's unconfirmed
//   account waiting for the same (account_id set, no password). No account exists for a sign-up until it is
//   confirmed, so the owner of a taken address is never affected by one. The password is kept hashed until then and
//   cleared when it moves to the account; the link's token is a SHA-256, the code a MAC under the server secret:
//     pending ─(link or code)─▶ confirmed      pending ─(another sign-up of the address confirmed)─▶ voided
//   and expires_at ends a pending one; retention deletes rows that long after they expired (flows/retention.ts).
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function signUpConfirmation(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('email_confirmed_at', time).execute();
      await db.schema.alterTable('accounts').addColumn('checkup_reminder_at', time).execute();
      await sql`update accounts set email_confirmed_at = created_at`.execute(db);
      await db.schema
        .alterTable('mail_preferences')
        .addColumn('checkup_reminders', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createTable('pending_registrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_normalized', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('code_digest', 'text', (c) => c.notNull())
        .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'confirmed', 'voided')`))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('confirmed_at', time)
        .execute();
      await db.schema.createIndex('pending_registrations_email_idx').on('pending_registrations').columns(['email_normalized', 'state', 'expires_at']).execute();
      await db.schema.createIndex('pending_registrations_expiry_idx').on('pending_registrations').column('expires_at').execute();
      await db.schema.createIndex('pending_registrations_account_idx').on('pending_registrations').column('account_id').execute();
      await db.schema.createIndex('accounts_checkup_idx').on('accounts').columns(['status', 'id']).execute();
    },
  };
}
