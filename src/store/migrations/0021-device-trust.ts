// Trusted devices (flows/sign-in.ts, store/trusted-devices.ts): a device cookie exempts a browser from the account's
// lockout only while its nonce has a row here. The rows of an account are deleted when its security changes (a reset,
// "This wasn't me", a password change, the account disabled), so cookies handed out before stop counting.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function deviceTrust(dialect: Dialect): Migration {
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
