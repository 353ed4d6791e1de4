// Page flows through HTTP (the browser journey is in test/e2e). Forms carry a CSRF token bound to a cookie.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const html = { accept: 'text/html' };

describe('pages', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.client().signUp('page@example.org', PASSWORD, 'Page <Person>');
  });
  after(() => t.close());

  async function signInWithForm(email = 'page@example.org', password = PASSWORD): Promise<TestClient> {
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email, password }, headers: html });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/security');
    return c;
  }

  test('every page has a CSP without inline script, frame-ancestors none and no referrer', async () => {
    const res = await t.client().get('/sign-in', { headers: html });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(res.body, /<script>(?!<\/script>)|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i, 'no inline script or handlers');
  });

  test('/.well-known/change-password redirects (302) to the change-password page', async () => {
    const res = await t.client().get('/.well-known/change-password');
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/security/password');
  });

  test('the sign-in form is password-manager friendly, and its email box offers saved passkeys in the autofill', async () => {
    const res = await t.client().get('/sign-in', { headers: html });
    assert.match(res.body, /id="email" name="email" autocomplete="username webauthn"/);
    assert.match(res.body, /autocomplete="current-password"/);
    assert.match(res.body, /<label for="password">/);
  });

  test('a form post without its CSRF token is refused, even from the same origin', async () => {
    const c = t.client();
    await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { email: 'page@example.org', password: PASSWORD }, headers: html });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /another site or an expired page/);
  });

  test('a CSRF token from another browser’s cookie does not work', async () => {
    const mine = await signInWithForm();
    const theirs = t.client();
    const csrf = await theirs.csrfFrom('/sign-in');
    const res = await mine.request('POST', '/security/sessions/revoke-others', { form: { _csrf: csrf }, headers: html });
    assert.equal(res.statusCode, 403);
  });

  test('signing in with the form: a wrong password shows the generic message and keeps the email', async () => {
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email: 'page@example.org', password: 'wrong wrong wrong wrong' }, headers: html });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /The email address or password is incorrect\./);
    assert.match(res.body, /value="page@example.org"/);
  });

  test('the security page lists devices and escapes what people typed', async () => {
    const c = await signInWithForm();
    const res = await c.get('/security', { headers: html });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /Page &lt;Person&gt;/);
    assert.doesNotMatch(res.body, /Page <Person>/);
    assert.match(res.body, /This device/);
    assert.match(res.body, /Firefox on Linux/);
  });

  test('signed out, the security page sends you to sign in', async () => {
    const res = await t.client().get('/security', { headers: html });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/sign-in');
  });

  test('change password with a mismatched confirmation: a clear message beside the box, nothing changed', async () => {
    const c = await signInWithForm();
    const csrf = await c.csrfFrom('/security/password');
    const res = await c.request('POST', '/security/password', {
      form: { _csrf: csrf, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD + 'x', signOutOtherSessions: 'on' },
      headers: html,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="confirmPassword-error">The two new passwords don’t match/);
    assert.match(res.body, /aria-invalid="true"/);
    assert.equal((await t.client().signIn('page@example.org', PASSWORD)).statusCode, 201);
  });

  test('change password with the form: redirect with notice, other device signed out; unchecked box keeps them', async () => {
    await t.client().signUp('form@example.org', PASSWORD);
    const c = t.client();
    const other = t.client();
    await c.signIn('form@example.org', PASSWORD);
    await other.signIn('form@example.org', PASSWORD);
    const csrf = await c.csrfFrom('/security/password');
    const res = await c.request('POST', '/security/password', {
      form: { _csrf: csrf, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, signOutOtherSessions: 'on' },
      headers: html,
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/security?notice=password-changed-others');
    assert.equal((await other.get('/api/v1/session')).statusCode, 401);
    const page = await c.get('/security?notice=password-changed-others', { headers: html });
    assert.match(page.body, /other devices were signed out/);
    assert.match(page.body, /Recently signed out/);

    const third = t.client();
    await third.signIn('form@example.org', NEW_PASSWORD);
    const csrf2 = await c.csrfFrom('/security/password');
    const keep = await c.request('POST', '/security/password', {
      form: { _csrf: csrf2, currentPassword: NEW_PASSWORD, newPassword: PASSWORD + ' again', confirmPassword: PASSWORD + ' again' },
      headers: html,
    });
    assert.equal(keep.statusCode, 303);
    assert.equal((await third.get('/api/v1/session')).statusCode, 200, 'without the box ticked, other devices stay');
  });

  test('a wrong current password on the form is shown beside the current-password box', async () => {
    const c = await signInWithForm();
    const csrf = await c.csrfFrom('/security/password');
    const res = await c.request('POST', '/security/password', {
      form: { _csrf: csrf, currentPassword: 'definitely not it, sorry', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
      headers: html,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="currentPassword-error">Your current password is incorrect\./);
  });

  test('a person who must change their password is taken to the change page first', async () => {
    await t.client().signUp('forced@example.org', PASSWORD);
    const account = await t.store.accounts.findAccountByEmail('forced@example.org');
    await t.store.accounts.requirePasswordChange(account!.id, 'Your password no longer meets the policy.', t.clock.now());
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email: 'forced@example.org', password: PASSWORD }, headers: html });
    assert.equal(res.headers.location, '/security/password');
    const security = await c.get('/security', { headers: html });
    assert.equal(security.headers.location, '/security/password');
    const page = await c.get('/security/password', { headers: html });
    assert.match(page.body, /Your password no longer meets the policy/);
  });

  test('sign out with the form ends the session', async () => {
    const c = await signInWithForm();
    const csrf = await c.csrfFrom('/security');
    const res = await c.request('POST', '/sign-out', { form: { _csrf: csrf }, headers: html });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/sign-in?notice=signed-out');
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });

  test('the page error for an unknown path is a friendly HTML page', async () => {
    const res = await t.client().get('/no/such/page', { headers: html });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /Page not found/);
  });
});
