import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { generateToken, hashToken, safeEqual, hmac } from '../../src/core/tokens.js';
import { systemRandom } from '../../src/core/random.js';

test('session tokens carry 256 bits of randomness, base64url', () => {
  const t = generateToken(systemRandom);
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(t, 'base64url').length, 32);
});

test('tokens never repeat', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => generateToken(systemRandom)));
  assert.equal(seen.size, 1000);
});

test('tokens are stored as SHA-256 hex, never as themselves', () => {
  const t = generateToken(systemRandom);
  const h = hashToken(t);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.notEqual(h, t);
  assert.equal(hashToken(t), h);
});

test('randomness is injectable: a fixed source gives a fixed token', () => {
  const fixed = { bytes: (n: number) => new Uint8Array(n).fill(7), uuid: () => 'u' };
  assert.equal(generateToken(fixed), generateToken(fixed));
});

test('safeEqual compares in constant time and handles different lengths', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', ''), true);

  // Constant time is crypto.timingSafeEqual's property, so the test proves every answer is its answer: a spy
  // (named imports of node: builtins follow the module object after syncBuiltinESMExports) records each call and
  // answers the opposite of the truth, which an `===` or an early return would never pass on.
  const seen: Array<[number, number]> = [];
  const spy = mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
    seen.push([a.byteLength, b.byteLength]);
    return !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  });
  syncBuiltinESMExports();
  try {
    assert.equal(safeEqual('abc', 'abc'), false, "equal strings: the answer is timingSafeEqual's");
    assert.equal(safeEqual('abc', 'abd'), true, "a late difference: the answer is timingSafeEqual's");
    assert.equal(safeEqual('abc', 'abcd'), true, 'different lengths are compared too, not refused early');
    assert.equal(safeEqual('x', 'y'.repeat(1000)), true);
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
  // Every call compared two 32-byte digests: the work does not depend on the inputs' lengths or contents.
  assert.deepEqual(seen, [
    [32, 32],
    [32, 32],
    [32, 32],
    [32, 32],
  ]);
  assert.equal(safeEqual('abc', 'abc'), true, 'restored');
});

test('hmac is keyed: another secret gives another MAC', () => {
  const a = hmac(new TextEncoder().encode('k1'), 'v');
  const b = hmac(new TextEncoder().encode('k2'), 'v');
  assert.notEqual(a, b);
  assert.equal(a, hmac(new TextEncoder().encode('k1'), 'v'));
});
