// Bot challenges (flows/challenge.ts): a solved proof of work or a no-JavaScript ticket is used once, on every
// node. One row per used challenge, keyed by its id (the challenge's signed nonce, the ticket's id), kept until the
// challenge would have expired anyway; the primary key makes the second use lose, whichever node it reaches.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function challenges(dialect: Dialect): Migration {
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
