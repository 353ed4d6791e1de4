// Which address is the client's behind a reverse proxy (PASSDESK_TRUST_PROXY). inject()'s remoteAddress is the
// socket's address, i.e. the proxy's; X-Forwarded-For is what the proxy passed on (the client may have written
// its left part, the proxy appends the address it saw on the right).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { ConfigError } from '../../src/config.js';

const PROXY = '10.0.0.2';
const CLIENT = '198.51.100.7';

/** The IP the server recorded for the session this client just got, read back through the API. */
async function recordedIp(c: TestClient): Promise<string | null> {
  const res = await c.get('/api/v1/session');
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { session: { ip: string | null } }).session.ip;
}

async function signedInIp(t: TestApp, email: string, o: { remoteAddress: string; xff?: string }): Promise<string | null> {
  const c = t.client();
  const res = await c.post(
    '/api/v1/sessions',
    { email, password: PASSWORD },
    {
      remoteAddress: o.remoteAddress,
      ...(o.xff !== undefined ? { headers: { 'x-forwarded-for': o.xff } } : {}),
    },
  );
  assert.equal(res.statusCode, 201, res.body);
  return recordedIp(c);
}

describe('trusted proxy: the client IP is the first untrusted address from the right', () => {
  // '1' is how an environment variable says it; before this fix it meant "trust every hop" (true).
  describe('one proxy in front (PASSDESK_TRUST_PROXY=1)', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ config: { trustProxy: '1', signInDelayFrom: 100 } }); // the per-account waits (from the 5th failure) would hide what the per-IP limit does
      await t.client().signUp('victim@example.org', PASSWORD);
      await t.client().signUp('bystander@example.org', PASSWORD);
    });
    after(() => t.close());

    it('300 wrong passwords with a changing first X-Forwarded-For entry are throttled on the real client IP; then the right password is throttled too', async () => {
      const statuses: Record<number, number> = {};
      for (let i = 0; i < 300; i++) {
        const spoofed = `203.0.${i >> 8}.${i & 255}`;
        const res = await t.client().post(
          '/api/v1/sessions',
          { email: 'victim@example.org', password: `wrong guess number ${i}` },
          {
            remoteAddress: PROXY,
            headers: { 'x-forwarded-for': `${spoofed}, ${CLIENT}` },
          },
        );
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
      // The default limit: 10 failures per (email, IP); every later try is refused before it is checked.
      assert.deepEqual(statuses, { 401: 10, 429: 290 });
      const right = await t.client().post(
        '/api/v1/sessions',
        { email: 'victim@example.org', password: PASSWORD },
        {
          remoteAddress: PROXY,
          headers: { 'x-forwarded-for': `192.0.2.200, ${CLIENT}` },
        },
      );
      assert.equal(right.statusCode, 429, 'the right password from the same client is throttled as well');
      assert.equal(errorCode(right), 'TOO_MANY_REQUESTS');
    });

    it("an attacker who writes a victim's address first fills up only its own: the victim signs in", async () => {
      const victimIp = '192.0.2.44';
      for (let i = 0; i < 120; i++) {
        await t.client().post(
          '/api/v1/sessions',
          { email: `nobody${i}@example.org`, password: 'spray spray spray' },
          {
            remoteAddress: PROXY,
            headers: { 'x-forwarded-for': `${victimIp}, ${CLIENT}` },
          },
        );
      }
      assert.equal(await signedInIp(t, 'bystander@example.org', { remoteAddress: PROXY, xff: victimIp }), victimIp);
    });

    it("the recorded IP is the rightmost X-Forwarded-For entry; without the header, the proxy's own", async () => {
      t.clock.advance(15 * 60_000 + 1); // the earlier tests throttled CLIENT
      assert.equal(await signedInIp(t, 'bystander@example.org', { remoteAddress: PROXY, xff: `1.2.3.4, 5.6.7.8, ${CLIENT}` }), CLIENT);
      assert.equal(await signedInIp(t, 'bystander@example.org', { remoteAddress: PROXY }), PROXY);
    });
  });

  describe('two proxies in front (hop count 2)', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ config: { trustProxy: 2 } });
      await t.client().signUp('two@example.org', PASSWORD);
    });
    after(() => t.close());

    it('skips the entry the first proxy appended, and never reads the client-written ones', async () => {
      assert.equal(await signedInIp(t, 'two@example.org', { remoteAddress: PROXY, xff: `6.6.6.6, ${CLIENT}, 10.0.0.1` }), CLIENT);
      assert.equal(await signedInIp(t, 'two@example.org', { remoteAddress: PROXY, xff: `${CLIENT}, 10.0.0.1` }), CLIENT);
    });
  });

  describe('proxy addresses and CIDRs, IPv4 and IPv6', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ config: { trustProxy: '10.0.0.0/8, fd00::/8, 192.0.2.10' } });
      await t.client().signUp('cidr@example.org', PASSWORD);
    });
    after(() => t.close());

    it('trusted hops are skipped from the right until the first address outside the list', async () => {
      assert.equal(await signedInIp(t, 'cidr@example.org', { remoteAddress: '10.1.2.3', xff: `6.6.6.6, ${CLIENT}, 10.9.9.9, 192.0.2.10` }), CLIENT);
      assert.equal(await signedInIp(t, 'cidr@example.org', { remoteAddress: 'fd00::5', xff: '6.6.6.6, 2001:db8::7' }), '2001:db8::7');
      assert.equal(
        await signedInIp(t, 'cidr@example.org', { remoteAddress: '::ffff:10.0.0.9', xff: `6.6.6.6, ${CLIENT}` }),
        CLIENT,
        'an IPv4-mapped socket address matches its IPv4 CIDR',
      );
    });

    it('a socket address outside the list is the client: its X-Forwarded-For is ignored', async () => {
      assert.equal(await signedInIp(t, 'cidr@example.org', { remoteAddress: '203.0.113.50', xff: CLIENT }), '203.0.113.50');
      assert.equal(await signedInIp(t, 'cidr@example.org', { remoteAddress: '2001:db8::99', xff: CLIENT }), '2001:db8::99');
    });
  });

  describe('nothing trusted (the default)', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp();
      await t.client().signUp('direct@example.org', PASSWORD);
    });
    after(() => t.close());

    it('X-Forwarded-For is ignored: the socket address is the client', async () => {
      assert.equal(await signedInIp(t, 'direct@example.org', { remoteAddress: '203.0.113.51', xff: CLIENT }), '203.0.113.51');
    });
  });

  it('"true" is refused at start with one line that says what to write instead', async () => {
    for (const value of ['true', 'yes', true]) {
      assert.throws(
        () => testConfig({ trustProxy: value }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /^trustProxy: would trust every hop, .*the number of proxies in front \(e\.g\. 1\) or their addresses/);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        },
      );
    }
  });
});
