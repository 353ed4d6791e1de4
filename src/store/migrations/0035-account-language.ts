// The person's language (issue 17): accounts.locale is the language they chose on /security (a registered tag such
// as 'de'), null for "automatic" (the browser's, else the organisation's). pending_registrations.locale is the
// language the sign-up was made in, given to the account when the address is confirmed, so its emails use it.
import type { Kysely, Migration } from 'kysely';

export function accountLanguage(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('locale', 'text').execute();
      await db.schema.alterTable('pending_registrations').addColumn('locale', 'text').execute();
    },
  };
}
