// Consecutive failed sign-ins per account (keyed by an HMAC of the typed email) and per device cookie, in the
// store so the limit holds across processes and nodes. An attempt is counted BEFORE its password is checked,
// by one upsert whose WHERE admits it only while the subject is under its limit and past its delay: of any
// number of parallel tries, no more than the limit are ever evaluated. A right password then forgets the row.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { delayAfterFailures, delayTable, type DelaySchedule } from '../core/sign-in-delay.js';

export interface SignInLimitRule {
  /** Attempts admitted before the subject is locked (NIST SP 800-63B-4 §3.2.2: at most 100). */
  limit: number;
  /** A row (and a lock) is forgotten this long after its last counted attempt. */
  coolOffMs: number;
  /** Growing waits between attempts; null: none (device cookies). */
  delays: DelaySchedule | null;
  /**
   * Admitted during a wait, refused only at the limit: a signed-in session's password check, which shares the
   * account's count but is braked by its own per-purpose budgets. The waits it earns still apply to sign-ins.
   */
  skipsWaits?: boolean;
}

export type SignInClaim =
  | { admitted: true; failures: number }
  /** Refused: `retryAt` is when the next try is admitted; `locked` when the limit (not a delay) is the reason. */
  | { admitted: false; failures: number; retryAt: number; locked: boolean };

export interface SignInLimitState {
  failures: number;
  nextAttemptAt: number;
  notifiedAt: number | null;
  expiresAt: number;
}

export interface SignInLimitRepository {
  /** Counts one attempt for `subject` if it is admitted now (atomically; see the file comment). */
  claimSignInAttempt(subject: string, rule: SignInLimitRule, now: number): Promise<SignInClaim>;
  /** Forgets the subject's count and lock (a right password; a completed reset; the help desk's unlock). */
  forgetSignInFailures(subject: string): Promise<void>;
  /** The subject's count as it stands (the help desk's account view); null when there is none. */
  readSignInLimit(subject: string): Promise<SignInLimitState | null>;
  /** Marks a locked subject's lockout as told, once: true only for the one call that marked it. */
  markSignInLockNotified(subject: string, limit: number, now: number): Promise<boolean>;
  /** Deletes expired rows; returns how many. */
  sweepSignInLimits(now: number): Promise<number>;
}

/** bigint on PostgreSQL (untyped parameters in CASE would be text), integer affinity on SQLite. */
const big = (v: number): RawBuilder<number> => sql<number>`cast(${v} as bigint)`;

/** next_attempt_at for a count given as SQL: one CASE built from the schedule's table, so the upsert stays one statement. */
// No wait due is written as 0 ("any time"), not as `now`: requests racing on one account (or on several nodes, whose
// clocks differ by a little) would otherwise find a `now` a moment later than their own and be refused a wait of 0.
function nextAttemptAt(count: RawBuilder<number>, rule: SignInLimitRule, now: number): RawBuilder<number> {
  if (!rule.delays) return big(0);
  const { steps, capFrom } = delayTable(rule.delays, rule.limit);
  const whens = [
    sql`when ${count} >= ${sql.lit(capFrom)} then ${big(now + rule.delays.capMs)}`,
    ...steps.map((s) => sql`when ${count} = ${sql.lit(s.failures)} then ${big(now + s.ms)}`),
  ];
  return sql<number>`case ${sql.join(whens, sql` `)} else ${big(0)} end`;
}

export function signInLimitRepository(db: Kysely<Database>): SignInLimitRepository {
  const read = (subject: string) => db.selectFrom('sign_in_limits').selectAll().where('subject', '=', subject).executeTakeFirst();
  return {
    async claimSignInAttempt(subject, rule, now) {
      // Twice at most: a refused claim reads the row to say why; if a success or reset deleted it meanwhile, claim again.
      for (let round = 0; round < 2; round++) {
        const expired = sql<boolean>`sign_in_limits.expires_at <= ${big(now)}`;
        const count = sql<number>`(case when ${expired} then 1 else sign_in_limits.failures + 1 end)`;
        const won = await db
          .insertInto('sign_in_limits')
          .values({
            subject,
            failures: 1,
            next_attempt_at: rule.delays && delayAfterFailures(1, rule.delays) > 0 ? now + delayAfterFailures(1, rule.delays) : 0,
            notified_at: null,
            expires_at: now + rule.coolOffMs,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc
              .column('subject')
              .doUpdateSet({
                failures: count,
                next_attempt_at: nextAttemptAt(count, rule, now),
                notified_at: sql<number | null>`case when ${expired} then null else sign_in_limits.notified_at end`,
                expires_at: big(now + rule.coolOffMs),
                updated_at: big(now),
              })
              .where((eb) =>
                eb.or([
                  eb('sign_in_limits.expires_at', '<=', now),
                  rule.skipsWaits
                    ? eb('sign_in_limits.failures', '<', rule.limit)
                    : eb.and([eb('sign_in_limits.failures', '<', rule.limit), eb('sign_in_limits.next_attempt_at', '<=', now)]),
                ]),
              ),
          )
          .returning(['failures'])
          .executeTakeFirst();
        if (won) return { admitted: true, failures: Number(won.failures) };
        const row = await read(subject);
        if (!row) continue;
        const failures = Number(row.failures);
        const locked = failures >= rule.limit;
        return { admitted: false, failures, locked, retryAt: locked ? Number(row.expires_at) : Number(row.next_attempt_at) };
      }
      // Cleared twice in a row by racing successes: nothing to hold this attempt back, but count nothing either.
      return { admitted: false, failures: 0, locked: false, retryAt: now + 1000 };
    },
    async forgetSignInFailures(subject) {
      await db.deleteFrom('sign_in_limits').where('subject', '=', subject).execute();
    },
    async readSignInLimit(subject) {
      const row = await read(subject);
      if (!row) return null;
      return {
        failures: Number(row.failures),
        nextAttemptAt: Number(row.next_attempt_at),
        notifiedAt: row.notified_at === null ? null : Number(row.notified_at),
        expiresAt: Number(row.expires_at),
      };
    },
    async markSignInLockNotified(subject, limit, now) {
      const row = await db
        .updateTable('sign_in_limits')
        .set({ notified_at: now, updated_at: now })
        .where('subject', '=', subject)
        .where('failures', '>=', limit)
        .where('notified_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['subject'])
        .executeTakeFirst();
      return row !== undefined;
    },
    async sweepSignInLimits(now) {
      const result = await db.deleteFrom('sign_in_limits').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
