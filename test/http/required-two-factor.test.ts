// Two-step verification required by role (issue 15, PASSDESK_REQUIRE_TWO_FACTOR_ROLES) on SQLite and PostgreSQL:
// a person of such a role without a second factor is signed in, but the session reaches only the two-factor setup
// (and step-up, a forced password change, the session, sign out) until a factor is confirmed: the API answers 403
// TWO_FACTOR_SETUP_REQUIRED saying where to go, pages lead to /security/two-factor with a sentence why.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { registerAccount } from '../../src/flows/register.js';
import type { Role } from '../../src/core/admin-permissions.js';
import { english } from '../../src/core/messages.js';

const NOTICE = english.t('notice.TWO_FACTOR_REQUIRED');

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`required two-step verification by role (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed', requireTwoFactorRoles: ['helpdesk', 'admin'] } });
    });
    after(() => t.close());

    async function signedIn(role: Role): Promise<TestClient> {
      const email = `${role}-${++n}@example.org`;
      await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
      const c = t.client();
      assert.equal((await c.signIn(email, PASSWORD)).statusCode, 201);
      return c;
    }

    it('an administrator without a second factor reaches only the setup: API 403 with where to go, pages redirected with why', async () => {
      const c = await signedIn('admin');
      for (const url of ['/api/v1/sessions', '/api/v1/admin/accounts?q=x', '/api/v1/admin/audit']) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
        assert.equal(errorCode(res), 'TWO_FACTOR_SETUP_REQUIRED', url);
        assert.equal(res.json().error.details?.setupPage, '/security/two-factor');
      }
      const revoke = await c.post('/api/v1/sessions/revoke-others', {});
      assert.equal(errorCode(revoke), 'TWO_FACTOR_SETUP_REQUIRED');
      assert.equal((await c.get('/api/v1/session')).statusCode, 200, 'the session itself answers');
      for (const page of ['/security', '/security/email']) {
        const res = await c.get(page, { headers: { accept: 'text/html' } });
        assert.equal(res.statusCode, 303, page);
        assert.equal(res.headers.location, '/security/two-factor?notice=two-factor-required', page);
      }
      const setup = await c.get('/security/two-factor?notice=two-factor-required', { headers: { accept: 'text/html' } });
      assert.equal(setup.statusCode, 200);
      assert.ok(setup.body.includes(NOTICE.slice(0, 60)), 'the page says why');

      // An authenticator app set up and confirmed through the API: the session is past the rule at once.
      const start = await c.post('/api/v1/2fa/totp', {});
      assert.equal(start.statusCode, 201, start.body);
      const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(start.json().secret, { now: t.clock.now() }) });
      assert.equal(confirm.statusCode, 200, confirm.body);
      assert.equal((await c.get('/api/v1/sessions')).statusCode, 200);
      assert.equal((await c.get('/security', { headers: { accept: 'text/html' } })).statusCode, 200);
      // The role keeps its last factor: removing it is refused until another is added.
      const remove = await c.request('DELETE', `/api/v1/2fa/totp/${start.json().id}`, { body: { currentPassword: PASSWORD } });
      assert.equal(remove.statusCode, 409, remove.body);
      assert.equal(errorCode(remove), 'TWO_FACTOR_REQUIRED_BY_ROLE');
      assert.equal(await t.store.twoFactor.countConfirmedFactors((await c.get('/api/v1/session')).json().account.id), 1);
    });

    it('a role not required is not restricted', async () => {
      const user = await signedIn('user');
      assert.equal((await user.get('/api/v1/sessions')).statusCode, 200);
      assert.equal((await user.get('/security', { headers: { accept: 'text/html' } })).statusCode, 200);
    });

    it('sign-out stays open to a restricted session', async () => {
      const c = await signedIn('helpdesk');
      assert.equal(errorCode(await c.get('/api/v1/sessions')), 'TWO_FACTOR_SETUP_REQUIRED');
      assert.equal((await c.request('DELETE', '/api/v1/session')).statusCode, 204);
      assert.equal((await c.get('/api/v1/session')).statusCode, 401);
    });
  });
}
