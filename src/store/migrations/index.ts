// Migrations are code, ordered by name, and run at start and by `passdesk migrate`.
// Each takes the dialect because SQLite and PostgreSQL differ in a few column types.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

function initial(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'helpdesk', 'admin')`))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
        .addColumn('password_hash', 'text')
        .addColumn('password_changed_at', time)
        .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('must_change_reason', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('last_seen_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('revoked_at', time)
        .addColumn('revoked_reason', 'text')
        .execute();
      await db.schema.createIndex('sessions_account_idx').on('sessions').columns(['account_id', 'revoked_at']).execute();

      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('device', 'text')
        .addColumn('session_id', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('events_account_idx').on('events').columns(['account_id', 'created_at']).execute();
    },
  };
}

/** Old password hashes for the history rule, and when the expiry reminder was last sent. */
function passwordPolicy(dialect: Dialect): Migration {
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

// The transactional outbox (mail/): one row per message, written in the transaction of the change that
// causes it, and delivered by the outbox worker. States: queued → sending → sent | retrying → … | failed.
function mailOutbox(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text')
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('html_body', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued', 'sending', 'retrying', 'sent', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', time, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', time)
        .addColumn('last_error', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('sent_at', time)
        .execute();
      // The worker's claim query: due rows by state and time.
      await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_account_idx').on('outbox').columns(['account_id', 'created_at']).execute();
    },
  };
}

// Mail preferences per account: the anti-phishing phrase, the verified recovery address, and one address
// waiting for its code (stored as a hash, with an expiry and an attempt count).
function mailPreferences(dialect: Dialect): Migration {
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

// Password reset flows (flows/reset-password.ts). One row per request: the emailed link token and the short
// code, both stored only as hashes; the flow id handed out after verification, hashed too. States:
//   requested ─(token or code)─▶ verified ─(new password)─▶ completed
//       │                          │
//       └──── voided (a completed reset, a "This wasn't me" report) / expired (its time ran out)
// Since 0015 a newer request no longer voids older flows, and wrong codes end only the code path (code_attempts
// at the limit), never the link: see flows/reset-password.ts for why.
function passwordReset(dialect: Dialect): Migration {
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

// Two-factor authentication. Factors hold their TOTP seed sealed (core/secret-box.ts: AES-256-GCM, key id
// stored); last_used_step refuses a code's replay. Recovery codes are stored hashed and used once. A
// pending second-factor sign-in is a flow row: pending → completed | failed (too many wrong codes) | expired.
function twoFactor(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('second_factors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('totp')`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', time)
        .addColumn('last_used_step', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('second_factors_account_idx').on('second_factors').columns(['account_id']).execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('used_at', time)
        .execute();
      await db.schema.createIndex('recovery_codes_account_idx').on('recovery_codes').columns(['account_id', 'code_hash']).execute();

      await db.schema
        .createTable('second_factor_flows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'completed', 'failed', 'expired')`))
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('second_factor_flows_account_idx').on('second_factor_flows').columns(['account_id', 'created_at']).execute();
    },
  };
}

// Reset methods beyond email (issue 5): wrong second-factor codes or answers count per reset flow
// (factor_attempts; the flow dies at the limit), and the optional security questions: answers are
// normalised and stored as argon2id hashes, one row per question a person chose.
function resetMethods(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('password_resets').addColumn('factor_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('security_answers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('question_id', 'text', (c) => c.notNull())
        .addColumn('answer_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('security_answers_account_question', ['account_id', 'question_id'])
        .execute();
    },
  };
}

// Passkeys (WebAuthn, flows/passkeys.ts). One row per registered credential: its id and COSE public key
// (base64url), the signature counter (a counter that goes back is refused), transports, the backup flags,
// the person's name for it, and when it was added and last used. A challenge is a server-side flow row,
// random, single use (used_at) and short-lived, bound to what it was issued for: an account (registration,
// step-up), a pending second-factor sign-in or a reset flow (binding = the hash of that flow's id), or a
// passwordless attempt (no account: the credential names it).
//   pending ─(one verification, right or wrong)─▶ used        pending ─(expires_at)─▶ dead
function passkeys(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('credential_id', 'text', (c) => c.notNull().unique())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', time, (c) => c.notNull().defaultTo(0))
        .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('device_type', 'text', (c) => c.notNull().check(sql`device_type in ('singleDevice', 'multiDevice')`))
        .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('aaguid', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('last_used_at', time)
        .execute();
      await db.schema.createIndex('passkeys_account_idx').on('passkeys').columns(['account_id', 'created_at']).execute();

      await db.schema
        .createTable('passkey_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('registration', 'second_factor', 'passwordless', 'reset', 'step_up')`))
        .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
        .addColumn('binding', 'text')
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('used_at', time)
        .execute();
      await db.schema.createIndex('passkey_challenges_expiry_idx').on('passkey_challenges').columns(['expires_at']).execute();
    },
  };
}

// Step-up (issue 6): each session records when the person last authenticated and with what (the
// strongest method of that authentication: password, totp, recovery_code…), so sensitive changes can ask
// for a recent one. Existing sessions count as password sign-ins at their creation time.
function stepUp(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('sessions').addColumn('authenticated_at', time, (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('sessions').addColumn('authenticated_with', 'text', (c) => c.notNull().defaultTo('password')).execute();
      await sql`update sessions set authenticated_at = created_at`.execute(db);
    },
  };
}

// "This wasn't me" (issue 5): one row per security email that carries the link. The link's token is stored
// only as its SHA-256, bound to its account and to the notice it came in (template, outbox message, when,
// from which device and IP). Opening the link swaps it for a short-lived confirmation id (hashed too);
// the confirmation's POST uses the row once. States:
//   issued ─(confirmed: the account is secured)─▶ used
//      └──── voided (another report of the account used one) / expired (expires_at passed; checked on use)
function notMe(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('not_me_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('outbox_id', 'text')
        .addColumn('notice', 'text', (c) => c.notNull())
        .addColumn('event_at', time, (c) => c.notNull())
        .addColumn('event_ip', 'text')
        .addColumn('event_device', 'text')
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('issued', 'used', 'voided')`))
        .addColumn('confirm_hash', 'text', (c) => c.unique())
        .addColumn('confirm_expires_at', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('used_at', time)
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('not_me_tokens_account_idx').on('not_me_tokens').columns(['account_id', 'state']).execute();
    },
  };
}

/** A table readiness writes to (and empties again) after writes failed for lack of space, to see if space is back. */
function writeProbe(dialect: Dialect): Migration {
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

/** Facts about the installation (store/instance.ts), e.g. the check value of the server secret in use. */
function instance(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db) {
      await db.schema
        .createTable('passdesk_instance')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
    },
  };
}

// Reset hardening (issue 11). Passwords a reset must refuse after "This wasn't me": the account's password and
// every password it had in use at or after the reported event (flows/not-me.ts records them, hashed as they
// were stored; a completed reset clears them). The code counter moved to one guarded UPDATE, which needs no
// new column; this index serves it (a code check reserves a slot in the account's live flows).
function resetHardening(dialect: Dialect): Migration {
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

// Attempt counters that hold across processes and nodes (issue 11, item 3). Per-account budgets (wrong
// second-factor codes, wrong current passwords) are one row per (account, purpose) with a fixed window: a guess
// first reserves a slot with one atomic upsert (`… failures = failures + 1 … WHERE failures < limit`), and only
// then is evaluated; a right guess gives its slot back. Recovery codes get the id of the HMAC key they were
// stored under (null: an older unkeyed SHA-256 row, still accepted until the set is regenerated).
function attemptCounters(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('attempt_counters')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('window_start', time, (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('attempt_counters_pk', ['account_id', 'purpose'])
        .execute();
      await db.schema.alterTable('recovery_codes').addColumn('key_id', 'text').execute();
    },
  };
}

// Per-account and per-device sign-in failure counts (issue 11 item 7), shared by every node. Keyed by an HMAC
// (of the typed email, or of a device cookie's nonce), so an unknown address gets a row just like a known
// one and the table names nobody. Rows expire; expired ones are swept by expires_at.
function signInLimits(dialect: Dialect): Migration {
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

// Outbox bodies sealed at rest (issue 11, item 10): a message's text and HTML are one AES-256-GCM ciphertext
// (core/secret-box.ts, purpose "mail-body", key id stored, bound to the row's id and recipient), opened only
// by the worker to send and by the dev mailbox; the body is set to NULL once the message is sent or failed.
// text_body/html_body stay, nullable, for rows queued before this migration (legacy plaintext: the worker
// still sends them and then drops them). The migration has no server secret, so it cannot seal those rows;
// it drops the plaintext of every finished row now, which is where nearly all of it is.
function outboxSealed(dialect: Dialect): Migration {
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

// Bot challenges (flows/challenge.ts): a solved proof of work or a no-JavaScript ticket is used once, on every
// node. One row per used challenge, keyed by its id (the challenge's signed nonce, the ticket's id), kept until the
// challenge would have expired anyway; the primary key makes the second use lose, whichever node it reaches.
function challenges(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('used_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('used_challenges_expires_idx').on('used_challenges').column('expires_at').execute();
    },
  };
}

/** Leases for jobs one node at a time runs (retention, store/retention.ts); events are deleted by age. */
function jobLeases(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db) {
      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('until', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_created_idx').on('events').column('created_at').execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
    },
  };
}

// Trusted devices (flows/sign-in.ts, store/trusted-devices.ts): a device cookie exempts a browser from the account's
// lockout only while its nonce has a row here. The rows of an account are deleted when its security changes (a reset,
// "This wasn't me", a password change, the account disabled), so cookies handed out before stop counting.
function deviceTrust(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('trusted_devices')
        .addColumn('device', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('trusted_devices_account_idx').on('trusted_devices').columns(['account_id', 'created_at']).execute();
    },
  };
}

// Heartbeats, releases and the reclaim at start find a worker's leases by owner (0022_outbox_leases).
function outboxLeases(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('outbox_lease_owner_idx').on('outbox').columns(['lease_owner', 'state']).execute();
    },
  };
}

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_password_policy': passwordPolicy(dialect),
    '0003_mail_outbox': mailOutbox(dialect),
    '0004_mail_preferences': mailPreferences(dialect),
    '0005_password_reset': passwordReset(dialect),
    '0006_two_factor': twoFactor(dialect),
    '0010_reset_methods': resetMethods(dialect),
    '0011_passkeys': passkeys(dialect),
    '0012_step_up': stepUp(dialect),
    '0013_not_me': notMe(dialect),
    '0014_attempt_counters': attemptCounters(dialect),
    '0015_reset_hardening': resetHardening(dialect),
    '0016_sign_in_limits': signInLimits(dialect),
    '0017_outbox_sealed': outboxSealed(dialect),
    '0018_challenges': challenges(dialect),
    '0019_write_probe': writeProbe(dialect),
    '0020_instance': instance(dialect),
    '0021_device_trust': deviceTrust(dialect),
    '0022_outbox_leases': outboxLeases(),
    '0023_job_leases': jobLeases(dialect),
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}
