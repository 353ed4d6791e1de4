// The security checkup over HTTP on SQLite and PostgreSQL (issue 16, item 1): GET /api/v1/security/checkup, the
// same items first on /security (server-rendered, without JavaScript), and the monthly reminder email an
// organisation can turn on, with the injected clock moved instead of waiting.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { CHECKUP_REMINDER_INTERVAL_MS, sendCheckupReminders } from '../../src/flows/checkup.js';

interface CheckupBody {
  attention: number;
  summary: string;
  items: Array<{
    id: string;
    status: string;
    reason: string;
    count: number | null;
    title: string;
    message: string;
    fix: { label: string; href: string } | null;
  }>;
}

const DAY = 86_400_000;
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`security checkup (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend, config: { checkupReminders: true } });
    });
    after(() => t.close());

    const signedUp = async (email: string): Promise<{ c: TestClient; id: string }> => {
      const c = t.client();
      const res = await c.signUp(email, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
      return { c, id: (res.json() as { account: { id: string } }).account.id };
    };
    const checkup = async (c: TestClient): Promise<CheckupBody> => {
      const res = await c.get('/api/v1/security/checkup');
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as CheckupBody;
    };
    const statusOf = (body: CheckupBody): Record<string, string> => Object.fromEntries(body.items.map((i) => [i.id, `${i.status}:${i.reason}`]));

    it('signed out: 401', async () => {
      assert.equal((await t.client().get('/api/v1/security/checkup')).statusCode, 401);
    });

    it('a new account: what needs attention, each with its fix; the password and devices are fine', async () => {
      const { c } = await signedUp(`fresh-${backend}@example.org`);
      const body = await checkup(c);
      assert.deepEqual(statusOf(body), {
        'two-step': 'attention:off',
        passkey: 'attention:missing',
        'recovery-address': 'attention:missing',
        password: 'good:ok',
        devices: 'good:recognised',
        'anti-phishing': 'attention:missing',
      });
      assert.equal(body.attention, 4);
      assert.equal(body.summary, '4 things need your attention.');
      const twoStep = body.items.find((i) => i.id === 'two-step')!;
      assert.deepEqual(twoStep.fix, { label: 'Turn on two-step verification', href: '/security/two-factor' });
      assert.equal(twoStep.message, 'Two-step verification is off: anyone with your password can sign in.');
      assert.equal(body.items.find((i) => i.id === 'password')!.fix, null, 'a good item has no fix');
    });

    it('set up: an authenticator app, a recovery address, a phrase; recovery codes counted and warned at 3 or fewer', async () => {
      const { c, id } = await signedUp(`keen-${backend}@example.org`);
      const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      const confirmed = await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      await t.store.mailPreferences.setAntiPhishingPhrase(id, 'purple otter', t.clock.now());
      await t.store.mailPreferences.startRecoveryEmailVerification(id, {
        email: `backup-${backend}@example.net`,
        codeHash: 'h',
        expiresAt: t.clock.now() + 60_000,
        now: t.clock.now(),
      });
      await t.store.mailPreferences.consumeRecoveryEmailCode(id, 'h', t.clock.now());
      let body = await checkup(c);
      assert.deepEqual(statusOf(body), {
        'two-step': 'good:on',
        passkey: 'attention:missing',
        'recovery-codes': 'good:enough',
        'recovery-address': 'good:confirmed',
        password: 'good:ok',
        devices: 'good:recognised',
        'anti-phishing': 'good:set',
      });
      // Use all but three recovery codes.
      const codes = await t.store.twoFactor.listUnusedRecoveryCodes(id);
      for (const code of codes.slice(3)) await t.store.twoFactor.useRecoveryCode(id, code.id, t.clock.now());
      body = await checkup(c);
      const recovery = body.items.find((i) => i.id === 'recovery-codes')!;
      assert.equal(`${recovery.status}:${recovery.reason}:${recovery.count}`, 'attention:low:3');
      assert.equal(recovery.fix?.href, '/security/two-factor#regenerate-recovery-codes');
    });

    it('a breached password and a sign-in from a new device need attention (the device asking is left out)', async () => {
      const email = `watch-${backend}@example.org`;
      const { c, id } = await signedUp(email);
      t.clock.advance(60_000);
      const phone = t.client({ userAgent: PHONE });
      assert.equal((await phone.post('/api/v1/sessions', { email, password: PASSWORD }, { remoteAddress: '198.51.100.23' })).statusCode, 201);
      const fromLaptop = await checkup(c);
      const devices = fromLaptop.items.find((i) => i.id === 'devices')!;
      assert.equal(`${devices.status}:${devices.count}`, 'attention:1');
      assert.equal(devices.message, '1 sign-in from a new device in the last 30 days. If it wasn’t you, report it.');
      assert.equal(devices.fix?.href, '/security/activity');
      assert.equal(statusOf(await checkup(phone))['devices'], 'good:recognised', 'the phone asking does not count itself');
      t.clock.advance(31 * DAY);
      assert.equal((await c.post('/api/v1/sessions', { email, password: PASSWORD })).statusCode, 201);
      assert.equal(statusOf(await checkup(c))['devices'], 'good:recognised', 'after 30 days it is no longer news');

      await t.store.accounts.requirePasswordChange(id, 'breached', t.clock.now());
      const password = (await checkup(c)).items.find((i) => i.id === 'password')!;
      assert.equal(`${password.status}:${password.reason}`, 'attention:breached');
      assert.deepEqual(password.fix, { label: 'Change your password', href: '/security/password' });
    });

    it('/security shows the checkup first, each badge in words, each fix a link (no script needed)', async () => {
      const { c } = await signedUp(`page-${backend}@example.org`);
      const page = await c.get('/security', { headers: { accept: 'text/html' } });
      assert.equal(page.statusCode, 200);
      const body = page.body;
      const checkupAt = body.indexOf('id="checkup"');
      assert.ok(checkupAt > 0 && checkupAt < body.indexOf('id="password-age"'), 'before everything else on the page');
      assert.match(body, /<p id="checkup-summary"[^>]*>4 things need your attention\.<\/p>/);
      assert.match(
        body,
        /data-item="two-step" data-status="attention">\s*<span class="status-badge attention"><span class="mark" aria-hidden="true">!<\/span> Needs attention<\/span>/,
      );
      assert.match(
        body,
        /data-item="password" data-status="good">\s*<span class="status-badge good"><span class="mark" aria-hidden="true">✓<\/span> Good<\/span>/,
      );
      assert.match(body, /<a class="button fix" href="\/security\/two-factor">Turn on two-step verification<\/a>/);
      assert.match(body, /<a class="button fix" href="\/security\/email#phrase">Set an anti-phishing phrase<\/a>/);
    });

    it('the monthly reminder: once a month, only with something needing attention, never to someone who turned it off, and once across nodes', async () => {
      const needs = await signedUp(`remind-${backend}@example.org`);
      const optedOut = await signedUp(`quiet-${backend}@example.org`);
      const optOut = await optedOut.c.post('/api/v1/security/checkup-reminders', { on: false });
      assert.equal(optOut.statusCode, 200, optOut.body);
      assert.equal((optOut.json() as { checkupReminders: boolean }).checkupReminders, false);
      const reminders = async (accountId: string): Promise<Array<{ text: string; html: string }>> =>
        (await t.store.outbox.listMessages({ accountId, limit: 20 })).filter((m) => m.template === 'security-checkup-reminder');

      // Not in the account's first month.
      await sendCheckupReminders(t.app.deps);
      assert.equal((await reminders(needs.id)).length, 0, 'not before the account is a month old');
      t.clock.advance(CHECKUP_REMINDER_INTERVAL_MS + DAY);
      // Two nodes sweeping at once: one email.
      await Promise.all([sendCheckupReminders(t.app.deps), sendCheckupReminders(t.app.deps)]);
      const sent = await reminders(needs.id);
      assert.equal(sent.length, 1);
      assert.match(sent[0]!.text, /^ {2}- Two-step verification is off: anyone with your password can sign in\.$/m);
      assert.match(sent[0]!.text, /turn it off in your email settings: http:\/\/127\.0\.0\.1:8080\/security\/email#checkup-reminders/);
      assert.equal((await reminders(optedOut.id)).length, 0, 'turned off by the person');
      // Again the same month: nothing.
      t.clock.advance(10 * DAY);
      await sendCheckupReminders(t.app.deps);
      assert.equal((await reminders(needs.id)).length, 1, 'at most once a month');
      // Next month: again, as long as something needs attention.
      t.clock.advance(CHECKUP_REMINDER_INTERVAL_MS);
      await sendCheckupReminders(t.app.deps);
      assert.equal((await reminders(needs.id)).length, 2);
    });

    it('an account with nothing needing attention gets no reminder', async () => {
      const { c, id } = await signedUp(`tidy-${backend}@example.org`);
      const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
      await t.store.mailPreferences.setAntiPhishingPhrase(id, 'teal heron', t.clock.now());
      await t.store.mailPreferences.startRecoveryEmailVerification(id, {
        email: `spare-${backend}@example.net`,
        codeHash: 'k',
        expiresAt: t.clock.now() + 60_000,
        now: t.clock.now(),
      });
      await t.store.mailPreferences.consumeRecoveryEmailCode(id, 'k', t.clock.now());
      // The passkey is the one item left: registered straight into the store (the WebAuthn ceremony is tested elsewhere).
      await t.store.passkeys.createPasskey({
        id: `pk-${backend}`,
        accountId: id,
        credentialId: `cred-${backend}`,
        publicKey: 'AQID',
        counter: 0,
        transports: [],
        deviceType: 'multiDevice',
        backedUp: true,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Laptop',
        now: t.clock.now(),
      });
      assert.equal((await checkup(c)).attention, 0);
      t.clock.advance(CHECKUP_REMINDER_INTERVAL_MS + DAY);
      await sendCheckupReminders(t.app.deps);
      const mail = (await t.store.outbox.listMessages({ accountId: id, limit: 20 })).filter((m) => m.template === 'security-checkup-reminder');
      assert.equal(mail.length, 0);
    });
  });
}

describe('security checkup reminders are off unless the organisation turns them on', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('no reminder, and no switch on the email settings page', async () => {
    const c = t.client();
    const res = await c.signUp('plain@example.org', PASSWORD);
    const { id } = (res.json() as { account: { id: string } }).account;
    t.clock.advance(CHECKUP_REMINDER_INTERVAL_MS + DAY);
    assert.equal(await sendCheckupReminders(t.app.deps), 0);
    assert.equal((await t.store.outbox.listMessages({ accountId: id, limit: 20 })).filter((m) => m.template === 'security-checkup-reminder').length, 0);
    const page = await c.get('/security/email', { headers: { accept: 'text/html' } });
    assert.doesNotMatch(page.body, /checkup-reminders/);
  });

  it('with them on, the page offers the switch and the form turns it off and on', async () => {
    const on = await startTestApp({ config: { checkupReminders: true } });
    try {
      const c = on.client();
      await c.signUp('switch@example.org', PASSWORD);
      const page = await c.get('/security/email', { headers: { accept: 'text/html' } });
      assert.match(page.body, /<h2 id="checkup-reminders">Monthly security checkup email<\/h2>/);
      assert.match(page.body, /name="checkupReminders" value="on" checked>/);
      const csrf = await c.csrfFrom('/security/email');
      const off = await c.request('POST', '/security/email/checkup-reminders', { form: { _csrf: csrf }, headers: { accept: 'text/html' } });
      assert.equal(off.statusCode, 303);
      assert.equal(off.headers.location, '/security/email?notice=checkup-reminders-off');
      const after = await c.get(off.headers.location, { headers: { accept: 'text/html' } });
      assert.match(after.body, /You will no longer get the monthly security checkup email\./);
      assert.match(after.body, /name="checkupReminders" value="on">/);
      const back = await c.request('POST', '/security/email/checkup-reminders', {
        form: { _csrf: csrf, checkupReminders: 'on' },
        headers: { accept: 'text/html' },
      });
      assert.equal(back.headers.location, '/security/email?notice=checkup-reminders-on');
    } finally {
      await on.close();
    }
  });
});
