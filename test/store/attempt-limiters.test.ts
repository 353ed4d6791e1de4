// One contract for the attempt limiters, run against process memory and against Redis (DESIGN.md convention 6):
// a limit means the same on one node and on many.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryAttemptLimiter, memoryAttemptLimiters, type AttemptLimiters } from '../../src/core/attempt-limiter.js';
import { manualClock, type ManualClock } from '../../src/core/clock.js';
import { redisAttemptLimiters } from '../../src/store/redis-attempt-limiter.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';
import { PassdeskError } from '../../src/core/errors.js';
import { connectRedis } from '../../src/store/redis.js';

type Backend = { name: string; make(clock: ManualClock): AttemptLimiters };

let redis: TestRedis;
before(async () => {
  redis = await createTestRedis();
});
after(async () => {
  await redis.drop();
});

let n = 0;
const backends: Backend[] = [
  { name: 'memory', make: (clock) => memoryAttemptLimiters(clock) },
  // A fresh prefix per test: counters never leak from one test into the next.
  { name: 'redis', make: (clock) => redisAttemptLimiters(redis.connection.client, clock, { prefix: `${redis.prefix}:${++n}` }) },
];

for (const backend of backends) {
  describe(`attempt limiter (${backend.name})`, () => {
    test('a key is limited after `limit` failures within the window', async () => {
      const l = backend.make(manualClock()).create({ name: 't', limit: 3, windowMs: 60_000 });
      for (let i = 0; i < 2; i++) await l.recordFailure('k');
      assert.equal(await l.isLimited('k'), false);
      await l.recordFailure('k');
      assert.equal(await l.isLimited('k'), true);
      assert.equal(await l.isLimited('other'), false, 'keys are independent');
    });

    test('limiters with different names never share a key', async () => {
      const limiters = backend.make(manualClock());
      const a = limiters.create({ name: 'a', limit: 1, windowMs: 60_000 });
      const b = limiters.create({ name: 'b', limit: 1, windowMs: 60_000 });
      await a.recordFailure('k');
      assert.equal(await a.isLimited('k'), true);
      assert.equal(await b.isLimited('k'), false);
    });

    test('failures older than the window no longer count (sliding window)', async () => {
      const clock = manualClock();
      const l = backend.make(clock).create({ name: 't', limit: 2, windowMs: 60_000 });
      await l.recordFailure('k');
      clock.advance(30_000);
      await l.recordFailure('k');
      assert.equal(await l.isLimited('k'), true);
      clock.advance(30_001);
      assert.equal(await l.isLimited('k'), false, 'the first failure left the window');
      assert.equal(await l.count('k'), 1);
    });

    test('reset clears a key (a successful sign-in)', async () => {
      const l = backend.make(manualClock()).create({ name: 't', limit: 1, windowMs: 60_000 });
      await l.recordFailure('k');
      await l.reset('k');
      assert.equal(await l.isLimited('k'), false);
    });

    test('resetPrefix clears every key with the prefix and no other, even with pattern characters in it', async () => {
      const l = backend.make(manualClock()).create({ name: 't', limit: 1, windowMs: 60_000 });
      const keys = ['pair:a*b@x\u00001.1.1.1', 'pair:a*b@x\u00002.2.2.2', 'pair:axb@x\u00001.1.1.1', 'pair:a*bc@x\u00001.1.1.1'];
      for (const k of keys) await l.recordFailure(k);
      await l.resetPrefix('pair:a*b@x\u0000');
      assert.equal(await l.isLimited(keys[0]!), false);
      assert.equal(await l.isLimited(keys[1]!), false);
      assert.equal(await l.isLimited(keys[2]!), true, '"*" is not a wildcard');
      assert.equal(await l.isLimited(keys[3]!), true, 'another address keeps its count');
    });

    test('with `keep` it counts past the limit, and says when a key falls under a number again', async () => {
      const clock = manualClock();
      const limiters = backend.make(clock);
      const l = limiters.create({ name: 'keep', limit: 2, keep: 5, windowMs: 60_000 });
      for (let i = 0; i < 7; i++) {
        await l.recordFailure('k');
        clock.advance(1000);
      }
      assert.equal(l.limit, 2);
      assert.equal(await l.count('k'), 5, 'remembers `keep` failures, no more');
      assert.equal(await l.isLimited('k'), true);
      // Failures at 2 s..6 s are kept; now is 7 s. Under 5 once the one at 2 s leaves (at 62 s); under 2 once the
      // one at 5 s leaves (at 65 s).
      assert.equal(await l.retryAfterMs('k', 5), 55_000);
      assert.equal(await l.retryAfterMs('k', 2), 58_000);
      assert.equal(await l.retryAfterMs('k', 6), 0, 'already under');
      assert.equal(await l.retryAfterMs('other', 1), 0);
      clock.advance(55_000);
      assert.equal(await l.count('k'), 4);
      const plain = limiters.create({ name: 'plain', limit: 2, windowMs: 60_000 });
      for (let i = 0; i < 4; i++) await plain.recordFailure('k');
      assert.equal(await plain.count('k'), 2, 'without `keep`: the limit');
    });

    test('reserve takes a slot atomically: of 50 parallel guesses on a limit of 5, exactly 5 get through', async () => {
      const l = backend.make(manualClock()).create({ name: 'burst', limit: 5, windowMs: 60_000 });
      const results = await Promise.all(Array.from({ length: 50 }, () => l.reserve('k')));
      assert.equal(results.filter((r) => r !== null).length, 5);
      assert.equal(await l.count('k'), 5);
      assert.equal(await l.isLimited('k'), true);
    });

    test('a released reservation takes back only its own failure', async () => {
      const clock = manualClock();
      const l = backend.make(clock).create({ name: 'release', limit: 3, windowMs: 60_000 });
      await l.recordFailure('k');
      const first = await l.reserve('k');
      const second = await l.reserve('k');
      assert.ok(first && second);
      assert.equal(await l.count('k'), 3);
      await first.release();
      assert.equal(await l.count('k'), 2, 'the right guess is not counted');
      await first.release();
      assert.equal(await l.count('k'), 2, 'releasing twice takes back nothing more');
      assert.ok(await l.reserve('k'), 'its slot is free again');
      assert.equal(await l.reserve('k'), null);
    });
  });
}

test('two processes sharing Redis share the counts (two limiter sets on separate connections)', async () => {
  const clock = manualClock();
  const other = connectRedis(redis.url, { warn: () => {}, info: () => {} });
  try {
    assert.ok(await other.ready(5000));
    const prefix = `${redis.prefix}:shared`;
    const nodeA = redisAttemptLimiters(redis.connection.client, clock, { prefix }).create({ name: 'ip', limit: 10, windowMs: 60_000 });
    const nodeB = redisAttemptLimiters(other.client, clock, { prefix }).create({ name: 'ip', limit: 10, windowMs: 60_000 });
    const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? nodeA : nodeB).reserve('1.2.3.4')));
    assert.equal(got.filter(Boolean).length, 10, 'ten across both nodes, not ten each');
    assert.equal(await nodeB.isLimited('1.2.3.4'), true);
  } finally {
    await other.close();
  }
});

test('Redis unreachable: every call fails closed with 503 SERVICE_UNAVAILABLE, quickly', async () => {
  // A port nothing listens on: the connection never becomes ready and nothing is queued.
  const dead = connectRedis('redis://127.0.0.1:1', { warn: () => {}, info: () => {} });
  try {
    const l = redisAttemptLimiters(dead.client, manualClock(), { prefix: 'unused' }).create({ name: 't', limit: 1, windowMs: 1000 });
    for (const call of [
      async () => await l.reserve('k'),
      async () => await l.isLimited('k'),
      async () => await l.recordFailure('k'),
      async () => await l.resetPrefix('k'),
    ]) {
      const started = performance.now();
      await assert.rejects(call(), (err: unknown) => err instanceof PassdeskError && err.code === 'SERVICE_UNAVAILABLE' && err.status === 503);
      assert.ok(performance.now() - started < 1500, 'answers within the command timeout');
    }
    assert.equal(await dead.ping(), false);
  } finally {
    await dead.close();
  }
});

test('the in-memory limiter still bounds its memory: the least recently failing keys are forgotten', async () => {
  const l = memoryAttemptLimiter({ limit: 1, windowMs: 60_000, clock: manualClock(), maxKeys: 2 });
  await l.recordFailure('a');
  await l.recordFailure('b');
  await l.recordFailure('c');
  assert.equal(await l.isLimited('a'), false);
  assert.equal(await l.isLimited('b'), true);
  assert.equal(await l.isLimited('c'), true);
});
