// isoTime (http/shared/schemas.ts) writes the API's times; it must be Date.prototype.toISOString's text exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../src/http/shared/schemas.js';

test('isoTime is toISOString for every kind of time', () => {
  const edges = [
    0,
    1,
    999,
    86_399_999,
    951_782_400_000, // 2000-02-29
    4_107_542_399_999, // 2100-02-28T23:59:59.999Z
    1_796_665_900_480,
    253_402_300_799_999, // 9999-12-31T23:59:59.999Z, the last four-digit year
    -1, // 1969: still four digits
    -30_610_224_000_000, // 1000-01-01
    -30_610_224_000_001, // 0999: zero-padded
    -62_135_596_800_000, // 0001-01-01T00:00:00.000Z
    -59_011_459_200_000, // 0100-03-01, after a century's missing leap day
    -12_219_292_800_000, // 1582-10-15 (proleptic Gregorian, as Date is)
  ];
  for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  // A deterministic spread over years 1–9999 (no randomness in tests), and every day boundary around leap days.
  const span = 253_402_300_800_000 + 62_135_596_800_000;
  for (let i = 0, k = 0; i < 100_000; i++, k = (k + 2_027_213_457_331) % span) {
    const ms = k - 62_135_596_800_000;
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  }
  for (let day = -800; day < 800; day++)
    for (const ms of [day * 86_400_000 - 1, day * 86_400_000, 951_782_400_000 + day * 86_400_000]) assert.equal(isoTime(ms), new Date(ms).toISOString());
});

test('isoTime takes toISOString’s own path outside years 1–9999 and for fractions', () => {
  for (const ms of [-62_135_596_800_001, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, -8.64e15, 1.5, -0.5])
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  assert.throws(() => isoTime(Number.NaN), RangeError);
});
