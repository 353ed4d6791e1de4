// Retention: ended sessions, old events and expired flows are deleted in batches by one node at a time; what is
// still live or recent stays. Both backends; the clock is the test's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, PASSWORD, type Backend, type TestApp } from '../helpers/app.js';
import { runRetention, type RetentionSettings } from '../../src/flows/retention.js';

const DAY = 86_400_000;
const SETTINGS: RetentionSettings = { sessionsMs: 90 * DAY, eventsMs: 365 * DAY, flowsMs: 7 * DAY };

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`retention on ${backend}`, () => {
    let t: TestApp;
    let accountId = '';
    before(async () => {
      t = await startTestApp({ backend });
      await t.client().signUp('kept@example.org', PASSWORD);
      accountId = (await t.store.accounts.findAccountByEmail('kept@example.org'))!.id;
    });
    after(() => t.close());

    const session = async (o: { at: number; expiresAt: number }): Promise<string> => {
      const id = randomUUID();
      await t.store.sessions.createSession({
        id,
        tokenHash: randomUUID(),
        accountId,
        now: o.at,
        expiresAt: o.expiresAt,
        ip: null,
        userAgent: null,
        device: 'Firefox on Linux',
      });
      return id;
    };

    it('deletes what ended longer ago than its setting and keeps the rest, in batches', async () => {
      const now = t.clock.now();
      const oldSession = await session({ at: now - 200 * DAY, expiresAt: now - 100 * DAY });
      const recentSession = await session({ at: now - 30 * DAY, expiresAt: now - 20 * DAY });
      const liveSession = await session({ at: now, expiresAt: now + DAY });
      for (let i = 0; i < 7; i++) await t.store.events.recordEvent({ accountId, type: 'signin.failed', now: now - 400 * DAY - i });
      await t.store.events.recordEvent({ accountId, type: 'signin.failed', now: now - 10 * DAY });
      // A reset request long past its expiry, and one still live.
      assert.equal((await t.client().post('/api/v1/password/reset', { email: 'kept@example.org' })).statusCode, 202);
      await t.app.deps.background!.idle();
      t.clock.advance(30 * DAY);
      assert.equal((await t.client().post('/api/v1/password/reset', { email: 'kept@example.org' })).statusCode, 202);
      await t.app.deps.background!.idle();

      // An attempt window of a month ago, and one of now.
      await t.store.attempts.reserveAttempt(accountId, { purpose: 'old_window', limit: 5, windowMs: 900_000 }, now - 1);
      await t.store.attempts.reserveAttempt(accountId, { purpose: 'current_window', limit: 5, windowMs: 900_000 }, t.clock.now());
      const before = (await t.store.events.listEvents(accountId, { limit: 1000 })).length;
      const run = await runRetention(t.app.deps, { owner: 'node-a', settings: SETTINGS, batch: 2 });
      assert.equal(run.ran, true);
      assert.equal(run.deleted.sessions, 1);
      assert.equal(run.deleted.events, 7, 'seven events over a year old, two per batch');
      assert.equal(run.deleted.password_resets, 1, 'the expired reset, not the live one');
      assert.equal(run.deleted.attempt_counters, 1, 'the old window, not the current one');
      assert.equal(await t.store.attempts.usedAttempts(accountId, { purpose: 'current_window', limit: 5, windowMs: 900_000 }, t.clock.now()), 1);
      const left = await t.store.sessions.listSessions(accountId, { now: now - 300 * DAY, includeRevokedSince: 0 });
      const ids = new Set(left.map((s) => s.id));
      assert.ok(!ids.has(oldSession) && ids.has(recentSession) && ids.has(liveSession));
      assert.equal((await t.store.events.listEvents(accountId, { limit: 1000 })).length, before - 7);
      // The live reset still works: its emailed link verifies.
      const mails = (await t.store.outbox.listMessages({ accountId, limit: 10 })).filter((m) => m.template === 'password-reset-requested');
      const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(mails[0]!.text)?.[1];
      assert.ok(token);
      assert.equal((await t.client().post('/api/v1/password/reset/verify', { token })).statusCode, 200);
      // Nothing more to do: a second run deletes nothing.
      const again = await runRetention(t.app.deps, { owner: 'node-a', settings: SETTINGS });
      assert.deepEqual(
        Object.values(again.deleted).reduce((a, b) => a + b, 0),
        0,
      );
    });

    it("the help desk's caller checks and temporary passwords go once they ended that long ago; a temporary password still in use stays", async () => {
      await t.client().signUp('agent@example.org', PASSWORD);
      const agentId = (await t.store.accounts.findAccountByEmail('agent@example.org'))!.id;
      await t.client().signUp('other@example.org', PASSWORD);
      const otherId = (await t.store.accounts.findAccountByEmail('other@example.org'))!.id;
      const now = t.clock.now();
      const checks = t.store.callerVerifications;
      // Pending and expired 8 days ago; verified 8 days ago but counted until 6 days ago (so kept); one of now.
      await checks.startCallerVerification({ id: 'cv-old', agentId, accountId, codeDigest: 'x', now: now - 8 * DAY - 600_000, expiresAt: now - 8 * DAY });
      await checks.recordVerifiedCaller({ id: 'cv-verified-long', agentId: otherId, accountId, method: 'totp', now: now - 8 * DAY, validUntil: now - 6 * DAY });
      await checks.recordVerifiedCaller({
        id: 'cv-verified-old',
        agentId,
        accountId: otherId,
        method: 'totp',
        now: now - 9 * DAY,
        validUntil: now - 9 * DAY + 900_000,
      });
      await checks.recordVerifiedCaller({ id: 'cv-new', agentId: otherId, accountId: agentId, method: 'totp', now, validUntil: now + 900_000 });
      // A temporary password expired 8 days ago whose account chose a new password since (goes), and one expired as
      // long ago that is still the account's password (stays: its row refuses a late sign-in with it).
      const temp = t.store.temporaryPasswords;
      await temp.issueTemporaryPassword({ id: 'tp-replaced', accountId: agentId, digest: 'd1', issuedBy: null, now: now - 9 * DAY, expiresAt: now - 8 * DAY });
      await t.store.accounts.setPassword(agentId, 'hash-chosen-later', now - 8 * DAY);
      await t.store.accounts.setPassword(otherId, 'hash-of-temporary', now - 9 * DAY);
      await temp.issueTemporaryPassword({ id: 'tp-current', accountId: otherId, digest: 'd2', issuedBy: null, now: now - 9 * DAY, expiresAt: now - 8 * DAY });
      const run = await runRetention(t.app.deps, { owner: 'node-a', settings: SETTINGS, batch: 1 });
      assert.equal(run.deleted.caller_verifications, 2, 'the expired pending check and the verified one that ended 9 days ago');
      assert.equal(run.deleted.temporary_passwords, 1);
      assert.equal(await temp.findTemporaryPassword(agentId, 'd1'), null);
      assert.ok(await temp.findTemporaryPassword(otherId, 'd2'), 'still the account’s password: kept');
      assert.equal(await checks.verifiedCallerUntil(otherId, agentId, now), now + 900_000, 'the live check stays');
      assert.equal(await checks.verifiedCallerUntil(otherId, accountId, now - 7 * DAY), now - 6 * DAY, 'counted until 6 days ago: kept');
    });

    it('requests for two-person approval go once settled and past their window that long ago; a pending one stays until marked expired', async () => {
      await t.client().signUp('asker@example.org', PASSWORD);
      const askerId = (await t.store.accounts.findAccountByEmail('asker@example.org'))!.id;
      const now = t.clock.now();
      const approvals = t.store.adminApprovals;
      const ask = (id: string, expiresAt: number) =>
        approvals.createApproval({
          id,
          action: 'account.unlock',
          accountId,
          requestedBy: askerId,
          params: {},
          reason: 'why',
          ticket: null,
          now: expiresAt - DAY,
          expiresAt,
        });
      const settle = (id: string, at: number) => approvals.decideApproval(id, { to: 'rejected', by: askerId, now: at, reason: 'no', ticket: null });
      await ask('ap-old', now - 8 * DAY);
      assert.equal(await settle('ap-old', now - 8 * DAY - 1000), true);
      await ask('ap-recent', now - 6 * DAY);
      assert.equal(await settle('ap-recent', now - 6 * DAY - 1000), true);
      await ask('ap-pending-old', now - 8 * DAY);
      const run = await runRetention(t.app.deps, { owner: 'node-a', settings: SETTINGS });
      assert.equal(run.deleted.admin_approvals, 1);
      assert.equal(await approvals.findApproval('ap-old'), null);
      assert.equal((await approvals.findApproval('ap-recent'))?.state, 'rejected', 'within the retention: kept');
      assert.equal((await approvals.findApproval('ap-pending-old'))?.state, 'pending', 'kept until its expiry is recorded');
    });

    it('one node at a time: a held lease makes another node skip; an expired one is taken over', async () => {
      const now = t.clock.now();
      const leases = t.store.retention;
      assert.equal(await leases.acquireJobLease('retention', 'node-a', now, now + 60_000), true);
      assert.equal((await runRetention(t.app.deps, { owner: 'node-b', settings: SETTINGS })).ran, false);
      assert.equal(await leases.acquireJobLease('retention', 'node-a', now + 1, now + 60_000), true, 'the holder renews');
      t.clock.advance(60_001);
      assert.equal((await runRetention(t.app.deps, { owner: 'node-b', settings: SETTINGS })).ran, true, "a dead holder's lease expires");
      // Released after the run: the next node takes it at once.
      assert.equal(await leases.acquireJobLease('retention', 'node-c', t.clock.now(), t.clock.now() + 60_000), true);
      await leases.releaseJobLease('retention', 'node-c');
    });

    it('two nodes racing for the lease: exactly one wins', async () => {
      const now = t.clock.now();
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => t.store.retention.acquireJobLease('race', `node-${i}`, now, now + 60_000)));
      assert.equal(wins.filter(Boolean).length, 1);
    });
  });
}
