// TOTP rules against the RFCs' own test vectors (DESIGN.md convention 8: table-driven tests for pure rules).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hotpCode, otpauthUrl, toBase32, totpCode, totpStep, verifyTotp, TOTP_SECRET_BYTES, type OtpAlgorithm } from '../../src/core/otp.js';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));

// RFC 6238 Appendix B: the seed for each algorithm is "1234567890" repeated to the hash's length.
const SEEDS: Record<OtpAlgorithm, Uint8Array> = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};

const RFC6238_VECTORS: Array<{ time: number; SHA1: string; SHA256: string; SHA512: string }> = [
  { time: 59, SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' },
  { time: 1111111109, SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' },
  { time: 1111111111, SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' },
  { time: 1234567890, SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' },
  { time: 2000000000, SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' },
  { time: 20000000000, SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' },
];

// RFC 4226 Appendix D: HOTP values for counters 0–9 with the 20-byte seed.
const RFC4226_VALUES = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('RFC 6238 Appendix B vectors', () => {
  for (const v of RFC6238_VECTORS) {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      test(`${algorithm} at T=${v.time}s gives ${v[algorithm]}`, () => {
        const params = { secret: SEEDS[algorithm], algorithm, digits: 8 };
        assert.equal(totpCode(params, v.time * 1000), v[algorithm]);
        assert.equal(verifyTotp(params, v[algorithm], v.time * 1000), totpStep(v.time * 1000), 'the vector verifies at its own step');
      });
    }
  }
});

describe('RFC 4226 Appendix D HOTP values', () => {
  RFC4226_VALUES.forEach((value, counter) => {
    test(`counter ${counter} gives ${value}`, () => {
      assert.equal(hotpCode({ secret: SEEDS.SHA1 }, counter), value);
    });
  });
});

describe('verification window (server clock injected)', () => {
  const secret = SEEDS.SHA1;
  const now = Date.UTC(2026, 10, 23, 9, 0, 10);
  const step = totpStep(now);
  const codeAt = (offsetSteps: number): string => totpCode({ secret }, now + offsetSteps * 30_000);

  test('the current step and one step either side are accepted', () => {
    assert.equal(verifyTotp({ secret }, codeAt(0), now), step);
    assert.equal(verifyTotp({ secret }, codeAt(-1), now), step - 1);
    assert.equal(verifyTotp({ secret }, codeAt(1), now), step + 1);
  });

  test('two steps either side are refused', () => {
    assert.equal(verifyTotp({ secret }, codeAt(-2), now), null);
    assert.equal(verifyTotp({ secret }, codeAt(2), now), null);
  });

  test('a code of a step already used is refused (replay), and so is any earlier step', () => {
    assert.equal(verifyTotp({ secret }, codeAt(0), now, { afterStep: step }), null);
    assert.equal(verifyTotp({ secret }, codeAt(-1), now, { afterStep: step }), null);
    assert.equal(verifyTotp({ secret }, codeAt(1), now, { afterStep: step }), step + 1, 'a later step still works');
    assert.equal(verifyTotp({ secret }, codeAt(0), now, { afterStep: null }), step);
  });

  test('malformed codes are refused without comparing', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 345']) assert.equal(verifyTotp({ secret }, bad, now), null);
  });
});

test('secrets are at least 160 bits and the URI carries issuer, label and base32 secret', () => {
  assert.ok(TOTP_SECRET_BYTES * 8 >= 160);
  const secret = new Uint8Array(TOTP_SECRET_BYTES).fill(7);
  const b32 = toBase32(secret);
  assert.match(b32, /^[A-Z2-7]{32}$/);
  const url = new URL(otpauthUrl({ secret }, { issuer: 'Passdesk', label: 'reader@example.org' }));
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.searchParams.get('secret'), b32);
  assert.equal(url.searchParams.get('issuer'), 'Passdesk');
  assert.equal(url.searchParams.get('period'), '30');
});
