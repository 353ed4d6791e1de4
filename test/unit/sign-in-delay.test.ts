// The wait schedule of the per-account sign-in limit (core/sign-in-delay.ts) and how it is worded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DELAY_SCHEDULE, delayAfterFailures, delayTable } from '../../src/core/sign-in-delay.js';
import { formatWait, signInThrottledMessage } from '../../src/core/messages.js';

describe('sign-in delay schedule', () => {
  const cases: Array<[failures: number, ms: number]> = [
    [0, 0],
    [1, 0],
    [4, 0],
    [5, 1000],
    [6, 2000],
    [7, 4000],
    [8, 8000],
    [9, 16_000],
    [14, 512_000],
    [15, 900_000],
    [16, 900_000],
    [99, 900_000],
    [100, 900_000],
    [10_000, 900_000],
  ];
  for (const [failures, ms] of cases) {
    test(`after ${failures} failures in a row an untrusted client waits ${ms} ms`, () => {
      assert.equal(delayAfterFailures(failures), ms);
    });
  }

  test('it never shrinks as failures grow (NIST SP 800-63B-4: the wait grows toward the limit)', () => {
    for (let n = 1; n <= 100; n++) assert.ok(delayAfterFailures(n) >= delayAfterFailures(n - 1), String(n));
  });

  test('the default waits before the 100th failure add up to about a day, not minutes', () => {
    let total = 0;
    for (let n = 1; n < 100; n++) total += delayAfterFailures(n);
    assert.ok(total > 20 * 3600_000 && total < 24 * 3600_000, `${total / 3600_000} h`);
  });

  test('another start and cap', () => {
    const s = { from: 2, baseMs: 500, capMs: 3000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => delayAfterFailures(n, s)),
      [0, 500, 1000, 2000, 3000, 3000],
    );
  });

  test("a negative or fractional count is a programmer's error", () => {
    assert.throws(() => delayAfterFailures(-1), TypeError);
    assert.throws(() => delayAfterFailures(1.5), TypeError);
  });

  test('the table the store turns into SQL gives the same waits as the function', () => {
    const { steps, capFrom } = delayTable(DEFAULT_DELAY_SCHEDULE, 100);
    assert.equal(capFrom, 15);
    assert.deepEqual(
      steps.map((s) => s.failures),
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    );
    for (let n = 0; n <= 100; n++) {
      const fromTable: number = n >= capFrom ? DEFAULT_DELAY_SCHEDULE.capMs : (steps.find((s) => s.failures === n)?.ms ?? 0);
      assert.equal(fromTable, delayAfterFailures(n), String(n));
    }
    const late = delayTable({ from: 100, baseMs: 1000, capMs: 900_000 }, 20);
    assert.deepEqual(late.steps, [], 'waits that start past the limit never apply');
    assert.ok(late.capFrom > 20);
  });
});

describe('how a wait is said', () => {
  const cases: Array<[ms: number, text: string]> = [
    [0, '1 second'],
    [1, '1 second'],
    [1000, '1 second'],
    [1001, '2 seconds'],
    [64_000, '64 seconds'],
    [119_000, '119 seconds'],
    [120_000, '2 minutes'],
    [900_000, '15 minutes'],
    [7_200_000, '2 hours'],
    [86_400_000, '24 hours'],
  ];
  for (const [ms, text] of cases) test(`${ms} ms → "${text}" (rounded up)`, () => assert.equal(formatWait(ms), text));

  test('a wait and a lock both say what to do, and that a reset unlocks', () => {
    assert.match(signInThrottledMessage({ waitMs: 4000, locked: false }), /Try again in 4 seconds\. Resetting your password .* unlocks it at once\./);
    assert.match(signInThrottledMessage({ waitMs: 86_400_000, locked: true }), /locked .* reset your password .*\/reset.* try again in 24 hours\./);
  });
});
