// Hashes imported from other systems (issue 15, "Migration in"): each made by its original tool on this machine,
// recognised by its text, verified on the hashing threads for the right password only, and marked for a rehash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import { checkImportedHash } from '../../src/credentials/legacy-hash-format.js';
import { verifyLegacyHash } from '../../src/credentials/legacy-hash-verify.js';
import { createPasswordHasher } from '../../src/credentials/password-hasher.js';
import { makeLegacyHashes } from '../helpers/legacy-hashes.js';

const PASSWORD = 'Tr0ub4dor & 3 — pässwörd';
const made = makeLegacyHashes(PASSWORD);

test('every format made by its original tool is recognised and verifies the right password only', async () => {
  assert.ok(made.length >= 16);
  for (const { label, hash } of made) {
    const check = checkImportedHash(hash);
    assert.equal(check.ok, true, `${label}: ${JSON.stringify(check)}`);
    assert.equal(await verifyLegacyHash(hash, PASSWORD), true, `${label} verifies`);
    assert.equal(await verifyLegacyHash(hash, `${PASSWORD}x`), false, `${label} refuses a wrong password`);
    assert.equal(await verifyLegacyHash(hash, ''), false, `${label} refuses an empty password`);
  }
});

test('the hasher verifies imported hashes on its threads, argon2i too, and asks for a rehash of every one', async (t) => {
  const hasher = await createPasswordHasher({ params: { memoryKib: 1024, iterations: 1, parallelism: 1 }, threads: 1 });
  t.after(() => hasher.close());
  const argon2i = await argon2Hash(PASSWORD, { algorithm: 1, memoryCost: 1024, timeCost: 2, parallelism: 1 });
  assert.deepEqual(checkImportedHash(argon2i), { ok: true, scheme: 'argon2' });
  for (const { label, hash } of [...made, { label: 'argon2i', hash: argon2i }]) {
    assert.equal(await hasher.verify(hash, PASSWORD), true, label);
    assert.equal(await hasher.verify(hash, 'not the password'), false, label);
    assert.equal(hasher.needsRehash(hash), true, `${label} is replaced at the next sign-in`);
  }
  // The password as typed in another Unicode form still matches (Passdesk normalises; the old system did not).
  const decomposed = PASSWORD.normalize('NFD');
  const ssha = made.find((m) => m.label === 'slappasswd {SSHA}');
  assert.ok(ssha);
  assert.equal(await hasher.verify(ssha.hash, decomposed), true);
  assert.equal(hasher.needsRehash(await hasher.hash(PASSWORD)), false);
});

test('a hasher with no threads of its own still verifies imported hashes off the event loop', async (t) => {
  const hasher = await createPasswordHasher({ params: { memoryKib: 1024, iterations: 1, parallelism: 1 }, threads: 0 });
  t.after(() => hasher.close());
  const bcrypt = made.find((m) => m.label === 'htpasswd -B');
  assert.ok(bcrypt);
  assert.equal(await hasher.verify(bcrypt.hash, PASSWORD), true);
});

test('SHA-crypt and bcrypt agree with openssl and htpasswd at the lengths where blocks end (32 and 64 bytes, and 72 for bcrypt)', async () => {
  for (const length of [1, 31, 32, 33, 63, 64, 65, 72, 100]) {
    const password = 'p'.repeat(length);
    for (const { label, hash } of makeLegacyHashes(password).filter((m) => /openssl|htpasswd|crypt/.test(m.label))) {
      assert.equal(await verifyLegacyHash(hash, password), true, `${label}, ${length} bytes`);
    }
  }
});

test('unsupported, malformed and too costly hashes are refused with their reason', async () => {
  const cases: Array<[string, string]> = [
    ['{CRYPT}aB5xK2.r4LkEo', 'unsupported-hash'], // traditional DES crypt
    ['$md5$rounds=904$abc$xyz', 'unsupported-hash'],
    ['5f4dcc3b5aa765d61d8327deb882cf99', 'unsupported-hash'], // a bare MD5
    ['{MD5}X03MO1qnZdYdgyfeuILPmQ==', 'unsupported-hash'],
    ['$2b$10$short', 'malformed-hash'],
    ['{SSHA}c2hvcnQ=', 'malformed-hash'],
    ['pbkdf2_sha256$0$salt$' + 'A'.repeat(44), 'malformed-hash'],
    ['$2b$15$' + 'a'.repeat(53), 'hash-too-costly'],
    ['pbkdf2_sha256$5000000$salt$' + 'A'.repeat(44), 'hash-too-costly'],
    ['$6$rounds=5000000$salt$' + 'a'.repeat(86), 'hash-too-costly'],
    ['scrypt$salt$1048576$8$1$' + 'A'.repeat(88), 'hash-too-costly'],
    ['$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'hash-too-costly'],
  ];
  for (const [hash, problem] of cases) assert.deepEqual(checkImportedHash(hash), { ok: false, problem }, hash);
  assert.equal(await verifyLegacyHash('{CRYPT}aB5xK2.r4LkEo', 'anything'), false);
});
