import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordLength } from '../../src/core/password-rules.js';
import { defaultPasswordPolicy, evaluatePassword, type PasswordPolicy } from '../../src/core/password-policy.js';

/** The length rules alone: no estimator, no breached set, no account. */
async function lengthVerdict(candidate: string, policy: PasswordPolicy = defaultPasswordPolicy): Promise<{ code: string; message: string } | null> {
  const { violations } = await evaluatePassword(candidate, { policy, purpose: 'choose', now: 0 });
  return violations[0] ?? null;
}

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
  test(name, async () => {
    assert.equal((await lengthVerdict(candidate))?.code ?? 'ok', expected);
  });
}

test('the length message says the rule and what the person typed', async () => {
  assert.equal((await lengthVerdict('short one'))?.message, 'Use at least 15 characters — you have 9.');
});

test('passwordLength counts code points of the NFC form', () => {
  assert.equal(passwordLength('e\u0301'), 1);
  assert.equal(passwordLength('🔑'), 1);
  assert.equal(passwordLength(''), 0);
});

test('a configured minimum replaces the default', async () => {
  assert.equal(await lengthVerdict('twelve chars', { ...defaultPasswordPolicy, minLength: 12 }), null);
  assert.equal((await lengthVerdict('eleven char', { ...defaultPasswordPolicy, minLength: 12 }))?.code, 'PASSWORD_TOO_SHORT');
});
