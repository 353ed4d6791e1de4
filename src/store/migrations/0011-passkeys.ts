// Passkeys (WebAuthn, flows/passkeys.ts). One row per registered credential: its id and COSE public key
// (base64url), the signature counter (a counter that goes back is refused), transports, the backup flags,
// the person's name for it, and when it was added and last used. A challenge is a server-side flow row,
// random, single use (used_at) and short-lived, bound to what it was issued for: an account (registration,
// step-up), a pending second-factor sign-in or a reset flow (binding = the hash of that flow's id), or a
// passwordless attempt (no account: the credential names it).
//   pending ─(one verification, right or wrong)─▶ used        pending ─(expires_at)─▶ dead
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function passkeys(dialect: Dialect): Migration {
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
