// Changing the sign-in address (issue 16), black-box over HTTP on SQLite and PostgreSQL: confirmed by code or by
// link, other sessions ended, the old address told with "This wasn't me" that puts it back within 7 days (and not
// after), no enumeration of taken addresses, wrong codes limited, directory accounts refused. Emails are read from
// the outbox; the clock is injected and moved, never slept on. Accounts are made as the CLI makes them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type Backend, type TestApp, type TestClient } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { importAccounts } from '../../src/flows/help-desk/import.js';
import { registerAccount } from '../../src/flows/register.js';
import { EMAIL_CHANGE_CODE_WINDOW_MS, EMAIL_CHANGE_MAX_REQUESTS, EMAIL_CHANGE_MAX_WRONG_CODES, EMAIL_RESTORE_WINDOW_MS } from '../../src/flows/change-email.js';
import { normalizeEmail } from '../../src/core/email.js';
import { openDatabase } from '../../src/store/db.js';
import type { Account } from '../../src/store/index.js';

const BASE = 'https://id.example.org';
const DAY = 86_400_000;
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

interface Mail {
  to: string;
  template: string;
  text: string;
  html: string;
  accountId: string | null;
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`changing the sign-in address (${backend})`, () => {
    let t: TestApp;
    let raw: Kysely<unknown>;
    let closeRaw: () => Promise<void>;
    let pgDb: TestDatabase | null = null;
    let dir = '';
    let n = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'passdesk-email-change-'));
      pgDb = backend === 'postgres' ? await createTestDatabase() : null;
      const databaseUrl = pgDb ? pgDb.url : `sqlite:${join(dir, 'passdesk.sqlite')}`;
      // "This wasn't me" links live 14 days here, so the 7-day restore window is what refuses a late restore.
      t = await startTestApp({ config: { databaseUrl, baseUrl: BASE, devMailbox: true, registration: 'open', notMeTokenTtl: '14d' } });
      const opened = openDatabase(databaseUrl);
      raw = opened.db as unknown as Kysely<unknown>;
      closeRaw = opened.close;
    });
    after(async () => {
      await closeRaw?.();
      await t?.close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const email = (prefix: string): string => `${prefix}-${++n}@example.org`;
    async function makeAccount(prefix: string, displayName?: string): Promise<Account> {
      const made = await registerAccount(t.app.deps, { email: email(prefix), password: PASSWORD, displayName }, { ip: null, userAgent: null }, { kind: 'cli' });
      return made.account;
    }
    /** A new account with this address, made as the CLI makes one (throws EMAIL_TAKEN when it is taken or kept). */
    const register = async (address: string): Promise<Account> =>
      (await registerAccount(t.app.deps, { email: address, password: NEW_PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' })).account;
    async function signedIn(address: string, userAgent?: string): Promise<TestClient> {
      const c = userAgent ? t.client({ userAgent }) : t.client();
      const res = await c.signIn(address, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
      return c;
    }
    async function mailsTo(to: string, template?: string): Promise<Mail[]> {
      const all = (await t.store.outbox.listMessages({ to, limit: 100 })) as unknown as Mail[];
      return template ? all.filter((m) => m.template === template) : all;
    }
    function secretsOf(mail: Mail): { token: string; code: string } {
      const token = /\/email-change\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      const code = /(?<![\w-])(\d{8})(?![\w@])/.exec(mail.text)?.[1];
      assert.ok(token && code, 'the email carries a link and a code');
      return { token, code };
    }
    function notMeToken(mail: Mail): string {
      const token = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.ok(token, 'the notice carries "This wasn\'t me"');
      return token;
    }
    async function isSignedIn(c: TestClient): Promise<boolean> {
      return (await c.get('/api/v1/session')).statusCode === 200;
    }
    /** Asks for a change and confirms it with the emailed code; returns the device that did it. */
    async function changeByCode(account: Account, to: string): Promise<TestClient> {
      const c = await signedIn(account.email);
      assert.equal((await c.post('/api/v1/security/email-address', { email: to })).statusCode, 202);
      const [mail] = await mailsTo(to, 'email-change-verification');
      assert.ok(mail);
      const res = await c.post('/api/v1/security/email-address/confirm', { code: secretsOf(mail).code });
      assert.equal(res.statusCode, 200, res.body);
      return c;
    }

    it('confirmed by code: the address changes, other devices are signed out, the old address is told', async () => {
      const person = await makeAccount('ada', 'Ada');
      const laptop = await signedIn(person.email);
      const phone = await signedIn(person.email, CHROME_WIN);
      const newAddress = email('ada-new');

      const asked = await laptop.post('/api/v1/security/email-address', { email: newAddress });
      assert.equal(asked.statusCode, 202, asked.body);
      assert.equal(asked.json().address, person.email, 'nothing changes before the confirmation');
      assert.equal(asked.json().pending.address, newAddress);
      const [mail, ...more] = await mailsTo(newAddress);
      assert.ok(mail && more.length === 0);
      assert.equal(mail.template, 'email-change-verification');
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, person.email);

      const confirmed = await laptop.post('/api/v1/security/email-address/confirm', { code: secretsOf(mail).code });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.deepEqual(confirmed.json(), { address: newAddress });
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, newAddress);
      assert.ok(await isSignedIn(laptop), 'the device that made the change stays signed in');
      assert.ok(!(await isSignedIn(phone)), 'every other device is signed out');

      const [notice] = await mailsTo(person.email, 'email-changed');
      assert.ok(notice, 'the old address is told');
      assert.ok(notice.text.includes(newAddress) && notice.text.includes('7 days'));
      notMeToken(notice);
      assert.equal((await t.client().signIn(person.email, PASSWORD)).statusCode, 401, 'the old address no longer signs in');
      assert.equal((await t.client().signIn(newAddress, PASSWORD)).statusCode, 201, 'the new one does');
      const used = await laptop.post('/api/v1/security/email-address/confirm', { code: secretsOf(mail).code });
      assert.equal(errorCode(used), 'VERIFICATION_CODE_INVALID', 'the code works once');
    });

    it('confirmed by the link while signed out: the device that asked stays signed in', async () => {
      const person = await makeAccount('grace');
      const laptop = await signedIn(person.email);
      const other = await signedIn(person.email, CHROME_WIN);
      const newAddress = email('grace-new');
      assert.equal((await laptop.post('/api/v1/security/email-address', { email: newAddress })).statusCode, 202);
      const [mail] = await mailsTo(newAddress, 'email-change-verification');
      assert.ok(mail);
      const { token } = secretsOf(mail);

      const stranger = t.client();
      const opened = await stranger.get(`/email-change?token=${token}`, { headers: { accept: 'text/html' } });
      assert.equal(opened.statusCode, 200);
      assert.equal(opened.headers['cache-control'], 'no-store');
      assert.ok(opened.body.includes(newAddress) && opened.body.includes('id="confirm-new-address"'));
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, person.email, 'opening the link changes nothing');

      const res = await stranger.post('/api/v1/security/email-address/confirm', { token });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, newAddress);
      assert.ok(await isSignedIn(laptop));
      assert.ok(!(await isSignedIn(other)));
      assert.equal(errorCode(await stranger.post('/api/v1/security/email-address/confirm', { token })), 'EMAIL_CHANGE_LINK_INVALID', 'once');
    });

    it('needs a recent authentication, and refuses the addresses the account has already', async () => {
      const person = await makeAccount('step');
      const c = await signedIn(person.email);
      assert.equal(errorCode(await c.post('/api/v1/security/email-address', { email: person.email.toUpperCase() })), 'EMAIL_CHANGE_SAME_ADDRESS');
      assert.equal(errorCode(await c.post('/api/v1/security/email-address', { email: 'not an address' })), 'VALIDATION_FAILED');
      t.clock.advance(11 * 60_000);
      const stale = await c.post('/api/v1/security/email-address', { email: email('step-new') });
      assert.equal(stale.statusCode, 403);
      assert.equal(errorCode(stale), 'REAUTHENTICATION_REQUIRED');
      assert.equal((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
      assert.equal((await c.post('/api/v1/security/email-address', { email: email('step-new') })).statusCode, 202);
    });

    it('no enumeration: an address of another account is answered as a free one, and its owner learns nothing about who asked', async () => {
      const asker = await makeAccount('mallory', 'Mallory Example');
      const free = await makeAccount('control');
      const owner = await makeAccount('owner', 'Olive Owner');
      const a = await signedIn(asker.email, CHROME_WIN);
      const b = await signedIn(free.email, CHROME_WIN);
      const freeAddress = email('unused');

      const taken = await a.post('/api/v1/security/email-address', { email: owner.email });
      const open = await b.post('/api/v1/security/email-address', { email: freeAddress });
      assert.equal(taken.statusCode, open.statusCode);
      const shape = (res: typeof taken, mine: string, to: string): string =>
        res.body
          .replaceAll(mine, 'ME')
          .replaceAll(to, 'TO')
          .replace(/"expiresAt":"[^"]+"/, '"expiresAt":"T"');
      assert.equal(shape(taken, asker.email, owner.email), shape(open, free.email, freeAddress), 'the same answer');
      assert.deepEqual(Object.keys(taken.headers).sort(), Object.keys(open.headers).sort());
      const pageOf = async (c: TestClient, mine: string, to: string): Promise<string> =>
        (await c.get('/security/email-address', { headers: { accept: 'text/html' } })).body
          .replaceAll(mine, 'ME')
          .replaceAll(to, 'TO')
          .replace(/value="[A-Za-z0-9_-]{20,}"/g, 'value="CSRF"')
          .replace(/(Mallory Example|control-\d+)/g, 'NAME');
      assert.equal(await pageOf(a, asker.email, owner.email), await pageOf(b, free.email, freeAddress), 'the same page');

      // The owner's mailbox: one message that names nobody, with no code and no link to confirm anything.
      const toOwner = await mailsTo(owner.email);
      assert.deepEqual(
        toOwner.map((m) => m.template),
        ['email-change-address-taken'],
      );
      const note = toOwner[0]!;
      assert.equal(note.accountId, owner.id, 'told as its own account');
      for (const revealing of [asker.email, asker.displayName, asker.id, '/email-change', CHROME_WIN.slice(0, 20)]) {
        assert.ok(!note.text.includes(revealing) && !note.html.includes(revealing), `nothing about the asker: ${revealing}`);
      }
      assert.doesNotMatch(note.text, /(?<![\w-])\d{8}(?![\w@])/, 'no code');
      assert.ok(note.text.includes('Olive Owner'), 'greets its own owner');

      // The asker cannot finish: any code is just a wrong code, as for a free address.
      const guess = await a.post('/api/v1/security/email-address/confirm', { code: '12345678' });
      const wrong = await b.post('/api/v1/security/email-address/confirm', { code: '12345678' });
      assert.equal(errorCode(guess), 'VERIFICATION_CODE_INVALID');
      assert.equal(guess.body, wrong.body);
      assert.equal((await t.store.accounts.findAccountById(asker.id))?.email, asker.email);
      assert.equal((await t.store.accounts.findAccountById(owner.id))?.email, owner.email);
    });

    it('an address another account changed away from is kept for it for 7 days: a change to it or a sign-up with it is refused quietly', async () => {
      const mover = await makeAccount('mover');
      await changeByCode(mover, email('mover-new'));
      const other = await makeAccount('other');
      const c = await signedIn(other.email);
      assert.equal((await c.post('/api/v1/security/email-address', { email: mover.email })).statusCode, 202);
      assert.deepEqual(
        (await mailsTo(mover.email)).map((m) => m.template).sort(),
        ['email-change-address-taken', 'email-changed'],
        'no code goes to the kept address',
      );
      await assert.rejects(register(mover.email), { code: 'EMAIL_TAKEN' }, 'a new account cannot take it');
      const imported = await importAccounts(
        t.app.deps,
        { kind: 'cli', label: 'test' },
        {
          text: `email,name,role,password_hash\n${mover.email},Someone Else,user,\n`,
          format: 'csv',
          why: { reason: 'Migration' },
          ctx: { ip: null, userAgent: null },
        },
      );
      assert.deepEqual([imported.created, imported.skipped], [0, 1], 'nor an import');
      assert.equal((await t.store.accounts.findAccountByEmail(normalizeEmail(mover.email)))?.id, undefined);
    });

    it('wrong codes are limited per account by the shared limiter; the right code works again after the window', async () => {
      const person = await makeAccount('guess');
      const c = await signedIn(person.email);
      const newAddress = email('guess-new');
      assert.equal((await c.post('/api/v1/security/email-address', { email: newAddress })).statusCode, 202);
      const [mail] = await mailsTo(newAddress, 'email-change-verification');
      assert.ok(mail);
      const { code } = secretsOf(mail);
      const wrongCode = code === '00000000' ? '11111111' : '00000000';
      for (let i = 0; i < EMAIL_CHANGE_MAX_WRONG_CODES; i++) {
        assert.equal(errorCode(await c.post('/api/v1/security/email-address/confirm', { code: wrongCode })), 'VERIFICATION_CODE_INVALID');
      }
      const limited = await c.post('/api/v1/security/email-address/confirm', { code });
      assert.equal(limited.statusCode, 429, 'not even the right code is checked past the limit');
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, person.email);
      const failures = (await t.store.events.listEvents(person.id, { limit: 50 })).filter((e) => e.type === 'email_address.change_code_failed');
      assert.equal(failures.length, EMAIL_CHANGE_MAX_WRONG_CODES);
      t.clock.advance(EMAIL_CHANGE_CODE_WINDOW_MS + 1000);
      // The code's own 30 minutes are still running; the session needs no step-up to confirm.
      assert.equal((await c.post('/api/v1/security/email-address/confirm', { code })).statusCode, 200);
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, newAddress);
    });

    it('asking is limited per account, alike for free and taken addresses', async () => {
      const person = await makeAccount('spammer');
      const owner = await makeAccount('target');
      const c = await signedIn(person.email);
      for (let i = 0; i < EMAIL_CHANGE_MAX_REQUESTS; i++) {
        const to = i % 2 === 0 ? owner.email : email('free');
        assert.equal((await c.post('/api/v1/security/email-address', { email: to })).statusCode, 202);
      }
      for (const to of [owner.email, email('free')]) assert.equal((await c.post('/api/v1/security/email-address', { email: to })).statusCode, 429);
      assert.equal((await mailsTo(owner.email, 'email-change-address-taken')).length, Math.ceil(EMAIL_CHANGE_MAX_REQUESTS / 2));
    });

    it('"This wasn\'t me" from the old address within 7 days puts it back, ends every session and asks for a reset there', async () => {
      const person = await makeAccount('victim');
      const newAddress = email('intruder');
      const intruder = await changeByCode(person, newAddress);
      const [notice] = await mailsTo(person.email, 'email-changed');
      assert.ok(notice);
      t.clock.advance(EMAIL_RESTORE_WINDOW_MS - DAY);

      const res = await t.client().post('/api/v1/not-me', { token: notMeToken(notice) });
      assert.equal(res.statusCode, 200, res.body);
      const now = await t.store.accounts.findAccountById(person.id);
      assert.equal(now?.email, person.email, 'the old address is back');
      assert.equal(now?.mustChangePassword, true, 'the password must be reset, as after every report');
      assert.ok(!(await isSignedIn(intruder)), 'every session ended');
      assert.equal(errorCode(await t.client().signIn(person.email, PASSWORD)), 'ACCOUNT_REPORTED');
      assert.equal((await t.client().signIn(newAddress, PASSWORD)).statusCode, 401, 'the intruder’s address signs in no more');
      assert.equal((await mailsTo(person.email, 'password-reset-requested')).length, 1, 'the reset goes to the restored address');
      assert.equal((await mailsTo(newAddress, 'password-reset-requested')).length, 0);
      const types = (await t.store.events.listEvents(person.id, { limit: 50 })).map((e) => e.type);
      assert.ok(types.includes('email_address.restored') && types.includes('account.reported'));
      // Free again for nobody else: the restored account holds it.
      assert.ok(await register(newAddress), 'the intruder’s address is free again');
    });

    it('the intruder reporting a later entry of their own does not void the old address’s "This wasn\'t me": it still puts the address back', async () => {
      const person = await makeAccount('owner-kept');
      const newAddress = email('intruder-kept');
      await changeByCode(person, newAddress);
      const [notice] = await mailsTo(person.email, 'email-changed');
      assert.ok(notice);
      // The intruder signs in again (a reportable entry after the change) and reports it: every issued link of the
      // account is voided as on every report, and the reset that clears it goes to the intruder's new address.
      t.clock.advance(60_000);
      const intruder = await signedIn(newAddress);
      const entry = (await intruder.get('/api/v1/activity')).json().activity.find((e: { type: string }) => e.type === 'signin.succeeded');
      assert.ok(entry);
      assert.equal((await intruder.post(`/api/v1/activity/${entry.id}/not-me`, {})).statusCode, 200);
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, newAddress, 'a later report puts nothing back');
      assert.equal((await mailsTo(newAddress, 'password-reset-requested')).length, 1, 'that reset went to the intruder');

      t.clock.advance(DAY);
      const res = await t.client().post('/api/v1/not-me', { token: notMeToken(notice) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await t.store.accounts.findAccountById(person.id))?.email, person.email, 'the old address is back');
      assert.equal((await mailsTo(person.email, 'password-reset-requested')).length, 1, 'and its reset goes there');
    });

    it('after 7 days "This wasn\'t me" still secures the account, but the old address is not put back', async () => {
      const person = await makeAccount('late');
      const newAddress = email('late-new');
      await changeByCode(person, newAddress);
      const [notice] = await mailsTo(person.email, 'email-changed');
      assert.ok(notice);
      t.clock.advance(EMAIL_RESTORE_WINDOW_MS + 60_000);
      assert.equal((await t.client().post('/api/v1/not-me', { token: notMeToken(notice) })).statusCode, 200);
      const now = await t.store.accounts.findAccountById(person.id);
      assert.equal(now?.email, newAddress, 'the change stays');
      assert.equal(now?.mustChangePassword, true);
      const types = (await t.store.events.listEvents(person.id, { limit: 50 })).map((e) => e.type);
      assert.ok(!types.includes('email_address.restored'));
      assert.ok(await register(person.email), 'the old address is no longer kept');
    });

    it('a directory account: the address is the directory’s — refused with a code, and the page has no control', async () => {
      const person = await makeAccount('dir');
      const c = await signedIn(person.email);
      await sql`update accounts set directory_id = ${`entry-${person.id}`} where id = ${person.id}`.execute(raw);
      const state = await c.get('/api/v1/security/email-address');
      assert.equal(state.json().changeable, false);
      const res = await c.post('/api/v1/security/email-address', { email: email('dir-new') });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'MANAGED_BY_DIRECTORY');
      assert.match(res.json().error.message, /directory/);
      const page = await c.get('/security', { headers: { accept: 'text/html' } });
      assert.ok(page.body.includes('id="address-from-directory"') && !page.body.includes('id="change-email-link"'));
      const form = await c.get('/security/email-address', { headers: { accept: 'text/html' } });
      assert.ok(!form.body.includes('id="change-email-form"'));
    });
  });
}
