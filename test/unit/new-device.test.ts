import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNewDevice, networkOf, NEW_DEVICE_LOOKBACK_MS } from '../../src/core/new-device.js';

describe('networkOf', () => {
  const cases: Array<[string | null, string]> = [
    ['203.0.113.7', '203.0.113.0/24'],
    ['::ffff:203.0.113.200', '203.0.113.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['2001:0db8:abcd:0012:0000:0000:0000:0001', '2001:db8:abcd::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    [null, 'unknown'],
  ];
  for (const [ip, net] of cases) it(`${ip} is in ${net}`, () => assert.equal(networkOf(ip), net));
});

describe('isNewDevice', () => {
  const now = Date.UTC(2026, 10, 23);
  const seen = [{ device: 'Firefox on Linux', ip: '203.0.113.7', createdAt: now - 86_400_000 }];
  it('the first sign-in of an account is not a new device', () => assert.equal(isNewDevice([], { device: 'Firefox on Linux', ip: '1.2.3.4' }, now), false));
  it('the same browser on the same network is known', () => assert.equal(isNewDevice(seen, { device: 'Firefox on Linux', ip: '203.0.113.99' }, now), false));
  it('the same browser on another network is new', () => assert.equal(isNewDevice(seen, { device: 'Firefox on Linux', ip: '198.51.100.7' }, now), true));
  it('another browser on the same network is new', () => assert.equal(isNewDevice(seen, { device: 'Chrome on Windows', ip: '203.0.113.7' }, now), true));
  it('a device not seen for more than 90 days is new again', () =>
    assert.equal(isNewDevice([{ ...seen[0]!, createdAt: now - NEW_DEVICE_LOOKBACK_MS - 1 }], { device: 'Firefox on Linux', ip: '203.0.113.7' }, now), true));
});
