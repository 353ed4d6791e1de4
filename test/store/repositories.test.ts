// One repository contract, one suite, run against every backend (DESIGN.md convention 6).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { migrationsFor } from '../../src/store/migrations/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { queueMessage } from '../../src/mail/queue.js';
import { manualClock } from '../../src/core/clock.js';
import { systemRandom } from '../../src/core/random.js';
import { createMailBodyBox, openBody } from '../../src/mail/sealed-body.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function newAccount(email: string, now = T0) {
  return {
    id: randomUUID(),
    email,
    emailNormalized: email.toLowerCase(),
    displayName: email.split('@')[0] ?? email,
    role: 'user' as const,
    passwordHash: '$argon2id$fake',
    now,
  };
}

function newSession(accountId: string, now = T0, extra: Partial<{ id: string; tokenHash: string }> = {}) {
  return {
    id: extra.id ?? randomUUID(),
    tokenHash: extra.tokenHash ?? randomUUID(),
    accountId,
    now,
    expiresAt: now + 86_400_000,
    ip: '127.0.0.1',
    userAgent: 'ua',
    device: 'Firefox on Linux',
  };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`store on ${backend}`, () => {
    let store: Store;
    let pgDb: TestDatabase | null = null;

    before(async () => {
      if (backend === 'postgres') {
        pgDb = await createTestDatabase();
        store = openStore(pgDb.url);
      } else {
        store = openStore('sqlite::memory:');
      }
      const first = await store.migrate();
      // Every migration the code knows, in name order (Kysely's order), starting with the initial schema.
      const known = Object.keys(migrationsFor(backend)).sort();
      assert.equal(known[0], '0001_initial');
      assert.deepEqual(first.applied, known);
      const second = await store.migrate();
      assert.deepEqual(second.applied, [], 'migrations are idempotent');
    });

    after(async () => {
      await store.close();
      if (pgDb) await pgDb.drop();
    });

    test('ping answers when the database is reachable', async () => {
      await store.ping();
    });

    test('createAccount stores every field and reads it back by id and normalised email', async () => {
      const input = newAccount('Reader@Example.org');
      const created = await store.accounts.createAccount(input);
      assert.ok(created);
      assert.equal(created.email, 'Reader@Example.org');
      assert.equal(created.emailNormalized, 'reader@example.org');
      assert.equal(created.status, 'active');
      assert.equal(created.mustChangePassword, false);
      assert.equal(created.passwordChangedAt, T0);
      assert.equal(typeof created.createdAt, 'number', 'times come back as numbers on every backend');
      assert.deepEqual(await store.accounts.findAccountById(input.id), created);
      assert.deepEqual(await store.accounts.findAccountByEmail('reader@example.org'), created);
      assert.equal(await store.accounts.findAccountByEmail('nobody@example.org'), null);
    });

    test('createAccount returns null when the normalised email is taken, and leaves a transaction usable', async () => {
      await store.accounts.createAccount(newAccount('taken@example.org'));
      const again = await store.transaction(async (tx) => {
        const dup = await tx.accounts.createAccount({ ...newAccount('TAKEN@example.org'), emailNormalized: 'taken@example.org' });
        // Still usable after the conflict (PostgreSQL aborts a transaction on an unhandled error).
        const count = await tx.accounts.countAccounts();
        return { dup, count };
      });
      assert.equal(again.dup, null);
      assert.ok(again.count >= 1);
    });

    test('email changes: one pending per account, confirmed once by token or by code, racing confirmations win once', async () => {
      const a = await store.accounts.createAccount(newAccount('changer@example.org'));
      assert.ok(a);
      const start = (id: string, tokenHash: string, codeDigest: string, now = T0) =>
        store.emailChanges.startEmailChange({
          id,
          accountId: a.id,
          newEmail: 'New@Example.org',
          newEmailNormalized: 'new@example.org',
          tokenHash,
          codeDigest,
          sessionId: null,
          now,
          expiresAt: now + 60_000,
        });
      await start(randomUUID(), 'tok-old', 'code-old');
      const current = await start(randomUUID(), 'tok-new', 'code-new', T0 + 1);
      assert.equal((await store.emailChanges.findPendingEmailChange(a.id, T0 + 2))?.id, current.id, 'a new one voids the old');
      assert.equal(await store.emailChanges.findPendingEmailChangeByToken('tok-old', T0 + 2), null);
      const o = { now: T0 + 2, oldEmail: a.email, oldEmailNormalized: a.emailNormalized, restoreUntil: T0 + 10_000 };
      assert.equal(await store.emailChanges.confirmEmailChange({ accountId: a.id, codeDigest: 'code-old' }, o), null, 'the old code is dead');
      const [x, y] = await Promise.all([
        store.emailChanges.confirmEmailChange({ tokenHash: 'tok-new' }, o),
        store.emailChanges.confirmEmailChange({ accountId: a.id, codeDigest: 'code-new' }, o),
      ]);
      assert.equal([x, y].filter(Boolean).length, 1, 'link and code race: one wins');
      const won = x ?? y;
      assert.equal(won?.state, 'confirmed');
      assert.equal(won?.oldEmailNormalized, a.emailNormalized);
      assert.deepEqual(await store.emailChanges.findEmailReservation(a.emailNormalized, T0 + 9_999), { accountId: a.id });
      assert.equal(await store.emailChanges.findEmailReservation(a.emailNormalized, T0 + 10_000), null, 'kept until restore_until');
      assert.deepEqual(
        (await store.emailChanges.listRestorableEmailChanges(a.id, { since: T0, now: T0 + 5 })).map((c) => c.id),
        [current.id],
      );
      await store.emailChanges.markEmailChangesRestored(a.id, [current.id], T0 + 6);
      assert.deepEqual(await store.emailChanges.listRestorableEmailChanges(a.id, { since: T0, now: T0 + 7 }), []);
      assert.equal(await store.emailChanges.findEmailReservation(a.emailNormalized, T0 + 7), null, 'restored: no longer kept');
      // changeEmail refuses an address another account holds.
      const b = await store.accounts.createAccount(newAccount('holder@example.org'));
      assert.ok(b);
      assert.equal(await store.accounts.changeEmail(a.id, { email: 'Holder@example.org', emailNormalized: 'holder@example.org', now: T0 }), false);
      assert.equal(await store.accounts.changeEmail(a.id, { email: 'New@Example.org', emailNormalized: 'new@example.org', now: T0 }), true);
      assert.equal((await store.accounts.findAccountById(a.id))?.email, 'New@Example.org');
    });

    test("account deletions: scheduling twice keeps the first date, cancel and the job's claim race once, the row goes with the account", async () => {
      const a = await store.accounts.createAccount(newAccount('leaver@example.org'));
      assert.ok(a);
      const first = await store.accountDeletions.scheduleAccountDeletion({ accountId: a.id, cancelTokenHash: 'c1', now: T0, dueAt: T0 + 1000 });
      assert.equal(first.scheduled, true);
      const again = await store.accountDeletions.scheduleAccountDeletion({ accountId: a.id, cancelTokenHash: 'c2', now: T0 + 10, dueAt: T0 + 2000 });
      assert.deepEqual([again.scheduled, again.deletion.dueAt], [false, T0 + 1000]);
      assert.equal((await store.accountDeletions.findAccountDeletionByToken('c1'))?.accountId, a.id);
      assert.equal(await store.accountDeletions.findAccountDeletionByToken('c2'), null);
      assert.equal(await store.accountDeletions.claimDueAccountDeletion(a.id, T0 + 999), null, 'not before it is due');
      assert.ok(await store.accountDeletions.cancelAccountDeletion({ tokenHash: 'c1' }, T0 + 20));
      assert.equal(await store.accountDeletions.cancelAccountDeletion({ accountId: a.id }, T0 + 21), null, 'once');
      const renewed = await store.accountDeletions.scheduleAccountDeletion({ accountId: a.id, cancelTokenHash: 'c3', now: T0 + 30, dueAt: T0 + 1030 });
      assert.equal(renewed.scheduled, true, 'a cancelled one can be asked for again');
      assert.deepEqual(
        (await store.accountDeletions.listDueAccountDeletions(T0 + 1030, 10)).map((d) => d.accountId),
        [a.id],
      );
      const [claim, cancel] = await Promise.all([
        store.accountDeletions.claimDueAccountDeletion(a.id, T0 + 1030),
        store.accountDeletions.cancelAccountDeletion({ accountId: a.id }, T0 + 1030),
      ]);
      assert.equal([claim, cancel].filter(Boolean).length, 1, 'the job and a cancellation: one wins');
      await store.accountDeletions.scheduleAccountDeletion({ accountId: a.id, cancelTokenHash: 'c4', now: T0, dueAt: T0 });
      await store.accounts.deleteAccount(a.id);
      assert.equal(await store.accountDeletions.findAccountDeletionByToken('c4'), null, 'cascades');
    });

    test('setPassword records the change time and clears a forced change', async () => {
      const a = await store.accounts.createAccount(newAccount('setpw@example.org'));
      assert.ok(a);
      await store.accounts.setPassword(a.id, '$argon2id$new', T0 + 5000);
      const after = await store.accounts.findAccountById(a.id);
      assert.equal(after?.passwordHash, '$argon2id$new');
      assert.equal(after?.passwordChangedAt, T0 + 5000);
      assert.equal(after?.updatedAt, T0 + 5000);
    });

    test('requirePasswordChange sets the flag with its reason; the next setPassword clears both', async () => {
      const a = await store.accounts.createAccount(newAccount('forced@example.org'));
      assert.ok(a);
      await store.accounts.requirePasswordChange(a.id, 'Your password appeared in a breach.', T0 + 1);
      const flagged = await store.accounts.findAccountById(a.id);
      assert.equal(flagged?.mustChangePassword, true);
      assert.equal(flagged?.mustChangeReason, 'Your password appeared in a breach.');
      await store.accounts.setPassword(a.id, '$argon2id$fresh', T0 + 2);
      const cleared = await store.accounts.findAccountById(a.id);
      assert.equal(cleared?.mustChangePassword, false);
      assert.equal(cleared?.mustChangeReason, null);
    });

    test('replacePasswordHash only replaces the hash it was given (a rehash never overwrites a newer password)', async () => {
      const a = await store.accounts.createAccount(newAccount('rehash@example.org'));
      assert.ok(a);
      assert.equal(await store.accounts.replacePasswordHash(a.id, 'stale', '$argon2id$x', T0), false);
      assert.equal(await store.accounts.replacePasswordHash(a.id, '$argon2id$fake', '$argon2id$upgraded', T0 + 1), true);
      const after = await store.accounts.findAccountById(a.id);
      assert.equal(after?.passwordHash, '$argon2id$upgraded');
      assert.equal(after?.passwordChangedAt, T0, 'a rehash is not a password change');
    });

    test('listAccounts pages in email order and countAccounts counts', async () => {
      const before = await store.accounts.countAccounts();
      await store.accounts.createAccount(newAccount('zz-last@example.org'));
      assert.equal(await store.accounts.countAccounts(), before + 1);
      const all = await store.accounts.listAccounts({ limit: 1000, offset: 0 });
      const emails = all.map((a) => a.emailNormalized);
      assert.deepEqual(emails, [...emails].sort());
      assert.equal((await store.accounts.listAccounts({ limit: 1, offset: 0 })).length, 1);
    });

    test('findSessionByTokenHash returns the session with its account in one read', async () => {
      const a = await store.accounts.createAccount(newAccount('sess@example.org'));
      assert.ok(a);
      const s = await store.sessions.createSession(newSession(a.id, T0, { tokenHash: 'hash-1' }));
      const found = await store.sessions.findSessionByTokenHash('hash-1');
      assert.deepEqual(found?.session, s);
      assert.equal(found?.account.email, 'sess@example.org');
      // Every field, read by position from the join's values (store/sessions.ts), including set nullable ones.
      await store.accounts.requirePasswordChange(a.id, 'policy', T0 + 5);
      await store.accounts.markExpiryReminderSent(a.id, T0 + 6);
      await store.accounts.setAccountLocale(a.id, 'de', T0 + 6);
      await store.sessions.revokeSession(s.id, { accountId: a.id, now: T0 + 7, reason: 'sign-out' });
      const again = await store.sessions.findSessionByTokenHash('hash-1');
      assert.deepEqual(again?.account, await store.accounts.findAccountById(a.id));
      assert.equal(again?.account.mustChangePassword, true);
      assert.equal(again?.account.locale, 'de', 'the language comes with the session check');
      assert.deepEqual(again?.session, { ...s, revokedAt: T0 + 7, revokedReason: 'sign-out' });
      assert.equal(await store.sessions.findSessionByTokenHash('nope'), null);
    });

    test('an account starts with the language it was made in, and the person can set it or go back to automatic', async () => {
      const a = await store.accounts.createAccount({ ...newAccount('lang@example.org'), locale: 'fr' });
      assert.equal(a?.locale, 'fr');
      const b = await store.accounts.createAccount(newAccount('lang-auto@example.org'));
      assert.ok(a && b);
      assert.equal(b.locale, null);
      await store.accounts.setAccountLocale(a.id, 'es', T0 + 1);
      assert.equal((await store.accounts.findAccountById(a.id))?.locale, 'es');
      await store.accounts.setAccountLocale(a.id, null, T0 + 2);
      assert.equal((await store.accounts.findAccountById(a.id))?.locale, null);
    });

    test('token hashes are unique', async () => {
      const a = await store.accounts.createAccount(newAccount('uniq@example.org'));
      assert.ok(a);
      await store.sessions.createSession(newSession(a.id, T0, { tokenHash: 'dup-hash' }));
      await assert.rejects(store.sessions.createSession(newSession(a.id, T0, { tokenHash: 'dup-hash' })));
    });

    test('revokeSession ends a live session once, and only for its owner', async () => {
      const a = await store.accounts.createAccount(newAccount('owner@example.org'));
      const b = await store.accounts.createAccount(newAccount('other@example.org'));
      assert.ok(a && b);
      const s = await store.sessions.createSession(newSession(a.id));
      assert.equal(await store.sessions.revokeSession(s.id, { accountId: b.id, now: T0, reason: 'revoked-by-user' }), false, 'not by someone else');
      assert.equal(await store.sessions.revokeSession(s.id, { accountId: a.id, now: T0 + 1, reason: 'revoked-by-user' }), true);
      assert.equal(await store.sessions.revokeSession(s.id, { accountId: a.id, now: T0 + 2, reason: 'revoked-by-user' }), false, 'only once');
      assert.equal(await store.sessions.findSessionByTokenHash(s.id), null, 'lookups are by token hash, never by the public session id');
    });

    test('two racing revocations of one session: exactly one wins', async () => {
      const a = await store.accounts.createAccount(newAccount('race@example.org'));
      assert.ok(a);
      const s = await store.sessions.createSession(newSession(a.id));
      const results = await Promise.all(Array.from({ length: 5 }, () => store.sessions.revokeSession(s.id, { accountId: a.id, now: T0, reason: 'rotated' })));
      assert.equal(results.filter(Boolean).length, 1);
    });

    test('revokeOtherSessions ends every live session but the one kept, and says how many', async () => {
      const a = await store.accounts.createAccount(newAccount('many@example.org'));
      const bystander = await store.accounts.createAccount(newAccount('bystander@example.org'));
      assert.ok(a && bystander);
      const keep = await store.sessions.createSession(newSession(a.id));
      await store.sessions.createSession(newSession(a.id));
      await store.sessions.createSession(newSession(a.id));
      const theirs = await store.sessions.createSession(newSession(bystander.id));
      assert.equal(await store.sessions.revokeOtherSessions(a.id, { exceptSessionId: keep.id, now: T0 + 10, reason: 'password-changed' }), 2);
      const live = await store.sessions.listSessions(a.id, { now: T0 + 20 });
      assert.deepEqual(
        live.map((s) => s.id),
        [keep.id],
      );
      const ended = await store.sessions.listSessions(a.id, { now: T0 + 20, includeRevokedSince: T0 });
      assert.equal(ended.filter((s) => s.revokedReason === 'password-changed').length, 2);
      assert.equal((await store.sessions.listSessions(bystander.id, { now: T0 + 20 }))[0]?.id, theirs.id, 'other accounts untouched');
    });

    test('listSessions leaves out sessions past their absolute expiry and orders by last activity', async () => {
      const a = await store.accounts.createAccount(newAccount('expiry@example.org'));
      assert.ok(a);
      const old = await store.sessions.createSession(newSession(a.id, T0));
      const recent = await store.sessions.createSession(newSession(a.id, T0 + 1000));
      await store.sessions.touchSession(old.id, T0 + 5000);
      assert.deepEqual(
        (await store.sessions.listSessions(a.id, { now: T0 + 6000 })).map((s) => s.id),
        [old.id, recent.id],
      );
      assert.deepEqual(
        (await store.sessions.listSessions(a.id, { now: T0 + 86_400_000 + 500 })).map((s) => s.id),
        [recent.id],
      );
    });

    test('a transaction that throws leaves nothing behind', async () => {
      const input = newAccount('rollback@example.org');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.accounts.createAccount(input);
          await tx.events.recordEvent({ accountId: input.id, type: 'account.created', now: T0 });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.accounts.findAccountByEmail('rollback@example.org'), null);
    });

    test('events are recorded with detail and counted by type and time', async () => {
      const a = await store.accounts.createAccount(newAccount('events@example.org'));
      assert.ok(a);
      await store.events.recordEvent({ accountId: a.id, type: 'password.change_failed', now: T0, ip: '10.0.0.1', device: 'Firefox on Linux' });
      await store.events.recordEvent({ accountId: a.id, type: 'password.change_failed', now: T0 + 60_000 });
      await store.events.recordEvent({ accountId: a.id, type: 'password.changed', now: T0 + 120_000, detail: { signedOutSessions: 2 } });
      assert.equal(await store.events.countEvents(a.id, 'password.change_failed', { since: T0 }), 2);
      assert.equal(await store.events.countEvents(a.id, 'password.change_failed', { since: T0 + 1 }), 1);
      const events = await store.events.listEvents(a.id, { limit: 10 });
      assert.equal(events[0]?.type, 'password.changed');
      assert.deepEqual(events[0]?.detail, { signedOutSessions: 2 });
      assert.equal(events[2]?.ip, '10.0.0.1');
    });

    test('password history keeps the newest N hashes of the account, newest first, and nobody else’s', async () => {
      const a = await store.accounts.createAccount(newAccount('history@example.org'));
      const b = await store.accounts.createAccount(newAccount('history-other@example.org'));
      assert.ok(a && b);
      for (let i = 1; i <= 5; i++) {
        await store.passwordHistory.rememberPassword({ id: randomUUID(), accountId: a.id, passwordHash: `$argon2id$old-${i}`, now: T0 + i, keep: 3 });
      }
      await store.passwordHistory.rememberPassword({ id: randomUUID(), accountId: b.id, passwordHash: '$argon2id$b', now: T0, keep: 3 });
      assert.deepEqual(await store.passwordHistory.recentPasswordHashes(a.id, 10), ['$argon2id$old-5', '$argon2id$old-4', '$argon2id$old-3']);
      assert.deepEqual(await store.passwordHistory.recentPasswordHashes(a.id, 2), ['$argon2id$old-5', '$argon2id$old-4']);
      assert.deepEqual(await store.passwordHistory.recentPasswordHashes(b.id, 10), ['$argon2id$b']);
    });

    test('the expiry reminder time is kept until the next password change', async () => {
      const a = await store.accounts.createAccount(newAccount('expiry-reminder@example.org'));
      assert.ok(a);
      assert.equal(a.expiryReminderSentAt, null);
      await store.accounts.markExpiryReminderSent(a.id, T0 + 5);
      assert.equal((await store.accounts.findAccountById(a.id))?.expiryReminderSentAt, T0 + 5);
      await store.accounts.setPassword(a.id, '$argon2id$new', T0 + 6);
      assert.equal((await store.accounts.findAccountById(a.id))?.expiryReminderSentAt, null);
    });

    // The mail outbox (mail/queue.ts writes, mail/outbox-worker.ts claims and settles).
    const mail = (to: string) => ({ to, accountId: null, template: 'test', content: { subject: 'Hello', text: 'plain', html: '<p>html</p>' } });
    const bodies = createMailBodyBox({ serverSecrets: [new TextEncoder().encode('store-suite-secret-0123456789abcdef')], random: systemRandom });
    const clockAt = (t: number) => ({ clock: manualClock(t), random: systemRandom, messageIdDomain: 'id.example.org', bodies });

    test('a queued message commits with its transaction, or not at all', async () => {
      const { id, messageId } = await store.transaction((tx) => queueMessage(tx, clockAt(T0), mail('commit@example.org')));
      assert.match(messageId, /^<[0-9a-f-]{36}@id\.example\.org>$/);
      const m = await store.outbox.findMessage(id);
      assert.equal(m?.state, 'queued');
      assert.equal(m?.to, 'commit@example.org');
      assert.equal(m?.messageId, messageId);
      assert.deepEqual([m?.subject, m?.body?.kind, m?.attempts, m?.nextAttemptAt], ['Hello', 'sealed', 0, T0]);
      assert.deepEqual(m && openBody(bodies, m), { text: 'plain', html: '<p>html</p>' }, 'the body opens with the server secret');
      await assert.rejects(
        store.transaction(async (tx) => {
          await queueMessage(tx, clockAt(T0), mail('rolledback@example.org'));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await store.outbox.listMessages({ limit: 10, to: 'rolledback@example.org' }), []);
    });

    test('claimDueMessages leases due messages once; settled messages are not claimed again', async () => {
      const t = T0 + 1_000_000;
      const a = await queueMessage(store, clockAt(t), mail('claim-a@example.org'));
      const b = await queueMessage(store, clockAt(t + 1), mail('claim-b@example.org'));
      const later = await queueMessage(store, clockAt(t + 60_000), mail('claim-later@example.org'));
      const claimed = await store.outbox.claimDueMessages({ now: t + 10, limit: 100, leaseMs: 30_000, owner: 'w1' });
      const mine = claimed.filter((m) => m.to.startsWith('claim-'));
      assert.deepEqual(
        mine.map((m) => m.id),
        [a.id, b.id],
        'due ones only, oldest first',
      );
      assert.ok(mine.every((m) => m.state === 'sending' && m.attempts === 1 && m.leaseOwner === 'w1' && m.leaseUntil === t + 30_010));
      const again = await store.outbox.claimDueMessages({ now: t + 20, limit: 100, leaseMs: 30_000, owner: 'w2' });
      assert.equal(again.filter((m) => m.to.startsWith('claim-')).length, 0, 'a leased message is not claimed by another worker');
      assert.equal(await store.outbox.markMessageSent(a.id, { owner: 'w2', now: t + 30 }), false, 'only the lease holder settles');
      assert.equal(await store.outbox.markMessageSent(a.id, { owner: 'w1', now: t + 30 }), true);
      const sent = await store.outbox.findMessage(a.id);
      assert.deepEqual([sent?.state, sent?.sentAt, sent?.leaseOwner], ['sent', t + 30, null]);
      assert.equal(await store.outbox.markMessageSent(a.id, { owner: 'w1', now: t + 31 }), false, 'settled once');
      assert.equal(await store.outbox.markMessageSent(b.id, { owner: 'w1', now: t + 32 }), true);
      const dueLater = await store.outbox.claimDueMessages({ now: t + 60_000, limit: 100, leaseMs: 30_000, owner: 'w1' });
      assert.deepEqual(
        dueLater.filter((m) => m.to.startsWith('claim-')).map((m) => m.id),
        [later.id],
      );
      await store.outbox.markMessageSent(later.id, { owner: 'w1', now: t + 60_001 });
    });

    test('an expired lease (its node died mid-send) makes the message claimable again', async () => {
      const t = T0 + 2_000_000;
      const m = await queueMessage(store, clockAt(t), mail('lease@example.org'));
      const first = await store.outbox.claimDueMessages({ now: t, limit: 100, leaseMs: 5_000, owner: 'dead-node' });
      assert.ok(first.some((x) => x.id === m.id));
      assert.equal(
        (await store.outbox.claimDueMessages({ now: t + 4_999, limit: 100, leaseMs: 5_000, owner: 'w2' })).some((x) => x.id === m.id),
        false,
      );
      const reclaimed = (await store.outbox.claimDueMessages({ now: t + 5_000, limit: 100, leaseMs: 5_000, owner: 'w2' })).find((x) => x.id === m.id);
      assert.equal(reclaimed?.attempts, 2, 'the lost attempt counts');
      assert.equal(reclaimed?.messageId, m.messageId, 'same Message-ID on the resend');
      assert.equal(await store.outbox.markMessageSent(m.id, { owner: 'dead-node', now: t + 5_001 }), false, 'the dead lease no longer settles');
      assert.equal(await store.outbox.markMessageSent(m.id, { owner: 'w2', now: t + 5_001 }), true);
    });

    test('a failed attempt waits until its retry time; with no retry time the message is failed for good', async () => {
      const t = T0 + 3_000_000;
      const m = await queueMessage(store, clockAt(t), mail('retry@example.org'));
      await store.outbox.claimDueMessages({ now: t, limit: 100, leaseMs: 5_000, owner: 'w' });
      assert.equal(await store.outbox.markMessageAttemptFailed(m.id, { owner: 'w', now: t + 1, error: '421 try later', retryAt: t + 30_000 }), true);
      const retrying = await store.outbox.findMessage(m.id);
      assert.deepEqual([retrying?.state, retrying?.nextAttemptAt, retrying?.lastError], ['retrying', t + 30_000, '421 try later']);
      assert.equal(
        (await store.outbox.claimDueMessages({ now: t + 29_999, limit: 100, leaseMs: 5_000, owner: 'w' })).some((x) => x.id === m.id),
        false,
      );
      assert.ok((await store.outbox.claimDueMessages({ now: t + 30_000, limit: 100, leaseMs: 5_000, owner: 'w' })).some((x) => x.id === m.id));
      await store.outbox.markMessageAttemptFailed(m.id, { owner: 'w', now: t + 30_001, error: 'x'.repeat(2000), retryAt: null });
      const failed = await store.outbox.findMessage(m.id);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.lastError?.length, 500, 'errors are kept short');
      assert.equal(
        (await store.outbox.claimDueMessages({ now: t + 10_000_000, limit: 100, leaseMs: 5_000, owner: 'w' })).some((x) => x.id === m.id),
        false,
      );
    });

    test('countMessagesByState counts every state; listMessages is newest first', async () => {
      const counts = await store.outbox.countMessagesByState();
      assert.deepEqual(Object.keys(counts).sort(), ['failed', 'queued', 'retrying', 'sending', 'sent']);
      assert.ok(counts.sent >= 3 && counts.failed >= 1);
      const t = T0 + 4_000_000;
      await queueMessage(store, clockAt(t), mail('list@example.org'));
      const second = await queueMessage(store, clockAt(t + 1), mail('list@example.org'));
      const listed = await store.outbox.listMessages({ limit: 10, to: 'list@example.org' });
      assert.equal(listed[0]?.id, second.id);
      assert.equal(listed.length, 2);
      assert.equal((await store.outbox.countMessagesByState()).queued, counts.queued + 2);
      assert.ok(((await store.outbox.nextDueAt()) ?? Infinity) <= t);
    });

    test('a body is stored only sealed, and dropped once the message is sent or failed for good (kept when the row is the mailbox)', async () => {
      const t = T0 + 5_000_000;
      const secret = {
        to: 'sealed@example.org',
        accountId: null,
        template: 'test',
        content: { subject: 'Your code', text: 'code 31415926', html: '<p>code 31415926</p>' },
      };
      const sent = await queueMessage(store, clockAt(t), secret);
      const kept = await queueMessage(store, clockAt(t), { ...secret, to: 'kept@example.org' });
      const failed = await queueMessage(store, clockAt(t), { ...secret, to: 'failed@example.org' });
      const row = await store.outbox.findMessage(sent.id);
      assert.ok(row && !JSON.stringify(row).includes('31415926'), 'nothing the store reads back holds the code in the clear');
      assert.equal(row.body?.kind === 'sealed' && row.body.keyId, bodies.currentKeyId, 'the key id is stored');
      await store.outbox.claimDueMessages({ now: t, limit: 100, leaseMs: 5_000, owner: 'w' });
      assert.equal(await store.outbox.markMessageSent(sent.id, { owner: 'w', now: t + 1 }), true);
      assert.equal(await store.outbox.markMessageSent(kept.id, { owner: 'w', now: t + 1, keepBody: true }), true);
      assert.equal(await store.outbox.markMessageAttemptFailed(failed.id, { owner: 'w', now: t + 1, error: '421', retryAt: t + 100 }), true);
      assert.equal((await store.outbox.findMessage(failed.id))?.body?.kind, 'sealed', 'a message to retry keeps its body');
      await store.outbox.claimDueMessages({ now: t + 100, limit: 100, leaseMs: 5_000, owner: 'w' });
      assert.equal(await store.outbox.markMessageAttemptFailed(failed.id, { owner: 'w', now: t + 101, error: '550', retryAt: null }), true);
      for (const id of [sent.id, failed.id]) {
        const m = await store.outbox.findMessage(id);
        assert.equal(m?.body, null, 'settled: the body is gone');
        assert.equal(m?.subject, 'Your code', 'subject, recipient, Message-ID and state stay for `passdesk mail status`');
        assert.ok(m?.messageId && m.to.endsWith('@example.org') && m.attempts >= 1);
      }
      const mailbox = await store.outbox.findMessage(kept.id);
      assert.deepEqual(mailbox && openBody(bodies, mailbox), { text: 'code 31415926', html: '<p>code 31415926</p>' });
    });

    test('retention deletes only sent and failed messages settled before the cutoff', async () => {
      const t = T0 + 6_000_000;
      const m = (to: string) => ({ to, accountId: null, template: 'test', content: { subject: 'Hello', text: 'plain', html: '<p>html</p>' } });
      const oldSent = await queueMessage(store, clockAt(t), m('ret-old-sent@example.org'));
      const oldFailed = await queueMessage(store, clockAt(t), m('ret-old-failed@example.org'));
      const oldQueued = await queueMessage(store, clockAt(t), m('ret-old-queued@example.org'));
      const newSent = await queueMessage(store, clockAt(t), m('ret-new-sent@example.org'));
      await store.outbox.claimDueMessages({ now: t, limit: 100, leaseMs: 5_000, owner: 'ret' });
      await store.outbox.markMessageSent(oldSent.id, { owner: 'ret', now: t + 10 });
      await store.outbox.markMessageAttemptFailed(oldFailed.id, { owner: 'ret', now: t + 10, error: 'x', retryAt: null });
      await store.outbox.markMessageSent(newSent.id, { owner: 'ret', now: t + 1000 });
      // oldQueued was claimed too and stays "sending": unsent.
      const deleted = await store.outbox.deleteFinishedMessages({ before: t + 11 });
      assert.ok(deleted >= 2);
      assert.equal(await store.outbox.findMessage(oldSent.id), null);
      assert.equal(await store.outbox.findMessage(oldFailed.id), null);
      assert.ok(await store.outbox.findMessage(oldQueued.id), 'an unsent message stays, however old');
      assert.ok(await store.outbox.findMessage(newSent.id), 'a message settled after the cutoff stays');
      assert.equal(await store.outbox.deleteFinishedMessages({ before: t + 11 }), 0);
    });
    test('mail preferences: none by default; the phrase is set and cleared', async () => {
      const a = await store.accounts.createAccount(newAccount('prefs@example.org'));
      assert.ok(a);
      assert.deepEqual(await store.mailPreferences.getMailPreferences(a.id), {
        antiPhishingPhrase: null,
        recoveryEmail: null,
        recoveryEmailVerifiedAt: null,
        pendingRecoveryEmail: null,
        pendingExpiresAt: null,
        checkupReminders: true,
      });
      await store.mailPreferences.setAntiPhishingPhrase(a.id, 'purple otter', T0);
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).antiPhishingPhrase, 'purple otter');
      await store.mailPreferences.setAntiPhishingPhrase(a.id, null, T0 + 1);
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).antiPhishingPhrase, null);
      await store.mailPreferences.setCheckupReminders(a.id, false, T0 + 2);
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).checkupReminders, false);
    });

    test('a recovery address becomes verified only with its code, once, before expiry and within the attempt limit', async () => {
      const a = await store.accounts.createAccount(newAccount('recovery@example.org'));
      assert.ok(a);
      await store.mailPreferences.startRecoveryEmailVerification(a.id, { email: 'backup@example.net', codeHash: 'right', expiresAt: T0 + 1000, now: T0 });
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).pendingRecoveryEmail, 'backup@example.net');
      assert.equal(await store.mailPreferences.consumeRecoveryEmailCode(a.id, 'wrong', T0 + 1), null);
      const racing = await Promise.all([1, 2, 3].map(() => store.mailPreferences.consumeRecoveryEmailCode(a.id, 'right', T0 + 2)));
      assert.deepEqual(racing.filter(Boolean), ['backup@example.net'], 'exactly one racing request wins');
      const p = await store.mailPreferences.getMailPreferences(a.id);
      assert.deepEqual([p.recoveryEmail, p.recoveryEmailVerifiedAt, p.pendingRecoveryEmail], ['backup@example.net', T0 + 2, null]);

      await store.mailPreferences.startRecoveryEmailVerification(a.id, { email: 'late@example.net', codeHash: 'late', expiresAt: T0 + 1000, now: T0 });
      assert.equal(await store.mailPreferences.consumeRecoveryEmailCode(a.id, 'late', T0 + 1000), null, 'expired');
      await store.mailPreferences.startRecoveryEmailVerification(a.id, { email: 'guessed@example.net', codeHash: 'guess', expiresAt: T0 + 10_000, now: T0 });
      for (let i = 0; i < 5; i++) assert.equal(await store.mailPreferences.consumeRecoveryEmailCode(a.id, `no-${i}`, T0 + 10), null);
      assert.equal(await store.mailPreferences.consumeRecoveryEmailCode(a.id, 'guess', T0 + 11), null, 'after 5 wrong codes even the right one fails');
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).recoveryEmail, 'backup@example.net', 'the verified address stays');

      assert.equal(await store.mailPreferences.removeRecoveryEmail(a.id, T0 + 20), true);
      assert.equal((await store.mailPreferences.getMailPreferences(a.id)).recoveryEmail, null);
      assert.equal(await store.mailPreferences.removeRecoveryEmail(a.id, T0 + 21), false);
    });
    test('a factor is pending until confirmed, once; removing it and abandoned enrolments go', async () => {
      const a = await store.accounts.createAccount(newAccount('factor@example.org'));
      assert.ok(a);
      const f = await store.twoFactor.createFactor({
        id: randomUUID(),
        accountId: a.id,
        type: 'totp',
        name: 'Authenticator app',
        secretCiphertext: 'sealed',
        keyId: 'k-1',
        now: T0,
      });
      assert.equal(f.confirmedAt, null);
      assert.equal(await store.twoFactor.countConfirmedFactors(a.id), 0);
      assert.deepEqual(await store.twoFactor.findFactor(a.id, f.id), f);
      assert.equal(await store.twoFactor.findFactor(randomUUID(), f.id), null, 'another account cannot see it');
      const racing = await Promise.all([1, 2, 3].map(() => store.twoFactor.confirmFactor(a.id, f.id, { step: 100, now: T0 + 1 })));
      assert.deepEqual(racing.filter(Boolean), [true], 'confirmed once');
      const confirmed = await store.twoFactor.findFactor(a.id, f.id);
      assert.deepEqual([confirmed?.confirmedAt, confirmed?.lastUsedStep], [T0 + 1, 100]);
      assert.equal(await store.twoFactor.countConfirmedFactors(a.id), 1);
      const abandoned = await store.twoFactor.createFactor({
        id: randomUUID(),
        accountId: a.id,
        type: 'totp',
        name: 'x',
        secretCiphertext: 's',
        keyId: 'k-1',
        now: T0 + 2,
      });
      assert.deepEqual(
        (await store.twoFactor.listFactors(a.id)).map((x) => x.id),
        [f.id, abandoned.id],
      );
      assert.equal(await store.twoFactor.removeUnconfirmedFactors(a.id), 1);
      assert.equal(await store.twoFactor.removeFactor(randomUUID(), f.id), false, 'not by another account');
      assert.equal(await store.twoFactor.removeFactor(a.id, f.id), true);
      assert.deepEqual(await store.twoFactor.listFactors(a.id), []);
    });

    test('a time step is accepted once: the same or an earlier step is refused, even when requests race', async () => {
      const a = await store.accounts.createAccount(newAccount('replay@example.org'));
      assert.ok(a);
      const f = await store.twoFactor.createFactor({
        id: randomUUID(),
        accountId: a.id,
        type: 'totp',
        name: 'app',
        secretCiphertext: 's',
        keyId: 'k-1',
        now: T0,
      });
      const racing = await Promise.all([1, 2, 3].map(() => store.twoFactor.useFactorStep(f.id, 500)));
      assert.deepEqual(racing.filter(Boolean), [true]);
      assert.equal(await store.twoFactor.useFactorStep(f.id, 500), false);
      assert.equal(await store.twoFactor.useFactorStep(f.id, 499), false);
      assert.equal(await store.twoFactor.useFactorStep(f.id, 501), true);
      assert.equal((await store.twoFactor.findFactor(a.id, f.id))?.lastUsedStep, 501, 'steps come back as numbers');
    });

    test('recovery codes are single use and regenerating voids the old set', async () => {
      const a = await store.accounts.createAccount(newAccount('codes@example.org'));
      assert.ok(a);
      const newId = (): string => randomUUID();
      await store.twoFactor.replaceRecoveryCodes(a.id, ['h1', 'h2', 'h3'], { now: T0, newId });
      assert.equal(await store.twoFactor.countUnusedRecoveryCodes(a.id), 3);
      const racing = await Promise.all([1, 2, 3].map(() => store.twoFactor.consumeRecoveryCode(a.id, 'h1', T0 + 1)));
      assert.deepEqual(racing.filter(Boolean), [true], 'a code is used once');
      assert.equal(await store.twoFactor.consumeRecoveryCode(a.id, 'h1', T0 + 2), false);
      assert.equal(await store.twoFactor.countUnusedRecoveryCodes(a.id), 2);
      await store.twoFactor.replaceRecoveryCodes(a.id, ['n1', 'n2'], { now: T0 + 3, newId, keyId: 'k-1' });
      const listed = await store.twoFactor.listUnusedRecoveryCodes(a.id);
      assert.deepEqual(
        listed.map((c) => [c.codeHash, c.keyId]).sort(),
        [
          ['n1', 'k-1'],
          ['n2', 'k-1'],
        ],
        'hashes come with the id of their key',
      );
      const n1 = listed.find((c) => c.codeHash === 'n1')!;
      const racingUse = await Promise.all([1, 2, 3].map(() => store.twoFactor.useRecoveryCode(a.id, n1.id, T0 + 3)));
      assert.deepEqual(racingUse.filter(Boolean), [true], 'a code is used once, by id too');
      assert.equal(await store.twoFactor.useRecoveryCode(randomUUID(), listed[1]!.id, T0 + 3), false, 'not through another account');
      assert.equal(await store.twoFactor.consumeRecoveryCode(a.id, 'h2', T0 + 4), false, 'the old set no longer works');
      assert.equal(await store.twoFactor.consumeRecoveryCode(a.id, 'n2', T0 + 4), true);
      const other = await store.accounts.createAccount(newAccount('other-codes@example.org'));
      assert.ok(other);
      assert.equal(await store.twoFactor.consumeRecoveryCode(other.id, 'n2', T0 + 5), false, "not another account's code");
    });

    test('a pending second-factor flow completes once before expiry, and fails at the failure limit', async () => {
      const a = await store.accounts.createAccount(newAccount('flow@example.org'));
      assert.ok(a);
      await store.twoFactor.createSecondFactorFlow({ idHash: 'flow-1', accountId: a.id, now: T0, expiresAt: T0 + 300_000 });
      const racing = await Promise.all([1, 2, 3].map(() => store.twoFactor.completeSecondFactorFlow('flow-1', T0 + 1)));
      assert.deepEqual(racing.filter(Boolean), [true]);
      assert.equal((await store.twoFactor.findSecondFactorFlow('flow-1'))?.state, 'completed');

      await store.twoFactor.createSecondFactorFlow({ idHash: 'flow-2', accountId: a.id, now: T0, expiresAt: T0 + 300_000 });
      assert.equal(await store.twoFactor.completeSecondFactorFlow('flow-2', T0 + 300_000), false, 'expired');

      await store.twoFactor.createSecondFactorFlow({ idHash: 'flow-3', accountId: a.id, now: T0 + 10, expiresAt: T0 + 300_000 });
      for (let i = 1; i <= 5; i++) {
        const f = await store.twoFactor.reserveSecondFactorAttempt('flow-3', { maxFailures: 5, now: T0 + 11 });
        assert.deepEqual([f?.failures, f?.state], [i, 'pending'], 'a reserved guess is counted before it is evaluated');
      }
      assert.equal(await store.twoFactor.reserveSecondFactorAttempt('flow-3', { maxFailures: 5, now: T0 + 11 }), null, 'no sixth guess');
      await store.twoFactor.failSecondFactorFlowAtLimit('flow-3', { maxFailures: 5 });
      assert.equal((await store.twoFactor.findSecondFactorFlow('flow-3'))?.state, 'failed');
      assert.equal(await store.twoFactor.completeSecondFactorFlow('flow-3', T0 + 11), false, 'a failed flow cannot complete');
      await store.twoFactor.createSecondFactorFlow({ idHash: 'flow-4', accountId: a.id, now: T0, expiresAt: T0 + 300 });
      assert.equal(await store.twoFactor.reserveSecondFactorAttempt('flow-4', { maxFailures: 5, now: T0 + 300 }), null, 'not after expiry');
      await store.twoFactor.failSecondFactorFlowAtLimit('flow-4', { maxFailures: 5 });
      assert.equal((await store.twoFactor.findSecondFactorFlow('flow-4'))?.state, 'pending', 'below the limit a flow is not failed');
      assert.equal(await store.twoFactor.findSecondFactorFlow('nope'), null);
    });

    const reset = (accountId: string, tag: string, now = T0, extra: Partial<{ requires: string[]; expiresAt: number }> = {}) => ({
      id: randomUUID(),
      accountId,
      tokenHash: `token-${tag}`,
      codeHash: `code-${tag}`,
      requires: extra.requires ?? [],
      now,
      expiresAt: extra.expiresAt ?? now + 1_800_000,
    });

    test('a reset token verifies once, before expiry; a newer request leaves the older link working; only live links count', async () => {
      const a = await store.accounts.createAccount(newAccount('reset-token@example.org'));
      assert.ok(a);
      const first = await store.passwordResets.createReset(reset(a.id, 'r1'));
      assert.deepEqual([first.state, first.requires, first.codeAttempts], ['requested', [], 0]);
      const second = await store.passwordResets.createReset(reset(a.id, 'r2', T0 + 1));
      assert.equal(await store.passwordResets.countLiveResetsSince(a.id, T0 - 1, T0 + 1), 2);
      assert.equal((await store.passwordResets.findLiveResetByToken('token-r1', T0 + 1))?.id, first.id, 'reading a link changes nothing');
      assert.ok(await store.passwordResets.verifyResetByToken('token-r1', { flowHash: 'f1', now: T0 + 2, expiresAt: T0 + 9_000_000 }), 'not superseded');
      assert.equal(await store.passwordResets.findLiveResetByToken('token-r1', T0 + 2), null, 'a used link is not live');
      const racing = await Promise.all(
        [1, 2, 3].map((i) => store.passwordResets.verifyResetByToken('token-r2', { flowHash: `f2-${i}`, now: T0 + 3, expiresAt: T0 + 9_000_000 })),
      );
      assert.equal(racing.filter(Boolean).length, 1, 'exactly one racing request wins');
      assert.equal(racing.find(Boolean)?.id, second.id);
      assert.equal(await store.passwordResets.countLiveResetsSince(a.id, T0 - 1, T0 + 4), 0, 'used links do not count against the cap');

      const won = racing.findIndex(Boolean) + 1;
      assert.ok(await store.passwordResets.findVerifiedReset(`f2-${won}`, T0 + 4));
      const completes = await Promise.all([1, 2].map(() => store.passwordResets.completeReset(`f2-${won}`, T0 + 5)));
      assert.deepEqual(completes.sort(), [false, true], 'a flow completes once');
      assert.equal(await store.passwordResets.findVerifiedReset(`f2-${won}`, T0 + 6), null);

      const late = await store.passwordResets.createReset(reset(a.id, 'late', T0 + 10, { expiresAt: T0 + 20 }));
      assert.equal(await store.passwordResets.countLiveResetsSince(a.id, T0 + 9, T0 + 19), 1);
      assert.equal(await store.passwordResets.countLiveResetsSince(a.id, T0 + 9, T0 + 20), 0, 'an expired link does not count');
      assert.equal(await store.passwordResets.verifyResetByToken('token-late', { flowHash: 'fl', now: T0 + 20, expiresAt: T0 + 99 }), null, 'expired');
      assert.ok(late.id);
    });

    test('a reset code counts every check and stops at the limit, its link still works; voidResets ends live flows; requires round-trips', async () => {
      const a = await store.accounts.createAccount(newAccount('reset-code@example.org'));
      assert.ok(a);
      await store.passwordResets.createReset(reset(a.id, 'c1'));
      const opts = { flowHash: 'fc', now: T0 + 1, expiresAt: T0 + 9_000_000 };
      for (let i = 0; i < 4; i++) assert.equal(await store.passwordResets.verifyResetByCode(a.id, `wrong-${i}`, opts), null);
      const ok = await store.passwordResets.verifyResetByCode(a.id, 'code-c1', opts);
      assert.equal(ok?.state, 'verified', 'four wrong codes leave the flow alive');
      await store.passwordResets.createReset(reset(a.id, 'c2'));
      for (let i = 0; i < 5; i++) assert.equal(await store.passwordResets.verifyResetByCode(a.id, `wrong-${i}`, { ...opts, flowHash: 'fc2' }), null);
      assert.equal(
        await store.passwordResets.verifyResetByCode(a.id, 'code-c2', { ...opts, flowHash: 'fc2' }),
        null,
        'after 5 wrong codes even the right one fails',
      );
      assert.ok(
        await store.passwordResets.verifyResetByToken('token-c2', { flowHash: 'fc2-link', now: T0 + 2, expiresAt: T0 + 99 }),
        'wrong codes end the code, not the link',
      );

      // A parallel burst (one statement reserves each check): 200 wrong codes and the right one, 5 checks in all.
      const burst = await store.accounts.createAccount(newAccount('reset-burst@example.org'));
      assert.ok(burst);
      await store.passwordResets.createReset(reset(burst.id, 'b1'));
      const guesses = [...Array.from({ length: 200 }, (_, i) => `wrong-${i}`), 'code-b1'];
      const results = await Promise.all(guesses.map((g, i) => store.passwordResets.verifyResetByCode(burst.id, g, { ...opts, flowHash: `fb-${i}` })));
      const row = await store.passwordResets.findLiveResetByToken('token-b1', T0 + 1);
      const wins = results.filter(Boolean).length;
      assert.ok(wins <= 1, 'at most the right code wins');
      // Unless the right code was among the five checks, the flow is still live for its link, with exactly five counted.
      if (wins === 0) assert.equal(row?.codeAttempts, 5, 'exactly the limit was counted');

      const b = await store.accounts.createAccount(newAccount('reset-void@example.org'));
      assert.ok(b);
      const withFactor = await store.passwordResets.createReset(reset(b.id, 'v1', T0, { requires: ['totp'] }));
      assert.deepEqual(withFactor.requires, ['totp']);
      assert.equal(await store.passwordResets.voidResets(b.id, T0 + 1), 1);
      assert.equal(await store.passwordResets.verifyResetByToken('token-v1', { flowHash: 'fv', now: T0 + 2, expiresAt: T0 + 99 }), null);
      assert.equal(await store.passwordResets.voidResets(b.id, T0 + 3), 0);
    });

    test('a verified reset records what it proved, counts wrong factor codes, and dies at the limit', async () => {
      const a = await store.accounts.createAccount(newAccount('reset-factor@example.org'));
      assert.ok(a);
      await store.passwordResets.createReset(reset(a.id, 'sf1', T0, { requires: ['second_factor'] }));
      assert.ok(await store.passwordResets.verifyResetByToken('token-sf1', { flowHash: 'fsf1', now: T0 + 1, expiresAt: T0 + 1000 }));
      const racing = await Promise.all([1, 2].map(() => store.passwordResets.satisfyResetRequirement('fsf1', 'second_factor', T0 + 2)));
      assert.ok(racing.includes(true), 'one of two racing proofs records it');
      assert.ok(await store.passwordResets.satisfyResetRequirement('fsf1', 'second_factor', T0 + 3), 'proving it again keeps the list as it is');
      const proven = await store.passwordResets.findVerifiedReset('fsf1', T0 + 4);
      assert.deepEqual(proven?.satisfied, ['second_factor']);
      assert.equal(await store.passwordResets.satisfyResetRequirement('fsf1', 'x', T0 + 1000), false, 'not after expiry');
      assert.equal(await store.passwordResets.satisfyResetRequirement('no-such-flow', 'x', T0 + 5), false);

      await store.passwordResets.createReset(reset(a.id, 'sf2', T0 + 10));
      assert.ok(await store.passwordResets.verifyResetByToken('token-sf2', { flowHash: 'fsf2', now: T0 + 11, expiresAt: T0 + 1000 }));
      const first = await store.passwordResets.reserveResetFactorAttempt('fsf2', T0 + 12);
      assert.equal(first?.factorAttempts, 1);
      await store.passwordResets.releaseResetFactorAttempt('fsf2', T0 + 12);
      for (let i = 1; i <= 5; i++) {
        const after = await store.passwordResets.reserveResetFactorAttempt('fsf2', T0 + 12);
        assert.deepEqual([after?.factorAttempts, after?.state], [i, 'verified'], 'a right try gave its slot back');
      }
      assert.equal(await store.passwordResets.reserveResetFactorAttempt('fsf2', T0 + 13), null, 'no sixth try');
      await store.passwordResets.voidResetAtFactorLimit('fsf2', T0 + 13);
      assert.equal(await store.passwordResets.findVerifiedReset('fsf2', T0 + 13), null, 'voided at the limit');
      assert.equal(await store.passwordResets.satisfyResetRequirement('fsf2', 'second_factor', T0 + 14), false, 'a voided flow proves nothing');
    });

    test('security answers are replaced all at once, listed in order, and removed', async () => {
      const a = await store.accounts.createAccount(newAccount('answers@example.org'));
      assert.ok(a);
      assert.deepEqual(await store.securityAnswers.listSecurityAnswers(a.id), []);
      await store.securityAnswers.replaceSecurityAnswers(
        a.id,
        [
          { id: randomUUID(), questionId: 'first-car', answerHash: 'h1' },
          { id: randomUUID(), questionId: 'first-concert', answerHash: 'h2' },
        ],
        T0,
      );
      assert.deepEqual(
        (await store.securityAnswers.listSecurityAnswers(a.id)).map((x) => [x.questionId, x.answerHash]),
        [
          ['first-car', 'h1'],
          ['first-concert', 'h2'],
        ],
      );
      await store.securityAnswers.replaceSecurityAnswers(a.id, [{ id: randomUUID(), questionId: 'first-teacher', answerHash: 'h3' }], T0 + 1);
      assert.deepEqual(
        (await store.securityAnswers.listSecurityAnswers(a.id)).map((x) => x.questionId),
        ['first-teacher'],
      );
      assert.equal(await store.securityAnswers.removeSecurityAnswers(a.id), 1);
      assert.equal(await store.securityAnswers.removeSecurityAnswers(a.id), 0);
    });

    test('passkeys: stored with every field, found by credential id, renamed, counted and removed; a credential id is unique', async () => {
      const a = await store.accounts.createAccount(newAccount('passkeys@example.org'));
      const b = await store.accounts.createAccount(newAccount('passkeys-b@example.org'));
      assert.ok(a && b);
      const input = {
        id: randomUUID(),
        accountId: a.id,
        credentialId: 'cred-1',
        publicKey: 'pQECAyYgASFY',
        counter: 3,
        transports: ['internal', 'hybrid'],
        deviceType: 'multiDevice' as const,
        backedUp: true,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Laptop',
        now: T0,
      };
      const created = await store.passkeys.createPasskey(input);
      assert.deepEqual(created, {
        id: input.id,
        accountId: a.id,
        credentialId: 'cred-1',
        publicKey: 'pQECAyYgASFY',
        counter: 3,
        transports: ['internal', 'hybrid'],
        deviceType: 'multiDevice',
        backedUp: true,
        aaguid: input.aaguid,
        name: 'Laptop',
        createdAt: T0,
        lastUsedAt: null,
      });
      assert.deepEqual(await store.passkeys.findPasskeyByCredentialId('cred-1'), created);
      assert.deepEqual(await store.passkeys.listPasskeys(a.id), [created]);
      assert.equal(await store.passkeys.findPasskey(b.id, input.id), null, 'another account does not see it');
      assert.equal(await store.passkeys.createPasskey({ ...input, id: randomUUID(), accountId: b.id }), null, 'the same credential id twice is refused');
      assert.deepEqual(await store.passkeys.listPasskeys(b.id), []);
      assert.equal(await store.passkeys.countPasskeys(a.id), 1);
      assert.equal(await store.passkeys.renamePasskey(b.id, input.id, 'Mine'), false);
      assert.equal(await store.passkeys.renamePasskey(a.id, input.id, 'Work laptop'), true);
      assert.equal((await store.passkeys.findPasskey(a.id, input.id))?.name, 'Work laptop');
      assert.equal(await store.passkeys.removePasskey(b.id, input.id), false);
      assert.equal(await store.passkeys.removePasskey(a.id, input.id), true);
      assert.equal(await store.passkeys.countPasskeys(a.id), 0);
    });

    test('factors, passkeys and recovery codes made since a moment are removed together; older ones and other accounts stay', async () => {
      const a = await store.accounts.createAccount(newAccount('since@example.org'));
      const b = await store.accounts.createAccount(newAccount('since-b@example.org'));
      assert.ok(a && b);
      const totp = async (accountId: string, id: string, at: number): Promise<void> => {
        await store.twoFactor.createFactor({ id, accountId, type: 'totp', name: 'app', secretCiphertext: 'x', keyId: 'k', now: at });
        assert.ok(await store.twoFactor.confirmFactor(accountId, id, { step: 1, now: at }));
      };
      const passkey = (accountId: string, credentialId: string, at: number) =>
        store.passkeys.createPasskey({
          id: randomUUID(),
          accountId,
          credentialId,
          publicKey: 'pk',
          counter: 0,
          transports: [],
          deviceType: 'singleDevice',
          backedUp: false,
          aaguid: '00000000-0000-0000-0000-000000000000',
          name: 'key',
          now: at,
        });
      await totp(a.id, randomUUID(), T0);
      await passkey(a.id, 'since-old', T0);
      await store.twoFactor.replaceRecoveryCodes(a.id, ['old-code'], { now: T0, newId: randomUUID });
      await totp(a.id, randomUUID(), T0 + 100);
      await passkey(a.id, 'since-new', T0 + 100);
      await totp(b.id, randomUUID(), T0 + 100);
      await passkey(b.id, 'since-b', T0 + 100);
      assert.equal(await store.twoFactor.removeFactorsSince(a.id, T0 + 100), 1);
      assert.equal(await store.passkeys.removePasskeysSince(a.id, T0 + 100), 1);
      assert.equal(await store.twoFactor.countConfirmedFactors(a.id), 1, 'the older app stays');
      assert.deepEqual(
        (await store.passkeys.listPasskeys(a.id)).map((p) => p.credentialId),
        ['since-old'],
      );
      assert.equal(await store.twoFactor.countUnusedRecoveryCodes(a.id), 1, 'codes made before stay');
      await store.twoFactor.replaceRecoveryCodes(a.id, ['new-code'], { now: T0 + 200, newId: randomUUID });
      assert.equal(await store.twoFactor.removeFactorsSince(a.id, T0 + 150), 0);
      assert.equal(await store.twoFactor.countUnusedRecoveryCodes(a.id), 0, 'codes made since are removed');
      assert.equal(await store.twoFactor.countConfirmedFactors(b.id), 1, 'another account is untouched');
      assert.equal(await store.passkeys.countPasskeys(b.id), 1);
    });

    test('a passkey use is recorded only against the counter it was verified with (two racing uses: one wins)', async () => {
      const a = await store.accounts.createAccount(newAccount('passkey-counter@example.org'));
      assert.ok(a);
      const p = await store.passkeys.createPasskey({
        id: randomUUID(),
        accountId: a.id,
        credentialId: 'cred-counter',
        publicKey: 'k',
        counter: 0,
        transports: [],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: 'x',
        name: 'Key',
        now: T0,
      });
      assert.ok(p);
      // Two uses verified against the same counter, recorded at once: one is recorded, the other refused.
      const raced = await Promise.all([
        store.passkeys.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 7, backedUp: false, now: T0 + 1 }),
        store.passkeys.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 8, backedUp: false, now: T0 + 2 }),
      ]);
      assert.deepEqual([...raced].sort(), [false, true], 'exactly one racing use wins');
      const winner = raced[0] ? { counter: 7, at: T0 + 1 } : { counter: 8, at: T0 + 2 };
      const after = await store.passkeys.findPasskey(a.id, p.id);
      assert.deepEqual([after?.counter, after?.lastUsedAt], [winner.counter, winner.at], "the winner's counter");
      assert.equal(
        await store.passkeys.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 9, backedUp: false, now: T0 + 3 }),
        false,
        'a stale counter, later',
      );
      assert.equal(
        await store.passkeys.recordPasskeyUse(p.id, { expectedCounter: winner.counter, newCounter: 9, backedUp: false, now: T0 + 3 }),
        true,
        'the current one',
      );
    });

    test('a passkey challenge is used once (also when requests race), not after it expires, and expired ones are swept', async () => {
      const a = await store.accounts.createAccount(newAccount('passkey-challenge@example.org'));
      assert.ok(a);
      const c = await store.passkeys.createChallenge({
        id: 'ch-1',
        purpose: 'second_factor',
        accountId: a.id,
        binding: 'flow-hash',
        challenge: 'abc',
        now: T0,
        expiresAt: T0 + 100,
      });
      assert.deepEqual(await store.passkeys.findChallenge('ch-1'), c);
      assert.deepEqual([c.purpose, c.accountId, c.binding, c.usedAt], ['second_factor', a.id, 'flow-hash', null]);
      const raced = await Promise.all([1, 2, 3].map(() => store.passkeys.useChallenge('ch-1', T0 + 1)));
      assert.deepEqual(raced.filter(Boolean), [true], 'used once, also by racing requests');
      assert.equal(await store.passkeys.useChallenge('ch-1', T0 + 2), false, 'single use');
      await store.passkeys.createChallenge({
        id: 'ch-2',
        purpose: 'passwordless',
        accountId: null,
        binding: null,
        challenge: 'def',
        now: T0,
        expiresAt: T0 + 100,
      });
      assert.equal(await store.passkeys.useChallenge('ch-2', T0 + 100), false, 'expired');
      assert.equal(await store.passkeys.deleteExpiredChallenges(T0 + 101), 2);
      assert.equal(await store.passkeys.findChallenge('ch-2'), null);
    });

    test('a "this wasn\'t me" link opens any number of times, is used once (also when two race), expires, and voids per account', async () => {
      const a = await store.accounts.createAccount(newAccount('not-me@example.org'));
      const b = await store.accounts.createAccount(newAccount('not-me-other@example.org'));
      assert.ok(a && b);
      const link = (accountId: string, name: string, expiresAt = T0 + 1000) => ({
        id: randomUUID(),
        accountId,
        tokenHash: `nm-${name}`,
        outboxId: `out-${name}`,
        notice: 'password-changed',
        eventAt: T0 - 5,
        eventIp: '203.0.113.1',
        eventDevice: 'Firefox on Linux',
        now: T0,
        expiresAt,
      });
      await store.notMe.issueNotMeToken(link(a.id, 'a1'));
      await store.notMe.issueNotMeToken(link(a.id, 'a2'));
      await store.notMe.issueNotMeToken(link(a.id, 'short', T0 + 10));
      await store.notMe.issueNotMeToken(link(b.id, 'b1'));

      const first = await store.notMe.startNotMeConfirmation('nm-a1', { confirmHash: 'c1', now: T0 + 1, confirmExpiresAt: T0 + 100 });
      assert.deepEqual(
        [first?.accountId, first?.notice, first?.outboxId, first?.eventAt, first?.eventIp, first?.eventDevice, first?.state],
        [a.id, 'password-changed', 'out-a1', T0 - 5, '203.0.113.1', 'Firefox on Linux', 'issued'],
      );
      assert.equal(typeof first?.expiresAt, 'number');
      assert.ok(await store.notMe.findLiveNotMe({ confirmHash: 'c1' }, T0 + 2));
      assert.ok(await store.notMe.startNotMeConfirmation('nm-a1', { confirmHash: 'c2', now: T0 + 3, confirmExpiresAt: T0 + 100 }), 'opening again is fine');
      assert.equal(await store.notMe.findLiveNotMe({ confirmHash: 'c1' }, T0 + 4), null, 'the newer confirmation replaces the older');
      assert.equal(await store.notMe.findLiveNotMe({ confirmHash: 'c2' }, T0 + 100), null, 'a confirmation expires');
      assert.ok(await store.notMe.findLiveNotMe({ tokenHash: 'nm-a1' }, T0 + 100), 'the link outlives it');

      const raced = await Promise.all([store.notMe.useNotMe({ tokenHash: 'nm-a1' }, T0 + 5), store.notMe.useNotMe({ tokenHash: 'nm-a1' }, T0 + 5)]);
      assert.equal(raced.filter((r) => r !== null).length, 1, 'only one use wins');
      assert.equal(raced.find((r) => r !== null)?.state, 'used');
      assert.equal(await store.notMe.findLiveNotMe({ tokenHash: 'nm-a1' }, T0 + 6), null);
      assert.equal(
        await store.notMe.startNotMeConfirmation('nm-a1', { confirmHash: 'c3', now: T0 + 6, confirmExpiresAt: T0 + 100 }),
        null,
        'a used link opens nothing',
      );

      assert.equal(await store.notMe.useNotMe({ tokenHash: 'nm-short' }, T0 + 10), null, 'expired');
      assert.equal(await store.notMe.useNotMe({ tokenHash: 'nm-none' }, T0 + 1), null, 'unknown');
      assert.equal(await store.notMe.voidNotMeTokens(a.id, T0 + 7), 2, 'the other live links of the account (a2 and the expired one)');
      assert.equal(await store.notMe.useNotMe({ tokenHash: 'nm-a2' }, T0 + 8), null, 'voided');
      const other = await store.notMe.useNotMe({ tokenHash: 'nm-b1' }, T0 + 8);
      assert.equal(other?.accountId, b.id, 'another account’s link is untouched');

      // Pending second-factor sign-ins end together.
      await store.twoFactor.createSecondFactorFlow({ idHash: 'nm-flow', accountId: a.id, now: T0, expiresAt: T0 + 300_000 });
      assert.equal(await store.twoFactor.expireSecondFactorFlows(a.id, T0 + 9), 1);
      assert.equal((await store.twoFactor.findSecondFactorFlow('nm-flow'))?.state, 'expired');
      assert.equal(await store.twoFactor.completeSecondFactorFlow('nm-flow', T0 + 10), false);
      assert.equal(await store.twoFactor.expireSecondFactorFlows(a.id, T0 + 11), 0);
    });

    test('an attempt budget holds `limit` slots per window; a release gives one back; a new window starts again', async () => {
      const a = await store.accounts.createAccount(newAccount('budget@example.org'));
      assert.ok(a);
      const budget = { purpose: 'second_factor', limit: 3, windowMs: 1000 };
      const slots = [];
      for (let i = 1; i <= 3; i++) {
        const slot = await store.attempts.reserveAttempt(a.id, budget, T0 + i);
        assert.deepEqual([slot?.used, slot?.windowStart], [i, T0 + 1]);
        slots.push(slot!);
      }
      assert.equal(await store.attempts.reserveAttempt(a.id, budget, T0 + 10), null, 'spent');
      assert.equal(
        (await store.attempts.reserveAttempt(a.id, { ...budget, purpose: 'reauth_password' }, T0 + 10)) !== null,
        true,
        'another purpose has its own budget',
      );
      await store.attempts.releaseAttempt(slots[0]!);
      assert.equal(await store.attempts.usedAttempts(a.id, budget, T0 + 11), 2);
      assert.equal((await store.attempts.reserveAttempt(a.id, budget, T0 + 12))?.used, 3, 'the released slot is free again');
      assert.equal(await store.attempts.reserveAttempt(a.id, budget, T0 + 13), null);
      const next = await store.attempts.reserveAttempt(a.id, budget, T0 + 1001);
      assert.deepEqual([next?.used, next?.windowStart], [1, T0 + 1001], 'the window ended: counting starts again');
      await store.attempts.releaseAttempt(slots[1]!);
      assert.equal(await store.attempts.usedAttempts(a.id, budget, T0 + 1002), 1, 'a release never touches a newer window');
      assert.equal(await store.attempts.usedAttempts(a.id, budget, T0 + 2001), 0);
    });

    test('two nodes (two stores, two pools) racing on one counter never get more than its limit', async () => {
      // Each store is a separate pool of connections, as two processes would have; on PostgreSQL they run in parallel.
      let file: string | null = null;
      let nodes: Store[];
      if (backend === 'postgres') {
        nodes = [openStore(pgDb!.url), openStore(pgDb!.url)];
      } else {
        file = join(mkdtempSync(join(tmpdir(), 'passdesk-nodes-')), 'db.sqlite');
        nodes = [openStore(`sqlite:${file}`), openStore(`sqlite:${file}`)];
        await nodes[0]!.migrate();
      }
      try {
        const [n1, n2] = nodes as [Store, Store];
        const a = await n1.accounts.createAccount(newAccount('two-nodes@example.org'));
        assert.ok(a);
        const burst = <T>(fn: (s: Store, i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: 200 }, (_, i) => fn(i % 2 ? n1 : n2, i)));

        const budget = { purpose: 'second_factor', limit: 10, windowMs: 15 * 60_000 };
        const slots = await burst((s) => s.attempts.reserveAttempt(a.id, budget, T0));
        assert.equal(slots.filter(Boolean).length, 10, 'per-account budget');
        assert.deepEqual(
          slots
            .filter(Boolean)
            .map((x) => x!.used)
            .sort((x, y) => x - y),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );

        await n1.twoFactor.createSecondFactorFlow({ idHash: 'race-flow', accountId: a.id, now: T0, expiresAt: T0 + 300_000 });
        const guesses = await burst((s) => s.twoFactor.reserveSecondFactorAttempt('race-flow', { maxFailures: 5, now: T0 + 1 }));
        assert.equal(guesses.filter(Boolean).length, 5, 'per-flow guesses');

        await n1.passwordResets.createReset({
          id: randomUUID(),
          accountId: a.id,
          tokenHash: 'race-token',
          codeHash: 'race-code',
          requires: ['security_questions'],
          now: T0,
          expiresAt: T0 + 1000,
        });
        assert.ok(await n1.passwordResets.verifyResetByToken('race-token', { flowHash: 'race-reset', now: T0 + 1, expiresAt: T0 + 1000 }));
        const tries = await burst((s) => s.passwordResets.reserveResetFactorAttempt('race-reset', T0 + 2));
        assert.equal(tries.filter(Boolean).length, 5, 'per-reset tries of the second method');

        await n1.mailPreferences.startRecoveryEmailVerification(a.id, { email: 'race-backup@example.net', codeHash: 'right', expiresAt: T0 + 10_000, now: T0 });
        const codes = await burst((s, i) => s.mailPreferences.consumeRecoveryEmailCode(a.id, i === 150 ? 'right' : `wrong-${i}`, T0 + 1));
        assert.deepEqual(codes.filter(Boolean), [], 'the right code, sent after the others, is not evaluated past the limit');
        const row = await n1.mailPreferences.getMailPreferences(a.id);
        assert.equal(row.recoveryEmail, null);
      } finally {
        for (const n of nodes) await n.close();
        if (file) rmSync(dirname(file), { recursive: true, force: true });
      }
    });

    test('sign-in limits: a claim counts before the check, waits follow the schedule, the limit locks, a lock is told once, rows expire', async () => {
      const rule = { limit: 8, coolOffMs: 86_400_000, delays: { from: 3, baseMs: 1000, capMs: 4000 } };
      const s = 'a:claims';
      const admitted: boolean[] = [];
      let now = T0;
      for (let i = 0; i < 3; i++) admitted.push((await store.signInLimits.claimSignInAttempt(s, rule, now)).admitted);
      assert.deepEqual(admitted, [true, true, true], 'no wait before the 3rd');
      const waiting = await store.signInLimits.claimSignInAttempt(s, rule, now);
      assert.deepEqual(waiting, { admitted: false, failures: 3, locked: false, retryAt: now + 1000 }, 'after the 3rd: 1 s');
      now += 1000;
      assert.deepEqual(await store.signInLimits.claimSignInAttempt(s, rule, now), { admitted: true, failures: 4 });
      assert.equal((await store.signInLimits.claimSignInAttempt(s, rule, now + 1999)).admitted, false, 'after the 4th: 2 s');
      for (const wait of [2000, 4000, 4000, 4000]) {
        now += wait;
        assert.equal((await store.signInLimits.claimSignInAttempt(s, rule, now)).admitted, true, `after waiting ${wait} ms`);
      }
      assert.equal(await store.signInLimits.markSignInLockNotified(s, rule.limit, now), true, 'the 8th locked it: told once');
      assert.equal(await store.signInLimits.markSignInLockNotified(s, rule.limit, now), false, 'not twice');
      now += 3_600_000;
      const locked = await store.signInLimits.claimSignInAttempt(s, rule, now);
      assert.deepEqual(locked, { admitted: false, failures: 8, locked: true, retryAt: now - 3_600_000 + rule.coolOffMs }, 'locked until the cool-off');
      // After the cool-off the count starts again, and a new lockout is told again.
      now = locked.retryAt;
      assert.deepEqual(await store.signInLimits.claimSignInAttempt(s, rule, now), { admitted: true, failures: 1 });
      assert.equal(await store.signInLimits.markSignInLockNotified(s, rule.limit, now), false, 'not locked now');
      // A right password (or a reset) forgets the row.
      await store.signInLimits.forgetSignInFailures(s);
      assert.deepEqual(await store.signInLimits.claimSignInAttempt(s, rule, now), { admitted: true, failures: 1 });
      // Expired rows are swept, live ones kept.
      await store.signInLimits.claimSignInAttempt('d:short', { limit: 10, coolOffMs: 1000, delays: null }, now);
      assert.equal(await store.signInLimits.sweepSignInLimits(now + 1000), 1);
      assert.equal(await store.signInLimits.sweepSignInLimits(now + 1000), 0);
      assert.deepEqual(await store.signInLimits.claimSignInAttempt(s, rule, now + 1000), { admitted: true, failures: 2 }, 'the live row was kept');
    });

    test('sign-in limits: 200 parallel claims on one subject admit exactly the limit (one atomic statement, many connections)', async () => {
      const rule = { limit: 100, coolOffMs: 86_400_000, delays: null };
      const claims = await Promise.all(Array.from({ length: 200 }, () => store.signInLimits.claimSignInAttempt('a:burst', rule, T0)));
      assert.equal(claims.filter((c) => c.admitted).length, 100);
      assert.ok(claims.filter((c) => !c.admitted).every((c) => !c.admitted && c.locked && c.failures === 100));
      const counts = claims.flatMap((c) => (c.admitted ? [c.failures] : [])).sort((a, b) => a - b);
      assert.deepEqual(
        counts,
        Array.from({ length: 100 }, (_, i) => i + 1),
        'every admitted claim saw its own count',
      );
      const told = await Promise.all(Array.from({ length: 20 }, () => store.signInLimits.markSignInLockNotified('a:burst', 100, T0)));
      assert.equal(told.filter(Boolean).length, 1, 'one notice however many ask at once');
    });

    test('a bot challenge is used once, even by racing requests, and forgotten after it expires', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => store.challenges.useChallenge({ id: 'pow:race', expiresAt: T0 + 600_000 })));
      assert.equal(results.filter(Boolean).length, 1, 'exactly one of 8 racing uses wins');
      assert.equal(await store.challenges.useChallenge({ id: 'pow:race', expiresAt: T0 + 600_000 }), false, 'replay refused');
      assert.equal(await store.challenges.useChallenge({ id: 'ticket:other', expiresAt: T0 + 10 }), true, 'another id is its own');
      assert.equal(await store.challenges.deleteExpiredChallenges(T0 + 11), 1, 'only the expired one goes');
      assert.equal(await store.challenges.useChallenge({ id: 'pow:race', expiresAt: T0 + 600_000 }), false, 'the live one is still remembered');
    });

    test('pending sign-ups: a token confirms once; codes are counted per row in one statement; the first confirmed voids the rest', async () => {
      const row = (id: string, tokenHash: string, codeDigest: string) => ({
        id,
        email: 'Pending@Example.org',
        emailNormalized: 'pending@example.org',
        displayName: 'Pending',
        passwordHash: '$argon2id$pending',
        accountId: null,
        tokenHash,
        codeDigest,
        now: T0,
        expiresAt: T0 + 60_000,
        locale: 'fr',
      });
      await store.pendingRegistrations.createPendingRegistration(row('p-1', 'tok-1', 'code-1'));
      await store.pendingRegistrations.createPendingRegistration(row('p-2', 'tok-2', 'code-2'));
      assert.equal((await store.pendingRegistrations.findLiveRegistrationByToken('tok-1', T0))?.email, 'Pending@Example.org');
      assert.equal((await store.pendingRegistrations.findLiveRegistrationByToken('tok-1', T0))?.locale, 'fr', 'the sign-up’s language is kept');
      assert.equal(await store.pendingRegistrations.findLiveRegistrationByToken('tok-1', T0 + 60_000), null, 'expired');
      // Wrong codes count on every live row of the address, up to the limit.
      for (let i = 0; i < 4; i++) assert.equal(await store.pendingRegistrations.confirmRegistrationByCode('pending@example.org', 'wrong', T0), null);
      const won = await store.pendingRegistrations.confirmRegistrationByCode('pending@example.org', 'code-2', T0 + 1);
      assert.equal(won?.id, 'p-2');
      assert.equal(won?.state, 'confirmed');
      assert.equal(won?.passwordHash, '$argon2id$pending', 'the hash comes back once, to make the account');
      assert.equal(won?.codeAttempts, 4);
      assert.equal(await store.pendingRegistrations.confirmRegistrationByToken('tok-2', T0 + 2), null, 'confirmed once');
      await store.pendingRegistrations.settleRegistration('p-2', 'pending@example.org', T0 + 2);
      assert.equal(await store.pendingRegistrations.confirmRegistrationByToken('tok-1', T0 + 3), null, 'the other sign-up was voided');
      assert.equal(await store.retention.deleteEnded('pending_registrations', T0 + 60_001, 10), 2, 'both go once expired');
    });

    test('a pending sign-up takes at most 5 code guesses, whatever the code; its token still confirms it', async () => {
      await store.pendingRegistrations.createPendingRegistration({
        id: 'g-1',
        email: 'guess@example.org',
        emailNormalized: 'guess@example.org',
        displayName: 'Guess',
        passwordHash: '$argon2id$x',
        accountId: null,
        tokenHash: 'tok-g',
        codeDigest: 'right',
        now: T0,
        expiresAt: T0 + 60_000,
        locale: null,
      });
      const guesses = await Promise.all(
        Array.from({ length: 8 }, () => store.pendingRegistrations.confirmRegistrationByCode('guess@example.org', 'wrong', T0)),
      );
      assert.ok(guesses.every((g) => g === null));
      assert.equal(await store.pendingRegistrations.confirmRegistrationByCode('guess@example.org', 'right', T0), null, 'out of tries');
      assert.equal((await store.pendingRegistrations.confirmRegistrationByToken('tok-g', T0))?.id, 'g-1');
    });

    test('an address confirmed once stays confirmed; the checkup reminder is claimed once per interval', async () => {
      const a = await store.accounts.createAccount({ ...newAccount('unconfirmed@example.org'), emailConfirmed: false });
      assert.ok(a);
      assert.equal(a.emailConfirmedAt, null);
      assert.equal(await store.accounts.confirmEmail(a.id, T0 + 5), true);
      assert.equal(await store.accounts.confirmEmail(a.id, T0 + 6), false);
      assert.equal((await store.accounts.findAccountById(a.id))?.emailConfirmedAt, T0 + 5);
      const due = await store.accounts.listAccountsDueForCheckup({ dueBefore: T0 + 10, afterId: null, limit: 1000 });
      assert.ok(due.some((d) => d.id === a.id));
      const claims = await Promise.all([1, 2, 3].map(() => store.accounts.claimCheckupReminder(a.id, { now: T0 + 20, dueBefore: T0 + 10 })));
      assert.equal(claims.filter(Boolean).length, 1, 'one of three racing claims wins');
      assert.ok(!(await store.accounts.listAccountsDueForCheckup({ dueBefore: T0 + 10, afterId: null, limit: 1000 })).some((d) => d.id === a.id));
      assert.equal(await store.accounts.claimCheckupReminder(a.id, { now: T0 + 40, dueBefore: T0 + 30 }), true, 'due again after the interval');
    });

    test('findEvent finds an event only within its account', async () => {
      const a = await store.accounts.createAccount(newAccount('find-event@example.org'));
      const b = await store.accounts.createAccount(newAccount('find-event-other@example.org'));
      assert.ok(a && b);
      await store.events.recordEvent({ accountId: a.id, type: 'password.changed', now: T0, ip: '203.0.113.9', detail: { n: 1 } });
      const [e] = await store.events.listEvents(a.id, { limit: 1 });
      assert.ok(e);
      assert.deepEqual(await store.events.findEvent(a.id, e.id), e);
      assert.equal(typeof e.createdAt, 'number');
      assert.equal(await store.events.findEvent(b.id, e.id), null);
    });
  });
}
