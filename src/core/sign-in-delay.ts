// How long an untrusted client waits after consecutive failed sign-ins to one account. NIST SP 800-63B-4
// §3.2.2: at most 100 consecutive failures per account, and a wait that grows as the account nears that
// limit, so a stranger cannot lock the owner out in minutes and a guesser gets almost nothing.

export interface DelaySchedule {
  /** The failure count from which a wait applies (the wait after the 5th failure is the first). */
  from: number;
  /** The first wait; each further failure doubles it. */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
}

/** 1 s after the 5th failure, then 2 s, 4 s … up to 15 minutes (reached at the 15th failure). */
export const DEFAULT_DELAY_SCHEDULE: DelaySchedule = { from: 5, baseMs: 1000, capMs: 15 * 60_000 };

/** The wait after `failures` consecutive failures before the next untrusted try is evaluated. */
export function delayAfterFailures(failures: number, s: DelaySchedule = DEFAULT_DELAY_SCHEDULE): number {
  if (!Number.isInteger(failures) || failures < 0) throw new TypeError('failures must be a whole number ≥ 0');
  if (failures < s.from) return 0;
  const steps = failures - s.from;
  // 2^steps overflows to Infinity long after the cap; min() keeps it finite.
  return Math.min(s.capMs, s.baseMs * 2 ** Math.min(steps, 52));
}

/**
 * The schedule as a table (failure count → wait) up to the count where the cap is first reached; every count
 * from `capFrom` on waits `capMs`. The store turns this into one SQL CASE so its counter update stays a
 * single statement.
 */
export function delayTable(s: DelaySchedule = DEFAULT_DELAY_SCHEDULE, limit = 100): { steps: Array<{ failures: number; ms: number }>; capFrom: number } {
  const steps: Array<{ failures: number; ms: number }> = [];
  let n = s.from;
  for (; n <= limit; n++) {
    const ms = delayAfterFailures(n, s);
    if (ms >= s.capMs) break;
    if (ms > 0) steps.push({ failures: n, ms });
  }
  return { steps, capFrom: n };
}
