// The attempt limiters of core/attempt-limiter.ts kept in Redis, so every node counts the same failures.
// Each key is a sorted set of failure times (score = milliseconds, from the node's injected clock); one Lua
// script prunes, checks and adds in a single step, which Redis runs atomically — the same sliding window as the
// in-memory limiter, shared. A key expires with its window, so Redis holds only live counters.
//
// rate-limiter-flexible was considered: its Redis limiters count in fixed windows with a block period, which
// would change what "10 failures in 15 minutes" means here and could not answer "when does this key fall under
// n again" (the challenge's IP cap needs it); a 20-line script keeps one meaning for one node and for many.
//
// Redis down or slow: every call fails with 503 SERVICE_UNAVAILABLE — guessing endpoints fail closed rather than
// guess without a count; everything that does not guess keeps working.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AttemptLimiter, AttemptLimiterOptions, AttemptLimiters } from '../core/attempt-limiter.js';
import { connectRedis, type RedisConnection, type RedisLog } from './redis.js';
import type { Clock } from '../core/clock.js';
import { PassdeskError } from '../core/errors.js';
import { translator } from '../core/i18n/translator.js';

// KEYS[1] the counter; ARGV: now, window, keep, member, limit (-1: record unconditionally).
// Returns the count after adding, or -1 when `limit` was reached and nothing was added.
const RECORD = `
local since = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', since)
local n = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[5])
if limit >= 0 and n >= limit then return -1 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
local keep = tonumber(ARGV[3])
if n + 1 > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - keep) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n + 1
`;

type LimiterRedis = Redis & {
  passdeskRecord(key: string, now: number, windowMs: number, keep: number, member: string, limit: number): Promise<number>;
};

/** Key-pattern characters that SCAN's MATCH would read as wildcards. */
const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export function redisAttemptLimiters(redis: Redis, clock: Clock, o: { prefix: string; connection?: RedisConnection }): AttemptLimiters {
  const r = redis as LimiterRedis;
  if (typeof r.passdeskRecord !== 'function') redis.defineCommand('passdeskRecord', { numberOfKeys: 1, lua: RECORD });
  return {
    kind: 'redis',
    create: (options) => redisAttemptLimiter(r, clock, `${o.prefix}:limit:${options.name}:`, options),
    ping: async () => {
      try {
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    // Closes the connection only when these limiters own it (made from configuration, not handed in by a test).
    close: async () => {
      await o.connection?.close();
    },
  };
}

/** Limiters in the Redis at `url` (PASSDESK_REDIS_URL), owning their connection; waits briefly for it at start. */
export async function openRedisAttemptLimiters(url: string, clock: Clock, o: { prefix: string; log: RedisLog; waitMs?: number }): Promise<AttemptLimiters> {
  const connection = connectRedis(url, o.log);
  // Start anyway when Redis is late: guessing endpoints answer 503 until it is there, and /readyz says so.
  if (!(await connection.ready(o.waitMs ?? 3000))) o.log.warn({}, 'Redis not reachable yet: attempt-limited endpoints answer 503 until it is');
  return redisAttemptLimiters(connection.client, clock, { prefix: o.prefix, connection });
}

function unavailable(err: unknown): never {
  if (err instanceof PassdeskError) throw err;
  void err; // the client's 'error' event has logged why (store/redis.ts)
  throw new PassdeskError('SERVICE_UNAVAILABLE', translator('en').t('error.limits.unavailable'));
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return unavailable(err);
  }
}

function redisAttemptLimiter(redis: LimiterRedis, clock: Clock, namespace: string, o: AttemptLimiterOptions): AttemptLimiter {
  const keep = Math.max(o.limit, o.keep ?? o.limit);
  const k = (key: string): string => namespace + key;
  // Unique per failure, so two at the same millisecond are two entries, and a release removes only its own.
  const member = (now: number): string => `${now}:${randomBytes(6).toString('base64url')}`;
  const count = (key: string): Promise<number> => redis.zcount(k(key), `(${clock.now() - o.windowMs}`, '+inf');

  return {
    limit: o.limit,
    isLimited: (key) => guarded(async () => (await count(key)) >= o.limit),
    count: (key) => guarded(() => count(key)),
    retryAfterMs: (key, n) =>
      guarded(async () => {
        if (n <= 0) return 0;
        const now = clock.now();
        // The n-th newest failure inside the window: once it leaves, fewer than n remain.
        const hit = await redis.zrevrangebyscore(k(key), '+inf', `(${now - o.windowMs}`, 'WITHSCORES', 'LIMIT', n - 1, 1);
        const at = hit[1];
        return at === undefined ? 0 : Math.max(1, Number(at) + o.windowMs - now);
      }),
    recordFailure: (key) =>
      guarded(async () => {
        const now = clock.now();
        await redis.passdeskRecord(k(key), now, o.windowMs, keep, member(now), -1);
      }),
    reserve: (key, r) =>
      guarded(async () => {
        const now = clock.now();
        const entry = member(now);
        const n = await redis.passdeskRecord(k(key), now, o.windowMs, keep, entry, Math.min(r?.limit ?? o.limit, keep));
        if (n < 0) return null;
        return { release: () => guarded(async () => void (await redis.zrem(k(key), entry))) };
      }),
    reset: (key) => guarded(async () => void (await redis.unlink(k(key)))),
    resetPrefix: (prefix) =>
      guarded(async () => {
        // Rare (a completed reset): a SCAN over the limiter's keys, deleted in batches as they come.
        const stream = redis.scanStream({ match: `${escapeGlob(k(prefix))}*`, count: 500 });
        for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await redis.unlink(...keys);
      }),
  };
}
