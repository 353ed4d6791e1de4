import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface PasswordHistoryRepository {
  /**
   * Keeps a password the account is leaving, and forgets all but the newest `keep` — except those left at or
   * after `keepLeftSince`, which "This wasn't me" may still need (flows/reset-password.ts).
   */
  rememberPassword(input: { id: string; accountId: string; passwordHash: string; now: number; keep: number; keepLeftSince?: number }): Promise<void>;
  /** Hashes of the account's previous passwords, newest first. */
  recentPasswordHashes(accountId: string, limit: number): Promise<string[]>;
}

export function passwordHistoryRepository(db: Kysely<Database>): PasswordHistoryRepository {
  const newest = (accountId: string, limit: number) =>
    db.selectFrom('password_history').where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  return {
    async rememberPassword({ id, accountId, passwordHash, now, keep, keepLeftSince }) {
      await db.insertInto('password_history').values({ id, account_id: accountId, password_hash: passwordHash, created_at: now }).execute();
      let q = db.deleteFrom('password_history').where('account_id', '=', accountId).where('id', 'not in', newest(accountId, keep).select('id'));
      if (keepLeftSince !== undefined) q = q.where('created_at', '<', keepLeftSince);
      await q.execute();
    },
    async recentPasswordHashes(accountId, limit) {
      const rows = await newest(accountId, limit).select('password_hash').execute();
      return rows.map((r) => r.password_hash);
    },
  };
}
