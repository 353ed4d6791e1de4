// The help desk console's pages (issue 15) through HTTP: search, the account page and a form per action (each with
// a reason), caller verification, the temporary password shown once (no-store), factor removal after a verified
// caller, the audit log page for administrators, the console link on /security, and the step-up redirect back to
// the same account. The Chromium journey is test/e2e/help-desk-journey.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { registerAccount } from '../../src/flows/register.js';

const html = { accept: 'text/html' };
const STALE_MS = 11 * 60_000;

describe('help desk console pages', () => {
  let t: TestApp;
  let n = 0;
  before(async () => {
    t = await startTestApp({ config: { registration: 'closed' } });
    for (const [email, role] of [
      ['desk@example.org', 'helpdesk'],
      ['boss@example.org', 'admin'],
      ['plain@example.org', 'user'],
    ] as const) {
      await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
    }
  });
  after(() => t.close());

  async function person(name = 'Pat <Person>'): Promise<{ id: string; email: string }> {
    const email = `pat-${++n}@example.org`;
    const { account } = await registerAccount(
      t.app.deps,
      { email, password: PASSWORD, role: 'user', displayName: name },
      { ip: null, userAgent: null },
      { kind: 'cli' },
    );
    return { id: account.id, email };
  }
  async function signedIn(email: string, password = PASSWORD): Promise<TestClient> {
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email, password }, headers: html });
    assert.equal(res.statusCode, 303, res.body);
    return c;
  }
  async function submit(c: TestClient, url: string, form: Record<string, string>, page: string) {
    const csrf = await c.csrfFrom(page);
    return c.request('POST', url, { form: { _csrf: csrf, ...form }, headers: html });
  }
  async function latestCallerCode(email: string): Promise<string> {
    const mail = (await t.store.outbox.listMessages({ limit: 20, to: email })).find((m) => m.template === 'caller-verification-code');
    const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1];
    assert.ok(code, 'a caller code was emailed');
    return code;
  }

  it('/security links to the console for help desk agents and administrators only; a person gets 403 at /admin', async () => {
    for (const [email, shown] of [
      ['desk@example.org', true],
      ['boss@example.org', true],
      ['plain@example.org', false],
    ] as const) {
      const c = await signedIn(email);
      const body = (await c.get('/security', { headers: html })).body;
      assert.equal(body.includes('id="help-desk-link"'), shown, email);
    }
    const plain = await signedIn('plain@example.org');
    const res = await plain.get('/admin', { headers: html });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /You don’t have permission to do that\./);
  });

  it('search lists the people an agent may open, escaped, narrowed by status filters', async () => {
    const p = await person('Sam <b>Search</b>');
    const desk = await signedIn('desk@example.org');
    const res = await desk.get(`/admin?q=${encodeURIComponent(p.email)}`, { headers: html });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`href="/admin/accounts/${p.id}"`));
    assert.match(res.body, /Sam &lt;b&gt;Search&lt;\/b&gt;/);
    assert.doesNotMatch(res.body, /boss@example\.org/, 'an administrator is out of an agent’s reach');
    const disabledOnly = await desk.get(`/admin?q=${encodeURIComponent(p.email)}&status=disabled`, { headers: html });
    assert.match(disabledOnly.body, /id="no-results"/);
    assert.match(disabledOnly.body, /id="status-disabled" name="status" value="disabled" checked/);
    const two = await desk.get(`/admin?q=${encodeURIComponent(p.email)}&status=disabled&status=must-change`, { headers: html });
    assert.match(two.body, /value="disabled" checked/);
    assert.match(two.body, /value="must-change" checked/);
  });

  it('without a verified caller the temporary password is refused and nothing is issued', async () => {
    const p = await person();
    const desk = await signedIn('desk@example.org');
    const page = `/admin/accounts/${p.id}`;
    const before = (await t.store.accounts.findAccountById(p.id))?.passwordChangedAt;
    const res = await submit(desk, `${page}/temporary-password`, { reason: 'Trying without verifying' }, page);
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /Verify the caller first/);
    assert.doesNotMatch(res.body, /id="temporary-password"/);
    assert.equal((await t.store.accounts.findAccountById(p.id))?.passwordChangedAt, before);
  });

  it('each action is a form with a required reason: missing → 400 and nothing changes; given → done, audited, and back with a notice', async () => {
    const p = await person();
    const desk = await signedIn('desk@example.org');
    const page = `/admin/accounts/${p.id}`;
    const view = await desk.get(page, { headers: html });
    assert.equal(view.statusCode, 200);
    for (const form of ['reset-email', 'unlock', 'require-change', 'sign-out', 'disable']) assert.match(view.body, new RegExp(`id="${form}-form"`), form);
    assert.doesNotMatch(view.body, /id="role-form"/, 'agents do not change roles');
    assert.doesNotMatch(view.body, /id="temporary-password-form"/, 'no temporary password before the caller is verified');

    const refused = await submit(desk, `${page}/disable`, { reason: '', ticket: '' }, page);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Say why \(3 to 500 characters\)/);
    assert.equal((await t.store.accounts.findAccountById(p.id))?.status, 'active');

    const done = await submit(desk, `${page}/disable`, { reason: 'Left the company', ticket: 'HD-9' }, page);
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `${page}?notice=disable`);
    assert.equal((await t.store.accounts.findAccountById(p.id))?.status, 'disabled');
    const after = await desk.get(String(done.headers.location), { headers: html });
    assert.match(after.body, /The account is disabled and every session ended\./);
    assert.match(after.body, /id="enable-form"/);
    assert.match(after.body, /Left the company · HD-9/, 'the reason shows in the activity');
    const event = (await t.store.events.listEvents(p.id, { limit: 5 })).find((e) => e.type === 'admin.account.disable');
    assert.equal(event?.detail?.['reason'], 'Left the company');
  });

  it('caller verification by emailed code opens the temporary password, shown once with no-store; the person must then change it', async () => {
    const p = await person();
    const desk = await signedIn('desk@example.org');
    const page = `/admin/accounts/${p.id}`;
    assert.equal((await submit(desk, `${page}/caller/send`, {}, page)).headers.location, `${page}?notice=code-sent`);
    const wrong = await submit(desk, `${page}/caller/confirm`, { method: 'email-code', code: '00000000' }, page);
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /That code is wrong or has expired/);
    const code = await latestCallerCode(p.email);
    const ok = await submit(desk, `${page}/caller/confirm`, { method: 'email-code', code }, page);
    assert.equal(ok.headers.location, `${page}?notice=caller-verified`);
    const verified = await desk.get(page, { headers: html });
    assert.match(verified.body, /id="temporary-password-form"/);

    const issued = await submit(desk, `${page}/temporary-password`, { reason: 'Forgot password, verified by code', ticket: '' }, page);
    assert.equal(issued.statusCode, 200);
    assert.equal(issued.headers['cache-control'], 'no-store');
    const temporary = /id="temporary-password">([^<]+)</.exec(issued.body)?.[1];
    assert.match(temporary ?? '', /^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);

    const owner = t.client();
    const csrf = await owner.csrfFrom('/sign-in');
    const signIn = await owner.request('POST', '/sign-in', { form: { _csrf: csrf, email: p.email, password: temporary ?? '' }, headers: html });
    assert.equal(signIn.headers.location, '/security/password', 'straight to the forced change');
    const change = await submit(
      owner,
      '/security/password',
      { currentPassword: temporary ?? '', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
      '/security/password',
    );
    assert.equal(change.statusCode, 303, change.body);
  });

  it('the authenticator app code verifies the caller too; then a second factor can be removed', async () => {
    const p = await person();
    const owner = t.client();
    assert.equal((await owner.signIn(p.email, PASSWORD)).statusCode, 201);
    const { secret } = (await owner.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    assert.equal((await owner.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
    const desk = await signedIn('desk@example.org');
    const page = `/admin/accounts/${p.id}`;
    const view = await desk.get(page, { headers: html });
    assert.match(view.body, /id="caller-totp-form"/);
    const factorId = /data-factor-id="([^"]+)"/.exec(view.body)?.[1];
    assert.ok(factorId);
    t.clock.advance(30_000);
    const ok = await submit(desk, `${page}/caller/confirm`, { method: 'totp', code: totpCode(secret, { now: t.clock.now() }) }, page);
    assert.equal(ok.headers.location, `${page}?notice=caller-verified`);
    const removed = await submit(desk, `${page}/factors/${factorId}/remove`, { reason: 'Lost phone, caller verified' }, page);
    assert.equal(removed.headers.location, `${page}?notice=factor-removed`);
    assert.match((await desk.get(page, { headers: html })).body, /id="no-factors"/);
  });

  it('a directory account says that disable, enable and unlock act on this side only', async () => {
    const linked = await t.store.accounts.linkDirectoryAccount({
      id: 'dir-linked-1',
      directoryId: 'entry-uuid-1',
      email: 'dir.person@example.org',
      emailNormalized: 'dir.person@example.org',
      displayName: 'Dir Person',
      role: 'user',
      passwordChangedAt: null,
      now: t.clock.now(),
    });
    assert.ok(linked);
    const desk = await signedIn('desk@example.org');
    const res = await desk.get(`/admin/accounts/${linked.id}`, { headers: html });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /id="directory-note"/);
    assert.match(res.body, /lives in the directory/);
    const search = await desk.get('/admin?q=dir.person', { headers: html });
    assert.match(search.body, /<span class="badge">Directory<\/span>/);
  });

  it('a stale session is sent to "Confirm it’s you" and comes back to the same account', async () => {
    const p = await person();
    const desk = await signedIn('desk@example.org');
    t.clock.advance(STALE_MS);
    const res = await desk.get(`/admin/accounts/${p.id}`, { headers: html });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/security/confirm?next=${encodeURIComponent(`/admin/accounts/${p.id}`)}`);
  });

  it('administrators change roles and read the audit log with filters and export links; agents cannot read it', async () => {
    const p = await person();
    const boss = await signedIn('boss@example.org');
    const page = `/admin/accounts/${p.id}`;
    const role = await submit(boss, `${page}/role`, { role: 'helpdesk', reason: 'Joined the help desk' }, page);
    assert.equal(role.headers.location, `${page}?notice=role`);
    assert.equal((await t.store.accounts.findAccountById(p.id))?.role, 'helpdesk');

    const audit = await boss.get(`/admin/audit?person=${encodeURIComponent(p.email)}&type=admin.*`, { headers: html });
    assert.equal(audit.statusCode, 200);
    assert.match(audit.body, /data-event-type="admin\.role\.set"/);
    assert.match(audit.body, /Joined the help desk/);
    const csv = /href="([^"]+)" id="export-csv"/.exec(audit.body)?.[1] ?? '';
    assert.ok(csv.startsWith('/api/v1/admin/audit?format=csv'), csv);
    const exported = await boss.get(csv.replaceAll('&amp;', '&'));
    assert.equal(exported.statusCode, 200);
    assert.match(exported.body, /admin\.role\.set/);
    const bad = await boss.get('/admin/audit?from=yesterday', { headers: html });
    assert.equal(bad.statusCode, 400);
    // Reading the log records admin.audit.read: a link on another site must not make the browser leave that record.
    for (const site of ['cross-site', 'same-site']) {
      const started = await boss.get('/admin/audit?person=boss@example.org', { headers: { ...html, 'sec-fetch-site': site } });
      assert.equal(started.statusCode, 403, `Sec-Fetch-Site: ${site}`);
    }
    assert.equal((await boss.get('/admin/audit', { headers: { ...html, 'sec-fetch-site': 'same-origin' } })).statusCode, 200);

    const desk = await signedIn('desk@example.org');
    assert.equal((await desk.get('/admin/audit', { headers: html })).statusCode, 403);
  });
});
