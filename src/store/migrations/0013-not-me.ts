// "This wasn't me" (issue 5): one row per security email that carries the link. The link's token is stored
// only as its SHA-256, bound to its account and to the notice it came in (template, outbox message, when,
// from which device and IP). Opening the link swaps it for a short-lived confirmation id (hashed too);
// the confirmation's POST uses the row once. States:
//   issued ─(confirmed: the account is secured)─▶ used
//      └──── voided (another report of the account used one) / expired (expires_at passed; checked on use)
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function notMe(dialect: Dialect): Migration {
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
