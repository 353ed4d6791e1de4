import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

describe('cross-site requests and bad input', () => {
  let t: TestApp;
  let me: TestClient;
  before(async () => {
    t = await startTestApp();
    me = t.client();
    await me.signUp('csrf@example.org', PASSWORD);
  });
  after(() => t.close());

  const changeBody = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };

  test('a cookie-authenticated change from another Origin is refused with 403 CSRF_FAILED and changes nothing', async () => {
    const res = await me.post('/api/v1/password/change', changeBody, { headers: { origin: 'https://evil.example' } });
    assert.equal(res.statusCode, 403);
    assert.equal(errorCode(res), 'CSRF_FAILED');
    assert.equal((await t.client().signIn('csrf@example.org', PASSWORD)).statusCode, 201);
  });

  test('Origin "null" (sandboxed frames, privacy redirects) is refused unless the browser says same-origin', async () => {
    for (const site of [undefined, 'cross-site', 'same-site', 'none']) {
      const headers: Record<string, string> = { origin: 'null', ...(site ? { 'sec-fetch-site': site } : {}) };
      const res = await me.post('/api/v1/password/change', changeBody, { headers });
      assert.equal(errorCode(res), 'CSRF_FAILED', `Sec-Fetch-Site: ${site}`);
    }
  });

  test('Origin "null" with Sec-Fetch-Site: same-origin is a form post from our own no-referrer page, and is accepted', async () => {
    const res = await me.post('/api/v1/sessions/revoke-others', undefined, { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    assert.equal(res.statusCode, 200);
  });

  test('Sec-Fetch-Site: cross-site without Origin is refused', async () => {
    const res = await me.post('/api/v1/password/change', changeBody, { noOrigin: true, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(errorCode(res), 'CSRF_FAILED');
  });

  test('a cookie-authenticated unsafe request with neither Origin nor Sec-Fetch-Site is refused', async () => {
    const res = await me.request('DELETE', '/api/v1/session', { noOrigin: true });
    assert.equal(errorCode(res), 'CSRF_FAILED');
    assert.equal((await me.get('/api/v1/session')).statusCode, 200, 'still signed in');
  });

  test('Sec-Fetch-Site: same-origin without Origin is accepted', async () => {
    const res = await me.post('/api/v1/sessions/revoke-others', undefined, { noOrigin: true, headers: { 'sec-fetch-site': 'same-origin' } });
    assert.equal(res.statusCode, 200);
  });

  test('sign-in posted from another site is refused (login CSRF)', async () => {
    const res = await t.client().post('/api/v1/sessions', { email: 'csrf@example.org', password: PASSWORD }, { headers: { origin: 'https://evil.example' } });
    assert.equal(errorCode(res), 'CSRF_FAILED');
  });

  test('a non-browser client without cookies may sign in without an Origin header', async () => {
    const res = await t.client().post('/api/v1/sessions', { email: 'csrf@example.org', password: PASSWORD }, { noOrigin: true });
    assert.equal(res.statusCode, 201);
  });

  test('bad JSON is 400 INVALID_JSON', async () => {
    const res = await t.client().post('/api/v1/sessions', '{"email": "a@b.c", ', {});
    assert.equal(res.statusCode, 400);
    assert.equal(errorCode(res), 'INVALID_JSON');
  });

  test('an empty JSON body is 400, not a crash', async () => {
    const res = await t.client().request('POST', '/api/v1/sessions', { headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
  });

  test('a form-encoded body on the API is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.client().request('POST', '/api/v1/sessions', { form: { email: 'csrf@example.org', password: PASSWORD } });
    assert.equal(res.statusCode, 415);
    assert.equal(errorCode(res), 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an oversized body is 413 BODY_TOO_LARGE', async () => {
    const res = await t.client().post('/api/v1/sessions', { email: 'csrf@example.org', password: 'z'.repeat(100_000) });
    assert.equal(res.statusCode, 413);
    assert.equal(errorCode(res), 'BODY_TOO_LARGE');
  });

  test('wrong types, unknown fields and over-long strings are 400 VALIDATION_FAILED with a readable message', async () => {
    for (const body of [
      { email: 1, password: PASSWORD },
      { email: 'a@b.c', password: PASSWORD, remember: true },
      { email: 'a'.repeat(300), password: PASSWORD },
      {},
    ]) {
      const res = await t.client().post('/api/v1/sessions', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      const err = (res.json() as { error: { code: string; message: string } }).error;
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.ok(err.message.length > 5);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
    }
  });

  test('an unknown route is 404 NOT_FOUND in the same error shape', async () => {
    const res = await t.client().get('/api/v1/nothing-here');
    assert.equal(res.statusCode, 404);
    assert.equal(errorCode(res), 'NOT_FOUND');
  });

  test('an unexpected failure is a generic 500 without details', async () => {
    const broken = await startTestApp();
    try {
      await broken.store.close();
      const res = await broken.client().signIn('x@example.org', PASSWORD);
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), {
        error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. Try again in a moment.' },
      });
    } finally {
      await broken.app.close();
    }
  });

  test('API responses carry security headers and are never cached', async () => {
    const res = await me.get('/api/v1/session');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain http');
  });

  test('over HTTPS every response also carries HSTS', async () => {
    const https = await startTestApp({ config: { baseUrl: 'https://id.example.org', devMailbox: true } });
    try {
      const res = await https.client().get('/healthz');
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    } finally {
      await https.close();
    }
  });

  test('a plain-http, non-loopback base URL cannot use __Host- cookies (they require Secure)', async () => {
    const plain = await startTestApp({ config: { baseUrl: 'http://intranet.example:8080', devMailbox: true } });
    try {
      const c = plain.client();
      const res = await c.signUp('plain@example.org', PASSWORD);
      assert.match(String(res.headers['set-cookie']), /^passdesk-session=/);
      assert.doesNotMatch(String(res.headers['set-cookie']), /Secure/);
    } finally {
      await plain.close();
    }
  });
});

describe('the default base URL at localhost accepts its loopback twins, and nothing else', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { baseUrl: 'http://localhost:8080' } });
  });
  after(() => t.close());

  test('forms from http://127.0.0.1:8080 and http://[::1]:8080 are the same machine and port; another port or host is not', async () => {
    const me = t.client();
    assert.equal((await me.signUp('twin@example.org', PASSWORD)).statusCode, 201);
    for (const origin of ['http://127.0.0.1:8080', 'http://[::1]:8080']) {
      const res = await me.post('/api/v1/sessions/revoke-others', undefined, { headers: { origin } });
      assert.equal(res.statusCode, 200, origin);
    }
    for (const origin of ['http://127.0.0.1:8081', 'http://127.0.0.2:8080', 'https://127.0.0.1:8080', 'http://localhost.evil.example:8080']) {
      assert.equal(errorCode(await me.post('/api/v1/sessions/revoke-others', undefined, { headers: { origin } })), 'CSRF_FAILED', origin);
    }
  });
});

describe('a base URL that is not localhost has no twins', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { baseUrl: 'http://127.0.0.1:8080' } });
  });
  after(() => t.close());

  test('http://localhost:8080 is another origin for a base URL at 127.0.0.1', async () => {
    const me = t.client();
    assert.equal((await me.signUp('no-twin@example.org', PASSWORD)).statusCode, 201);
    assert.equal(errorCode(await me.post('/api/v1/sessions/revoke-others', undefined, { headers: { origin: 'http://localhost:8080' } })), 'CSRF_FAILED');
  });
});
