import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oneAtATime } from '../../src/flows/one-at-a-time.js';

describe('oneAtATime', () => {
  it('runs the calls for one key one after another, in order, and other keys alongside', async () => {
    const log: string[] = [];
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => { releaseFirst = r; });
    const first = oneAtATime('a', async () => { log.push('a1 start'); await gate; log.push('a1 end'); return 1; });
    const second = oneAtATime('a', async () => { log.push('a2'); return 2; });
    const other = oneAtATime('b', async () => { log.push('b1'); return 3; });
    assert.equal(await other, 3);
    assert.deepEqual(log, ['a1 start', 'b1'], 'b does not wait for a; a2 waits for a1');
    releaseFirst();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(log, ['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('a failing call does not block the next, and its error reaches its caller', async () => {
    const failed = oneAtATime('k', async () => { throw new Error('wrong guess'); });
    const next = oneAtATime('k', async () => 'ok');
    await assert.rejects(failed, /wrong guess/);
    assert.equal(await next, 'ok');
  });

  it('a limit checked inside holds against a burst: of 20 parallel guesses only 5 are tried', async () => {
    let failures = 0;
    let tried = 0;
    const guess = (): Promise<string> => oneAtATime('acct', async () => {
      if (failures >= 5) return 'refused';
      tried++;
      await new Promise((r) => setImmediate(r)); // the verification takes a while
      failures++;
      return 'wrong';
    });
    const results = await Promise.all(Array.from({ length: 20 }, guess));
    assert.equal(tried, 5);
    assert.equal(results.filter((r) => r === 'refused').length, 15);
  });
});
