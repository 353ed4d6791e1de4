import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerReader, BerWriter, ControlParser } from 'ldapts';
import { PASSWORD_POLICY_OID, PasswordPolicyControl, decodePasswordPolicyResponse, encodePasswordPolicyResponse } from '../../src/directory/ppolicy-control.js';

const decode = (hex: string) => decodePasswordPolicyResponse(new BerReader(Buffer.from(hex, 'hex')));

test('the request control is the OID, not critical, and no value', () => {
  const writer = new BerWriter();
  new PasswordPolicyControl().write(writer);
  const oid = Buffer.from(PASSWORD_POLICY_OID).toString('hex');
  assert.equal(writer.buffer.toString('hex'), `301e0419${oid}010100`);
});

test('decodes the warnings and errors as the draft encodes them', () => {
  assert.deepEqual(decode('3005a003810102'), { graceAuthNsRemaining: 2 });
  assert.deepEqual(decode('3006a00480020e10'), { timeBeforeExpiration: 3600 });
  assert.deepEqual(decode('3003810106'), { error: 'passwordTooShort' });
  assert.deepEqual(decode('3003810100'), { error: 'passwordExpired' });
  assert.deepEqual(decode('3003810108'), { error: 'passwordInHistory' });
  assert.deepEqual(decode('3008a003810100810102'), { graceAuthNsRemaining: 0, error: 'changeAfterReset' });
  assert.deepEqual(decode('3000'), {});
  assert.deepEqual(decode(''), {});
});

test('an unknown error number is left out rather than guessed', () => {
  assert.deepEqual(decode('3003810109'), {});
});

test('encoding and decoding agree for every error and both warnings', () => {
  const errors = ['passwordExpired', 'accountLocked', 'changeAfterReset', 'passwordModNotAllowed', 'mustSupplyOldPassword'] as const;
  for (const error of errors) {
    const value = { error };
    assert.deepEqual(decodePasswordPolicyResponse(new BerReader(encodePasswordPolicyResponse(value))), value);
  }
  for (const value of [{ timeBeforeExpiration: 86_400 }, { graceAuthNsRemaining: 3, error: 'passwordTooYoung' as const }]) {
    assert.deepEqual(decodePasswordPolicyResponse(new BerReader(encodePasswordPolicyResponse(value))), value);
  }
});

test('a response control of the OID reaches the request control sent with the operation (as ldapts routes it)', () => {
  const sent = new PasswordPolicyControl();
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(PASSWORD_POLICY_OID);
  writer.writeBuffer(encodePasswordPolicyResponse({ error: 'accountLocked' }), 0x04);
  writer.endSequence();
  const parsed = ControlParser.parse(new BerReader(writer.buffer), [sent]);
  assert.equal(parsed, sent);
  assert.deepEqual(sent.response, { error: 'accountLocked' });
});
