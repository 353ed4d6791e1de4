import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface PasswordHistoryRepository {
  /** Keeps a password the account is leaving, and forgets all but the newest `keep`. */
  rememberPassword(input: { id: string; accountId: string; passwordHash: string; now: number; keep: number }): Promise<void>;
  /** Hashes of the account's previous passwords, newest first. */
  recentPasswordHashes(accountId: string, limit: number): Promise<string[]>;
}

export function passwordHistoryRepository(db: Kysely<Database>): PasswordHistoryRepository {
  const newest = (accountId: string, limit: number) =>
    db.selectFrom('password_history').where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  return {
    async rememberPassword({ id, accountId, passwordHash, now, keep }) {
      await db.insertInto('password_history').values({ id, account_id: accountId, password_hash: passwordHash, created_at: now }).execute();
      await db
        .deleteFrom('password_history')
        .where('account_id', '=', accountId)
        .where('id', 'not in', newest(accountId, keep).select('id'))
        .execute();
    },
    async recentPasswordHashes(accountId, limit) {
      const rows = await newest(accountId, limit).select('password_hash').execute();
      return rows.map((r) => r.password_hash);
    },
  };
}
