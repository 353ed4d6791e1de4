// clientKey (core/client-key.ts): the key every per-IP throttle counts a client under.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, perIpKey, UNKNOWN_CLIENT } from '../../src/core/client-key.js';

const cases: Array<[string, string | null | undefined, string]> = [
  // IPv4 as is.
  ['IPv4', '203.0.113.9', '203.0.113.9'],
  ['IPv4 zero', '0.0.0.0', '0.0.0.0'],
  // IPv4-mapped IPv6 back to IPv4, however it is spelled.
  ['mapped, dotted', '::ffff:203.0.113.9', '203.0.113.9'],
  ['mapped, upper case', '::FFFF:203.0.113.9', '203.0.113.9'],
  ['mapped, hex', '::ffff:cb00:7109', '203.0.113.9'],
  ['mapped, full form', '0:0:0:0:0:ffff:cb00:7109', '203.0.113.9'],
  // IPv6 by its /64, in RFC 5952 form.
  ['IPv6', '2001:db8:1:2::1', '2001:db8:1:2::/64'],
  ['IPv6, other host of the /64', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
  ['IPv6, leading zeros and upper case', '2001:0DB8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::/64'],
  ['IPv6, :: inside the prefix', '2001:db8::1:2:3:4', '2001:db8::/64'],
  ['IPv6, another /64', '2001:db8:1:3::1', '2001:db8:1:3::/64'],
  ['IPv6 loopback', '::1', '::/64'],
  ['IPv6 with embedded IPv4 (not mapped)', '64:ff9b::198.51.100.1', '64:ff9b::/64'],
  // A zone names an interface of this host, not the client: dropped.
  ['link-local with zone', 'fe80::1%eth0', 'fe80::/64'],
  ['link-local with numeric zone', 'fe80::abcd%2', 'fe80::/64'],
  ['mapped with zone', '::ffff:192.0.2.1%1', '192.0.2.1'],
  // Garbage and absence share one key (fail closed: a throttle still counts them).
  ['null', null, UNKNOWN_CLIENT],
  ['undefined', undefined, UNKNOWN_CLIENT],
  ['empty', '', UNKNOWN_CLIENT],
  ['word', 'garbage', UNKNOWN_CLIENT],
  ['inet_aton short form', '1', UNKNOWN_CLIENT],
  ['inet_aton hex', '0x7f.0.0.1', UNKNOWN_CLIENT],
  ['leading zero (octal to inet_aton)', '010.0.0.1', UNKNOWN_CLIENT],
  ['IPv4 out of range', '256.1.1.1', UNKNOWN_CLIENT],
  ['brackets', '[2001:db8::1]', UNKNOWN_CLIENT],
  ['with port', '203.0.113.9:443', UNKNOWN_CLIENT],
  ['CIDR', '2001:db8::/64', UNKNOWN_CLIENT],
  ['space', ' 203.0.113.9', UNKNOWN_CLIENT],
  ['two addresses', '203.0.113.9, 198.51.100.1', UNKNOWN_CLIENT],
  ['too many groups', '1:2:3:4:5:6:7:8:9', UNKNOWN_CLIENT],
  ['very long', `${'a'.repeat(500)}::1`, UNKNOWN_CLIENT],
];

describe('clientKey', () => {
  for (const [name, input, expected] of cases) {
    it(`${name}: ${JSON.stringify(input)?.slice(0, 40)} -> ${expected}`, () => {
      assert.equal(clientKey(input), expected);
    });
  }

  it('perIpKey prefixes the client key', () => {
    assert.equal(perIpKey('2001:db8:1:2::7'), 'ip:2001:db8:1:2::/64');
    assert.equal(perIpKey('::ffff:203.0.113.9'), perIpKey('203.0.113.9'));
    assert.equal(perIpKey(null), 'ip:unknown');
  });
});
