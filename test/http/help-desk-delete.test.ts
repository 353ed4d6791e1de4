// Deleting an account (issue 15) on SQLite and PostgreSQL: the administrator receives the person's data (never a
// secret, hash or code), the person is emailed first and that email survives the deletion, no row anywhere names
// the account afterwards, and the audit log keeps the deletion and what staff did, under a non-reversible
// reference instead of the account. A second connection reads every table of the database to check.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { registerAccount } from '../../src/flows/register.js';
import { deletedAccountReference } from '../../src/flows/help-desk/delete-account.js';
import { openDatabase } from '../../src/store/db.js';
import type { Role } from '../../src/core/admin-permissions.js';
import type { Account } from '../../src/store/index.js';

const WHY = { reason: 'Left the company; data request', ticket: 'HR-77' };
/** Columns that name an account. */
const ACCOUNT_COLUMNS = ['account_id', 'agent_id', 'issued_by', 'actor_id'];

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`deleting an account (${backend})`, () => {
    let t: TestApp;
    let raw: Kysely<unknown>;
    let closeRaw: () => Promise<void>;
    let pgDb: TestDatabase | null = null;
    let dir = '';
    let admin: TestClient;
    let n = 0;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'passdesk-delete-'));
      pgDb = backend === 'postgres' ? await createTestDatabase() : null;
      const databaseUrl = pgDb ? pgDb.url : `sqlite:${join(dir, 'passdesk.sqlite')}`;
      t = await startTestApp({ config: { databaseUrl, registration: 'closed' } });
      const opened = openDatabase(databaseUrl);
      raw = opened.db as unknown as Kysely<unknown>;
      closeRaw = opened.close;
      admin = await signedIn(await makeAccount('admin'));
    });
    after(async () => {
      await closeRaw?.();
      await t?.close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function makeAccount(role: Role): Promise<Account> {
      const email = `${role}-${++n}@example.org`;
      return (await registerAccount(t.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' })).account;
    }
    async function signedIn(account: Account): Promise<TestClient> {
      const c = t.client();
      assert.equal((await c.signIn(account.email, PASSWORD)).statusCode, 201);
      return c;
    }
    /** Every row of every table with a column naming `id`, as "table.column". */
    async function rowsNaming(id: string): Promise<string[]> {
      const found: string[] = [];
      for (const table of await raw.introspection.getTables()) {
        for (const column of table.columns.filter((c) => ACCOUNT_COLUMNS.includes(c.name))) {
          const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table.name)} where ${sql.ref(column.name)} = ${id}`.execute(raw);
          if (Number(r.rows[0]?.n) > 0) found.push(`${table.name}.${column.name}`);
        }
      }
      return found;
    }

    /** A person with something in every table: a session, factors, preferences, history, a reset, a help desk past. */
    async function busyPerson(): Promise<{ person: Account; other: Account }> {
      const person = await makeAccount('helpdesk');
      const other = await makeAccount('user');
      await signedIn(person);
      const now = t.clock.now();
      const s = t.store;
      await s.twoFactor.createFactor({
        id: `f-${n}`,
        accountId: person.id,
        type: 'totp',
        name: 'Work phone',
        secretCiphertext: 'SEALED-SEED',
        keyId: 'k1',
        now,
      });
      await s.passkeys.createPasskey({
        id: `p-${n}`,
        accountId: person.id,
        credentialId: `cred-${n}`,
        publicKey: 'PUBLIC-KEY-BYTES',
        counter: 0,
        transports: ['usb'],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'YubiKey',
        now,
      });
      await s.twoFactor.replaceRecoveryCodes(person.id, ['RECOVERY-HASH-1', 'RECOVERY-HASH-2'], { now, newId: () => t.app.deps.random.uuid() });
      await s.securityAnswers.replaceSecurityAnswers(person.id, [{ id: `a-${n}`, questionId: 'first-pet', answerHash: 'ANSWER-HASH' }], now);
      await s.mailPreferences.setAntiPhishingPhrase(person.id, 'blue heron', now);
      await s.passwordHistory.rememberPassword({ id: `h-${n}`, accountId: person.id, passwordHash: 'OLD-PASSWORD-HASH', now, keep: 5 });
      await s.attempts.reserveAttempt(person.id, { purpose: 'second_factor', limit: 5, windowMs: 900_000 }, now);
      await s.trustedDevices.trustDevice({
        device: 'dev-1',
        login: person.emailNormalized,
        accountId: person.id,
        sessionId: 'x',
        replacing: null,
        max: 5,
        now,
      });
      await s.temporaryPasswords.issueTemporaryPassword({
        id: `t-${n}`,
        accountId: person.id,
        digest: 'TEMP-DIGEST',
        issuedBy: null,
        now,
        expiresAt: now + 1000,
      });
      // As an agent: a caller check and a temporary password of someone else, and an event naming the person as actor.
      await s.callerVerifications.recordVerifiedCaller({ id: `cv-${n}`, agentId: person.id, accountId: other.id, method: 'totp', now, validUntil: now + 1000 });
      await s.temporaryPasswords.issueTemporaryPassword({ id: `t2-${n}`, accountId: other.id, digest: 'D', issuedBy: person.id, now, expiresAt: now + 1000 });
      await s.events.recordEvent({ accountId: other.id, actorId: person.id, type: 'admin.account.unlock', now, detail: { reason: 'x' } });
      // A reset requested (its email still queued) and a help desk change with a "This wasn't me" link.
      assert.equal((await t.client().post('/api/v1/password/reset', { email: person.email })).statusCode, 202);
      await t.app.deps.background?.idle();
      assert.equal((await admin.post(`/api/v1/admin/accounts/${person.id}/require-change`, WHY)).statusCode, 200);
      return { person, other };
    }

    it('answers the export, tells the person first, and leaves no row naming the account', async () => {
      const { person, other } = await busyPerson();
      const stored = await t.store.accounts.findAccountById(person.id);
      assert.ok(stored?.passwordHash);
      assert.ok((await rowsNaming(person.id)).length >= 12, 'the person is everywhere before');

      const res = await admin.request('DELETE', `/api/v1/admin/accounts/${person.id}`, { body: WHY });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json();
      const ex = body.export;
      assert.equal(ex.account.email, person.email);
      assert.equal(ex.mail.antiPhishingPhraseSet, true);
      assert.deepEqual(ex.secondFactors.map((f: { name: string }) => f.name).sort(), ['Work phone', 'YubiKey']);
      assert.equal(ex.recoveryCodesLeft, 2);
      assert.deepEqual(ex.securityQuestions, ['first-pet']);
      assert.ok(ex.sessions.length >= 1 && ex.sessions[0].device);
      assert.ok(ex.events.some((e: { type: string }) => e.type === 'signin.succeeded'));
      assert.equal(body.directory, null);
      for (const secret of [
        stored.passwordHash,
        'SEALED-SEED',
        'PUBLIC-KEY-BYTES',
        'RECOVERY-HASH-1',
        'ANSWER-HASH',
        'OLD-PASSWORD-HASH',
        'TEMP-DIGEST',
        'blue heron',
      ]) {
        assert.ok(!res.body.includes(secret), `the export holds no ${secret}`);
      }

      assert.deepEqual(await rowsNaming(person.id), [], 'no row names the account');
      assert.equal(await t.store.accounts.findAccountById(person.id), null);
      assert.ok(await t.store.accounts.findAccountById(other.id), 'the other account stays');
      assert.ok(await t.store.temporaryPasswords.findTemporaryPassword(other.id, 'D'), 'a temporary password the person issued stays, without its issuer');

      // The email to the person survives, detached; the queued reset email is gone.
      const mail = await t.store.outbox.listMessages({ limit: 100, to: person.email });
      assert.deepEqual(
        mail.filter((m) => m.template === 'account-deleted-by-admin').map((m) => [m.accountId, m.state]),
        [[null, 'queued']],
      );
      assert.ok(mail.find((m) => m.template === 'account-deleted-by-admin')?.text.includes(WHY.reason));
      assert.equal(mail.filter((m) => m.template === 'password-reset-requested' && m.state === 'queued').length, 0, 'the queued reset email was dropped');

      // The audit log: the deletion under the reference, without personal data; staff actions kept under it too.
      const reference = deletedAccountReference(t.app.deps, person.id);
      assert.equal(body.reference, reference);
      const [deletion, ...more] = (await t.store.events.queryEvents({ type: 'admin.account.delete', limit: 10 })).filter(
        (e) => e.detail?.['subject'] === reference,
      );
      assert.ok(deletion && more.length === 0);
      assert.equal(deletion.accountId, null);
      assert.ok(deletion.actorId);
      assert.equal(deletion.detail?.['reason'], WHY.reason);
      assert.equal(deletion.detail?.['ticket'], WHY.ticket);
      const text = JSON.stringify(deletion);
      for (const personal of [person.id, person.email, person.displayName]) assert.ok(!text.includes(personal), `no ${personal} in the deletion event`);
      const kept = (await t.store.events.queryEvents({ type: 'admin.password.require_change', limit: 100 })).filter((e) => e.detail?.['subject'] === reference);
      assert.equal(kept.length, 1, 'what the help desk did to the account stays, pseudonymised');
      assert.equal(kept[0]?.accountId, null);
      const asActor = await t.store.events.queryEvents({ actorId: reference, limit: 10 });
      assert.deepEqual(
        asActor.map((e) => [e.type, e.accountId]),
        [['admin.account.unlock', other.id]],
        'what the person did as staff names the reference',
      );
      assert.equal((await t.store.events.queryEvents({ type: 'signin.succeeded', limit: 1000 })).filter((e) => e.accountId === null).length, 0);
    });

    it('the person’s old session stops working at once; a second delete is 404; a help desk agent may not delete', async () => {
      const person = await makeAccount('user');
      const their = await signedIn(person);
      assert.equal((await their.get('/api/v1/session')).statusCode, 200);
      const desk = await signedIn(await makeAccount('helpdesk'));
      const refused = await desk.request('DELETE', `/api/v1/admin/accounts/${person.id}`, { body: WHY });
      assert.equal(refused.statusCode, 403);
      assert.equal(errorCode(refused), 'FORBIDDEN');
      assert.equal((await admin.request('DELETE', `/api/v1/admin/accounts/${person.id}`, { body: { reason: 'x' } })).statusCode, 400, 'a reason is needed');
      assert.equal((await admin.request('DELETE', `/api/v1/admin/accounts/${person.id}`, { body: WHY })).statusCode, 200);
      assert.equal((await their.get('/api/v1/session')).statusCode, 401);
      assert.equal((await admin.request('DELETE', `/api/v1/admin/accounts/${person.id}`, { body: WHY })).statusCode, 404);
      // The address is free again: the same email can sign up or be created anew.
      const again = await registerAccount(t.app.deps, { email: person.email, password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' });
      assert.notEqual(again.account.id, person.id);
    });

    it('a directory account: only Passdesk’s side is deleted, and the answer says the entry stays', async () => {
      const linked = await t.store.accounts.linkDirectoryAccount({
        id: t.app.deps.random.uuid(),
        directoryId: 'entry-uuid-1234',
        email: 'dir.person@example.org',
        emailNormalized: 'dir.person@example.org',
        displayName: 'Dir Person',
        role: 'user',
        passwordChangedAt: null,
        now: t.clock.now(),
      });
      assert.ok(linked);
      const res = await admin.request('DELETE', `/api/v1/admin/accounts/${linked.id}`, { body: WHY });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().directory, { directoryId: 'entry-uuid-1234', entryKept: true });
      assert.equal(res.json().export.account.directoryId, 'entry-uuid-1234');
      assert.equal(await t.store.accounts.findAccountByDirectoryId('entry-uuid-1234'), null);
      const [event] = (await t.store.events.queryEvents({ type: 'admin.account.delete', limit: 10 })).filter(
        (e) => e.detail?.['subject'] === deletedAccountReference(t.app.deps, linked.id),
      );
      assert.equal(event?.detail?.['directoryEntryKept'], true);
      assert.ok(!JSON.stringify(event).includes('entry-uuid-1234'), 'the entry’s id is not in the audit event');
    });
  });
}
