// The help desk API (issue 15) on SQLite and PostgreSQL: each action does what it says, the person is emailed,
// the audit log names who, whom and why; a stale agent session must step up; no reason, no action; and the
// permission matrix (core/admin-permissions.ts) walked through HTTP — every admin route × every caller role ×
// every target role and the caller's own account — plus IDOR attempts (an unknown id, an id in another form).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { registerAccount } from '../../src/flows/register.js';
import { refusalFor, type AdminAction, type Role } from '../../src/core/admin-permissions.js';
import { signInLimits } from '../../src/methods/account-limit.js';
import type { Account } from '../../src/store/index.js';
import { deletedAccountReference } from '../../src/flows/help-desk/delete-account.js';
import { routeTable } from '../../src/http/plugins/input-hygiene.js';

/** Beyond the 10-minute step-up window, inside the 1-hour idle timeout. */
const STALE_MS = 11 * 60_000;
const WHY = { reason: 'Caller asked by phone', ticket: 'INC-1001' };

interface Route {
  name: string;
  action: AdminAction;
  method: 'GET' | 'POST' | 'DELETE';
  /** The URL for a target id (untargeted routes ignore it). */
  url(id: string): string;
  body?(target: Account | null): unknown;
}

const ACTION_ROUTES: Array<[string, AdminAction]> = [
  ['reset-email', 'reset.send'],
  ['require-change', 'password.require_change'],
  ['unlock', 'account.unlock'],
  ['disable', 'account.disable'],
  ['enable', 'account.enable'],
  ['sign-out', 'sessions.revoke'],
];

const TARGETED: Route[] = [
  { name: 'view', action: 'account.view', method: 'GET', url: (id) => `/api/v1/admin/accounts/${encodeURIComponent(id)}` },
  ...ACTION_ROUTES.map(
    ([path, action]): Route => ({
      name: path,
      action,
      method: 'POST',
      url: (id) => `/api/v1/admin/accounts/${encodeURIComponent(id)}/${path}`,
      body: () => WHY,
    }),
  ),
  {
    name: 'role',
    action: 'role.set',
    method: 'POST',
    url: (id) => `/api/v1/admin/accounts/${encodeURIComponent(id)}/role`,
    body: (target) => ({ ...WHY, role: target?.role === 'user' ? 'helpdesk' : 'user' }),
  },
  { name: 'delete', action: 'account.delete', method: 'DELETE', url: (id) => `/api/v1/admin/accounts/${encodeURIComponent(id)}`, body: () => WHY },
  { name: 'export data', action: 'account.export', method: 'GET', url: (id) => `/api/v1/admin/accounts/${encodeURIComponent(id)}/export` },
];
const UNTARGETED: Route[] = [
  { name: 'search', action: 'accounts.search', method: 'GET', url: () => '/api/v1/admin/accounts?q=example' },
  { name: 'audit', action: 'audit.read', method: 'GET', url: () => '/api/v1/admin/audit' },
  { name: 'audit export', action: 'audit.read', method: 'GET', url: () => '/api/v1/admin/audit?format=csv' },
  {
    name: 'import',
    action: 'accounts.import',
    method: 'POST',
    url: () => '/api/v1/admin/accounts/import',
    body: () => ({ ...WHY, format: 'csv', data: 'email,name,role,password_hash\n' }),
  },
  { name: 'export accounts', action: 'accounts.export', method: 'POST', url: () => '/api/v1/admin/accounts/export', body: () => ({ ...WHY, format: 'csv' }) },
];
/** Admin routes whose matrix walk is in test/http/help-desk-caller.test.ts (they need a verified caller first). */
const WALKED_ELSEWHERE = [
  'POST /api/v1/admin/accounts/:id/caller-verification',
  'POST /api/v1/admin/accounts/:id/caller-verification/confirm',
  'POST /api/v1/admin/accounts/:id/temporary-password',
  'DELETE /api/v1/admin/accounts/:id/factors/:factorId',
  'POST /api/v1/admin/accounts/:id/factors/:factorId/remove',
  // Two-person approval: every role against these in test/http/help-desk-approval.test.ts.
  'GET /api/v1/admin/approvals',
  'GET /api/v1/admin/approvals/:id',
  'POST /api/v1/admin/approvals/:id/approve',
  'POST /api/v1/admin/approvals/:id/reject',
  'POST /api/v1/admin/approvals/:id/cancel',
];
const ROLES: Role[] = ['user', 'helpdesk', 'admin'];

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`help desk API (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    const actors = new Map<Role, Account>();
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed' } });
      for (const role of ROLES) actors.set(role, await makeAccount(role, { password: true }));
    });
    after(() => t.close());

    /** An account of `role`: with a password when it signs in, else straight into the store (no hashing). */
    async function makeAccount(role: Role, o: { password?: boolean } = {}): Promise<Account> {
      const email = `${role}-${++n}@example.org`;
      if (o.password) {
        const r = await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
        return r.account;
      }
      const made = await t.rawStore.accounts.createAccount({
        id: t.app.deps.random.uuid(),
        email,
        emailNormalized: email,
        displayName: `Person ${n}`,
        role,
        passwordHash: null,
        now: t.clock.now(),
      });
      assert.ok(made);
      return made;
    }
    async function signedIn(account: Account): Promise<TestClient> {
      const c = t.client();
      const res = await c.signIn(account.email, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
      return c;
    }
    const send = (c: TestClient, route: Route, target: Account | null, id?: string): Promise<LightMyRequestResponse> =>
      c.request(route.method, route.url(id ?? target?.id ?? ''), route.body ? { body: route.body(target) } : {});
    async function adminEvents(type: string, accountId: string) {
      if (type === 'admin.account.delete') {
        // A deleted account is named by its reference, never its id.
        const subject = deletedAccountReference(t.app.deps, accountId);
        return (await t.store.events.queryEvents({ type, limit: 1000 })).filter((e) => e.detail?.['subject'] === subject);
      }
      return (await t.store.events.listEvents(accountId, { limit: 50 })).filter((e) => e.type === type);
    }
    async function mailTo(account: Account, template: string) {
      return (await t.store.outbox.listMessages({ limit: 50, accountId: account.id })).filter((m) => m.template === template && m.to === account.email);
    }

    describe('each action does what it says, audited and told', () => {
      let desk: TestClient;
      let deskAccount: Account;
      before(async () => {
        deskAccount = await makeAccount('helpdesk', { password: true });
        desk = await signedIn(deskAccount);
      });

      async function audited(action: AdminAction, person: Account): Promise<void> {
        const [event] = await adminEvents(`admin.${action}`, person.id);
        assert.ok(event, `admin.${action} recorded`);
        assert.equal(event.actorId, deskAccount.id, 'names the actor');
        assert.equal(event.accountId, person.id, 'names whom');
        assert.equal(event.detail?.['reason'], WHY.reason);
        assert.equal(event.detail?.['ticket'], WHY.ticket);
      }

      it('require a new password: the next sign-in must change it; the person is emailed with the reason', async () => {
        const person = await makeAccount('user', { password: true });
        const res = await desk.post(`/api/v1/admin/accounts/${person.id}/require-change`, WHY);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().account.mustChangePassword, true);
        const stored = await t.store.accounts.findAccountById(person.id);
        assert.equal(stored?.mustChangeReason, 'admin');
        await audited('password.require_change', person);
        const [mail] = await mailTo(person, 'account-changed-by-admin');
        assert.ok(mail, 'the person is told');
        assert.ok(mail.text.includes(WHY.reason) && mail.text.includes('/not-me?token='), 'with the reason and "This wasn’t me"');
      });

      it('disable ends every session and refuses sign-in; enable lets the person back in', async () => {
        const person = await makeAccount('user', { password: true });
        const own = await signedIn(person);
        const res = await desk.post(`/api/v1/admin/accounts/${person.id}/disable`, WHY);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().account.status, 'disabled');
        assert.equal(res.json().sessionsEnded, 1);
        assert.equal((await own.get('/api/v1/session')).statusCode, 401, 'the session ended');
        assert.notEqual((await t.client().signIn(person.email, PASSWORD)).statusCode, 201, 'no sign-in');
        await audited('account.disable', person);
        assert.equal((await mailTo(person, 'account-disabled-by-admin')).length, 1);
        assert.equal(errorCode(await desk.post(`/api/v1/admin/accounts/${person.id}/reset-email`, WHY)), 'ACCOUNT_DISABLED');
        const enabled = await desk.post(`/api/v1/admin/accounts/${person.id}/enable`, WHY);
        assert.equal(enabled.json().account.status, 'active');
        await audited('account.enable', person);
        assert.equal((await t.client().signIn(person.email, PASSWORD)).statusCode, 201);
      });

      it('sign out everywhere ends every session of the person', async () => {
        const person = await makeAccount('user', { password: true });
        const a = await signedIn(person);
        const b = await signedIn(person);
        const res = await desk.post(`/api/v1/admin/accounts/${person.id}/sign-out`, WHY);
        assert.equal(res.json().sessionsEnded, 2);
        for (const c of [a, b]) assert.equal((await c.get('/api/v1/session')).statusCode, 401);
        await audited('sessions.revoke', person);
        assert.equal((await mailTo(person, 'account-changed-by-admin')).length, 1);
      });

      it('send a reset email: the normal reset email, as if the person had asked', async () => {
        const person = await makeAccount('user', { password: true });
        const res = await desk.post(`/api/v1/admin/accounts/${person.id}/reset-email`, WHY);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal((await mailTo(person, 'password-reset-requested')).length, 1);
        assert.equal((await adminEvents('password.reset_requested', person.id)).length, 1);
        await audited('reset.send', person);
      });

      it('unlock forgets Passdesk’s sign-in lock; the view and the "locked" filter show it before', async () => {
        const person = await makeAccount('user', { password: true });
        const limits = signInLimits(t.app.deps);
        assert.ok(limits);
        const subject = limits.accountSubject(person.emailNormalized);
        const now = t.clock.now();
        for (let i = 0; i < limits.accountRule.limit; i++) await t.store.signInLimits.claimSignInAttempt(subject, { ...limits.accountRule, delays: null }, now);
        await t.store.events.recordEvent({ accountId: person.id, type: 'signin.locked', now });
        assert.equal((await t.client().signIn(person.email, PASSWORD)).statusCode, 429, 'locked');
        const view = (await desk.get(`/api/v1/admin/accounts/${person.id}`)).json();
        assert.equal(view.lock.locked, true);
        assert.equal(view.lock.reason, 'sign-in-failures');
        const locked = (await desk.get('/api/v1/admin/accounts?status=locked')).json().accounts.map((a: { id: string }) => a.id);
        assert.ok(locked.includes(person.id));
        const res = await desk.post(`/api/v1/admin/accounts/${person.id}/unlock`, WHY);
        assert.equal(res.json().wasLocked, true);
        await audited('account.unlock', person);
        const own = t.client();
        assert.equal((await own.signIn(person.email, PASSWORD)).statusCode, 201, 'signs in again');
        assert.ok(!(await desk.get('/api/v1/admin/accounts?status=locked')).json().accounts.some((a: { id: string }) => a.id === person.id));
        // The person's own activity page says who did it.
        const activity = (await own.get('/api/v1/activity')).json().activity as Array<{ type: string; label: string }>;
        assert.ok(activity.some((e) => e.type === 'admin.account.unlock' && e.label === 'The help desk unlocked sign-in'));
      });

      it('the account view: status, role, password, factors by name and date, devices, activity — and no secret', async () => {
        const person = await makeAccount('user', { password: true });
        const own = await signedIn(person);
        const totp = await own.post('/api/v1/2fa/totp', {});
        assert.equal(totp.statusCode, 201, totp.body);
        const res = await desk.get(`/api/v1/admin/accounts/${person.id}`);
        assert.equal(res.statusCode, 200, res.body);
        const view = res.json();
        assert.equal(view.account.email, person.email);
        assert.equal(view.password.storedIn, 'passdesk');
        assert.equal(view.devices.length, 1);
        assert.ok(view.activity.some((e: { type: string }) => e.type === 'signin.succeeded'));
        assert.equal(view.directory, null);
        assert.deepEqual(view.secondFactors, [], 'an unconfirmed app is not a factor');
        assert.ok(!res.body.includes((totp.json() as { secret: string }).secret), 'never the seed');
        assert.doesNotMatch(res.body, /password_?hash|\$argon2/i);
      });

      it('search: by part of the email or name, or the id, with status filters; an agent finds only people with the user role', async () => {
        const person = await makeAccount('user');
        const admin = actors.get('admin');
        assert.ok(admin);
        const byEmail = (await desk.get(`/api/v1/admin/accounts?q=${encodeURIComponent(person.email.slice(0, -4).toUpperCase())}`)).json();
        assert.deepEqual(
          byEmail.accounts.map((a: { id: string }) => a.id),
          [person.id],
        );
        assert.equal((await desk.get(`/api/v1/admin/accounts?q=${person.id}`)).json().accounts[0].id, person.id);
        assert.deepEqual(
          (await desk.get(`/api/v1/admin/accounts?q=${encodeURIComponent(admin.email)}`)).json().accounts,
          [],
          'no administrator in an agent’s list',
        );
        assert.deepEqual((await desk.get('/api/v1/admin/accounts?q=%25')).json().accounts, [], 'a LIKE wildcard is a plain character');
        await desk.post(`/api/v1/admin/accounts/${person.id}/disable`, WHY);
        const disabled = (await desk.get('/api/v1/admin/accounts?status=disabled,no-second-factor&limit=100')).json();
        assert.ok(disabled.accounts.some((a: { id: string }) => a.id === person.id));
        assert.ok(disabled.accounts.every((a: { status: string; role: string }) => a.status === 'disabled' && a.role === 'user'));
        const first = (await desk.get('/api/v1/admin/accounts?limit=1')).json();
        assert.equal(first.accounts.length, 1);
        const second = (await desk.get(`/api/v1/admin/accounts?limit=1&cursor=${first.nextCursor}`)).json();
        assert.ok(second.accounts[0].email > first.accounts[0].email, 'the cursor pages on');
        assert.equal((await desk.get('/api/v1/admin/accounts?status=sleeping')).statusCode, 400);
      });

      it('a directory account: the view says changes are Passdesk’s side only; disable and enable act here', async () => {
        const email = `dir-${++n}@example.org`;
        const linked = await t.rawStore.accounts.linkDirectoryAccount({
          id: t.app.deps.random.uuid(),
          directoryId: `entry-${n}`,
          email,
          emailNormalized: email,
          displayName: 'Directory Person',
          role: 'user',
          passwordChangedAt: null,
          now: t.clock.now(),
        });
        assert.ok(linked);
        const view = (await desk.get(`/api/v1/admin/accounts/${linked.id}`)).json();
        assert.deepEqual(view.directory, { directoryId: `entry-${n}`, passdeskSideOnly: true });
        assert.equal(view.password.storedIn, 'directory');
        assert.equal((await desk.post(`/api/v1/admin/accounts/${linked.id}/disable`, WHY)).json().account.status, 'disabled');
        assert.equal((await desk.post(`/api/v1/admin/accounts/${linked.id}/enable`, WHY)).json().account.status, 'active');
        assert.equal((await desk.post(`/api/v1/admin/accounts/${linked.id}/unlock`, WHY)).statusCode, 200);
      });

      it('no reason, a blank one or a multi-line one: 400 and nothing done', async () => {
        const person = await makeAccount('user');
        for (const body of [{}, { reason: '  ' }, { reason: 'ok' }, { reason: 'two\nlines' }, { ...WHY, extra: 1 }]) {
          const res = await desk.post(`/api/v1/admin/accounts/${person.id}/disable`, body);
          assert.equal(res.statusCode, 400, JSON.stringify(body));
        }
        assert.equal((await t.store.accounts.findAccountById(person.id))?.status, 'active');
        assert.equal((await adminEvents('admin.account.disable', person.id)).length, 0);
      });

      it('without the Origin check passing, an unsafe request is refused', async () => {
        const person = await makeAccount('user');
        const res = await desk.request('POST', `/api/v1/admin/accounts/${person.id}/disable`, { body: WHY, headers: { origin: 'https://evil.example' } });
        assert.equal(res.statusCode, 403);
        assert.equal((await t.store.accounts.findAccountById(person.id))?.status, 'active');
      });
    });

    describe('step-up', () => {
      it('a stale agent session gets REAUTHENTICATION_REQUIRED on every route and changes nothing; after reauthenticating it works', async () => {
        const agent = await makeAccount('admin', { password: true });
        const c = await signedIn(agent);
        t.clock.advance(STALE_MS);
        for (const route of [...TARGETED, ...UNTARGETED]) {
          const target = await makeAccount('user');
          const res = await send(c, route, target);
          assert.equal(res.statusCode, 403, `${route.name}: ${res.body}`);
          assert.equal(errorCode(res), 'REAUTHENTICATION_REQUIRED', route.name);
          if (route.method !== 'GET') assert.equal((await adminEvents(`admin.${route.action}`, target.id)).length, 0);
        }
        assert.equal((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
        const target = await makeAccount('user');
        assert.equal((await c.post(`/api/v1/admin/accounts/${target.id}/disable`, WHY)).statusCode, 200);
      });
    });

    describe('the permission matrix through HTTP', () => {
      const clients = new Map<Role, TestClient>();

      it('walks every admin API route of the running app (a route added later must join the lists above)', async () => {
        await t.app.server.ready();
        const listed = routeTable(t.app.server)
          .filter((r) => r.url.startsWith('/api/v1/admin/') && r.method !== 'HEAD')
          .map((r) => `${r.method} ${r.url}`);
        const walked = [...TARGETED, ...UNTARGETED].map((r) => `${r.method} ${r.url(':id').replace('%3Aid', ':id').split('?')[0]}`);
        assert.deepEqual([...new Set(listed)].sort(), [...new Set([...walked, ...WALKED_ELSEWHERE])].sort());
      });
      before(async () => {
        for (const role of ROLES) {
          const actor = actors.get(role);
          assert.ok(actor);
          clients.set(role, await signedIn(actor));
        }
      });

      for (const role of ROLES) {
        for (const route of TARGETED) {
          it(`${role} → ${route.name} on each target role and on themselves: the status the matrix says`, async () => {
            const c = clients.get(role);
            const me = actors.get(role);
            assert.ok(c && me);
            for (const targetRole of [...ROLES, 'self'] as const) {
              const target: Account = targetRole === 'self' ? me : await makeAccount(targetRole);
              const refusal = refusalFor(me, route.action, target);
              const res = await send(c, route, target);
              const label = `${role} → ${route.name} on ${targetRole}`;
              assert.equal(res.statusCode, refusal === null ? 200 : 403, `${label}: ${res.body}`);
              if (refusal !== null) assert.equal(errorCode(res), 'FORBIDDEN', label);
              if (route.method !== 'GET')
                assert.equal((await adminEvents(`admin.${route.action}`, target.id)).length, refusal === null ? 1 : 0, `${label}: audited`);
            }
          });

          it(`${role} → ${route.name} on an unknown id, or an id in another form: 404 when the role may act at all, else 403`, async () => {
            const c = clients.get(role);
            const me = actors.get(role);
            assert.ok(c && me);
            const mayAct = refusalFor(me, route.action) === null;
            const someone = await makeAccount('user');
            for (const id of [t.app.deps.random.uuid(), someone.id.toUpperCase(), someone.email, ` ${someone.id}`, `../${someone.id}`]) {
              const res = await send(c, route, someone, id);
              assert.equal(res.statusCode, mayAct ? 404 : 403, `${role} → ${route.name} ${JSON.stringify(id)}: ${res.body}`);
            }
            assert.equal((await t.store.accounts.findAccountById(someone.id))?.status, 'active', 'nothing happened to the person');
          });
        }

        for (const route of UNTARGETED) {
          it(`${role} → ${route.name}: the status the matrix says`, async () => {
            const c = clients.get(role);
            const me = actors.get(role);
            assert.ok(c && me);
            const res = await send(c, route, null);
            assert.equal(res.statusCode, refusalFor(me, route.action) === null ? 200 : 403, res.body);
          });
        }
      }

      it('a signed-out caller gets 401 from every route', async () => {
        const target = await makeAccount('user');
        for (const route of [...TARGETED, ...UNTARGETED]) assert.equal((await send(t.client(), route, target)).statusCode, 401, route.name);
      });

      it('an administrator gives a role and ends the person’s sessions; the role is refused to anyone else even when offered', async () => {
        const admin = clients.get('admin');
        const desk = clients.get('helpdesk');
        assert.ok(admin && desk);
        const person = await makeAccount('user', { password: true });
        const own = await signedIn(person);
        assert.equal(errorCode(await desk.post(`/api/v1/admin/accounts/${person.id}/role`, { ...WHY, role: 'admin' })), 'FORBIDDEN');
        const res = await admin.post(`/api/v1/admin/accounts/${person.id}/role`, { ...WHY, role: 'helpdesk' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().account.role, 'helpdesk');
        assert.equal((await own.get('/api/v1/session')).statusCode, 401, 'sessions under the old role end');
        const [event] = await adminEvents('admin.role.set', person.id);
        assert.deepEqual([event?.detail?.['from'], event?.detail?.['to']], ['user', 'helpdesk']);
        assert.equal((await admin.post(`/api/v1/admin/accounts/${person.id}/role`, { ...WHY, role: 'helpdesk' })).statusCode, 400, 'unchanged');
      });
    });

    describe('the audit log', () => {
      it('filters by person, actor, type and time, in pages; exports CSV (formula cells defused) and JSON Lines as downloads', async () => {
        const adminAccount = await makeAccount('admin', { password: true });
        const admin = await signedIn(adminAccount);
        const person = await makeAccount('user');
        const start = new Date(t.clock.now()).toISOString();
        for (const path of ['require-change', 'sign-out', 'disable'])
          assert.equal((await admin.post(`/api/v1/admin/accounts/${person.id}/${path}`, WHY)).statusCode, 200);
        await t.store.events.recordEvent({
          accountId: person.id,
          type: 'signin.failed',
          now: t.clock.now(),
          device: '=HYPERLINK("https://evil.example")',
          ip: '@SUM(1)',
        });
        // Every read below is itself recorded about the person (test/http/help-desk-console-data.test.ts); a second
        // later, so `to=${end}` leaves those reads out of the pages and exports checked here.
        t.clock.advance(1000);
        const end = new Date(t.clock.now()).toISOString();

        const byActor = (await admin.get(`/api/v1/admin/audit?actor=${adminAccount.id}`)).json();
        assert.deepEqual(
          byActor.events.map((e: { type: string }) => e.type),
          ['admin.account.disable', 'admin.sessions.revoke', 'admin.password.require_change'],
        );
        assert.ok(
          byActor.events.every(
            (e: { actorId: string; accountId: string; detail: { reason: string } }) =>
              e.actorId === adminAccount.id && e.accountId === person.id && e.detail.reason === WHY.reason,
          ),
        );
        const byEmail = (await admin.get(`/api/v1/admin/audit?person=${encodeURIComponent(person.email)}&type=admin.*`)).json();
        assert.equal(byEmail.events.length, 3);
        const one = (await admin.get(`/api/v1/admin/audit?person=${person.id}&type=admin.account.disable&from=${start}`)).json();
        assert.equal(one.events.length, 1);
        assert.equal((await admin.get(`/api/v1/admin/audit?person=${person.id}&to=${start}`)).json().events.length, 0);
        const page1 = (await admin.get(`/api/v1/admin/audit?person=${person.id}&to=${end}&limit=2`)).json();
        assert.equal(page1.events.length, 2);
        const page2 = (await admin.get(`/api/v1/admin/audit?person=${person.id}&to=${end}&limit=2&cursor=${page1.nextCursor}`)).json();
        assert.equal(page2.events.length, 2);
        assert.equal(page2.nextCursor, null);
        assert.equal((await admin.get('/api/v1/admin/audit?cursor=abc')).statusCode, 400);

        const csv = await admin.get(`/api/v1/admin/audit?person=${person.id}&to=${end}&format=csv`);
        assert.equal(csv.statusCode, 200);
        assert.match(String(csv.headers['content-type']), /^text\/csv/);
        assert.match(String(csv.headers['content-disposition']), /^attachment; filename="passdesk-audit-\d{4}-\d\d-\d\d\.csv"$/);
        const lines = csv.body.trimEnd().split('\r\n');
        assert.equal(lines[0], 'id,time,type,account_id,actor_id,ip,device,session_id,detail');
        assert.equal(lines.length, 5);
        assert.ok(lines[1]?.includes(`'@SUM(1),"'=HYPERLINK(""https://evil.example"")"`), lines[1]);
        const jsonl = await admin.get(`/api/v1/admin/audit?person=${person.id}&to=${end}&format=jsonl`);
        assert.match(String(jsonl.headers['content-disposition']), /^attachment; .*\.jsonl"$/);
        const rows = jsonl.body
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; actorId: string | null });
        assert.deepEqual(
          rows.map((r) => r.type),
          ['signin.failed', 'admin.account.disable', 'admin.sessions.revoke', 'admin.password.require_change'],
        );
      });
    });
  });
}
