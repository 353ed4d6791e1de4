// Review finding (issue 11 follow-up, item 4): every per-IP limit keyed on the full 128-bit IPv6 address, so anyone
// with an ordinary /64 (every home line and VPS) had 2^64 counters. Now a client is counted under clientKey(ip)
// (core/client-key.ts): IPv4 as is, IPv4-mapped IPv6 as its IPv4 address, other IPv6 by its /64.
// The first test is the reviewer's (test/review/ipv6-per-ip.test.ts on branch review), with PASSDESK_CHALLENGE=off
// so that the per-IP limit answers 429 as it did when it was written (in auto mode it asks for a challenge).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.js';
import { PASSWORD_CHECKS_PER_MINUTE } from '../../src/http/password/api.js';

type App = Awaited<ReturnType<typeof startTestApp>>;

function attempt(t: App, email: string, ip: string) {
  return t.app.server.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json', origin: t.baseUrl, 'user-agent': 'curl/8' },
    payload: JSON.stringify({ email, password: 'Winter2025!Winter2025!' }),
  });
}

describe('per-IP limits key an IPv6 client by its /64', () => {
  test('password spraying from one IPv6 /64 is stopped by the per-IP limit like spraying from one IPv4 address', async () => {
    const t = await startTestApp({ config: { signInMaxFailuresPerIp: 20, challenge: 'off' } });
    try {
      const v4 = [];
      for (let i = 0; i < 30; i++) v4.push((await attempt(t, `user${i}@example.org`, '203.0.113.9')).statusCode);
      assert.equal(v4.filter((s) => s === 429).length, 10, 'IPv4: 20 evaluated, then 429');
      const v6 = [];
      for (let i = 0; i < 30; i++) v6.push((await attempt(t, `other${i}@example.org`, `2001:db8:1:2::${(i + 1).toString(16)}`)).statusCode);
      assert.equal(v6.filter((s) => s === 429).length, 10, `IPv6 addresses of one /64 should share the limit: ${v6.join(',')}`);
      // Another /64 is another client.
      assert.equal((await attempt(t, 'next@example.org', '2001:db8:1:3::1')).statusCode, 401);
    } finally {
      await t.close();
    }
  });

  test('an IPv4 address, its IPv4-mapped IPv6 form, and every spelling of one IPv6 address share one counter', async () => {
    const t = await startTestApp({ config: { signInMaxFailuresPerIp: 4, challenge: 'off' } });
    try {
      const v4 = ['198.51.100.7', '::ffff:198.51.100.7', '::FFFF:c633:6407', '198.51.100.7', '::ffff:198.51.100.7'];
      const got4 = [];
      for (const [i, ip] of v4.entries()) got4.push((await attempt(t, `m${i}@example.org`, ip)).statusCode);
      assert.deepEqual(got4, [401, 401, 401, 401, 429]);
      const v6 = ['2001:db8:a::1', '2001:0DB8:000A:0000::0001', '2001:db8:a:0:ffff::', '2001:db8:a::1', '2001:db8:a:0:0:0:0:2'];
      const got = [];
      for (const [i, ip] of v6.entries()) got.push((await attempt(t, `s${i}@example.org`, ip)).statusCode);
      assert.deepEqual(got, [401, 401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });

  test('with bot challenges on (auto), the 21st try from anywhere in the /64 needs a solved challenge', async () => {
    const t = await startTestApp({ config: { signInMaxFailuresPerIp: 20 } });
    try {
      for (let i = 0; i < 20; i++) assert.equal((await attempt(t, `a${i}@example.org`, `2001:db8:5:6::${(i + 1).toString(16)}`)).statusCode, 401);
      const res = await attempt(t, 'b@example.org', '2001:db8:5:6:dead:beef:0:1');
      assert.equal(res.statusCode, 428, res.body);
    } finally {
      await t.close();
    }
  });

  test('the password check (no sign-in) is limited per /64 too', async () => {
    const t = await startTestApp();
    try {
      const check = (ip: string) =>
        t.app.server.inject({
          method: 'POST',
          url: '/api/v1/password/check',
          remoteAddress: ip,
          headers: { 'content-type': 'application/json', origin: t.baseUrl, 'user-agent': 'curl/8' },
          payload: JSON.stringify({ password: 'correct horse battery staple' }),
        });
      for (let i = 0; i < PASSWORD_CHECKS_PER_MINUTE; i++) assert.equal((await check(`2001:db8:7:8::${(i + 1).toString(16)}`)).statusCode, 200);
      assert.equal((await check('2001:db8:7:8::ffff')).statusCode, 429);
    } finally {
      await t.close();
    }
  });
});
