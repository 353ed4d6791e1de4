import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { testConfig } from '../helpers/config.js';
import { TestClient, startTestApp, METRICS_AUTH, METRICS_TOKEN, PASSWORD, NEW_PASSWORD, type TestApp } from '../helpers/app.js';

describe('operator endpoints and the API description', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { metricsToken: METRICS_TOKEN } });
  });
  after(() => t.close());

  test('/healthz says the process is up', async () => {
    const res = await t.client().get('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/readyz checks the database and says 503 when it is gone', async () => {
    assert.equal((await t.client().get('/readyz')).statusCode, 200);
    const down = await startTestApp();
    await down.store.close();
    const res = await down.client().get('/readyz');
    assert.equal(res.statusCode, 503);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
    await down.app.close();
  });

  test('/metrics is Prometheus text with request counts and latency by route', async () => {
    await t.client().get('/healthz');
    const res = await t.client().get('/metrics', METRICS_AUTH);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.body, /passdesk_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(res.body, /passdesk_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz"\}/);
  });

  test('the OpenAPI 3.1 document describes every endpoint from the same Zod schemas', async () => {
    const res = await t.client().get('/api/v1/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: boolean } }> } }>
      >;
    };
    assert.equal(doc.openapi, '3.1.0');
    for (const [path, method] of [
      ['/api/v1/sessions', 'post'],
      ['/api/v1/session', 'get'],
      ['/api/v1/session', 'delete'],
      ['/api/v1/sessions', 'get'],
      ['/api/v1/sessions/{id}', 'delete'],
      ['/api/v1/sessions/revoke-others', 'post'],
      ['/api/v1/accounts', 'post'],
      ['/api/v1/password/change', 'post'],
      ['/api/v1/password/reset', 'post'],
      ['/api/v1/password/reset/verify', 'post'],
      ['/api/v1/password/reset/second-factor', 'post'],
      ['/api/v1/password/reset/security-questions', 'post'],
      ['/api/v1/password/reset/complete', 'post'],
      ['/api/v1/2fa/totp', 'post'],
      ['/api/v1/2fa/totp/confirm', 'post'],
      ['/api/v1/sessions/second-factor', 'post'],
      ['/api/v1/security-questions', 'put'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    }
    const schema = doc.paths['/api/v1/password/change']!['post']!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ['currentPassword', 'newPassword', 'signOutOtherSessions']);
    assert.equal(schema.additionalProperties, false, 'unknown fields are refused, and the document says so');
    const complete = doc.paths['/api/v1/password/reset/complete']!['post']!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(Object.keys(complete.properties ?? {}).sort(), ['flowId', 'newPassword', 'secondFactor', 'securityAnswers']);
    assert.equal(doc.paths['/healthz'], undefined, 'operator endpoints stay out of the API document');
    assert.deepEqual(
      Object.keys(doc.paths).filter((p) => !p.startsWith('/api/v1/')),
      [],
      'pages and assets stay out too',
    );
  });

  test('/api/docs is a readable page listing the operations', async () => {
    const res = await t.client().get('/api/docs');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.match(res.body, /Change my password/);
    assert.match(res.body, /\/api\/v1\/password\/change/);
  });
});

describe('logs', () => {
  test('a secret logged by mistake is redacted by the production logger (the second line of defence)', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ level: 'trace', format: 'json', destination: sink });
    const secrets = Array.from({ length: 16 }, (_, i) => `mistaken-secret-${i}-value`);
    const [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = secrets as [string, ...string[]];
    logger.trace(
      {
        password: a,
        currentPassword: b,
        newPassword: c,
        token: d,
        secret: e,
        flowId: f,
        recoveryCodes: [g],
        otpauthUrl: h,
        cookie: i,
        headers: { cookie: j, authorization: k },
        req: { headers: { cookie: l, authorization: m } },
        body: { password: n, newPassword: o },
        res: { 'set-cookie': p },
      },
      'a careless line',
    );
    const all = lines.join('');
    assert.match(all, /a careless line/);
    assert.match(all, /\[redacted\]/);
    for (const secret of secrets) assert.ok(!all.includes(secret), `not redacted: ${secret}`);
  });

  test('no password, session token or cookie ever reaches the logs, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    // The production logger (its redaction is the second line of defence), writing where the test reads.
    const logger = createLogger({ level: 'trace', format: 'json', destination: sink });
    const config = testConfig();
    const store = openStore(config.databaseUrl);
    const app = await createApp({ config, store, logger });
    try {
      const c = new TestClient(app, config.baseUrl, 'test-agent');
      await c.signUp('logs@example.org', PASSWORD);
      await c.signIn('logs@example.org', 'wrong password for the logs test');
      await c.signIn('logs@example.org', PASSWORD);
      const token = c.sessionCookie()!;
      await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      const newToken = c.sessionCookie()!;
      await c.post('/api/v1/sessions', '{"broken json', {});
      const all = lines.join('');
      assert.ok(lines.length > 3, 'requests were logged');
      for (const secret of [PASSWORD, NEW_PASSWORD, 'wrong password for the logs test', token, newToken, config.secret!]) {
        assert.ok(!all.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 6)}…`);
      }
    } finally {
      await app.close();
      await store.close();
    }
  });
});
