// Counts failures per key in a sliding window (OWASP Authentication cheat sheet: throttle, don't lock).
// Sign-in keys on (email, IP) and on IP alone: a stranger elsewhere cannot lock the owner out, and the
// key is the typed email, not the account, so a known and an unknown email are throttled alike.
//
// Two implementations behind one asynchronous interface: in process memory (one node), and Redis
// (store/redis-attempt-limiter.ts), shared by every node. `reserve` checks and records in one step, so a burst
// of parallel guesses — on one node or spread over several — cannot all pass the check before any failure is
// written: each guess takes a slot first and gives it back only if it turns out right.
import type { Clock } from './clock.js';

export interface AttemptLimiter {
  readonly limit: number;
  /** True when `key` has reached the limit within the window. */
  isLimited(key: string): Promise<boolean>;
  /** Failures of `key` within the window, counted up to `keep`. */
  count(key: string): Promise<number>;
  /** How long until `key` has fewer than `n` (≤ keep) failures in the window; 0 when it already has. */
  retryAfterMs(key: string, n: number): Promise<number>;
  recordFailure(key: string): Promise<void>;
  /**
   * Atomically: when `key` is under the limit, records a failure now and returns a reservation; null when it
   * is limited. A guess that turns out right calls `release()` to take its failure back. `limit` (at most `keep`)
   * replaces the limiter's own for this call: a request that solved a bot challenge may pass up to a higher cap.
   */
  reserve(key: string, o?: { limit?: number }): Promise<Reservation | null>;
  reset(key: string): Promise<void>;
  /** Forgets every key that starts with `prefix` (e.g. all of one email's (email, IP) pairs after a reset). */
  resetPrefix(prefix: string): Promise<void>;
}

export interface Reservation {
  /** Removes the failure `reserve` recorded (the guess was right, or could not be evaluated). */
  release(): Promise<void>;
}

export interface AttemptLimiterOptions {
  /** Names the counter in a shared store (e.g. "sign-in-ip"); keys of different limiters never mix. */
  name: string;
  limit: number;
  windowMs: number;
  /** How many recent failures of a key are remembered (default `limit`): more, to count past the limit. */
  keep?: number;
}

/** Makes the limiters of one process: all in memory, or all in one shared store. */
export interface AttemptLimiters {
  readonly kind: 'memory' | 'redis';
  create(options: AttemptLimiterOptions): AttemptLimiter;
  /** Whether the counters can be reached now (/readyz); always true in memory. */
  ping(): Promise<boolean>;
  /** Lets go of the connection, if any. */
  close(): Promise<void>;
}

export function memoryAttemptLimiters(clock: Clock, o: { maxKeys?: number } = {}): AttemptLimiters {
  return { kind: 'memory', create: (options) => memoryAttemptLimiter({ ...options, clock, ...o }), ping: async () => true, close: async () => {} };
}

export function memoryAttemptLimiter(
  o: Omit<AttemptLimiterOptions, 'name'> & { name?: string; clock: Clock /** Bound on memory: the oldest keys go first. */; maxKeys?: number },
): AttemptLimiter {
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

  const record = (key: string): number => {
    const list = recent(key);
    const at = o.clock.now();
    list.push(at);
    // Re-insert so Map order is least-recently-failed first.
    failures.delete(key);
    failures.set(key, list.slice(-keep));
    while (failures.size > maxKeys) {
      const oldest = failures.keys().next().value;
      if (oldest === undefined) break;
      failures.delete(oldest);
    }
    return at;
  };

  const retryAfter = (key: string, n: number): number => {
    const list = recent(key);
    if (n <= 0 || list.length < n) return 0;
    // The failure that must leave the window for fewer than n to remain.
    return Math.max(1, list[list.length - n]! + o.windowMs - o.clock.now());
  };

  // Everything below runs synchronously inside one call, so check-and-record is atomic within the process.
  return {
    limit: o.limit,
    isLimited: async (key) => recent(key).length >= o.limit,
    count: async (key) => recent(key).length,
    retryAfterMs: async (key, n) => retryAfter(key, n),
    recordFailure: async (key) => {
      record(key);
    },
    async reserve(key, r) {
      if (recent(key).length >= Math.min(r?.limit ?? o.limit, keep)) return null;
      const at = record(key);
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          // Any failure recorded at the same instant is the same to the window: remove one.
          const list = failures.get(key);
          const i = list?.lastIndexOf(at) ?? -1;
          if (list && i >= 0) {
            list.splice(i, 1);
            if (list.length === 0) failures.delete(key);
          }
        },
      };
    },
    reset: async (key) => {
      failures.delete(key);
    },
    resetPrefix: async (prefix) => {
      for (const key of [...failures.keys()]) if (key.startsWith(prefix)) failures.delete(key);
    },
  };
}

/**
 * Reserves each (limiter, key) in turn — all or nothing: when one is limited, the ones already taken are given
 * back and the result is null. A guess holds its slots until it knows whether it was right.
 */
export async function reserveEach(entries: ReadonlyArray<readonly [AttemptLimiter, string]>): Promise<Reservation[] | null> {
  const taken: Reservation[] = [];
  try {
    for (const [limiter, key] of entries) {
      const slot = await limiter.reserve(key);
      if (!slot) {
        await releaseAll(taken);
        return null;
      }
      taken.push(slot);
    }
  } catch (err) {
    await releaseAll(taken).catch(() => undefined);
    throw err;
  }
  return taken;
}

export async function releaseAll(slots: readonly Reservation[]): Promise<void> {
  for (const slot of slots) await slot.release();
}
