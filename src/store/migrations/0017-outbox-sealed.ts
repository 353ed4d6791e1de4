// Outbox bodies sealed at rest (issue 11, item 10): a message's text and HTML are one AES-256-GCM ciphertext
// (core/secret-box.ts, purpose "mail-body", key id stored, bound to the row's id and recipient), opened only
// by the worker to send and by the dev mailbox; the body is set to NULL once the message is sent or failed.
// text_body/html_body stay, nullable, for rows queued before this migration (legacy plaintext: the worker
// still sends them and then drops them). The migration has no server secret, so it cannot seal those rows;
// it drops the plaintext of every finished row now, which is where nearly all of it is.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function outboxSealed(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`alter table outbox alter column text_body drop not null`.execute(db);
        await sql`alter table outbox alter column html_body drop not null`.execute(db);
        await db.schema.alterTable('outbox').addColumn('body_ciphertext', 'text').execute();
        await db.schema.alterTable('outbox').addColumn('body_key_id', 'text').execute();
      } else {
        // SQLite cannot drop NOT NULL in place: rebuild the table (https://sqlite.org/lang_altertable.html#otheralter).
        await sql`create table outbox_sealed (
          id text primary key,
          message_id text not null unique,
          account_id text,
          template text not null,
          to_address text not null,
          subject text not null,
          text_body text,
          html_body text,
          body_ciphertext text,
          body_key_id text,
          state text not null check (state in ('queued', 'sending', 'retrying', 'sent', 'failed')),
          attempts integer not null default 0,
          next_attempt_at integer not null,
          lease_owner text,
          lease_until integer,
          last_error text,
          created_at integer not null,
          updated_at integer not null,
          sent_at integer
        )`.execute(db);
        await sql`insert into outbox_sealed (id, message_id, account_id, template, to_address, subject, text_body, html_body,
          state, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at, sent_at)
          select id, message_id, account_id, template, to_address, subject, text_body, html_body,
          state, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at, sent_at from outbox`.execute(db);
        await sql`drop table outbox`.execute(db);
        await sql`alter table outbox_sealed rename to outbox`.execute(db);
        await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'next_attempt_at']).execute();
        await db.schema.createIndex('outbox_account_idx').on('outbox').columns(['account_id', 'created_at']).execute();
      }
      await sql`update outbox set text_body = null, html_body = null where state in ('sent', 'failed')`.execute(db);
      // The retention sweep deletes finished rows by the time they finished.
      await db.schema.createIndex('outbox_finished_idx').on('outbox').columns(['state', 'updated_at']).execute();
    },
  };
}
