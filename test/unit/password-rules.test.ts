import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAcceptablePassword, passwordLength, defaultPasswordPolicy } from '../../src/core/password-rules.js';
import { PassdeskError } from '../../src/core/errors.js';

const cases: Array<[name: string, candidate: string, expected: 'ok' | 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG']> = [
  ['14 characters is too short (NIST SP 800-63B-4 minimum is 15)', 'a'.repeat(14), 'PASSWORD_TOO_SHORT'],
  ['15 characters is enough', 'a'.repeat(15), 'ok'],
  ['spaces count and are allowed', 'correct horse battery', 'ok'],
  ['no composition rules: lowercase letters only', 'abcdefghijklmnop', 'ok'],
  ['256 characters is the maximum', 'x'.repeat(256), 'ok'],
  ['257 characters is too long', 'x'.repeat(257), 'PASSWORD_TOO_LONG'],
  ['emoji count as one character each (code points, not UTF-16 units)', '🔑'.repeat(15), 'ok'],
  ['14 emoji are too short even though they are 28 UTF-16 units', '🔑'.repeat(14), 'PASSWORD_TOO_SHORT'],
  ['256 astral characters are accepted (512 UTF-16 units)', '𝄞'.repeat(256), 'ok'],
  ['decomposed accents count after NFC normalisation', 'e\u0301'.repeat(15), 'ok'],
  ['decomposed accents: 14 é are too short after NFC', 'e\u0301'.repeat(14), 'PASSWORD_TOO_SHORT'],
];

for (const [name, candidate, expected] of cases) {
  test(name, () => {
    if (expected === 'ok') {
      assert.doesNotThrow(() => assertAcceptablePassword(candidate, defaultPasswordPolicy));
    } else {
      assert.throws(() => assertAcceptablePassword(candidate, defaultPasswordPolicy), (err: unknown) => err instanceof PassdeskError && err.code === expected);
    }
  });
}

test('the length message says the rule and what the person typed', () => {
  assert.throws(() => assertAcceptablePassword('short one', defaultPasswordPolicy), (err: unknown) =>
    err instanceof PassdeskError && err.message === 'Use at least 15 characters — you have 9.');
});

test('passwordLength counts code points of the NFC form', () => {
  assert.equal(passwordLength('e\u0301'), 1);
  assert.equal(passwordLength('🔑'), 1);
  assert.equal(passwordLength(''), 0);
});

test('a configured minimum replaces the default', () => {
  assert.doesNotThrow(() => assertAcceptablePassword('twelve chars', { minLength: 12, maxLength: 256 }));
  assert.throws(() => assertAcceptablePassword('eleven char', { minLength: 12, maxLength: 256 }));
});
