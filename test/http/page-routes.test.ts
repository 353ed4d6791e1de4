// Issue 12: the pages get CSRF, sign-in and step-up from one plugin (src/http/shared/pages.ts), not from each handler.
// These tests list the routes from the running app, so a form or a signed-in page added later is covered too:
// a form route that answered without the CSRF token, or a signed-in page that rendered for nobody, fails here.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';
import { routeTable, type RouteEntry } from '../../src/http/plugins/input-hygiene.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const concrete = (url: string): string => url.replace(/:(\w+)/g, 'x');
const label = (r: RouteEntry): string => `${r.method} ${r.url}`;

describe('page routes, listed from the running app', () => {
  let t: TestApp;
  let routes: readonly RouteEntry[];
  let formRoutes: RouteEntry[];
  before(async () => {
    t = await startTestApp({ config: { securityQuestions: true } });
    await t.app.server.ready();
    routes = routeTable(t.app.server);
    formRoutes = routes.filter((r) => UNSAFE.has(r.method) && !r.url.startsWith('/api/'));
  });
  after(() => t.close());

  it('the list holds every form (a sample of each feature is in it)', () => {
    const urls = new Set(formRoutes.map(label));
    for (const known of [
      'POST /sign-in',
      'POST /sign-in/second-factor',
      'POST /sign-up',
      'POST /sign-out',
      'POST /security/password',
      'POST /security/sessions/:id/revoke',
      'POST /security/two-factor/totp',
      'POST /security/passkeys/:id/remove',
      'POST /security/confirm',
      'POST /security/questions',
      'POST /security/email/phrase',
      'POST /reset',
      'POST /reset/new',
      'POST /not-me/confirm',
      'POST /security/activity/:id/not-me',
      'POST /admin/accounts/:id/unlock',
      'POST /admin/accounts/:id/role',
      'POST /admin/accounts/:id/caller/send',
      'POST /admin/accounts/:id/caller/confirm',
      'POST /admin/accounts/:id/temporary-password',
      'POST /admin/accounts/:id/factors/:factorId/remove',
      'POST /admin/import',
      'POST /admin/export',
      'POST /admin/accounts/:id/delete',
    ]) {
      assert.ok(urls.has(known), `${known} is listed`);
    }
    assert.ok(formRoutes.length >= 29, `${formRoutes.length} form routes`);
  });

  it('every form route refuses a post without the CSRF token: 403 CSRF_FAILED, signed in or not', async () => {
    const signedIn = t.client();
    assert.equal((await signedIn.signUp('csrf-everywhere@example.org', PASSWORD)).statusCode, 201);
    const signedOut = t.client();
    // Both hold a CSRF cookie, as a browser that opened a page would; only the form field is missing.
    await signedIn.csrfFrom('/security');
    await signedOut.csrfFrom('/sign-in');
    const answers: string[] = [];
    for (const client of [signedIn, signedOut]) {
      for (const r of formRoutes) {
        const res = await client.request(r.method as 'POST', concrete(r.url), { form: { email: 'csrf-everywhere@example.org', password: PASSWORD } });
        answers.push(`${label(r)} → ${res.statusCode} ${errorCode(res) ?? ''}`.trim());
      }
    }
    assert.deepEqual(
      answers.filter((a) => !a.endsWith('→ 403 CSRF_FAILED')),
      [],
      'every form route answered 403 CSRF_FAILED',
    );
    assert.equal((await signedIn.get('/api/v1/session')).statusCode, 200, 'still signed in: nothing changed');
  });

  it('with the token each form route gets past the check (so the 403 above was the CSRF check)', async () => {
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    for (const r of formRoutes) {
      const res = await c.request(r.method as 'POST', concrete(r.url), { form: { _csrf: csrf } });
      assert.notEqual(errorCode(res), 'CSRF_FAILED', label(r));
      assert.ok(res.statusCode < 500, `${label(r)}: ${res.statusCode}`);
    }
  });

  it('every page that needs a signed-in person sends a signed-out browser to /sign-in (303), GET and POST', async () => {
    const signedInPages = routes.filter((r) => r.config?.auth === 'page' && r.method !== 'HEAD');
    const urls = new Set(signedInPages.map(label));
    for (const known of [
      'GET /security',
      'GET /security/password',
      'POST /security/password',
      'GET /security/two-factor',
      'GET /security/confirm',
      'GET /security/questions',
      'GET /security/email',
      'GET /security/activity',
      'POST /security/sessions/revoke-others',
      'GET /admin',
      'GET /admin/accounts/:id',
      'GET /admin/audit',
      'POST /admin/accounts/:id/disable',
      'GET /admin/import',
      'POST /admin/import',
      'GET /admin/export',
      'GET /admin/accounts/:id/delete',
      'POST /admin/accounts/:id/delete',
    ]) {
      assert.ok(urls.has(known), `${known} declares auth: 'page'`);
    }
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const answers: string[] = [];
    for (const r of signedInPages) {
      const res = await c.request(r.method as 'GET', concrete(r.url), r.method === 'GET' ? { headers: { accept: 'text/html' } } : { form: { _csrf: csrf } });
      answers.push(`${label(r)} → ${res.statusCode} ${res.headers['location'] ?? ''}`);
    }
    assert.deepEqual(
      answers.filter((a) => !a.endsWith('→ 303 /sign-in')),
      [],
      'every signed-in page redirected to /sign-in',
    );
  });

  it('every page under /security declares it needs a signed-in person (a new one cannot forget)', () => {
    const missing = routes.filter((r) => r.url.startsWith('/security') && r.method !== 'HEAD' && r.config?.auth !== 'page').map(label);
    assert.deepEqual(missing, []);
  });

  it('every help desk console page declares a signed-in person and the step-up redirect', () => {
    const console = routes.filter((r) => (r.url === '/admin' || r.url.startsWith('/admin/')) && r.method !== 'HEAD');
    assert.ok(console.length >= 14, `${console.length} console routes`);
    const missing = console.filter((r) => r.config?.auth !== 'page' || typeof r.config?.stepUp !== 'string').map(label);
    assert.deepEqual(missing, []);
  });

  it('API routes take JSON only: a form body is 415, there is no form parser outside the pages', async () => {
    const c = t.client();
    for (const url of ['/api/v1/password/reset', '/api/v1/not-me', '/api/v1/sessions']) {
      const res = await c.request('POST', url, { form: { email: 'someone@example.org', token: 'abc' } });
      assert.equal(res.statusCode, 415, url);
    }
  });
});
