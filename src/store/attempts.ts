// Per-account attempt budgets that hold across processes and nodes (DESIGN.md: "an attempt counter is one
// atomic statement in the store"). A guess first reserves a slot, then is evaluated: reserve-then-verify, so a
// parallel burst cannot have more guesses evaluated than the budget allows. A right guess gives its slot back
// (releaseAttempt), so only wrong ones use the budget up.
//
// One row per (account, purpose) with a fixed window: the window starts at the first reservation after the
// previous one ended, and the count starts again at 1.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.js';

export interface AttemptBudget {
  purpose: string;
  limit: number;
  windowMs: number;
}

/** A reserved slot: which window it was counted in (a release never touches a newer window). */
export interface AttemptSlot {
  accountId: string;
  purpose: string;
  windowStart: number;
  /** Slots reserved in the window, this one included. */
  used: number;
}

export interface AttemptCounterRepository {
  /**
   * Reserves one slot of the account's budget in one atomic statement (an upsert guarded by `failures < limit`):
   * null when the budget of the current window is spent. Concurrent reservations, from any process, never
   * get more than `limit` slots in a window.
   */
  reserveAttempt(accountId: string, budget: AttemptBudget, now: number): Promise<AttemptSlot | null>;
  /** Gives a slot back (the guess was right); only in the window it was reserved in. */
  releaseAttempt(slot: AttemptSlot): Promise<void>;
  /** Slots used in the account's current window (0 when it has ended). */
  usedAttempts(accountId: string, budget: AttemptBudget, now: number): Promise<number>;
}

export function attemptCounterRepository(db: Kysely<Database>): AttemptCounterRepository {
  return {
    async reserveAttempt(accountId, { purpose, limit, windowMs }, now) {
      const ended = sql<boolean>`attempt_counters.window_start <= ${now - windowMs}`;
      const row = await db
        .insertInto('attempt_counters')
        .values({ account_id: accountId, purpose, window_start: now, failures: 1 })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'purpose'])
            .doUpdateSet({
              failures: sql<number>`case when ${ended} then 1 else attempt_counters.failures + 1 end`,
              window_start: sql<number>`case when ${ended} then ${now} else attempt_counters.window_start end`,
            })
            // The guard: with the window still running and the budget spent, nothing is updated and no row returns.
            .where(sql<boolean>`${ended} or attempt_counters.failures < ${limit}`),
        )
        .returning(['window_start', 'failures'])
        .executeTakeFirst();
      if (!row) return null;
      return { accountId, purpose, windowStart: Number(row.window_start), used: Number(row.failures) };
    },
    async releaseAttempt(slot) {
      await db
        .updateTable('attempt_counters')
        .set({ failures: sql<number>`failures - 1` })
        .where('account_id', '=', slot.accountId)
        .where('purpose', '=', slot.purpose)
        .where('window_start', '=', slot.windowStart)
        .where('failures', '>', 0)
        .execute();
    },
    async usedAttempts(accountId, { purpose, windowMs }, now) {
      const row = await db
        .selectFrom('attempt_counters')
        .select(['failures'])
        .where('account_id', '=', accountId)
        .where('purpose', '=', purpose)
        .where('window_start', '>', now - windowMs)
        .executeTakeFirst();
      return row ? Number(row.failures) : 0;
    },
  };
}
