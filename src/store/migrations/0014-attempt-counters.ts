// Attempt counters that hold across processes and nodes (issue 11, item 3). Per-account budgets (wrong
// second-factor codes, wrong current passwords) are one row per (account, purpose) with a fixed window: a guess
// first reserves a slot with one atomic upsert (`… failures = failures + 1 … WHERE failures < limit`), and only
// then is evaluated; a right guess gives its slot back. Recovery codes get the id of the HMAC key they were
// stored under (null: an older unkeyed SHA-256 row, still accepted until the set is regenerated).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function attemptCounters(dialect: Dialect): Migration {
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
