// The anti-phishing phrase and the recovery address: set through the API and the page (current password
// required), shown at the top of every email, and reset codes and security notices going to both addresses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashToken, hmac } from '../../src/core/tokens.js';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { decodeHeader, startSmtpServer, type TestSmtpServer, type ReceivedMail } from '../helpers/smtp.js';
import { queueNotice } from '../../src/mail/notices.js';
import { emailText } from '../../src/core/email-text.js';

describe('email settings', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  before(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ config: { smtpUrl: smtp.url, smtpSecurity: 'none' } });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  /** What reached `to` (the sign-up's own confirmation left out: these tests are about what came after). */
  async function delivered(to: string): Promise<ReceivedMail[]> {
    await t.app.mail.worker!.drain();
    return smtp.received.filter((m) => m.to.includes(to) && !/^Confirm your email address/.test(decodeHeader(m.headers.get('subject') ?? '')));
  }

  async function signedUp(email: string): Promise<TestClient> {
    const c = t.client();
    assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
    return c;
  }

  it('the phrase needs the current password, and appears at the top of every email after that', async () => {
    const c = await signedUp('phrase@example.org');
    assert.equal((await t.client().post('/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: 'x' })).statusCode, 401);
    const wrong = await c.post('/api/v1/security/anti-phishing-phrase', { currentPassword: 'not my password at all', phrase: 'purple otter' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(errorCode(wrong), 'CURRENT_PASSWORD_INCORRECT');
    const res = await c.post('/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: '  purple <otter> & tea  ' });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { antiPhishingPhrase: string }).antiPhishingPhrase, 'purple <otter> & tea');
    assert.equal(((await c.get('/api/v1/security/email-settings')).json() as { antiPhishingPhrase: string }).antiPhishingPhrase, 'purple <otter> & tea');

    const [phraseNotice] = await delivered('phrase@example.org');
    assert.ok(
      decodeHeader(phraseNotice?.headers.get('subject') ?? '').includes('anti-phishing phrase of your'),
      'a change of the phrase is itself a security notice',
    );
    assert.ok(phraseNotice?.text.includes('was changed; this email shows the new one'));
    assert.ok(phraseNotice!.text.startsWith(`${emailText.common.phraseLabel}: purple <otter> & tea\n`));

    assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
    const [, mail] = await delivered('phrase@example.org');
    assert.ok(mail);
    assert.ok(mail.text.startsWith(`${emailText.common.phraseLabel}: purple <otter> & tea\n`), 'first line of the text part');
    const body = mail.html.slice(mail.html.indexOf('<body'));
    assert.ok(body.includes('purple &lt;otter&gt; &amp; tea'));
    assert.ok(body.indexOf('anti-phishing-phrase') < body.indexOf('Hello'), 'above everything else in the HTML part');

    const events = await t.store.events.listEvents((await t.store.accounts.findAccountByEmail('phrase@example.org'))!.id, { limit: 20 });
    assert.ok(events.some((e) => e.type === 'mail.phrase_changed'));
    assert.ok(!JSON.stringify(events).includes('otter'), 'the phrase is private: never in the audit trail');

    const cleared = await c.post('/api/v1/security/anti-phishing-phrase', { currentPassword: NEW_PASSWORD, phrase: null });
    assert.equal((cleared.json() as { antiPhishingPhrase: string | null }).antiPhishingPhrase, null);
    const [, , removedNotice] = await delivered('phrase@example.org');
    assert.ok(removedNotice?.text.includes('was removed; emails no longer show one'));
    assert.ok(!removedNotice!.text.includes('otter'), 'the old phrase is not repeated');
  });

  it('bad input is a 400 with a code, never a 500', async () => {
    const c = await signedUp('bad-input@example.org');
    const cases: Array<[string, unknown]> = [
      ['/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: 'x'.repeat(65) }],
      ['/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: 'line\nbreak' }],
      ['/api/v1/security/anti-phishing-phrase', { currentPassword: PASSWORD, phrase: 'ok', extra: 1 }],
      ['/api/v1/security/anti-phishing-phrase', { phrase: 'ok' }],
      ['/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: 'not an email' }],
      ['/api/v1/security/recovery-email/verify', { code: '123' }],
      ['/api/v1/security/recovery-email/verify', { code: '12345678', more: true }],
      ['/api/v1/security/recovery-email/remove', {}],
    ];
    for (const [url, body] of cases) {
      const res = await c.post(url, body);
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}`);
      // Issue 11 item 12: a control or format character has its own code.
      assert.equal(errorCode(res), JSON.stringify(body).includes('\\n') ? 'INVALID_CHARACTERS' : 'VALIDATION_FAILED');
    }
    const same = await c.post('/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: 'Bad-Input@Example.org' });
    assert.equal(errorCode(same), 'RECOVERY_EMAIL_SAME_AS_PRIMARY');
  });

  it('wrong current passwords are throttled', async () => {
    const c = await signedUp('throttle@example.org');
    for (let i = 0; i < 5; i++) {
      assert.equal(
        errorCode(await c.post('/api/v1/security/recovery-email/remove', { currentPassword: `wrong password number ${i}` })),
        'CURRENT_PASSWORD_INCORRECT',
      );
    }
    const res = await c.post('/api/v1/security/recovery-email/remove', { currentPassword: PASSWORD });
    assert.equal(res.statusCode, 429);
  });

  it('a recovery address is confirmed by the code sent to it; then reset codes and security notices go to both addresses', async () => {
    const c = await signedUp('primary@example.org');
    const added = await c.post('/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: 'backup@example.net' });
    assert.equal(added.statusCode, 202);
    assert.equal((added.json() as { pendingRecoveryEmail: { address: string } }).pendingRecoveryEmail.address, 'backup@example.net');
    const [codeMail, ...others] = await delivered('backup@example.net');
    assert.ok(codeMail);
    assert.equal(others.length, 0);
    assert.equal((await delivered('primary@example.org')).length, 0, 'the code goes to the new address only');
    const code = /\b(\d{8})\b/.exec(codeMail.text)?.[1];
    assert.ok(code, 'the code is in the email');
    assert.ok(codeMail.html.includes(code));

    const wrongCode = code === '00000000' ? '11111111' : '00000000';
    assert.equal(errorCode(await c.post('/api/v1/security/recovery-email/verify', { code: wrongCode })), 'VERIFICATION_CODE_INVALID');
    const ok = await c.post('/api/v1/security/recovery-email/verify', { code });
    assert.equal(ok.statusCode, 200);
    assert.equal((ok.json() as { recoveryEmail: { address: string } }).recoveryEmail.address, 'backup@example.net');
    assert.equal(errorCode(await c.post('/api/v1/security/recovery-email/verify', { code })), 'VERIFICATION_CODE_INVALID', 'a code works once');
    const addedNotices = [...(await delivered('primary@example.org')), ...(await delivered('backup@example.net')).slice(1)];
    assert.deepEqual(
      addedNotices.map((m) => m.to[0]),
      ['primary@example.org', 'backup@example.net'],
      'both addresses hear that a recovery address was added',
    );
    for (const m of addedNotices) {
      assert.ok(decodeHeader(m.headers.get('subject') ?? '').includes('A recovery address was added'));
      assert.ok(m.text.includes('The address backup@example.net is now the recovery address of your account primary@example.org.'));
      assert.match(m.text, /\/not-me\?token=/, 'with a "this wasn\'t me" link');
    }

    assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
    const toPrimary = (await delivered('primary@example.org')).slice(1);
    const toBackup = (await delivered('backup@example.net')).slice(2);
    assert.equal(toPrimary.length, 1);
    assert.equal(toBackup.length, 1, 'the security notice reaches the recovery address too');
    assert.ok(toBackup[0]!.text.includes('recovery address of the account primary@example.org'));

    const account = (await t.store.accounts.findAccountByEmail('primary@example.org'))!;
    const queued = await t.store.transaction((tx) =>
      queueNotice(tx, t.app.deps, {
        account,
        notice: { code: 'password-reset-requested', resetToken: 'tok', resetCode: '24681357', minutes: 30, situation: 'requested' },
        origin: { device: 'Firefox on Linux', ip: '127.0.0.1' },
      }),
    );
    assert.equal(queued.length, 2, 'a reset code goes to both addresses (the locked-out mailbox is not the only way back)');
    const resetMails = [...(await delivered('primary@example.org')), ...(await delivered('backup@example.net'))].filter((m) => m.text.includes('24681357'));
    assert.deepEqual(resetMails.map((m) => m.to[0]).sort(), ['backup@example.net', 'primary@example.org']);

    const before = { primary: (await delivered('primary@example.org')).length, backup: (await delivered('backup@example.net')).length };
    const removed = await c.post('/api/v1/security/recovery-email/remove', { currentPassword: NEW_PASSWORD });
    assert.equal((removed.json() as { recoveryEmail: unknown }).recoveryEmail, null);
    const removedNotices = [...(await delivered('primary@example.org')).slice(before.primary), ...(await delivered('backup@example.net')).slice(before.backup)];
    assert.deepEqual(
      removedNotices.map((m) => m.to[0]),
      ['primary@example.org'],
      'not the removed address: its "this wasn\'t me" link would act on an account that is no longer its concern',
    );
    for (const m of removedNotices)
      assert.ok(m.text.includes('The address backup@example.net is no longer the recovery address of your account primary@example.org.'));
  });

  it('the /security/email page sets the phrase and sends a recovery code with plain forms', async () => {
    const c = await signedUp('page-settings@example.org');
    const security = await c.get('/security', { headers: { accept: 'text/html' } });
    assert.ok(security.body.includes('href="/security/email"'));
    const csrf = await c.csrfFrom('/security/email');
    // As a browser sends it: with the hidden username field that is there for password managers.
    const saved = await c.request('POST', '/security/email/phrase', {
      form: { _csrf: csrf, username: 'page-settings@example.org', phrase: 'blue heron', currentPassword: PASSWORD },
    });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/security/email?notice=phrase-saved');
    const page = await c.get('/security/email?notice=phrase-saved', { headers: { accept: 'text/html' } });
    assert.ok(page.body.includes('<strong>blue heron</strong>'));
    assert.ok(page.body.includes('It appears at the top of every email'));

    const wrong = await c.request('POST', '/security/email/phrase', { form: { _csrf: csrf, phrase: 'x', currentPassword: 'an entirely wrong password' } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes('Your current password is incorrect.'));
    const tooLong = await c.request('POST', '/security/email/phrase', { form: { _csrf: csrf, phrase: 'y'.repeat(100), currentPassword: PASSWORD } });
    assert.equal(tooLong.statusCode, 400);
    const noCsrf = await c.request('POST', '/security/email/phrase', { form: { phrase: 'z', currentPassword: PASSWORD } });
    assert.equal(noCsrf.statusCode, 403);

    const sent = await c.request('POST', '/security/email/recovery', { form: { _csrf: csrf, email: 'page-backup@example.net', currentPassword: PASSWORD } });
    assert.equal(sent.statusCode, 303);
    const [mail] = await delivered('page-backup@example.net');
    const code = /\b(\d{8})\b/.exec(mail!.text)![1]!;
    assert.ok(mail!.text.startsWith(`${emailText.common.phraseLabel}: blue heron`), 'the phrase is on the code email too');
    const verified = await c.request('POST', '/security/email/recovery/verify', { form: { _csrf: csrf, code } });
    assert.equal(verified.headers.location, '/security/email?notice=recovery-verified');
    assert.ok((await c.get('/security/email', { headers: { accept: 'text/html' } })).body.includes('<strong>page-backup@example.net</strong> (confirmed)'));
  });
});

describe('the pending recovery-address code at rest', () => {
  it('is a MAC under the server secret, not a bare hash that a copy of the database reverses in seconds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passdesk-recovery-code-'));
    const file = join(dir, 'passdesk.sqlite');
    const t = await startTestApp({ config: { databaseUrl: `sqlite:${file}` } });
    try {
      const c = t.client();
      assert.equal((await c.signUp('owner@example.org', PASSWORD)).statusCode, 201);
      assert.equal((await c.post('/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: 'spare@example.net' })).statusCode, 202);
      const mail = (await t.store.outbox.listMessages({ limit: 10 })).find((m) => m.to.includes('spare@example.net'));
      const code = /\b(\d{8})\b/.exec(mail?.text ?? '')?.[1];
      assert.ok(code, 'the code is in the email');
      const db = new Database(file, { readonly: true });
      const row = db.prepare('select account_id, pending_code_hash from mail_preferences').get() as { account_id: string; pending_code_hash: string };
      db.close();
      const plain = `recovery-email:${row.account_id}:${code}`;
      assert.notEqual(row.pending_code_hash, hashToken(plain), 'not an unkeyed SHA-256 of the code');
      assert.equal(row.pending_code_hash, hmac(t.app.config.secretBytes, plain), 'an HMAC under the server secret');
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
