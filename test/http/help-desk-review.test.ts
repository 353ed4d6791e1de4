// An outside review of the help desk (issue 15), on SQLite and PostgreSQL: the holes found, each pinned by a test.
// - A role change that lands between an action's admission and its transaction (an administrator promoting the
//   person, or two administrators demoting each other) must not let the action through on stale roles.
// - An emailed caller code proves the mailbox only, which is what a self-service reset proves already: it must not
//   remove the person's last second factor (that would be the path around it the issue rules out).
// - The reason on the caller routes is one line, as on the other actions.
// - Bad, huge and odd input on every help desk route is a 4xx with a code, never a 500.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { registerAccount } from '../../src/flows/register.js';
import type { Role } from '../../src/core/admin-permissions.js';
import type { Repositories, Store } from '../../src/store/index.js';

const WHY = { reason: 'Caller lost their phone', ticket: 'HD-77' };

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`help desk review (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed' } });
    });
    after(() => t.close());

    async function make(role: Role): Promise<{ id: string; email: string }> {
      const email = `${role}-${++n}@example.org`;
      const { account } = await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
      return { id: account.id, email };
    }
    async function signedIn(email: string): Promise<TestClient> {
      const c = t.client();
      const res = await c.signIn(email, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
      return c;
    }
    const base = (id: string): string => `/api/v1/admin/accounts/${id}`;
    const roleOf = async (id: string): Promise<Role | undefined> => (await t.store.accounts.findAccountById(id))?.role;

    /**
     * Lets `meanwhile` commit just before the next transaction the app opens: another request's change that lands
     * after this request was admitted (its roles read) and before its own transaction (deterministic, no sleeps).
     */
    function beforeNextTransaction(meanwhile: (store: Store) => Promise<void>): void {
      const store = t.app.deps.store;
      const original = store.transaction.bind(store);
      store.transaction = async <T>(fn: (tx: Repositories) => Promise<T>): Promise<T> => {
        store.transaction = original;
        await meanwhile(store);
        return original(fn);
      };
    }

    it('an agent’s action that lands after an administrator promoted the person is refused, and changes nothing', async () => {
      const agent = await signedIn((await make('helpdesk')).email);
      const p = await make('user');
      beforeNextTransaction((store) => store.accounts.setRole(p.id, 'admin', t.clock.now()));
      const res = await agent.post(`${base(p.id)}/disable`, WHY);
      assert.equal(errorCode(res), 'FORBIDDEN', res.body);
      assert.equal((await t.store.accounts.findAccountById(p.id))?.status, 'active');
    });

    it('two administrators demoting each other at once: the second is refused, an administrator remains', async () => {
      const a = await make('admin');
      const b = await make('admin');
      const asA = await signedIn(a.email);
      // B's demotion of A commits after A's request was admitted (A still an administrator then).
      beforeNextTransaction((store) => store.accounts.setRole(a.id, 'user', t.clock.now()));
      const res = await asA.post(`${base(b.id)}/role`, { ...WHY, role: 'user' });
      assert.equal(errorCode(res), 'FORBIDDEN', res.body);
      assert.equal(await roleOf(b.id), 'admin', 'B is still an administrator');
    });

    it('an administrator disabled meanwhile cannot act on stale admission', async () => {
      const a = await make('admin');
      const p = await make('user');
      const asA = await signedIn(a.email);
      beforeNextTransaction((store) => store.accounts.setStatus(a.id, 'disabled', t.clock.now()));
      assert.equal(errorCode(await asA.post(`${base(p.id)}/disable`, WHY)), 'FORBIDDEN');
      assert.equal((await t.store.accounts.findAccountById(p.id))?.status, 'active');
    });

    async function withApp(p: { email: string }): Promise<{ secret: string; factorId: string }> {
      const owner = await signedIn(p.email);
      const { secret } = (await owner.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      const confirmed = await owner.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      return { secret, factorId: (confirmed.json() as { factor: { id: string } }).factor.id };
    }
    async function verifyByEmail(agent: TestClient, p: { id: string; email: string }): Promise<void> {
      t.clock.advance(1000);
      assert.equal((await agent.post(`${base(p.id)}/caller-verification`, { method: 'email-code' })).statusCode, 202);
      const mail = (await t.store.outbox.listMessages({ limit: 20, to: p.email })).find((m) => m.template === 'caller-verification-code');
      const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1] ?? '';
      assert.equal((await agent.post(`${base(p.id)}/caller-verification/confirm`, { code })).statusCode, 200);
    }

    it('a caller verified only by an emailed code cannot remove the last second factor (the mailbox alone is what a reset proves)', async () => {
      const p = await make('user');
      const { secret, factorId } = await withApp(p);
      const agent = await signedIn((await make('helpdesk')).email);
      await verifyByEmail(agent, p);
      const refused = await agent.delete(`${base(p.id)}/factors/${factorId}`, { body: WHY });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(errorCode(refused), 'CALLER_VERIFICATION_TOO_WEAK');
      assert.equal(await t.store.twoFactor.countConfirmedFactors(p.id), 1, 'the factor stays');
      // Nor does the temporary password then open the account without it: the sign-in still asks for the app.
      const issued = await agent.post(`${base(p.id)}/temporary-password`, WHY);
      assert.equal(issued.statusCode, 200, issued.body);
      const temp = (issued.json() as { temporaryPassword: string }).temporaryPassword;
      const attempt = await t.client().signIn(p.email, temp);
      assert.equal(attempt.statusCode, 200, attempt.body);
      assert.equal((attempt.json() as { status: string }).status, 'second_factor_required');
      // A caller who reads the app's current code may have it removed (say, to set up a new phone).
      t.clock.advance(30_000);
      const byApp = await agent.post(`${base(p.id)}/caller-verification/confirm`, { method: 'totp', code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(byApp.statusCode, 200, byApp.body);
      assert.equal((await agent.delete(`${base(p.id)}/factors/${factorId}`, { body: WHY })).statusCode, 200);
    });

    it('"This wasn’t me" on the temporary password notice ends the agent’s verified caller: no second one overrides the report', async () => {
      const p = await make('user');
      const agent = await signedIn((await make('helpdesk')).email);
      await verifyByEmail(agent, p);
      assert.equal((await agent.post(`${base(p.id)}/temporary-password`, WHY)).statusCode, 200);
      const notice = (await t.store.outbox.listMessages({ limit: 20, to: p.email })).find((m) => m.template === 'temporary-password-issued');
      const token = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(notice?.text ?? '')?.[1];
      assert.ok(token, 'the notice has the link');
      const reported = await t.client().post('/api/v1/not-me', { token });
      assert.ok(reported.statusCode < 300, reported.body);
      const again = await agent.post(`${base(p.id)}/temporary-password`, WHY);
      assert.equal(errorCode(again), 'CALLER_NOT_VERIFIED', again.body);
      assert.equal((await t.store.accounts.findAccountById(p.id))?.mustChangeReason, 'reported', 'the report stands');
    });

    it('the reason on the caller routes is one line, as on every other action', async () => {
      const p = await make('user');
      const agent = await signedIn((await make('helpdesk')).email);
      await verifyByEmail(agent, p);
      for (const reason of ['line one\nline two', 'tab\there', 'bidi \u202e override']) {
        const res = await agent.post(`${base(p.id)}/temporary-password`, { reason });
        assert.equal(res.statusCode, 400, `${JSON.stringify(reason)}: ${res.body}`);
        const removed = await agent.delete(`${base(p.id)}/factors/recovery-codes`, { body: { reason } });
        assert.equal(removed.statusCode, 400, `${JSON.stringify(reason)}: ${removed.body}`);
      }
    });

    it('bad, huge and odd input on every help desk route: a 4xx with a code, never a 500', async () => {
      const admin = await signedIn((await make('admin')).email);
      const p = await make('user');
      const odd = ['%00', '%E2%80%AE', '..%2F..%2Fetc', 'x'.repeat(300), '%F0%9F%98%80', "'%20OR%201%3D1--", '%C0%AF', '%25'];
      const urls: string[] = [];
      for (const v of odd) {
        urls.push(
          `/api/v1/admin/accounts?q=${v}`,
          `/api/v1/admin/accounts?cursor=${v}`,
          `/api/v1/admin/accounts?status=${v}`,
          `/api/v1/admin/accounts?limit=${v}`,
        );
        urls.push(`/api/v1/admin/accounts/${v}`);
        for (const q of ['person', 'actor', 'type', 'from', 'to', 'cursor', 'limit', 'format']) urls.push(`/api/v1/admin/audit?${q}=${v}`);
        urls.push(`/api/v1/admin/audit?person=${v}@example.org`, `/api/v1/admin/audit?person=@${v}`, `/api/v1/admin/audit?person=a@b@${v}`);
      }
      urls.push('/api/v1/admin/audit?cursor=9999999999999999', '/api/v1/admin/audit?from=2026-01-01T00:00:00Z&to=1900-01-01T00:00:00Z');
      for (const url of urls) {
        const res = await admin.get(url);
        assert.ok(res.statusCode < 500, `${url}: ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.ok(errorCode(res), `${url}: a stable code`);
      }
      const bodies: unknown[] = [
        '{',
        '[]',
        'null',
        { reason: 'x'.repeat(100_000) },
        { reason: ['a'] },
        { reason: 'ok reason', extra: 1 },
        { reason: 'ok reason', ticket: 'x'.repeat(65) },
        { reason: 'ok reason', role: 'root' },
        { reason: 'ok reason', method: 'sms', code: '1' },
        { method: 'totp', code: 'x'.repeat(17) },
        { method: 'email-code', code: '١٢٣٤٥٦٧٨' },
      ];
      const paths = [
        'disable',
        'role',
        'caller-verification',
        'caller-verification/confirm',
        'temporary-password',
        'factors/%E2%80%AE/remove',
        `factors/${'f'.repeat(65)}/remove`,
      ];
      for (const path of paths) {
        for (const body of bodies) {
          const res = await admin.post(`${base(p.id)}/${path}`, body);
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${path} ${JSON.stringify(body).slice(0, 40)}: ${res.statusCode} ${res.body}`);
          assert.ok(errorCode(res), `${path}: a stable code`);
        }
      }
    });
  });
}
