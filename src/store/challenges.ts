import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ChallengeRepository {
  /**
   * Marks a bot challenge used. True for the first use only: one INSERT that loses on the primary key when the id
   * is already there, so two racing requests (on one node or several) cannot both spend it.
   */
  useChallenge(input: { id: string; expiresAt: number }): Promise<boolean>;
  /** Forgets used challenges that have expired (they are refused by their expiry from then on); how many went. */
  deleteExpiredChallenges(now: number): Promise<number>;
}

export function challengeRepository(db: Kysely<Database>): ChallengeRepository {
  return {
    async useChallenge({ id, expiresAt }) {
      const row = await db
        .insertInto('used_challenges')
        .values({ id, expires_at: expiresAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
    async deleteExpiredChallenges(now) {
      const result = await db.deleteFrom('used_challenges').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
