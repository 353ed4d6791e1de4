// The notices the service sends today, end to end: the password-change notice and the new-device sign-in
// notice, checked where they arrive — a real SMTP server — with links built from the configured base URL
// even when the request claimed to be for another host, and never a password.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, NEW_PASSWORD, type TestApp } from '../helpers/app.js';
import { startSmtpServer, decodeHeader, type TestSmtpServer, type ReceivedMail } from '../helpers/smtp.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

describe('security notices over SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  const BASE = 'https://id.example.org';

  before(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      config: { smtpUrl: smtp.url, smtpSecurity: 'none', baseUrl: BASE, trustProxy: 1, organizationName: 'Example Org', supportContact: 'help@example.org' },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  /** The security notices that reached `email` (the sign-up's own confirmation left out). */
  async function deliveredTo(email: string): Promise<ReceivedMail[]> {
    await t.app.mail.worker!.drain();
    return smtp.received.filter((m) => m.to.includes(email) && !/^Confirm your email address/.test(decodeHeader(m.headers.get('subject') ?? '')));
  }

  const from = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip, origin: BASE });

  it('a password change sends "your password was changed", with links from the base URL even under Host: evil.example, and no password', async () => {
    const c = t.client({ userAgent: FIREFOX });
    assert.equal((await c.signUp('change@example.org', PASSWORD, undefined, { headers: from('203.0.113.10') })).statusCode, 201);
    const res = await c.post(
      '/api/v1/password/change',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      {
        headers: { ...from('203.0.113.10'), host: 'evil.example', 'x-forwarded-host': 'evil.example' },
      },
    );
    assert.equal(res.statusCode, 200);
    const [mail, ...more] = await deliveredTo('change@example.org');
    assert.ok(mail);
    assert.equal(more.length, 0, 'one notice for one change');
    assert.equal(decodeHeader(mail.headers.get('subject') ?? ''), 'Your Example Org password was changed');
    assert.equal(mail.headers.get('from'), 'Example Org <no-reply@id.example.org>');
    assert.match(mail.headers.get('message-id') ?? '', /^<[0-9a-f-]{36}@id\.example\.org>$/);
    for (const part of [mail.text, mail.html]) {
      assert.ok(part.includes('change@example.org'), 'what happened, to which account');
      assert.ok(part.includes('2026-11-23 09:00 UTC'), 'when');
      assert.ok(part.includes('Firefox on Linux'), 'which device');
      assert.ok(part.includes('203.0.113.10'), 'which IP');
      assert.ok(part.includes(`${BASE}/not-me?token=`), 'what to do if it was not you');
      assert.ok(!part.includes('evil.example'), 'no link follows the Host header');
      assert.ok(!part.includes(PASSWORD) && !part.includes(NEW_PASSWORD), 'never a password');
      assert.ok(part.includes('help@example.org'));
    }
    assert.ok(mail.text.includes('Every other device was signed out.'));
    for (const url of mail.text.match(/https?:\/\/[^\s]+/g) ?? []) assert.ok(url.startsWith(`${BASE}/`), url);
  });

  it('a refused password change sends nothing', async () => {
    const c = t.client({ userAgent: FIREFOX });
    await c.signUp('refused-change@example.org', PASSWORD, undefined, { headers: from('203.0.113.10') });
    const res = await c.post(
      '/api/v1/password/change',
      { currentPassword: 'wrong password entirely', newPassword: NEW_PASSWORD },
      { headers: from('203.0.113.10') },
    );
    assert.equal(res.statusCode, 400);
    assert.deepEqual(await deliveredTo('refused-change@example.org'), []);
  });

  it('signing in again from the same browser and network sends nothing; another device or network sends a notice', async () => {
    const email = 'devices@example.org';
    await t.client({ userAgent: FIREFOX }).signUp(email, PASSWORD, undefined, { headers: from('203.0.113.10') });
    assert.equal(
      (await t.client({ userAgent: FIREFOX }).post('/api/v1/sessions', { email, password: PASSWORD }, { headers: from('203.0.113.77') })).statusCode,
      201,
    );
    assert.equal((await deliveredTo(email)).length, 0, 'same browser, same /24: not new');

    t.clock.advance(60_000);
    assert.equal(
      (await t.client({ userAgent: CHROME_WIN }).post('/api/v1/sessions', { email, password: PASSWORD }, { headers: from('203.0.113.10') })).statusCode,
      201,
    );
    const afterChrome = await deliveredTo(email);
    assert.equal(afterChrome.length, 1, 'another browser: new');
    assert.equal(decodeHeader(afterChrome[0]!.headers.get('subject') ?? ''), 'New sign-in to your Example Org account');
    assert.ok(afterChrome[0]!.text.includes('Chrome on Windows') && afterChrome[0]!.text.includes('203.0.113.10'));

    assert.equal(
      (await t.client({ userAgent: FIREFOX }).post('/api/v1/sessions', { email, password: PASSWORD }, { headers: from('198.51.100.20') })).statusCode,
      201,
    );
    const afterMove = await deliveredTo(email);
    assert.equal(afterMove.length, 2, 'same browser from another network: new');
    assert.ok(afterMove[1]!.text.includes('198.51.100.20'));

    await t.client({ userAgent: CHROME_WIN }).post('/api/v1/sessions', { email, password: 'not the password at all' }, { headers: from('192.0.2.1') });
    assert.equal((await deliveredTo(email)).length, 2, 'a failed sign-in sends nothing');
  });

  it('the first sign-in of an account created by someone else is not a "new device"', async () => {
    const admin = await t.store.accounts.createAccount({
      id: 'admin-made',
      email: 'made@example.org',
      emailNormalized: 'made@example.org',
      displayName: 'Made',
      role: 'user',
      passwordHash: await t.app.deps.hasher.hash(PASSWORD),
      now: t.clock.now(),
    });
    assert.ok(admin);
    assert.equal(
      (await t.client({ userAgent: FIREFOX }).post('/api/v1/sessions', { email: 'made@example.org', password: PASSWORD }, { headers: from('203.0.113.5') }))
        .statusCode,
      201,
    );
    assert.equal((await deliveredTo('made@example.org')).length, 0);
    assert.equal(
      (await t.client({ userAgent: CHROME_WIN }).post('/api/v1/sessions', { email: 'made@example.org', password: PASSWORD }, { headers: from('203.0.113.5') }))
        .statusCode,
      201,
    );
    assert.equal((await deliveredTo('made@example.org')).length, 1, 'the second device is news');
  });

  it('the sign-in page queues the same notice as the API', async () => {
    const email = 'page@example.org';
    await t.client({ userAgent: FIREFOX }).signUp(email, PASSWORD, undefined, { headers: from('203.0.113.10') });
    const c = t.client({ userAgent: CHROME_WIN });
    const csrf = await c.csrfFrom('/sign-in');
    const res = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email, password: PASSWORD }, headers: from('203.0.113.10') });
    assert.equal(res.statusCode, 303);
    assert.equal((await deliveredTo(email)).length, 1);
  });
});
