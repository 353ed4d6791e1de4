import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretBox } from '../../src/core/secret-box.js';
import { systemRandom } from '../../src/core/random.js';

const secretA = new Uint8Array(Buffer.from('a'.repeat(40)));
const secretB = new Uint8Array(Buffer.from('b'.repeat(40)));
const plain = new Uint8Array(Buffer.from('12345678901234567890'));

test('a sealed secret opens with the same key and context, and its ciphertext does not contain the plaintext', () => {
  const box = createSecretBox({ serverSecrets: [secretA], purpose: 'totp', random: systemRandom });
  const sealed = box.seal(plain, 'factor-1');
  assert.equal(sealed.keyId, box.currentKeyId);
  assert.ok(!Buffer.from(sealed.ciphertext, 'base64url').includes(Buffer.from(plain)));
  assert.deepEqual(box.open(sealed, 'factor-1'), plain);
});

test('a different context, a tampered ciphertext or an unknown key id does not open', () => {
  const box = createSecretBox({ serverSecrets: [secretA], purpose: 'totp', random: systemRandom });
  const sealed = box.seal(plain, 'factor-1');
  assert.equal(box.open(sealed, 'factor-2'), null);
  const raw = Buffer.from(sealed.ciphertext, 'base64url');
  raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
  assert.equal(box.open({ keyId: sealed.keyId, ciphertext: raw.toString('base64url') }, 'factor-1'), null);
  assert.equal(box.open({ keyId: 'k-unknown', ciphertext: sealed.ciphertext }, 'factor-1'), null);
});

test('after rotation new secrets use the new key and old ones still open with the retired key', () => {
  const old = createSecretBox({ serverSecrets: [secretA], purpose: 'totp', random: systemRandom });
  const sealed = old.seal(plain, 'f');
  const rotated = createSecretBox({ serverSecrets: [secretB, secretA], purpose: 'totp', random: systemRandom });
  assert.notEqual(rotated.currentKeyId, old.currentKeyId);
  assert.deepEqual(rotated.open(sealed, 'f'), plain);
  assert.equal(rotated.seal(plain, 'f').keyId, rotated.currentKeyId);
  const otherPurpose = createSecretBox({ serverSecrets: [secretA], purpose: 'other', random: systemRandom });
  assert.equal(otherPurpose.open(sealed, 'f'), null, 'keys for other purposes differ');
});
