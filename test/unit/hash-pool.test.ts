import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { verify as libuvVerify, hash as libuvHash } from '@node-rs/argon2';
import { createHashPool, HASH_THREAD_NICE } from '../../src/credentials/hash-pool.js';
import { createPasswordHasher } from '../../src/credentials/password-hasher.js';
import handleHashJob from '../../src/credentials/hash-worker.js';
import { workerFile } from '../../src/worker-pool.js';

const fast = { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

/** Nice value of every thread of this process by thread id, from /proc (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceValues(): Map<string, number> {
  return new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const;
    }),
  );
}

test('hashes made on the pool verify with the library directly, and the other way round', async (t) => {
  const pool = createHashPool({ threads: 2 });
  t.after(() => pool.close());
  const fromPool = await pool.hash('correct horse battery staple', fast);
  assert.match(fromPool, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.equal(await libuvVerify(fromPool, 'correct horse battery staple'), true);
  const direct = await libuvHash('another long passphrase', fast);
  assert.equal(await pool.verify(direct, 'another long passphrase'), true);
  assert.equal(await pool.verify(direct, 'another long passphrase!'), false);
});

test('more jobs than threads queue and all finish, each with its own answer', async (t) => {
  const pool = createHashPool({ threads: 2 });
  t.after(() => pool.close());
  const passwords = Array.from({ length: 9 }, (_, i) => `queued password number ${i}`);
  const hashes = await Promise.all(passwords.map((p) => pool.hash(p, fast)));
  const checks = await Promise.all(hashes.map((h, i) => pool.verify(h, passwords[(i + 1) % passwords.length]!)));
  assert.deepEqual(
    checks,
    passwords.map(() => false),
    'each hash belongs to its own password',
  );
  assert.deepEqual(
    await Promise.all(hashes.map((h, i) => pool.verify(h, passwords[i]!))),
    passwords.map(() => true),
  );
});

test('a malformed stored hash rejects the job without killing the thread', async (t) => {
  const pool = createHashPool({ threads: 1 });
  t.after(() => pool.close());
  await assert.rejects(pool.verify('not a hash', 'x'));
  assert.match(await pool.hash('still working after an error', fast), /^\$argon2id\$/);
});

test('on Linux the hashing threads run at a lower priority than the event loop', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const before = threadNiceValues();
  const pool = createHashPool({ threads: 2 });
  t.after(() => pool.close());
  await Promise.all([pool.hash('first thread', fast), pool.hash('second thread', fast)]);
  // Under tsx each worker also starts tsx's loader thread, after it lowered its priority; compiled, only the two.
  const added = [...threadNiceValues()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
  assert.ok(added.length >= 2, `the pool started its threads (${added.length})`);
  assert.deepEqual(
    added,
    added.map(() => HASH_THREAD_NICE),
    'every thread the pool started lowered its priority',
  );
  assert.equal([...threadNiceValues().values()][0], 0, 'the main thread keeps its priority');
});

test('the code the hashing threads run is a type-checked module: imported here, it hashes and verifies', () => {
  const made = handleHashJob({ op: 'hash', password: 'run on this thread', options: fast });
  assert.equal(typeof made, 'string');
  assert.match(String(made), /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.equal(handleHashJob({ op: 'verify', hash: String(made), password: 'run on this thread' }), true);
  assert.equal(handleHashJob({ op: 'verify', hash: String(made), password: 'another password' }), false);
  // The pool loads the same file: the .ts source under tsx, the compiled .js from dist/.
  assert.equal(
    workerFile(import.meta.url.replace(/\/test\/unit\/[^/]+$/, '/src/credentials/hash-pool.ts'), 'hash-worker').pathname,
    new URL('../../src/credentials/hash-worker.ts', import.meta.url).pathname,
  );
  assert.match(workerFile('file:///srv/passdesk/dist/credentials/hash-pool.js', 'hash-worker').href, /\/dist\/credentials\/hash-worker\.js$/);
});

test('closing the pool rejects waiting jobs and refuses new ones', async () => {
  const pool = createHashPool({ threads: 1 });
  const jobs = Array.from({ length: 4 }, (_, i) =>
    pool.hash(`job ${i} waiting in line`, fast).then(
      () => 'done',
      () => 'rejected',
    ),
  );
  await pool.close();
  const outcomes = await Promise.all(jobs);
  assert.ok(outcomes.includes('rejected'), `some queued job was rejected: ${outcomes.join(', ')}`);
  await assert.rejects(pool.hash('after close', fast), /closed/);
});

test('the password hasher uses the pool by default and libuv’s pool when threads is 0; both agree', async (t) => {
  const pooled = await createPasswordHasher({ params: { memoryKib: 1024, iterations: 1, parallelism: 1 }, threads: 1 });
  const plain = await createPasswordHasher({ params: { memoryKib: 1024, iterations: 1, parallelism: 1 }, threads: 0 });
  t.after(async () => {
    await pooled.close();
    await plain.close();
  });
  assert.equal(await plain.verify(await pooled.hash('a passphrase for both'), 'a passphrase for both'), true);
  assert.equal(await pooled.verify(await plain.hash('a passphrase for both'), 'a passphrase for both'), true);
});
