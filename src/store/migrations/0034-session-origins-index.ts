// A sign-in compares the new device with the account's latest sessions (flows/steps/complete-sign-in.ts). With
// only the (account_id, revoked_at) index that read sorted every session the account ever kept, so its cost grew
// with each sign-in until retention; ordered by creation in the index it reads just the few rows it returns.
import type { Migration } from 'kysely';

export function sessionOriginsIndex(): Migration {
  return {
    async up(db) {
      await db.schema.createIndex('sessions_account_created_idx').on('sessions').columns(['account_id', 'created_at']).execute();
    },
  };
}
