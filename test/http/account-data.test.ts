// "Your data" (issue 16) over HTTP on SQLite and PostgreSQL: the download holds the person's profile, devices, events
// and factors by name and date, and no secret, hash, token or code anywhere (by field name or by value); deleting one's
// own account waits out the grace period, is cancelled by the emailed link or by the signed-in person, and after it
// the deletion job removes every row naming the account and records the deletion without personal data; an
// organisation can turn it off; directory accounts and the last administrator are refused. A second connection reads
// every table to check. The clock is moved, never slept on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { startTestApp, errorCode, PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { registerAccount } from '../../src/flows/register.js';
import { totpCode } from '../helpers/totp.js';
import { runDueAccountDeletions } from '../../src/flows/account-data.js';
import { deletedAccountReference } from '../../src/flows/help-desk/delete-account.js';
import { openDatabase } from '../../src/store/db.js';
import type { Role } from '../../src/core/admin-permissions.js';
import type { Account } from '../../src/store/index.js';

const BASE = 'https://id.example.org';
const DAY = 86_400_000;
const GRACE = 7 * DAY;
/** Columns that name an account. */
const ACCOUNT_COLUMNS = ['account_id', 'agent_id', 'issued_by', 'actor_id'];
/** A field of the export must never be named like a secret. */
const SECRET_FIELD = /hash|token|secret|digest|cipher|seed|salt|public.?key|credential|^code$|^password$/i;

interface Mail {
  to: string;
  template: string;
  text: string;
  accountId: string | null;
}

function fieldNames(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => fieldNames(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...fieldNames(v, `${path}.${k}`)]);
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`your data: download and deletion (${backend})`, () => {
    let t: TestApp;
    let raw: Kysely<unknown>;
    let closeRaw: () => Promise<void>;
    let pgDb: TestDatabase | null = null;
    let dir = '';
    let n = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'passdesk-your-data-'));
      pgDb = backend === 'postgres' ? await createTestDatabase() : null;
      const databaseUrl = pgDb ? pgDb.url : `sqlite:${join(dir, 'passdesk.sqlite')}`;
      t = await startTestApp({ config: { databaseUrl, baseUrl: BASE, devMailbox: true, registration: 'closed', selfDeletionGrace: '7d' } });
      const opened = openDatabase(databaseUrl);
      raw = opened.db as unknown as Kysely<unknown>;
      closeRaw = opened.close;
      // One administrator besides the people below, so none of them is the last one.
      await makeAccount('admin');
    });
    after(async () => {
      await closeRaw?.();
      await t?.close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function makeAccount(role: Role = 'user'): Promise<Account> {
      const email = `${role}-${++n}@example.org`;
      return (
        await registerAccount(t.app.deps, { email, password: PASSWORD, role, displayName: `Person ${n}` }, { ip: null, userAgent: null }, { kind: 'cli' })
      ).account;
    }
    async function signedIn(account: Account): Promise<TestClient> {
      const c = t.client();
      assert.equal((await c.signIn(account.email, PASSWORD)).statusCode, 201);
      return c;
    }
    async function mailsTo(to: string, template: string): Promise<Mail[]> {
      return ((await t.store.outbox.listMessages({ to, limit: 100 })) as unknown as Mail[]).filter((m) => m.template === template);
    }
    function cancelToken(mail: Mail): string {
      const token = /\/account-deletion\/cancel\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.ok(token, 'the email carries the cancel link');
      return token;
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

    it('the download holds profile, devices, events and factors by name and date — and no secret, hash, token or code', async () => {
      const person = await makeAccount();
      const c = await signedIn(person);
      // A real authenticator app (its seed and recovery codes are secrets the export must not hold); confirming it
      // re-authenticates the session with it, as step-up then asks.
      const start = await c.post('/api/v1/2fa/totp', {});
      assert.equal(start.statusCode, 201);
      const { secret } = start.json() as { secret: string };
      const confirmed = await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      const recoveryCodes = (confirmed.json() as { recoveryCodes: string[] }).recoveryCodes;
      const now = t.clock.now();
      const s = t.store;
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
      await s.securityAnswers.replaceSecurityAnswers(person.id, [{ id: `a-${n}`, questionId: 'first-pet', answerHash: 'ANSWER-HASH' }], now);
      await s.mailPreferences.setAntiPhishingPhrase(person.id, 'blue heron', now);
      await s.passwordHistory.rememberPassword({ id: `h-${n}`, accountId: person.id, passwordHash: 'OLD-PASSWORD-HASH', now, keep: 5 });
      // Secrets that went out by email: a reset's link and code, a "This wasn't me" link, an address change's link and code.
      assert.equal((await t.client().post('/api/v1/password/reset', { email: person.email })).statusCode, 202);
      await t.app.deps.background?.idle();
      assert.equal((await c.post('/api/v1/security/email-address', { email: `new-${n}@example.org` })).statusCode, 202);
      const sent = ((await t.store.outbox.listMessages({ limit: 100 })) as unknown as Mail[]).filter(
        (m) => m.to === person.email || m.to === `new-${n}@example.org`,
      );
      const mailSecrets = sent.flatMap((m) => [...m.text.matchAll(/token=([A-Za-z0-9_-]{20,})|(?<![\w-])(\d{8})(?![\w@])/g)].map((x) => x[1] ?? x[2]!));
      assert.ok(mailSecrets.length >= 4, `${mailSecrets.length} emailed secrets`);
      const stored = await t.store.accounts.findAccountById(person.id);
      assert.ok(stored?.passwordHash);

      const res = await c.get('/api/v1/account/export');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="passdesk-data-\d{4}-\d{2}-\d{2}\.json"$/);
      const data = res.json();
      assert.equal(data.account.email, person.email);
      assert.equal(data.account.displayName, person.displayName);
      assert.deepEqual(data.secondFactors.map((f: { name: string }) => f.name).sort(), ['Authenticator app', 'YubiKey']);
      assert.ok(
        data.secondFactors.every((f: { createdAt: string }) => /^\d{4}-/.test(f.createdAt)),
        'with dates',
      );
      assert.ok(data.sessions.length >= 1 && data.sessions[0].device, 'devices');
      assert.ok(
        data.events.some((e: { type: string }) => e.type === 'signin.succeeded'),
        'events',
      );
      assert.equal(data.mail.antiPhishingPhraseSet, true);

      assert.deepEqual(
        fieldNames(data).filter((f) => SECRET_FIELD.test(f.split('.').at(-1) ?? '')),
        [],
        'no field named like a secret',
      );
      for (const value of [
        stored.passwordHash,
        secret,
        ...recoveryCodes,
        'PUBLIC-KEY-BYTES',
        `cred-${n}`,
        'ANSWER-HASH',
        'OLD-PASSWORD-HASH',
        'blue heron',
        ...mailSecrets,
      ]) {
        assert.ok(!res.body.includes(value), `the export holds no ${value}`);
      }
      assert.ok(
        (await t.store.events.listEvents(person.id, { limit: 10 })).some((e) => e.type === 'account.exported'),
        'the download is recorded',
      );

      // A link on another site cannot make the browser download it (and leave the record): Sec-Fetch-Site says who started it.
      const before = (await t.store.events.listEvents(person.id, { limit: 50 })).filter((e) => e.type === 'account.exported').length;
      for (const site of ['cross-site', 'same-site']) {
        const refused = await c.get('/api/v1/account/export', { headers: { 'sec-fetch-site': site } });
        assert.equal(errorCode(refused), 'CSRF_FAILED', site);
      }
      assert.equal((await c.get('/api/v1/account/export', { headers: { 'sec-fetch-site': 'same-origin' } })).statusCode, 200);
      assert.equal(
        (await t.store.events.listEvents(person.id, { limit: 50 })).filter((e) => e.type === 'account.exported').length,
        before + 1,
        'only the same-origin download is recorded',
      );

      // The page's button answers the same file, as a download.
      const page = await c.request('POST', '/security/data/export', { form: { _csrf: await c.csrfFrom('/security/data') } });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-disposition']), /^attachment;/);
      assert.deepEqual(Object.keys(JSON.parse(page.body)).sort(), Object.keys(data).sort());

      t.clock.advance(11 * 60_000);
      assert.equal(errorCode(await c.get('/api/v1/account/export')), 'REAUTHENTICATION_REQUIRED', 'needs a recent authentication');
    });

    it('deletion asked for, shown at the next sign-in, then cancelled by the emailed link', async () => {
      const person = await makeAccount();
      const c = await signedIn(person);
      const asked = await c.post('/api/v1/account/deletion', {});
      assert.equal(asked.statusCode, 202, asked.body);
      const due = t.clock.now() + GRACE;
      assert.equal(asked.json().deletion.dueAt, new Date(due).toISOString());
      assert.equal((await c.post('/api/v1/account/deletion', {})).json().deletion.dueAt, new Date(due).toISOString(), 'asking again moves nothing');
      const [mail, ...more] = await mailsTo(person.email, 'account-deletion-scheduled');
      assert.ok(mail && more.length === 0, 'one email');

      // Signing in during the grace period: the security page shows it first, with a button that keeps the account.
      const later = await signedIn(person);
      const page = await later.get('/security', { headers: { accept: 'text/html' } });
      assert.ok(page.body.includes('id="pending-deletion"') && page.body.includes('id="keep-account"'));

      const token = cancelToken(mail);
      const opened = await t.client().get(`/account-deletion/cancel?token=${token}`, { headers: { accept: 'text/html' } });
      assert.equal(opened.statusCode, 200);
      assert.ok((await t.store.accountDeletions.findPendingAccountDeletion(person.id)) !== null, 'opening the link changes nothing');
      const cancelled = await t.client().post('/api/v1/account/deletion/cancel', { token });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal((await c.get('/api/v1/account/deletion')).json().deletion, null);
      assert.equal((await mailsTo(person.email, 'account-deletion-cancelled')).length, 1);
      assert.equal(errorCode(await t.client().post('/api/v1/account/deletion/cancel', { token })), 'DELETION_LINK_INVALID', 'once');

      // Cancelled by the signed-in person too, and nothing is deleted when its day comes.
      assert.equal((await c.post('/api/v1/account/deletion', {})).statusCode, 202);
      assert.equal((await later.delete('/api/v1/account/deletion')).json().deletion, null);
      t.clock.advance(GRACE + DAY);
      assert.equal((await runDueAccountDeletions(t.app.deps, { owner: 'test' })).deleted, 0);
      assert.ok(await t.store.accounts.findAccountById(person.id));
    });

    it('after the grace period the job deletes the account through the help desk’s deletion and records it without personal data', async () => {
      const person = await makeAccount();
      const other = await makeAccount();
      const c = await signedIn(person);
      assert.equal((await c.post('/api/v1/account/deletion', {})).statusCode, 202);
      assert.ok((await rowsNaming(person.id)).length >= 4);

      t.clock.advance(GRACE - 60_000);
      assert.deepEqual(await runDueAccountDeletions(t.app.deps, { owner: 'test' }), { ran: true, deleted: 0, kept: 0 }, 'not before it is due');
      assert.ok(await t.store.accounts.findAccountById(person.id));
      t.clock.advance(2 * 60_000);
      assert.deepEqual(await runDueAccountDeletions(t.app.deps, { owner: 'test' }), { ran: true, deleted: 1, kept: 0 });

      assert.equal(await t.store.accounts.findAccountById(person.id), null, 'the account is gone');
      assert.deepEqual(await rowsNaming(person.id), [], 'no row names it');
      assert.ok(await t.store.accounts.findAccountById(other.id), 'nobody else is touched');
      assert.equal((await c.get('/api/v1/session')).statusCode, 401);
      const [last] = await mailsTo(person.email, 'account-deleted');
      assert.ok(last, 'the last email survives the account');
      assert.equal(last.accountId, null);

      const reference = deletedAccountReference(t.app.deps, person.id);
      const events = (await t.store.events.queryEvents({ type: 'account.deleted', limit: 100 })).filter((e) => e.detail?.['subject'] === reference);
      assert.equal(events.length, 1, 'the deletion is recorded once');
      const [record] = events;
      assert.equal(record?.accountId, null);
      assert.equal(record?.ip, null);
      assert.equal(record?.device, null);
      const text = JSON.stringify(record);
      for (const personal of [person.id, person.email, person.emailNormalized, person.displayName]) {
        assert.ok(!text.includes(personal), `no ${personal} in the record`);
      }
    });

    it('"This wasn\'t me" on the deletion email cancels it', async () => {
      const person = await makeAccount();
      const c = await signedIn(person);
      assert.equal((await c.post('/api/v1/account/deletion', {})).statusCode, 202);
      const [mail] = await mailsTo(person.email, 'account-deletion-scheduled');
      const notMe = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      assert.ok(notMe);
      assert.equal((await t.client().post('/api/v1/not-me', { token: notMe })).statusCode, 200);
      assert.equal(await t.store.accountDeletions.findPendingAccountDeletion(person.id), null);
      t.clock.advance(GRACE + DAY);
      await runDueAccountDeletions(t.app.deps, { owner: 'test' });
      assert.ok(await t.store.accounts.findAccountById(person.id), 'kept');
    });

    it('refused for a directory account, for the last administrator, and without a recent authentication', async () => {
      const person = await makeAccount();
      const c = await signedIn(person);
      t.clock.advance(11 * 60_000);
      assert.equal(errorCode(await c.post('/api/v1/account/deletion', {})), 'REAUTHENTICATION_REQUIRED');
      assert.equal((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);

      await sql`update accounts set directory_id = ${`entry-${person.id}`} where id = ${person.id}`.execute(raw);
      const res = await c.post('/api/v1/account/deletion', {});
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'MANAGED_BY_DIRECTORY');
      assert.equal((await c.get('/api/v1/account/deletion')).json().refusal, 'directory');
      const page = await c.get('/security/data', { headers: { accept: 'text/html' } });
      assert.ok(page.body.includes('id="deletion-refused"') && !page.body.includes('id="delete-account-form"'), 'no control');
      assert.equal((await c.get('/api/v1/account/export')).statusCode, 200, 'the download still works');

      // Every administrator but one asks; the last one is refused.
      const admins = (await t.store.accounts.searchAccounts({ text: null, roles: ['admin'], excludeId: null, afterEmail: null, limit: 100 })).filter(
        (a) => a.status === 'active',
      );
      for (const a of admins) await t.store.accounts.setStatus(a.id, 'disabled', t.clock.now());
      const onlyAdmin = await makeAccount('admin');
      const a = await signedIn(onlyAdmin);
      assert.equal(errorCode(await a.post('/api/v1/account/deletion', {})), 'LAST_ADMINISTRATOR');
      for (const admin of admins) await t.store.accounts.setStatus(admin.id, 'active', t.clock.now());
    });
  });

  describe(`your data: self-deletion turned off (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend, config: { selfDeletion: false } });
    });
    after(async () => {
      await t?.close();
    });

    it('refuses with SELF_DELETION_DISABLED and hides the control; the download stays', async () => {
      const person = (await registerAccount(t.app.deps, { email: 'kept@example.org', password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' }))
        .account;
      const c = t.client();
      assert.equal((await c.signIn(person.email, PASSWORD)).statusCode, 201);
      const res = await c.post('/api/v1/account/deletion', {});
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'SELF_DELETION_DISABLED');
      assert.deepEqual((await c.get('/api/v1/account/deletion')).json(), { deletion: null, allowed: false, refusal: 'disabled', gracePeriodSeconds: 604800 });
      const page = await c.get('/security/data', { headers: { accept: 'text/html' } });
      assert.ok(page.body.includes('id="deletion-refused"') && !page.body.includes('id="delete-account-form"'));
      const form = await c.request('POST', '/security/data/deletion', { form: { _csrf: await c.csrfFrom('/security/data'), confirm: 'yes' } });
      assert.equal(form.statusCode, 403);
      assert.equal(await t.store.accountDeletions.findPendingAccountDeletion(person.id), null);
      assert.equal((await c.get('/api/v1/account/export')).statusCode, 200);
    });
  });
}
