import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '@node-rs/argon2';
import { Piscina } from 'piscina';
import type { HashJob } from '../../src/credentials/hash-worker.js';
import { createPasswordHasher, owaspArgon2Params } from '../../src/credentials/password-hasher.js';

const fast = { memoryKib: 1024, iterations: 1, parallelism: 1 };

test('hashes are argon2id with the configured parameters and a random salt', async () => {
  const hasher = await createPasswordHasher({ params: fast });
  const a = await hasher.hash('correct horse battery staple');
  const b = await hasher.hash('correct horse battery staple');
  assert.match(a, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.notEqual(a, b, 'two hashes of the same password differ (salt)');
  assert.equal(await hasher.verify(a, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(a, 'correct horse battery stapl'), false);
});

test('the default parameters are OWASP’s: m=19456 KiB, t=2, p=1', async () => {
  assert.deepEqual(owaspArgon2Params, { memoryKib: 19456, iterations: 2, parallelism: 1 });
  const hasher = await createPasswordHasher();
  const o = parseOptions(await hasher.hash('x'.repeat(15)));
  assert.equal(o.memoryCost, 19456);
  assert.equal(o.timeCost, 2);
  assert.equal(o.parallelism, 1);
});

test('the same password typed composed or decomposed verifies (NFC)', async () => {
  const hasher = await createPasswordHasher({ params: fast });
  const h = await hasher.hash('caf\u00e9 au lait, s’il vous plaît');
  assert.equal(await hasher.verify(h, 'cafe\u0301 au lait, s’il vous plaît'), true);
});

test('a hash made with other parameters needs rehashing; one with ours does not', async () => {
  const old = await createPasswordHasher({ params: fast });
  const current = await createPasswordHasher({ params: { ...fast, iterations: 2 } });
  const h = await old.hash('p'.repeat(20));
  assert.equal(current.needsRehash(h), true);
  assert.equal(current.needsRehash(await current.hash('p'.repeat(20))), false);
  assert.equal(current.needsRehash('not a hash'), true);
});

test('an unreadable stored hash verifies as false instead of throwing', async () => {
  const hasher = await createPasswordHasher({ params: fast });
  assert.equal(await hasher.verify('garbage', 'whatever'), false);
});

test('hashing with OWASP parameters never blocks the event loop', async () => {
  const hasher = await createPasswordHasher();
  // A hash computed on the event loop would finish before any macrotask could run: its promise would
  // settle in the same turn. Off the loop, the answer arrives as a message, after a setImmediate queued
  // now has run. Deterministic, unlike timing the loop's stalls on a shared machine.
  const outcomes = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      let loopTurned = false;
      setImmediate(() => {
        loopTurned = true;
      });
      await hasher.hash(`password number ${i} long enough`);
      return loopTurned;
    }),
  );
  assert.deepEqual(
    outcomes,
    outcomes.map(() => true),
  );
  let verifiedOffLoop = false;
  setImmediate(() => {
    verifiedOffLoop = true;
  });
  await hasher.verifyDummy('whatever was typed');
  assert.equal(verifiedOffLoop, true, 'verification too');
  await hasher.close();
});

test('the hasher reports each operation’s duration for the metrics', async () => {
  const seen: string[] = [];
  const hasher = await createPasswordHasher({ params: fast, observe: (op) => seen.push(op) });
  const h = await hasher.hash('q'.repeat(16));
  await hasher.verify(h, 'q'.repeat(16));
  await hasher.verifyDummy('anything');
  assert.deepEqual(seen, ['hash', 'verify', 'verify']);
});

test('the dummy verification (an unknown account) is one argon2id verification with the configured parameters, as a wrong password is', async () => {
  // Counted, not timed: every job the hashing threads run goes through piscina's run(), so the test sees which
  // verifications a call costs and against which hash; equal parameters are equal work.
  const params = { memoryKib: 2048, iterations: 2, parallelism: 1 };
  const hasher = await createPasswordHasher({ params, threads: 1 });
  try {
    const stored = await hasher.hash('the real password, long enough');
    const run = mock.method(Piscina.prototype, 'run');
    const jobs = (): HashJob[] => run.mock.calls.map((c) => c.arguments[0] as HashJob);
    try {
      assert.equal(await hasher.verify(stored, 'a wrong password, long enough'), false);
      const [wrong, ...moreForWrong] = jobs();
      run.mock.resetCalls();
      await hasher.verifyDummy('a wrong password, long enough');
      const [dummy, ...moreForDummy] = jobs();
      assert.deepEqual([moreForWrong, moreForDummy], [[], []], 'one job each');
      assert.ok(wrong?.op === 'verify' && dummy?.op === 'verify', 'both are verifications');
      const cost = (hash: string): object => {
        const o = parseOptions(hash);
        return { algorithm: o.algorithm, memoryCost: o.memoryCost, timeCost: o.timeCost, parallelism: o.parallelism };
      };
      assert.deepEqual(cost(dummy.hash), cost(wrong.hash));
      assert.deepEqual(cost(dummy.hash), { algorithm: 2, memoryCost: 2048, timeCost: 2, parallelism: 1 });
      assert.notEqual(dummy.hash, stored, "not the account's hash");
    } finally {
      run.mock.restore();
    }
  } finally {
    await hasher.close();
  }
});
