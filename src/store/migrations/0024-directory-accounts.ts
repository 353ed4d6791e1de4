// Accounts whose password lives in a directory (OpenLDAP, Active Directory): keyed by the entry's stable id
// (entryUUID / objectGUID), so a renamed or moved entry keeps its sessions, factors and history.
import type { Migration } from 'kysely';

export function directoryAccounts(): Migration {
  return {
    async up(db) {
      await db.schema.alterTable('accounts').addColumn('directory_id', 'text').execute();
      await db.schema.createIndex('accounts_directory_id_idx').on('accounts').column('directory_id').unique().execute();
    },
  };
}
