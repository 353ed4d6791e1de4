import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryAttemptLimiter } from '../../src/core/attempt-limiter.js';
import { manualClock } from '../../src/core/clock.js';

test('a key is limited after `limit` failures within the window', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 3, windowMs: 60_000, clock });
  for (let i = 0; i < 2; i++) l.recordFailure('k');
  assert.equal(l.isLimited('k'), false);
  l.recordFailure('k');
  assert.equal(l.isLimited('k'), true);
  assert.equal(l.isLimited('other'), false, 'keys are independent');
});

test('failures older than the window no longer count (sliding window)', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 2, windowMs: 60_000, clock });
  l.recordFailure('k');
  clock.advance(30_000);
  l.recordFailure('k');
  assert.equal(l.isLimited('k'), true);
  clock.advance(30_001);
  assert.equal(l.isLimited('k'), false, 'the first failure left the window');
});

test('reset clears a key (a successful sign-in)', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 1, windowMs: 60_000, clock });
  l.recordFailure('k');
  l.reset('k');
  assert.equal(l.isLimited('k'), false);
});

test('memory is bounded: the least recently failing keys are forgotten', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 1, windowMs: 60_000, clock, maxKeys: 2 });
  l.recordFailure('a');
  l.recordFailure('b');
  l.recordFailure('c');
  assert.equal(l.isLimited('a'), false);
  assert.equal(l.isLimited('b'), true);
  assert.equal(l.isLimited('c'), true);
});

test('resetPrefix clears every key with the prefix and no other (a completed password reset)', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 1, windowMs: 60_000, clock });
  for (const k of ['pair:a@x\u00001.1.1.1', 'pair:a@x\u00002.2.2.2', 'pair:ab@x\u00001.1.1.1']) l.recordFailure(k);
  l.resetPrefix('pair:a@x\u0000');
  assert.equal(l.isLimited('pair:a@x\u00001.1.1.1'), false);
  assert.equal(l.isLimited('pair:a@x\u00002.2.2.2'), false);
  assert.equal(l.isLimited('pair:ab@x\u00001.1.1.1'), true, 'another address keeps its count');
});

test('with `keep` it counts past the limit, and says when a key falls under a number again', () => {
  const clock = manualClock();
  const l = memoryAttemptLimiter({ limit: 2, keep: 5, windowMs: 60_000, clock });
  for (let i = 0; i < 7; i++) {
    l.recordFailure('k');
    clock.advance(1000);
  }
  assert.equal(l.limit, 2);
  assert.equal(l.count('k'), 5, 'remembers `keep` failures, no more');
  assert.equal(l.isLimited('k'), true);
  // Failures at 2 s..6 s are kept; now is 7 s. Under 5 once the one at 2 s leaves (at 62 s); under 2 once the
  // one at 5 s leaves (at 65 s).
  assert.equal(l.retryAfterMs('k', 5), 55_000);
  assert.equal(l.retryAfterMs('k', 2), 58_000);
  assert.equal(l.retryAfterMs('k', 6), 0, 'already under');
  assert.equal(l.retryAfterMs('other', 1), 0);
  clock.advance(55_000);
  assert.equal(l.count('k'), 4);
  const plain = memoryAttemptLimiter({ limit: 2, windowMs: 60_000, clock });
  for (let i = 0; i < 4; i++) plain.recordFailure('k');
  assert.equal(plain.count('k'), 2, 'without `keep`: the limit');
});
