// Step-up (issue 6): each session records when the person last authenticated and with what (the
// strongest method of that authentication: password, totp, recovery_code…), so sensitive changes can ask
// for a recent one. Existing sessions count as password sign-ins at their creation time.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function stepUp(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('sessions')
        .addColumn('authenticated_at', time, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('sessions')
        .addColumn('authenticated_with', 'text', (c) => c.notNull().defaultTo('password'))
        .execute();
      await sql`update sessions set authenticated_at = created_at`.execute(db);
    },
  };
}
