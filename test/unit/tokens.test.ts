import { test } from 'node:test';
import assert from 'node:assert/strict';
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
});

test('hmac is keyed: another secret gives another MAC', () => {
  const a = hmac(new TextEncoder().encode('k1'), 'v');
  const b = hmac(new TextEncoder().encode('k2'), 'v');
  assert.notEqual(a, b);
  assert.equal(a, hmac(new TextEncoder().encode('k1'), 'v'));
});
