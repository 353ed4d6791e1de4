// /metrics is for the operator only (a bearer token, or a separate listen address), and nothing in it tells a
// known address from an unknown one: the texts scraped after the same actions on each are identical.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { ConfigError } from '../../src/config.js';
import { createApp } from '../../src/app.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789abcdef';
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

describe('who may read /metrics', () => {
  it('by default nobody: /metrics is 404, health and readiness answer anyone', async () => {
    const t = await startTestApp();
    try {
      const res = await t.client().get('/metrics');
      assert.equal(res.statusCode, 404);
      assert.equal(errorCode(res), 'NOT_FOUND');
      assert.equal((await t.client().get('/metrics', auth)).statusCode, 404);
      assert.equal((await t.client().get('/healthz')).statusCode, 200);
      assert.equal((await t.client().get('/readyz')).statusCode, 200);
      assert.equal(t.app.metricsServer, null);
    } finally {
      await t.close();
    }
  });

  describe('with PASSDESK_METRICS_TOKEN', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ config: { metricsToken: TOKEN } });
    });
    after(() => t.close());

    it('an anonymous or wrong-token GET /metrics is refused with 401 and a Bearer challenge', async () => {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Basic ${TOKEN}` },
        { authorization: 'Bearer' },
      ]) {
        const res = await t.client().get('/metrics', { headers });
        assert.equal(res.statusCode, 401, JSON.stringify(headers));
        assert.equal(errorCode(res), 'AUTHENTICATION_REQUIRED');
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="passdesk-metrics"');
        assert.doesNotMatch(res.body, /passdesk_/);
      }
    });

    it('with the token it is Prometheus text', async () => {
      const res = await t.client().get('/metrics', auth);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /passdesk_http_requests_total\{method="GET",route="\/metrics",status="401"\} 5/);
    });

    it('health and readiness are unaffected', async () => {
      assert.equal((await t.client().get('/healthz')).statusCode, 200);
      assert.equal((await t.client().get('/readyz')).statusCode, 200);
    });
  });

  it('the token can come from a file (a mounted secret); a short one or both settings are refused without echoing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passdesk-metrics-'));
    try {
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      assert.equal(testConfig({ metricsTokenFile: join(dir, 'token') }).metricsToken, TOKEN);
      writeFileSync(join(dir, 'short'), 'hunter2\n');
      assert.throws(
        () => testConfig({ metricsTokenFile: join(dir, 'short') }),
        (err: unknown) => err instanceof ConfigError && /must hold one token of 32 to 512 characters/.test(err.message) && !err.message.includes('hunter2'),
      );
      assert.throws(
        () => testConfig({ metricsToken: 'hunter2-hunter2' }),
        (err: unknown) => err instanceof ConfigError && /^metricsToken: must be at least 32 characters/.test(err.message) && !err.message.includes('hunter2'),
      );
      assert.throws(() => testConfig({ metricsToken: TOKEN, metricsTokenFile: join(dir, 'token') }), /set one, not both/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PASSDESK_METRICS_LISTEN: a separate address serving /metrics only; the main port keeps 404', async () => {
    const config = testConfig({ host: '127.0.0.1', port: 0, metricsListen: '127.0.0.1:0' });
    assert.deepEqual(config.metricsListen, { host: '127.0.0.1', port: 0 });
    const app = await createApp({ config });
    try {
      await app.listen();
      const address = app.metricsServer!.server.address() as import('node:net').AddressInfo;
      const base = `http://127.0.0.1:${address.port}`;
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /passdesk_sign_in_total/);
      assert.equal((await fetch(`${base}/healthz`)).status, 404, 'nothing else there');
      assert.equal((await fetch(`${base}/api/v1/session`)).status, 404);
      assert.equal((await app.server.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the main port');
    } finally {
      await app.close();
    }
    assert.throws(() => testConfig({ metricsListen: '9464' }), /^ConfigError: metricsListen: expected HOST:PORT/);
    assert.deepEqual(testConfig({ metricsListen: '[::1]:9464' }).metricsListen, { host: '::1', port: 9464 });
  });

  it('PASSDESK_METRICS_LISTEN with a token asks for the token there too', async () => {
    const t = await startTestApp({ config: { metricsListen: '127.0.0.1:0', metricsToken: TOKEN } });
    try {
      const server = t.app.metricsServer!;
      assert.equal((await server.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      assert.equal((await server.inject({ method: 'GET', url: '/metrics', headers: auth.headers })).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

/** The scraped text without the values of timing histograms (their _count lines stay and must agree). */
function comparable(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^passdesk_\w+_seconds_(bucket|sum)\{/.test(line) && !/^passdesk_\w+_seconds_sum /.test(line))
    .join('\n');
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`metrics say nothing about which addresses have accounts (${backend})`, () => {
    /** The same actions a stranger can take, for an address of their choice; returns the scraped text. */
    async function scrapeAfterProbing(email: string): Promise<string> {
      const t = await startTestApp({ backend, config: { metricsToken: TOKEN } });
      try {
        await t.client().signUp('known@example.org', PASSWORD);
        await t.client().signUp('other@example.org', PASSWORD);
        // Disabled-looking and passwordless accounts would be other reasons; one wrong password and one reset request.
        const c = t.client();
        assert.equal((await c.signIn(email, 'a wrong password for sure')).statusCode, 401);
        assert.equal((await c.post('/api/v1/password/reset', { email })).statusCode, 202);
        await t.app.deps.background?.idle();
        await t.app.mail.worker?.drain();
        const res = await t.client().get('/metrics', auth);
        assert.equal(res.statusCode, 200);
        return res.body;
      } finally {
        await t.close();
      }
    }

    it('a wrong password and a reset request for a known address and for an unknown one scrape identically', async () => {
      const known = await scrapeAfterProbing('known@example.org');
      const unknown = await scrapeAfterProbing('nobody@example.org');
      assert.match(known, /passdesk_sign_in_total\{outcome="failure"\} 1/);
      assert.match(known, /passdesk_password_hash_duration_seconds_count\{operation="verify"\} 1/);
      assert.deepEqual(comparable(unknown).split('\n'), comparable(known).split('\n'));
      assert.doesNotMatch(known, /wrong_password|unknown_account|no_password|disabled|passdesk_mail_/);
    });
  });
}
