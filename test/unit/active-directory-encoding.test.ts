// AD's encodings and refusal messages, decoded without a DC (the live behaviour is in test/directory/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConstraintViolationError, InsufficientAccessError, InvalidCredentialsError } from 'ldapts';
import {
  bindDataCode,
  bindRefusalReason,
  createDurationSample,
  filetimeToMs,
  guidToBytes,
  guidToString,
  intervalToMs,
  meetsAdComplexity,
  passwordWriteRefusals,
  userFilter,
} from '../../src/directory/active-directory.js';
import type { DirectoryEntry, DirectoryPolicy } from '../../src/directory/directory.js';

test('FILETIMEs become epoch ms; 0 and "never" become null', () => {
  assert.equal(filetimeToMs('116444736000000000'), 0);
  assert.equal(filetimeToMs('134411393766823290'), 1_796_665_776_682);
  assert.equal(filetimeToMs('0'), null);
  assert.equal(filetimeToMs('9223372036854775807'), null);
  assert.equal(filetimeToMs(undefined), null);
  assert.equal(filetimeToMs('x'), null);
});

test('durations (negative 100-ns intervals) become ms; 0 and the minimum value mean no limit', () => {
  assert.equal(intervalToMs('-864000000000'), 86_400_000);
  assert.equal(intervalToMs('-18000000000'), 1_800_000);
  assert.equal(intervalToMs('0'), null);
  assert.equal(intervalToMs('-9223372036854775808'), null);
});

test('objectGUID bytes and the usual string form convert both ways', () => {
  const bytes = Buffer.from('8224abfee5eef447bc61fa327a9a4e1f', 'hex');
  assert.equal(guidToString(bytes), 'feab2482-eee5-47f4-bc61-fa327a9a4e1f');
  assert.deepEqual(guidToBytes('FEAB2482-EEE5-47F4-BC61-FA327A9A4E1F'), bytes);
  assert.equal(guidToBytes('feab2482eee547f4bc61fa327a9a4e1f'), null);
  assert.equal(guidToBytes('*'), null);
});

test("a bind refusal's data code says why", () => {
  const refusal = (code: string) => new InvalidCredentialsError(`80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${code}, v1db1`);
  const cases: Array<[string, string]> = [
    ['52e', 'wrong'],
    ['525', 'wrong'],
    ['530', 'disabled'],
    ['531', 'disabled'],
    ['533', 'disabled'],
    ['701', 'disabled'],
    ['532', 'expired'],
    ['773', 'must-change'],
    ['775', 'locked'],
  ];
  for (const [code, reason] of cases) assert.equal(bindRefusalReason(bindDataCode(refusal(code))), reason, code);
  assert.equal(bindDataCode(new InvalidCredentialsError('Invalid Credentials')), null);
  assert.equal(bindRefusalReason(null), 'wrong');
});

test('{login} is escaped into the user filter', () => {
  assert.equal(userFilter('(|(mail={login})(sAMAccountName={login}))', 'a*)(x=\\'), '(|(mail=a\\2a\\29\\28x=\\5c)(sAMAccountName=a\\2a\\29\\28x=\\5c))');
});

test("AD's complexity: three of four kinds, not containing the account name", () => {
  assert.equal(meetsAdComplexity('Abcdefg1', 'jdoe'), true);
  assert.equal(meetsAdComplexity('abcdefg1', 'jdoe'), false);
  assert.equal(meetsAdComplexity('xJdoe-2024', 'jdoe'), false);
  assert.equal(meetsAdComplexity('ab-1', 'jo'), true);
});

const policy: DirectoryPolicy = { minLength: 8, historyLength: 3, minAgeMs: 86_400_000, maxAgeMs: null, complexity: true, lockout: null };
const entry: DirectoryEntry = {
  id: 'feab2482-eee5-47f4-bc61-fa327a9a4e1f',
  dn: 'CN=jdoe,OU=People,DC=example,DC=org',
  login: 'jdoe',
  mail: null,
  displayName: null,
  groups: [],
  disabled: false,
  locked: false,
  recentFailures: 0,
  passwordChangedAt: 1_000_000,
  mustChange: false,
};
const ctx = (newPassword: string, now = 1_000_000 + 2 * 86_400_000) => ({ newPassword, entry, policy, now, isChange: true });

test("Samba's constraint messages name the reason", () => {
  const samba = (detail: string) => new ConstraintViolationError(`0000052D: Constraint violation - check_password_restrictions: ${detail}`);
  assert.deepEqual(passwordWriteRefusals(samba('the password is too short. It should be equal or longer than 8 characters!'), ctx('x')), ['too-short']);
  assert.deepEqual(passwordWriteRefusals(samba('the password does not meet the complexity criteria!'), ctx('x')), ['quality']);
  assert.deepEqual(passwordWriteRefusals(samba('the password was already used (in history)!'), ctx('x')), ['in-history']);
  assert.deepEqual(passwordWriteRefusals(samba('the password was already used (previous password)!'), ctx('x')), ['in-history']);
  assert.deepEqual(passwordWriteRefusals(samba('password is too young to change!'), ctx('x')), ['too-young']);
  const wrongOld = new ConstraintViolationError("00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!");
  assert.deepEqual(passwordWriteRefusals(wrongOld, ctx('x')), ['current-password-wrong']);
});

test("Windows AD's bare 0000052D is explained from the policy; other refusals are not-allowed", () => {
  const windows = new ConstraintViolationError('0000052D: SvcErr: DSID-031A1248, problem 5003 (WILL_NOT_PERFORM), data 0');
  assert.deepEqual(passwordWriteRefusals(windows, ctx('Ab-1')), ['too-short']);
  assert.deepEqual(passwordWriteRefusals(windows, ctx('short')), ['too-short', 'quality']);
  assert.deepEqual(passwordWriteRefusals(windows, ctx('alllowercase')), ['quality']);
  assert.deepEqual(passwordWriteRefusals(windows, ctx('Good-Passw0rd', 1_000_000 + 1000)), ['too-young']);
  assert.deepEqual(passwordWriteRefusals(windows, { ...ctx('Good-Passw0rd', 1_000_000 + 1000), isChange: false }), ['in-history']);
  assert.deepEqual(passwordWriteRefusals(windows, ctx('Good-Passw0rd')), ['in-history']);
  const wrongOld = new ConstraintViolationError(
    '00000056: AtrErr: DSID-03190F80, #1: 0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)',
  );
  assert.deepEqual(passwordWriteRefusals(wrongOld, ctx('Good-Passw0rd')), ['current-password-wrong']);
  assert.deepEqual(passwordWriteRefusals(new InsufficientAccessError('00002098: insufficient access'), ctx('Good-Passw0rd')), ['not-allowed']);
});

test('the duration sample keeps the last N and answers their median', () => {
  const sample = createDurationSample(3);
  assert.equal(sample.typical(), 0);
  for (const ms of [100, 1, 2, 3]) sample.record(ms);
  assert.equal(sample.typical(), 2);
});
