// The store queries the help desk adds (issue 15), on both backends: the audit log's filtered, paged query, the
// accounts with a recent event of a type, the account search, and reading one sign-in counter.
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
  });
}
