// Counts failures per key in a sliding window (OWASP Authentication cheat sheet: throttle, don't lock).
// Sign-in keys on (email, IP) and on IP alone: a stranger elsewhere cannot lock the owner out, and the
// key is the typed email, not the account, so a known and an unknown email are throttled alike.
// In memory per process; several nodes each keep their own counts (a shared store is a later step).
import type { Clock } from './clock.js';

export interface AttemptLimiter {
  readonly limit: number;
  /** True when `key` has reached the limit within the window. */
  isLimited(key: string): boolean;
  /** Failures of `key` within the window, counted up to `keep`. */
  count(key: string): number;
  /** How long until `key` has fewer than `n` (≤ keep) failures in the window; 0 when it already has. */
  retryAfterMs(key: string, n: number): number;
  recordFailure(key: string): void;
  reset(key: string): void;
  /** Forgets every key that starts with `prefix` (e.g. all of one email's (email, IP) pairs after a reset). */
  resetPrefix(prefix: string): void;
}

export interface AttemptLimiterOptions {
  limit: number;
  windowMs: number;
  clock: Clock;
  /** Bound on memory: the oldest keys are forgotten first. */
  maxKeys?: number;
  /** How many recent failures of a key are remembered (default `limit`): more, to count past the limit. */
  keep?: number;
}

export function memoryAttemptLimiter(o: AttemptLimiterOptions): AttemptLimiter {
  const maxKeys = o.maxKeys ?? 100_000;
  const keep = Math.max(o.limit, o.keep ?? o.limit);
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const list = failures.get(key);
    if (!list) return [];
    const since = o.clock.now() - o.windowMs;
    while (list.length > 0 && list[0]! <= since) list.shift();
    if (list.length === 0) failures.delete(key);
    return list;
  };

  return {
    limit: o.limit,
    isLimited: (key) => recent(key).length >= o.limit,
    count: (key) => recent(key).length,
    retryAfterMs(key, n) {
      const list = recent(key);
      if (n <= 0 || list.length < n) return 0;
      // The failure that must leave the window for fewer than n to remain.
      return Math.max(1, list[list.length - n]! + o.windowMs - o.clock.now());
    },
    recordFailure(key) {
      const list = recent(key);
      list.push(o.clock.now());
      // Re-insert so Map order is least-recently-failed first.
      failures.delete(key);
      failures.set(key, list.slice(-keep));
      while (failures.size > maxKeys) {
        const oldest = failures.keys().next().value;
        if (oldest === undefined) break;
        failures.delete(oldest);
      }
    },
    reset(key) {
      failures.delete(key);
    },
    resetPrefix(prefix) {
      for (const key of [...failures.keys()]) if (key.startsWith(prefix)) failures.delete(key);
    },
  };
}
