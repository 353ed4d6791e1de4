// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a binding of a login and a
// random nonce, MACed with a key derived from the server secret.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCookieSigner, MAX_DEVICE_LOGINS } from '../../src/core/device-cookie.js';
import { systemRandom } from '../../src/core/random.js';
import { signInAccountSubject, signInDeviceSubject } from '../../src/core/sign-in-keys.js';

const secret = new Uint8Array(Buffer.from('device-cookie-test-secret-0123456789abcdef'));
const signer = deviceCookieSigner(secret);

describe('device cookie', () => {
  test('a binding is trusted for its login only', () => {
    const { value, nonce } = signer.issue(null, 'ann@example.org', systemRandom);
    assert.match(value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/, 'nonce.mac, no login in the clear');
    assert.ok(!value.includes('ann'));
    assert.equal(signer.trustedNonce(value, 'ann@example.org'), nonce);
    assert.equal(signer.trustedNonce(value, 'bob@example.org'), null);
  });

  test('another server secret, a changed nonce or MAC, junk: no trust', () => {
    const { value } = signer.issue(null, 'ann@example.org', systemRandom);
    const other = deviceCookieSigner(new Uint8Array(Buffer.from('another-secret-entirely-0123456789abcdef')));
    assert.equal(other.trustedNonce(value, 'ann@example.org'), null);
    const [nonce, mac] = value.split('.') as [string, string];
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [
      `${flip(nonce)}.${mac}`,
      `${nonce}.${flip(mac)}`,
      `${nonce}.${mac}.x`,
      nonce,
      '',
      'x'.repeat(5000),
      `${nonce}.${mac}`.replace('.', ','),
    ]) {
      assert.equal(signer.trustedNonce(bad, 'ann@example.org'), null, bad.slice(0, 40));
    }
    assert.equal(signer.trustedNonce(undefined, 'ann@example.org'), null);
  });

  test('a shared browser keeps one binding per login, the newest first, at most a few', () => {
    let value: string | null = null;
    const nonces: Record<string, string> = {};
    for (const login of ['a@x.org', 'b@x.org', 'c@x.org']) {
      const issued = signer.issue(value, login, systemRandom);
      value = issued.value;
      nonces[login] = issued.nonce;
    }
    for (const login of ['a@x.org', 'b@x.org', 'c@x.org']) assert.equal(signer.trustedNonce(value, login), nonces[login]);
    // Signing in again as a@ replaces a@'s binding (a new nonce) rather than adding one.
    const again = signer.issue(value, 'a@x.org', systemRandom);
    assert.equal(again.value.split('~').length, 3);
    assert.equal(signer.trustedNonce(again.value, 'a@x.org'), again.nonce);
    let many = again.value;
    for (let i = 0; i < 10; i++) many = signer.issue(many, `p${i}@x.org`, systemRandom).value;
    assert.equal(many.split('~').length, MAX_DEVICE_LOGINS);
  });

  test('store keys are HMACs: stable, distinct per kind, and name nobody', () => {
    const a = signInAccountSubject(secret, 'ann@example.org');
    assert.equal(a, signInAccountSubject(secret, 'ann@example.org'));
    assert.notEqual(a, signInAccountSubject(secret, 'bob@example.org'));
    assert.match(a, /^a:[A-Za-z0-9_-]{43}$/);
    assert.ok(!a.includes('ann'));
    assert.match(signInDeviceSubject(secret, 'nonce'), /^d:[A-Za-z0-9_-]{43}$/);
  });
});
