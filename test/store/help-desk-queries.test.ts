// The store queries the help desk adds (issue 15), on both backends: the audit log's filtered, paged query, the
// accounts with a recent event of a type, the account search, reading one sign-in counter, and the requests of
// two-person approval (every move out of pending guarded: decided once, expired once, cancelled by a report).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openStore, type Account, type Store } from '../../src/store/index.js';
import type { Role } from '../../src/core/admin-permissions.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`help desk queries on ${backend}`, () => {
    let store: Store;
    let pgDb: TestDatabase | null = null;
    before(async () => {
      if (backend === 'postgres') {
        pgDb = await createTestDatabase();
        store = openStore(pgDb.url);
      } else {
        store = openStore('sqlite::memory:');
      }
      await store.migrate();
    });
    after(async () => {
      await store.close();
      if (pgDb) await pgDb.drop();
    });

    async function account(email: string, o: { role?: Role; name?: string; changedAt?: number } = {}): Promise<Account> {
      const made = await store.accounts.createAccount({
        id: randomUUID(),
        email,
        emailNormalized: email.toLowerCase(),
        displayName: o.name ?? email.split('@')[0] ?? email,
        role: o.role ?? 'user',
        passwordHash: '$argon2id$fake',
        now: o.changedAt ?? T0,
      });
      assert.ok(made);
      return made;
    }

    test('queryEvents: by person, actor, one type or a family, time, and pages newest first', async () => {
      const a = await account('audit-a@example.org');
      const b = await account('audit-b@example.org');
      const desk = randomUUID();
      await store.events.recordEvent({ accountId: a.id, type: 'signin.succeeded', now: T0 });
      await store.events.recordEvent({ accountId: a.id, type: 'admin.account.disable', actorId: desk, now: T0 + 1000, detail: { reason: 'r' } });
      await store.events.recordEvent({ accountId: b.id, type: 'admin.sessions.revoke', actorId: desk, now: T0 + 2000 });
      await store.events.recordEvent({ accountId: a.id, type: 'second_factor.added', now: T0 + 3000 });
      const types = (evs: Array<{ type: string }>): string[] => evs.map((e) => e.type);
      assert.deepEqual(types(await store.events.queryEvents({ accountId: a.id, limit: 10 })), [
        'second_factor.added',
        'admin.account.disable',
        'signin.succeeded',
      ]);
      assert.deepEqual(types(await store.events.queryEvents({ actorId: desk, limit: 10 })), ['admin.sessions.revoke', 'admin.account.disable']);
      assert.deepEqual(types(await store.events.queryEvents({ accountId: a.id, type: 'admin.*', limit: 10 })), ['admin.account.disable']);
      assert.deepEqual(types(await store.events.queryEvents({ accountId: a.id, type: 'signin.succeeded', limit: 10 })), ['signin.succeeded']);
      assert.deepEqual(await store.events.queryEvents({ accountId: a.id, type: 'second.*', limit: 10 }), [], 'a family is a prefix up to its dot');
      assert.deepEqual(await store.events.queryEvents({ accountId: a.id, type: 'second_factor_*', limit: 10 }), [], '_ is no wildcard');
      assert.deepEqual(types(await store.events.queryEvents({ type: 'second_factor.*', accountId: a.id, limit: 10 })), ['second_factor.added']);
      assert.deepEqual(types(await store.events.queryEvents({ accountId: a.id, from: T0 + 1000, to: T0 + 3000, limit: 10 })), ['admin.account.disable']);
      const [first] = await store.events.queryEvents({ accountId: a.id, limit: 1 });
      assert.ok(first);
      assert.deepEqual(types(await store.events.queryEvents({ accountId: a.id, beforeId: first.id, limit: 10 })), [
        'admin.account.disable',
        'signin.succeeded',
      ]);
      assert.equal((await store.events.queryEvents({ actorId: desk, limit: 10 }))[1]?.detail?.['reason'], 'r');
    });

    test('listAccountsWithEventSince: each account once, the latest first, only since the time given', async () => {
      const a = await account('locked-a@example.org');
      const b = await account('locked-b@example.org');
      await store.events.recordEvent({ accountId: a.id, type: 'signin.locked', now: T0 + 10 });
      await store.events.recordEvent({ accountId: b.id, type: 'signin.locked', now: T0 + 20 });
      await store.events.recordEvent({ accountId: a.id, type: 'signin.locked', now: T0 + 30 });
      assert.deepEqual(await store.events.listAccountsWithEventSince('signin.locked', { since: T0, limit: 10 }), [a.id, b.id]);
      assert.deepEqual(await store.events.listAccountsWithEventSince('signin.locked', { since: T0 + 25, limit: 10 }), [a.id]);
    });

    test('searchAccounts: text in email or name (case-insensitive, wildcards literal) or the id; roles, self, filters, pages in email order', async () => {
      const ada = await account('ada.search@example.org', { name: 'Ada LOVELACE' });
      const desk = await account('desk.search@example.org', { role: 'helpdesk' });
      const pct = await account('100%.search@example.org');
      const old = await account('old.search@example.org', { changedAt: T0 - 400 * 86_400_000 });
      const base = { roles: ['user', 'helpdesk', 'admin'] as Role[], excludeId: null, afterEmail: null, limit: 50 };
      const ids = async (s: Partial<Parameters<Store['accounts']['searchAccounts']>[0]>): Promise<string[]> =>
        (await store.accounts.searchAccounts({ ...base, text: null, ...s })).filter((x) => x.email.includes('.search@')).map((x) => x.id);
      assert.deepEqual(await ids({ text: 'lovelace' }), [ada.id]);
      assert.deepEqual(await ids({ text: 'ada.search' }), [ada.id]);
      assert.deepEqual(await ids({ text: ada.id }), [ada.id]);
      assert.deepEqual(await ids({ text: '100%' }), [pct.id]);
      assert.deepEqual(await ids({ text: '_' }), [], 'an underscore matches only an underscore');
      assert.deepEqual(await ids({ text: 'search', roles: ['user'] }), [pct.id, ada.id, old.id]);
      assert.deepEqual(await ids({ text: 'search', excludeId: desk.id }), [pct.id, ada.id, old.id]);
      assert.deepEqual(await ids({ text: 'search', passwordChangedBefore: T0 - 86_400_000 }), [old.id]);
      assert.deepEqual(await ids({ text: 'search', ids: [desk.id] }), [desk.id]);
      assert.deepEqual(await ids({ text: 'search', ids: [] }), []);
      await store.accounts.setStatus(ada.id, 'disabled', T0);
      await store.accounts.requirePasswordChange(pct.id, 'admin', T0);
      assert.deepEqual(await ids({ text: 'search', disabled: true }), [ada.id]);
      assert.deepEqual(await ids({ text: 'search', mustChange: true }), [pct.id]);
      await store.passkeys.createPasskey({
        id: randomUUID(),
        accountId: old.id,
        credentialId: randomUUID(),
        publicKey: 'pk',
        counter: 0,
        transports: [],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Key',
        now: T0,
      });
      assert.deepEqual(await ids({ text: 'search', noSecondFactor: true }), [pct.id, ada.id, desk.id]);
      const page = await store.accounts.searchAccounts({ ...base, text: 'search', limit: 2 });
      assert.deepEqual(
        page.map((x) => x.email),
        ['100%.search@example.org', 'ada.search@example.org'],
      );
      const next = await store.accounts.searchAccounts({ ...base, text: 'search', limit: 2, afterEmail: page[1]?.emailNormalized ?? null });
      assert.deepEqual(
        next.map((x) => x.email),
        ['desk.search@example.org', 'old.search@example.org'],
      );
    });

    test('readSignInLimit: the counter as it stands, or null; setRole changes the role', async () => {
      assert.equal(await store.signInLimits.readSignInLimit('a:nobody'), null);
      await store.signInLimits.claimSignInAttempt('a:someone', { limit: 5, coolOffMs: 60_000, delays: null }, T0);
      assert.deepEqual(await store.signInLimits.readSignInLimit('a:someone'), { failures: 1, nextAttemptAt: 0, notifiedAt: null, expiresAt: T0 + 60_000 });
      const p = await account('role.search@example.org');
      await store.accounts.setRole(p.id, 'helpdesk', T0);
      assert.equal((await store.accounts.findAccountById(p.id))?.role, 'helpdesk');
    });

    test('admin approvals: a decision moves a pending, unexpired request once; expiry and a report move each once', async () => {
      const asker = await account('approval-asker@example.org', { role: 'admin' });
      const person = await account('approval-person@example.org', { role: 'admin' });
      const ask = (action: string, expiresAt: number, params: Record<string, string> = {}) =>
        store.adminApprovals.createApproval({
          id: randomUUID(),
          action,
          accountId: person.id,
          requestedBy: asker.id,
          params,
          reason: 'why',
          ticket: null,
          now: T0,
          expiresAt,
        });
      const role = await ask('role.set', T0 + 1000, { role: 'user' });
      assert.deepEqual((await store.adminApprovals.findApproval(role.id))?.params, { role: 'user' });
      const decide = (id: string, now: number, extra: { requestedBy?: string } = {}) =>
        store.adminApprovals.decideApproval(id, { to: 'approved', by: randomUUID(), now, reason: 'ok', ticket: null, ...extra });
      assert.equal(await decide(role.id, T0 + 1000), false, 'not at its expiry');
      const [first, second] = await Promise.all([decide(role.id, T0 + 999), decide(role.id, T0 + 999)]);
      assert.deepEqual([first, second].sort(), [false, true], 'of two at once, one');
      assert.equal((await store.adminApprovals.findApproval(role.id))?.state, 'approved');
      const mine = await ask('account.unlock', T0 + 5000);
      assert.equal(
        await store.adminApprovals.decideApproval(mine.id, { to: 'cancelled', by: person.id, now: T0, reason: null, ticket: null, requestedBy: person.id }),
        false,
        'only the requester cancels',
      );
      const late = await ask('account.disable', T0 + 2000);
      const expired = await store.adminApprovals.expireApprovals(T0 + 2000, 100);
      assert.deepEqual(
        expired.map((a) => [a.id, a.state]),
        [[late.id, 'expired']],
      );
      assert.deepEqual(await store.adminApprovals.expireApprovals(T0 + 2000, 100), [], 'once');
      assert.deepEqual(
        (await store.adminApprovals.listApprovals({ states: ['pending'], accountId: person.id, limit: 10 })).map((a) => a.id),
        [mine.id],
      );
      assert.deepEqual(
        (await store.adminApprovals.cancelApprovalsFor(person.id, T0 + 100)).map((a) => a.id),
        [mine.id],
      );
      assert.deepEqual(await store.adminApprovals.listApprovals({ states: ['pending'], limit: 10 }), []);
      assert.equal((await store.adminApprovals.listApprovals({ requestedBy: asker.id, limit: 10 })).length, 3);
      await store.accounts.deleteAccount(person.id);
      assert.equal(await store.adminApprovals.findApproval(mine.id), null, 'the account takes its requests with it');
    });
  });
}
