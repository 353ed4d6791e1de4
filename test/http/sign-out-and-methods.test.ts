// Sign-out asks the browser to drop the site's data (Clear-Site-Data), and a known URL called with a method it
// does not have answers 405 with Allow (RFC 9110 §15.5.6), never 404; unknown URLs stay 404.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const CLEAR = '"cache", "storage"'; // not "cookies": that reaches every site under the registrable domain

describe('sign-out sends Clear-Site-Data', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.client().signUp('leaving@example.org', PASSWORD);
  });
  after(() => t.close());

  async function signedIn(): Promise<TestClient> {
    const c = t.client();
    const res = await c.signIn('leaving@example.org', PASSWORD);
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['clear-site-data'], undefined, 'signing in clears nothing');
    return c;
  }

  it('DELETE /api/v1/session (API sign-out)', async () => {
    const c = await signedIn();
    const res = await c.delete('/api/v1/session');
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['clear-site-data'], CLEAR);
  });

  it("POST /sign-out (the page's button)", async () => {
    const c = await signedIn();
    const csrf = await c.csrfFrom('/security');
    const res = await c.post('/sign-out', undefined, { form: { _csrf: csrf } });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers['location'], '/sign-in?notice=signed-out');
    assert.equal(res.headers['clear-site-data'], CLEAR);
  });

  it('signing out the current device, by API and by page; signing out another device clears nothing here', async () => {
    const c = await signedIn();
    const other = await signedIn();
    const sessions = ((await c.get('/api/v1/sessions')).json() as { sessions: Array<{ id: string; current: boolean }> }).sessions;
    const mine = sessions.find((s) => s.current)!;
    const theirs = ((await other.get('/api/v1/session')).json() as { session: { id: string } }).session;
    // Another device is a step-up action; the fresh sign-in is recent enough.
    const elsewhere = await c.delete(`/api/v1/sessions/${theirs.id}`);
    assert.equal(elsewhere.statusCode, 204);
    assert.equal(elsewhere.headers['clear-site-data'], undefined);
    const self = await c.delete(`/api/v1/sessions/${mine.id}`);
    assert.equal(self.statusCode, 204);
    assert.equal(self.headers['clear-site-data'], CLEAR);

    const p = await signedIn();
    const csrf = await p.csrfFrom('/security');
    const id = ((await p.get('/api/v1/session')).json() as { session: { id: string } }).session.id;
    const page = await p.post(`/security/sessions/${id}/revoke`, undefined, { form: { _csrf: csrf } });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers['location'], '/sign-in?notice=signed-out');
    assert.equal(page.headers['clear-site-data'], CLEAR);
  });
});

describe('a wrong method on a known URL is 405 with Allow; an unknown URL is 404', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  function assert405(res: LightMyRequestResponse, allow: string, label: string): void {
    assert.equal(res.statusCode, 405, `${label}: ${res.body}`);
    assert.equal(res.headers['allow'], allow, label);
    assert.match(String(res.headers['content-type']), /^application\/json/, label);
    assert.deepEqual(res.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: 'That method is not allowed here.' } }, label);
  }

  it('GET on POST-only API routes', async () => {
    const c = t.client();
    // DELETE /api/v1/sessions/:id matches this URL too, and the router says so.
    assert405(await c.get('/api/v1/sessions/revoke-others'), 'DELETE, POST', 'revoke-others');
    assert405(await c.get('/api/v1/accounts'), 'POST', 'accounts');
    assert405(await c.get('/api/v1/password/change'), 'POST', 'password change');
    assert405(await c.get('/api/v1/password/change/'), 'POST', 'with a trailing slash');
    assert405(await c.get('/api/v1/password/change?x=1'), 'POST', 'with a query string');
  });

  it('other methods: every method the URL has is listed (GET brings HEAD)', async () => {
    const c = t.client();
    assert405(await c.put('/api/v1/session', {}), 'DELETE, GET, HEAD', 'PUT /api/v1/session');
    assert405(await c.post('/healthz', {}), 'GET, HEAD', 'POST /healthz');
    assert405(await c.get('/api/v1/sessions/some-id'), 'DELETE', 'a parametric route');
    assert405(await c.request('PATCH', '/api/v1/sessions'), 'GET, HEAD, POST', 'PATCH /api/v1/sessions');
  });

  it('a page route: the same status and Allow, the error as a page for a browser', async () => {
    const res = await t.client().get('/sign-out', { headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers['allow'], 'POST');
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /That method is not allowed here\./);
    assert405(await t.client().get('/sign-out'), 'POST', 'GET /sign-out as JSON');
  });

  it('unknown URLs stay 404 NOT_FOUND, without Allow, whatever the method', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['POST', '/api/v1/nope'],
      ['DELETE', '/sign-out/extra'],
      ['GET', '/api/v1/sessions/a/b'],
    ] as const) {
      const res = await t.client().request(method, url, method === 'GET' ? {} : { body: {} });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.headers['allow'], undefined);
      assert.deepEqual(res.json(), { error: { code: 'NOT_FOUND', message: 'That page or resource does not exist.' } });
    }
  });

  it('the right method still reaches the route', async () => {
    assert.equal((await t.client().get('/healthz')).statusCode, 200);
    assert.equal(errorCode(await t.client().post('/api/v1/sessions/revoke-others', {})), 'AUTHENTICATION_REQUIRED');
  });
});
