// Two-person approval of help desk actions on privileged accounts (issue 15), through HTTP on SQLite and PostgreSQL:
// with PASSDESK_ADMIN_APPROVAL on, an action on an administrator or an agent answers 202 with a stored request and
// changes nothing; approvers are emailed, the person told; a second, different, active administrator approves (the
// action runs then, once, with every check made again) or rejects; never the requester nor the person; the requester
// may cancel; an expired request cannot be approved (an injected clock); a burst of approvers at once runs it once;
// the new routes walk the permission matrix; a person who lost every factor is recovered by two administrators; the
// person's "This wasn't me" cancels what waits; the command line is the audited break-glass path.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { registerAccount } from '../../src/flows/register.js';
import { disableAccount } from '../../src/flows/help-desk/accounts.js';
import { approveRequest } from '../../src/flows/help-desk/approvals.js';
import { importAccounts } from '../../src/flows/help-desk/import.js';
import type { Role } from '../../src/core/admin-permissions.js';
import type { Account } from '../../src/store/index.js';

const WHY = { reason: 'Caller asked by phone', ticket: 'INC-2001' };
const OK = { reason: 'Checked with them by phone', ticket: 'INC-2001' };
const DAY = 86_400_000;
const STALE_MS = 11 * 60_000;

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`two-person approval (${backend})`, () => {
    let t: TestApp;
    let n = 0;
    // The one who asks, and two others who may approve.
    let asker: Account;
    let second: Account;
    let third: Account;
    before(async () => {
      t = await startTestApp({ backend, config: { registration: 'closed', adminApproval: true } });
      asker = await make('admin');
      second = await make('admin');
      third = await make('admin');
    });
    after(() => t.close());

    async function make(role: Role): Promise<Account> {
      const email = `${role}-${++n}@example.org`;
      return (await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' })).account;
    }
    async function as(account: Account): Promise<TestClient> {
      const c = t.client();
      const res = await c.signIn(account.email, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
      return c;
    }
    const base = (id: string): string => `/api/v1/admin/accounts/${id}`;
    const approvals = (id: string): string => `/api/v1/admin/approvals/${id}`;
    const events = async (accountId: string, type: string) => (await t.store.events.listEvents(accountId, { limit: 100 })).filter((e) => e.type === type);
    const mail = async (to: string, template: string) => (await t.store.outbox.listMessages({ limit: 100, to })).filter((m) => m.template === template);
    const current = async (id: string) => t.store.accounts.findAccountById(id);

    /** Asks for an action on a privileged account; expects it to wait. */
    async function ask(
      c: TestClient,
      url: string,
      body: unknown = WHY,
      method: 'POST' | 'DELETE' = 'POST',
    ): Promise<{ id: string; res: LightMyRequestResponse }> {
      const res = await c.request(method, url, { body });
      assert.equal(res.statusCode, 202, res.body);
      return { id: (res.json() as { approval: { id: string } }).approval.id, res };
    }

    describe('an action on a privileged account waits', () => {
      const WAITING: Array<{ name: string; action: string; url: (id: string) => string; body?: unknown; method?: 'DELETE' }> = [
        { name: 'reset email', action: 'reset.send', url: (id) => `${base(id)}/reset-email` },
        { name: 'require a change', action: 'password.require_change', url: (id) => `${base(id)}/require-change` },
        { name: 'unlock', action: 'account.unlock', url: (id) => `${base(id)}/unlock` },
        { name: 'disable', action: 'account.disable', url: (id) => `${base(id)}/disable` },
        { name: 'enable', action: 'account.enable', url: (id) => `${base(id)}/enable` },
        { name: 'role', action: 'role.set', url: (id) => `${base(id)}/role`, body: { ...WHY, role: 'user' } },
        { name: 'delete', action: 'account.delete', url: (id) => base(id), method: 'DELETE' },
      ];
      for (const target of ['admin', 'helpdesk'] as const) {
        for (const w of WAITING) {
          it(`${w.name} on ${target === 'admin' ? 'an administrator' : 'an agent'}: 202 with the request, nothing changed, audited, approvers emailed, the person told`, async () => {
            const c = await as(asker);
            const person = await make(target);
            const before = await current(person.id);
            const { res } = await ask(c, w.url(person.id), w.body ?? WHY, w.method ?? 'POST');
            const approval = (res.json() as { approval: Record<string, unknown> }).approval;
            assert.equal(approval['state'], 'pending');
            assert.equal(approval['action'], w.action);
            assert.equal(approval['expiresAt'], new Date(t.clock.now() + DAY).toISOString(), 'the 24-hour window');
            assert.deepEqual(approval['requestedBy'], { id: asker.id, email: asker.email, displayName: asker.displayName });
            assert.deepEqual(await current(person.id), before, 'nothing changed');
            assert.equal((await events(person.id, `admin.${w.action}`)).length, 0, 'the action itself did not happen');
            const [requested] = await events(person.id, 'admin.approval.request');
            assert.equal(requested?.actorId, asker.id);
            assert.equal(requested?.detail?.['reason'], WHY.reason);
            assert.equal(requested?.detail?.['action'], w.action);
            for (const approver of [second, third]) {
              assert.ok(
                (await mail(approver.email, 'approval-requested')).some((m) => m.text.includes(person.email) && m.text.includes(WHY.reason)),
                'approvers are emailed',
              );
            }
            const toAsker = (await mail(asker.email, 'approval-requested')).filter((m) => m.text.includes(person.email));
            assert.equal(toAsker.length, 0, 'not the one who asked');
            const told = await mail(person.email, 'approval-pending');
            assert.equal(told.length, 1, 'the person is told a change waits');
            assert.ok(told[0]?.text.includes(WHY.reason) && told[0].text.includes('/not-me?token='));
            assert.equal((await mail(person.email, 'approval-requested')).length, 0, 'the person is not asked to approve their own');
          });
        }
      }

      it('signing out everywhere never waits; nor does an action on a person with the user role; giving a privileged role does', async () => {
        const c = await as(asker);
        const admin = await make('admin');
        assert.equal((await c.post(`${base(admin.id)}/sign-out`, WHY)).statusCode, 200);
        const person = await make('user');
        assert.equal((await c.post(`${base(person.id)}/disable`, WHY)).statusCode, 200);
        assert.equal((await c.post(`${base(person.id)}/enable`, WHY)).statusCode, 200);
        await ask(c, `${base(person.id)}/role`, { ...WHY, role: 'admin' });
        assert.equal((await current(person.id))?.role, 'user');
      });

      it('asking twice for the same change: 409 APPROVAL_ALREADY_PENDING', async () => {
        const c = await as(asker);
        const person = await make('admin');
        await ask(c, `${base(person.id)}/disable`);
        const again = await c.post(`${base(person.id)}/disable`, WHY);
        assert.equal(errorCode(again), 'APPROVAL_ALREADY_PENDING', again.body);
      });

      it('what the action would refuse now is refused at once, not stored: the same role, a reset for a disabled account', async () => {
        const c = await as(asker);
        const person = await make('admin');
        assert.equal((await c.post(`${base(person.id)}/role`, { ...WHY, role: 'admin' })).statusCode, 400);
        await t.store.accounts.setStatus(person.id, 'disabled', t.clock.now());
        assert.equal(errorCode(await c.post(`${base(person.id)}/reset-email`, WHY)), 'ACCOUNT_DISABLED');
        assert.equal((await events(person.id, 'admin.approval.request')).length, 0);
      });
    });

    describe('approving', () => {
      it('a second administrator approves: the action runs once, audited under both names; the person and the requester are told', async () => {
        const person = await make('admin');
        const own = await as(person);
        const { id } = await ask(await as(asker), `${base(person.id)}/disable`);
        const approver = await as(second);
        const res = await approver.post(`${approvals(id)}/approve`, OK);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { approval: { state: string; decidedBy: { id: string } }; outcome: { kind: string; account: { status: string } } };
        assert.equal(body.approval.state, 'approved');
        assert.equal(body.approval.decidedBy.id, second.id);
        assert.deepEqual([body.outcome.kind, body.outcome.account.status], ['account', 'disabled']);
        assert.equal((await current(person.id))?.status, 'disabled');
        assert.equal((await own.get('/api/v1/session')).statusCode, 401, 'the person’s sessions ended');
        const [action] = await events(person.id, 'admin.account.disable');
        assert.equal(action?.actorId, asker.id, 'the action is the requester’s');
        assert.deepEqual([action?.detail?.['approvalId'], action?.detail?.['approvedBy'], action?.detail?.['reason']], [id, second.id, WHY.reason]);
        const [approved] = await events(person.id, 'admin.approval.approve');
        assert.deepEqual([approved?.actorId, approved?.detail?.['reason']], [second.id, OK.reason]);
        assert.equal((await mail(person.email, 'account-disabled-by-admin')).length, 1, 'the person is told as the action tells them');
        assert.ok((await mail(asker.email, 'approval-decided')).some((m) => m.text.includes(person.email) && m.text.includes('approved')));
        // Once only.
        const again = await (await as(third)).post(`${approvals(id)}/approve`, OK);
        assert.equal(errorCode(again), 'APPROVAL_NOT_PENDING', again.body);
        assert.equal((await events(person.id, 'admin.account.disable')).length, 1);
      });

      it('never by the one who asked, never by the person it is about; a help desk agent may not decide', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/require-change`);
        const self = await (await as(asker)).post(`${approvals(id)}/approve`, OK);
        assert.equal(errorCode(self), 'FORBIDDEN', self.body);
        assert.match(self.json().error.message, /a second administrator must approve/);
        assert.equal(errorCode(await (await as(asker)).post(`${approvals(id)}/reject`, OK)), 'FORBIDDEN');
        const target = await (await as(person)).post(`${approvals(id)}/approve`, OK);
        assert.equal(errorCode(target), 'FORBIDDEN', target.body);
        assert.match(target.json().error.message, /your own account/);
        assert.equal(errorCode(await (await as(await make('helpdesk'))).post(`${approvals(id)}/approve`, OK)), 'FORBIDDEN');
        assert.equal((await current(person.id))?.mustChangePassword, false, 'nothing changed');
        assert.equal((await (await as(second)).post(`${approvals(id)}/approve`, OK)).statusCode, 200, 'a second administrator may');
        assert.equal((await current(person.id))?.mustChangePassword, true);
      });

      it('re-checked at the approval: a requester demoted meanwhile cannot have it run; the request stays pending and can be rejected', async () => {
        const requester = await make('admin');
        const person = await make('admin');
        const { id } = await ask(await as(requester), `${base(person.id)}/disable`);
        await t.store.accounts.setRole(requester.id, 'helpdesk', t.clock.now());
        const res = await (await as(second)).post(`${approvals(id)}/approve`, OK);
        assert.equal(errorCode(res), 'FORBIDDEN', res.body);
        assert.equal((await current(person.id))?.status, 'active');
        assert.equal((await t.store.adminApprovals.findApproval(id))?.state, 'pending');
        assert.equal((await (await as(second)).post(`${approvals(id)}/reject`, OK)).statusCode, 200);
      });

      it('a temporary password is made at the approval and shown to the approver only, once (no-store)', async () => {
        const person = await make('admin');
        const c = await as(asker);
        await verifyByEmail(c, person);
        const { res } = await ask(c, `${base(person.id)}/temporary-password`);
        assert.doesNotMatch(res.body, /temporaryPassword/, 'the one who asked never sees it');
        const id = (res.json() as { approval: { id: string } }).approval.id;
        const approved = await (await as(second)).post(`${approvals(id)}/approve`, OK);
        assert.equal(approved.statusCode, 200, approved.body);
        assert.equal(approved.headers['cache-control'], 'no-store');
        const outcome = (approved.json() as { outcome: { kind: string; temporaryPassword: string } }).outcome;
        assert.equal(outcome.kind, 'temporary-password');
        const signIn = await t.client().signIn(person.email, outcome.temporaryPassword);
        assert.equal(signIn.statusCode, 201, signIn.body);
        assert.equal((await mail(person.email, 'temporary-password-issued')).length, 1);
      });

      it('deleting an administrator: the export goes to the approver; the account and its requests are gone', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), base(person.id), WHY, 'DELETE');
        const approved = await (await as(second)).post(`${approvals(id)}/approve`, OK);
        assert.equal(approved.statusCode, 200, approved.body);
        const body = approved.json() as { approval: { state: string }; outcome: { kind: string; export: { account: { email: string } } } };
        assert.deepEqual([body.approval.state, body.outcome.kind, body.outcome.export.account.email], ['approved', 'deleted', person.email]);
        assert.equal(await current(person.id), null);
        assert.equal(await t.store.adminApprovals.findApproval(id), null);
      });
    });

    describe('expiry, rejection, cancellation', () => {
      it('an expired request cannot be approved; it is marked expired and audited once, and the requester told', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/unlock`);
        t.clock.advance(DAY + 1);
        const approver = await as(second);
        const res = await approver.post(`${approvals(id)}/approve`, OK);
        assert.equal(errorCode(res), 'APPROVAL_EXPIRED', res.body);
        assert.equal((await approver.get(`/api/v1/admin/approvals?state=expired&account=${person.id}`)).json().approvals[0]?.id, id);
        assert.deepEqual((await approver.get(`/api/v1/admin/approvals?account=${person.id}`)).json().approvals, [], 'no longer pending');
        assert.equal((await events(person.id, 'admin.approval.expire')).length, 1, 'audited once, however often it is looked at');
        assert.equal((await events(person.id, 'admin.account.unlock')).length, 0);
        assert.ok((await mail(asker.email, 'approval-decided')).some((m) => m.text.includes(person.email) && m.text.includes('expired')));
      });

      it('one second before the end it still can be approved', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/unlock`);
        t.clock.advance(DAY - 1000);
        assert.equal((await (await as(second)).post(`${approvals(id)}/approve`, OK)).statusCode, 200);
      });

      it('rejected: nothing changes, the requester is told, and it can no longer be approved', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/disable`);
        const res = await (await as(second)).post(`${approvals(id)}/reject`, { reason: 'Not agreed with the team' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().approval.state, 'rejected');
        assert.equal((await current(person.id))?.status, 'active');
        assert.equal((await events(person.id, 'admin.approval.reject'))[0]?.actorId, second.id);
        assert.ok((await mail(asker.email, 'approval-decided')).some((m) => m.text.includes('Not agreed with the team')));
        assert.equal(errorCode(await (await as(third)).post(`${approvals(id)}/approve`, OK)), 'APPROVAL_NOT_PENDING');
      });

      it('the requester cancels (nobody else can); then it cannot be approved', async () => {
        const person = await make('admin');
        const requester = await as(asker);
        const { id } = await ask(requester, `${base(person.id)}/disable`);
        assert.equal(errorCode(await (await as(second)).post(`${approvals(id)}/cancel`, OK)), 'FORBIDDEN', 'an administrator rejects instead');
        const res = await requester.post(`${approvals(id)}/cancel`, { reason: 'Asked the wrong account' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().approval.state, 'cancelled');
        assert.equal((await events(person.id, 'admin.approval.cancel'))[0]?.actorId, asker.id);
        assert.equal(errorCode(await (await as(second)).post(`${approvals(id)}/approve`, OK)), 'APPROVAL_NOT_PENDING');
        assert.equal((await current(person.id))?.status, 'active');
      });

      it('the person’s “This wasn’t me” cancels every request waiting about them', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/require-change`);
        const [told] = await mail(person.email, 'approval-pending');
        const token = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(told?.text ?? '')?.[1];
        assert.ok(token);
        assert.equal((await t.client().post('/api/v1/not-me', { token })).statusCode, 200);
        assert.equal((await t.store.adminApprovals.findApproval(id))?.state, 'cancelled');
        assert.equal((await events(person.id, 'admin.approval.cancel'))[0]?.detail?.['by'], 'not-me');
        assert.equal(errorCode(await (await as(second)).post(`${approvals(id)}/approve`, OK)), 'APPROVAL_NOT_PENDING');
      });
    });

    it('a burst of approvers at once: the action runs exactly once, every other approver gets 409', async () => {
      const person = await make('admin');
      const { id } = await ask(await as(asker), `${base(person.id)}/role`, { ...WHY, role: 'helpdesk' });
      const approvers = [second, third, ...(await Promise.all([make('admin'), make('admin'), make('admin'), make('admin')]))];
      const clients = await Promise.all(approvers.map((a) => as(a)));
      const answers = await Promise.all(clients.map((c) => c.post(`${approvals(id)}/approve`, OK)));
      const statuses = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], answers.map((r) => r.body).join('\n'));
      for (const r of answers.filter((x) => x.statusCode === 409)) assert.equal(errorCode(r), 'APPROVAL_NOT_PENDING');
      assert.equal((await current(person.id))?.role, 'helpdesk');
      assert.equal((await events(person.id, 'admin.role.set')).length, 1, 'the role was changed once');
      assert.equal((await events(person.id, 'admin.approval.approve')).length, 1);
      assert.equal((await mail(person.email, 'account-changed-by-admin')).length, 1, 'the person told once');
    });

    describe('the approval routes and the permission matrix', () => {
      it('each role × list, one, approve, reject, cancel: the status the matrix says', async () => {
        const person = await make('admin');
        const ids: string[] = [];
        const requester = await as(asker);
        for (const path of ['disable', 'unlock', 'require-change', 'reset-email']) {
          t.clock.advance(1);
          ids.push((await ask(requester, `${base(person.id)}/${path}`)).id);
        }
        const [a, b, c, d] = ids as [string, string, string, string];
        const user = await as(await make('user'));
        const agent = await as(await make('helpdesk'));
        const admin = await as(second);
        for (const [who, client, expected] of [
          ['user', user, { list: 403, one: 403, approve: 403, reject: 403, cancel: 403 }],
          ['helpdesk', agent, { list: 200, one: 404, approve: 403, reject: 403, cancel: 403 }],
          ['admin', admin, { list: 200, one: 200, approve: 200, reject: 200, cancel: 403 }],
        ] as const) {
          const got = {
            list: (await client.get('/api/v1/admin/approvals')).statusCode,
            one: (await client.get(approvals(a))).statusCode,
            approve: (await client.post(`${approvals(b)}/approve`, OK)).statusCode,
            reject: (await client.post(`${approvals(c)}/reject`, OK)).statusCode,
            cancel: (await client.post(`${approvals(d)}/cancel`, OK)).statusCode,
          };
          assert.deepEqual(got, expected, who);
        }
        assert.deepEqual((await agent.get('/api/v1/admin/approvals')).json().approvals, [], 'an agent sees only their own');
        const mine = (await requester.get(`/api/v1/admin/approvals?account=${person.id}`)).json().approvals as Array<{
          id: string;
          mayCancel: boolean;
          mayDecide: boolean;
        }>;
        assert.deepEqual(
          mine.map((x) => [x.id, x.mayCancel, x.mayDecide]),
          [
            [d, true, false],
            [a, true, false],
          ],
        );
        assert.equal(errorCode(await admin.get(approvals(t.app.deps.random.uuid()))), 'NOT_FOUND');
        for (const route of ['/api/v1/admin/approvals', approvals(a)]) assert.equal((await t.client().get(route)).statusCode, 401);
        assert.equal((await t.client().post(`${approvals(a)}/approve`, OK)).statusCode, 401);
      });

      it('a stale session must step up before deciding; no reason, no decision', async () => {
        const person = await make('admin');
        const { id } = await ask(await as(asker), `${base(person.id)}/disable`);
        const admin = await as(second);
        assert.equal(errorCode(await admin.post(`${approvals(id)}/approve`, {})), 'VALIDATION_FAILED');
        t.clock.advance(STALE_MS);
        for (const path of ['approve', 'reject']) assert.equal(errorCode(await admin.post(`${approvals(id)}/${path}`, OK)), 'REAUTHENTICATION_REQUIRED');
        assert.equal(errorCode(await admin.get('/api/v1/admin/approvals')), 'REAUTHENTICATION_REQUIRED');
        assert.equal((await admin.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
        assert.equal((await admin.post(`${approvals(id)}/approve`, OK)).statusCode, 200);
      });
    });

    describe('recovering a person who lost every factor', () => {
      async function withApp(p: Account): Promise<{ secret: string; factorId: string }> {
        const owner = await as(p);
        const { secret } = (await owner.post('/api/v1/2fa/totp', {})).json() as { secret: string };
        const confirmed = await owner.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) });
        assert.equal(confirmed.statusCode, 200, confirmed.body);
        return { secret, factorId: (confirmed.json() as { factor: { id: string } }).factor.id };
      }

      it('an administrator without their phone: the caller proven by email, the last factor’s removal waits, a second administrator approves', async () => {
        const person = await make('admin');
        const { factorId } = await withApp(person);
        const c = await as(asker);
        await verifyByEmail(c, person);
        const { id } = await ask(c, `${base(person.id)}/factors/${factorId}`, WHY, 'DELETE');
        assert.equal(await t.store.twoFactor.countConfirmedFactors(person.id), 1, 'still there');
        const res = await (await as(second)).post(`${approvals(id)}/approve`, OK);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json().outcome, { kind: 'factor', type: 'totp', remaining: 0 });
        assert.equal(await t.store.twoFactor.countConfirmedFactors(person.id), 0);
        assert.ok((await mail(person.email, 'second-factor-removed')).length >= 1, 'the person is told');
        // With no factor left they sign in with their password again (and, where the role demands it, set one up).
        assert.equal((await t.client().signIn(person.email, PASSWORD)).statusCode, 201);
      });

      it('a person with the user role: an emailed code alone cannot remove their last factor, two people can; their app’s code needs no second', async () => {
        const person = await make('user');
        const { secret, factorId } = await withApp(person);
        const agent = await as(await make('helpdesk'));
        await verifyByEmail(agent, person);
        const { res, id } = await ask(agent, `${base(person.id)}/factors/${factorId}`, WHY, 'DELETE');
        assert.equal(res.json().approval.params.factorId, factorId);
        assert.equal((await events(person.id, 'admin.approval.request'))[0]?.detail?.['recovery'], true);
        assert.equal((await (await as(second)).post(`${approvals(id)}/approve`, OK)).statusCode, 200);
        assert.equal(await t.store.twoFactor.countConfirmedFactors(person.id), 0);
        // A caller who reads the app's current code proves the factor: no second person needed.
        const other = await make('user');
        const app = await withApp(other);
        t.clock.advance(30_000);
        const byApp = await agent.post(`${base(other.id)}/caller-verification/confirm`, { method: 'totp', code: totpCode(app.secret, { now: t.clock.now() }) });
        assert.equal(byApp.statusCode, 200, byApp.body);
        assert.equal((await agent.delete(`${base(other.id)}/factors/${app.factorId}`, { body: WHY })).statusCode, 200);
        assert.ok(secret);
      });
    });

    describe('the console’s forms', () => {
      const page = { accept: 'text/html' };
      async function submit(c: TestClient, url: string, form: Record<string, string>, from: string): Promise<LightMyRequestResponse> {
        const csrf = await c.csrfFrom(from);
        return c.request('POST', url, { form: { _csrf: csrf, ...form }, headers: page });
      }
      const accountPage = (id: string): string => `/admin/accounts/${id}`;

      it('an action becomes a request; the account page lists it with the forms each reader may use; reject and cancel come back with a notice', async () => {
        const person = await make('admin');
        const c = await as(asker);
        const asked = await submit(c, `${accountPage(person.id)}/disable`, { reason: 'Leaving today' }, accountPage(person.id));
        assert.equal(asked.statusCode, 303, asked.body);
        assert.equal(asked.headers.location, `${accountPage(person.id)}?notice=approval-requested`);
        const [waiting] = (await c.get(`/api/v1/admin/approvals?account=${person.id}`)).json().approvals as Array<{ id: string }>;
        assert.ok(waiting);
        const mine = (await c.get(accountPage(person.id), { headers: page })).body;
        assert.ok(
          mine.includes(`id="cancel-${waiting.id}-form"`) && !mine.includes(`id="approve-${waiting.id}-form"`),
          'the requester may cancel, not approve',
        );
        const admin = await as(second);
        const theirs = (await admin.get(accountPage(person.id), { headers: page })).body;
        assert.ok(
          theirs.includes(`id="approve-${waiting.id}-form"`) &&
            theirs.includes(`id="reject-${waiting.id}-form"`) &&
            !theirs.includes(`id="cancel-${waiting.id}-form"`),
        );
        assert.match((await admin.get('/admin/approvals', { headers: page })).body, new RegExp(`data-approval-id="${waiting.id}"`));
        const noReason = await submit(admin, `${accountPage(person.id)}/approvals/${waiting.id}/reject`, { reason: '' }, accountPage(person.id));
        assert.equal(noReason.statusCode, 400, 'no reason: the page again, nothing decided');
        const rejected = await submit(admin, `${accountPage(person.id)}/approvals/${waiting.id}/reject`, { reason: 'Not agreed' }, accountPage(person.id));
        assert.equal(rejected.headers.location, `${accountPage(person.id)}?notice=rejected`);
        const again = await submit(c, `${accountPage(person.id)}/disable`, { reason: 'Leaving today, agreed now' }, accountPage(person.id));
        assert.equal(again.statusCode, 303);
        const [next] = (await c.get(`/api/v1/admin/approvals?account=${person.id}`)).json().approvals as Array<{ id: string }>;
        assert.ok(next);
        // A request named under another account's page is not found there.
        const elsewhere = await submit(admin, `${accountPage(asker.id)}/approvals/${next.id}/approve`, { reason: 'ok then' }, accountPage(person.id));
        assert.equal(elsewhere.statusCode, 404);
        const cancelled = await submit(c, `${accountPage(person.id)}/approvals/${next.id}/cancel`, { reason: 'Asked by mistake' }, accountPage(person.id));
        assert.equal(cancelled.headers.location, `${accountPage(person.id)}?notice=cancelled`);
        assert.equal((await current(person.id))?.status, 'active');
      });

      it('approving a temporary password shows it to the approver once (no-store)', async () => {
        const person = await make('helpdesk');
        const c = await as(asker);
        await verifyByEmail(c, person);
        const asked = await submit(c, `${accountPage(person.id)}/temporary-password`, { reason: 'Forgot it' }, accountPage(person.id));
        assert.equal(asked.headers.location, `${accountPage(person.id)}?notice=approval-requested`);
        const [waiting] = (await c.get(`/api/v1/admin/approvals?account=${person.id}`)).json().approvals as Array<{ id: string }>;
        assert.ok(waiting);
        const admin = await as(second);
        const shown = await submit(admin, `${accountPage(person.id)}/approvals/${waiting.id}/approve`, { reason: 'Called them back' }, accountPage(person.id));
        assert.equal(shown.statusCode, 200, shown.body);
        assert.equal(shown.headers['cache-control'], 'no-store');
        const temporary = /id="temporary-password">([^<]+)</.exec(shown.body)?.[1];
        assert.ok(temporary);
        assert.equal((await t.client().signIn(person.email, temporary)).statusCode, 201);
      });
    });

    it('the command line is the break-glass path: it acts at once, and the event says approval was bypassed; it may also approve', async () => {
      const person = await make('admin');
      const cli = { kind: 'cli', label: 'cli' } as const;
      await disableAccount(t.app.deps, cli, { accountId: person.id, why: WHY, ctx: { ip: null, userAgent: 'passdesk-cli' } });
      assert.equal((await current(person.id))?.status, 'disabled');
      const [event] = await events(person.id, 'admin.account.disable');
      assert.deepEqual([event?.actorId, event?.detail?.['via'], event?.detail?.['approval']], [null, 'cli', 'bypassed']);
      const { id } = await ask(await as(asker), `${base(person.id)}/enable`);
      const done = await approveRequest(t.app.deps, cli, { id, why: OK, ctx: { ip: null, userAgent: 'passdesk-cli' } });
      assert.equal(done.approval.state, 'approved');
      assert.equal((await current(person.id))?.status, 'active');
      const [approved] = await events(person.id, 'admin.approval.approve');
      assert.deepEqual([approved?.actorId, approved?.detail?.['via']], [null, 'cli']);
    });

    it('an import cannot give a privileged role alone: such a line fails, a user line is made; the command line may', async () => {
      const data = `email,name,role,password_hash\nimp-admin-${n}@example.org,New Admin,admin,\nimp-user-${n}@example.org,New User,user,\n`;
      const res = await (await as(asker)).post('/api/v1/admin/accounts/import', { ...WHY, format: 'csv', data });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json() as { created: number; failed: number; lines: Array<{ line: number; outcome: string; reason: string | null }> };
      assert.deepEqual([report.created, report.failed], [1, 1]);
      assert.deepEqual(report.lines[0], { line: 2, outcome: 'failed', reason: 'role-needs-approval' });
      assert.equal(await t.store.accounts.findAccountByEmail(`imp-admin-${n}@example.org`), null);
      const cli = await importAccounts(
        t.app.deps,
        { kind: 'cli', label: 'cli' },
        { text: data, format: 'csv', why: WHY, ctx: { ip: null, userAgent: 'passdesk-cli' } },
      );
      assert.deepEqual([cli.created, cli.skipped], [1, 1], 'break-glass: the command line makes the administrator');
    });

    /** The agent emails the person a code and types what the caller reads back. */
    async function verifyByEmail(agent: TestClient, p: Account): Promise<void> {
      t.clock.advance(1000);
      assert.equal((await agent.post(`${base(p.id)}/caller-verification`, { method: 'email-code' })).statusCode, 202);
      const sent = (await mail(p.email, 'caller-verification-code')).at(0);
      const code = /\b(\d{8})\b/.exec(sent?.text ?? '')?.[1] ?? '';
      assert.equal((await agent.post(`${base(p.id)}/caller-verification/confirm`, { code })).statusCode, 200);
    }
  });
}
