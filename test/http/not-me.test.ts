// "This wasn't me", black-box over HTTP: one test per property of issue 5's section. Emails are read from the
// outbox (what the worker would send); the clock is injected, never slept on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient, type Backend } from '../helpers/app.js';
import { totpCode } from '../helpers/totp.js';
import { NOT_ME_MAX_PER_IP, NOT_ME_CONFIRM_TTL_MS } from '../../src/flows/not-me.js';
import { NOT_ME_TOKEN_TTL_MS } from '../../src/mail/notices.js';
import { messages } from '../../src/core/messages.js';

const BASE = 'https://id.example.org';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const THIRD_PASSWORD = 'yet another memorable passphrase here';

/** The pieces every test needs, against one app. */
function harness(getApp: () => TestApp) {
  let ipCounter = 0;
  const freshIp = (): string => `198.51.100.${++ipCounter}`;

  const client = (o: { ip?: string; userAgent?: string } = {}): TestClient & { ip: string } => {
    const t = getApp();
    const c = t.client({ userAgent: o.userAgent ?? FIREFOX }) as TestClient & { ip: string };
    c.ip = o.ip ?? freshIp();
    const request = c.request.bind(c);
    c.request = (method, url, r = {}) => request(method, url, { ...r, headers: { origin: BASE, 'x-forwarded-for': c.ip, ...r.headers } });
    return c;
  };

  const uniqueEmail = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}@example.org`;

  async function account(email: string, c = client()): Promise<{ id: string; c: TestClient & { ip: string } }> {
    const res = await c.signUp(email, PASSWORD);
    assert.equal(res.statusCode, 201, res.body);
    return { id: (res.json() as { account: { id: string } }).account.id, c };
  }

  async function mails(accountId: string, template?: string) {
    const all = await getApp().store.outbox.listMessages({ accountId, limit: 200 });
    return template ? all.filter((m) => m.template === template) : all;
  }

  function notMeTokenOf(mail: { text: string }): string {
    const token = /\/not-me\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, 'the email carries a "this wasn\'t me" link');
    return token;
  }

  /** A password change from a second device: the "password changed" email, and its link. */
  async function passwordChangedLink(accountId: string, c: TestClient): Promise<string> {
    getApp().clock.advance(1000);
    const res = await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, signOutOtherSessions: false });
    assert.equal(res.statusCode, 200, res.body);
    const [mail] = await mails(accountId, 'password-changed');
    assert.ok(mail);
    return notMeTokenOf(mail);
  }

  async function signedIn(c: TestClient): Promise<boolean> {
    return (await c.get('/api/v1/session')).statusCode === 200;
  }

  function resetSecrets(mail: { text: string }): { token: string; code: string } {
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    // Not the random digits of an address (name-12345678@…), which a bare \b\d{8}\b also matched.
    const code = /(?<![\w-])(\d{8})(?![\w@])/.exec(mail.text)?.[1];
    assert.ok(token && code, 'a reset email with a link and a code');
    return { token, code };
  }

  return { client, freshIp, uniqueEmail, account, mails, notMeTokenOf, passwordChangedLink, signedIn, resetSecrets };
}

describe('"this wasn\'t me"', () => {
  let t: TestApp;
  let dir: string;
  let dbFile: string;
  const h = harness(() => t);
  const { client, uniqueEmail, account, mails, notMeTokenOf, passwordChangedLink, signedIn, resetSecrets } = h;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passdesk-not-me-'));
    dbFile = join(dir, 'passdesk.sqlite');
    t = await startTestApp({
      config: {
        databaseUrl: `sqlite:${dbFile}`,
        baseUrl: BASE,
        devMailbox: true,
        trustProxy: 1,
        securityQuestions: true,
        securityQuestionCount: 2,
        supportContact: 'help@example.org',
      },
    });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every security email carries its own one-time link from the base URL; the reset email does not', async () => {
    const email = uniqueEmail('every');
    const { id, c } = await account(email);
    const phone = client({ userAgent: CHROME_WIN });
    assert.equal((await phone.signIn(email, PASSWORD)).statusCode, 201); // new-device-sign-in
    t.clock.advance(1000);
    assert.equal(
      (await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, signOutOtherSessions: false })).statusCode,
      200,
    ); // password-changed
    const set = await c.put('/api/v1/security-questions', {
      currentPassword: NEW_PASSWORD,
      answers: [
        { questionId: 'first-concert', answer: 'The Cure' },
        { questionId: 'childhood-hero', answer: 'Ada Lovelace' },
      ],
    });
    assert.equal(set.statusCode, 200, set.body); // security-questions-changed
    const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    const confirmed = await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) }); // second-factor-added
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const { recoveryCodes } = confirmed.json() as { recoveryCodes: string[]; factor: { id: string } };
    const factorId = (confirmed.json() as { factor: { id: string } }).factor.id;
    const again = client({ userAgent: CHROME_WIN, ip: '203.0.113.99' });
    const first = (await again.signIn(email, NEW_PASSWORD)).json() as { flowId: string };
    assert.equal(
      (await again.post('/api/v1/sessions/second-factor', { flowId: first.flowId, method: 'recovery_code', code: recoveryCodes[0] })).statusCode,
      201,
    ); // recovery-code-used
    assert.equal((await c.delete(`/api/v1/2fa/totp/${factorId}`, { body: { currentPassword: NEW_PASSWORD } })).statusCode, 200); // second-factor-removed
    await c.post('/api/v1/password/reset', { email });
    await t.app.deps.background!.idle();
    const reset = resetSecrets((await mails(id, 'password-reset-requested'))[0]!);
    const flow = (await c.post('/api/v1/password/reset/verify', { token: reset.token })).json() as { flowId: string };
    const done = await c.post('/api/v1/password/reset/complete', {
      flowId: flow.flowId,
      newPassword: THIRD_PASSWORD,
      securityAnswers: [
        { questionId: 'first-concert', answer: 'the cure' },
        { questionId: 'childhood-hero', answer: 'ada lovelace' },
      ],
    });
    assert.equal(done.statusCode, 200, done.body); // password-reset-completed

    const all = await mails(id);
    const security = [
      'new-device-sign-in',
      'password-changed',
      'security-questions-changed',
      'second-factor-added',
      'recovery-code-used',
      'second-factor-removed',
      'password-reset-completed',
    ];
    assert.deepEqual([...new Set(all.map((m) => m.template))].filter((x) => security.includes(x)).sort(), [...security].sort(), 'each notice was sent');
    const tokens = new Set<string>();
    for (const m of all.filter((x) => security.includes(x.template))) {
      const token = notMeTokenOf(m);
      assert.ok(m.text.includes(`${BASE}/not-me?token=${token}`), `${m.template}: link from the base URL`);
      assert.ok(m.html.includes(`href="${BASE}/not-me?token=${token}"`), `${m.template}: the HTML button`);
      assert.ok(Buffer.from(token, 'base64url').length >= 16, 'at least 128 bits');
      tokens.add(token);
    }
    assert.equal(tokens.size, all.filter((x) => security.includes(x.template)).length, 'one token per email');
    for (const m of all.filter((x) => x.template === 'password-reset-requested')) assert.ok(!m.text.includes('/not-me'), 'no link in the reset email');

    // Hashed at rest: the table holds SHA-256 of each token, never the token.
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare('select token_hash, notice, outbox_id, state from not_me_tokens where account_id = ?').all(id) as Array<{
        token_hash: string;
        notice: string;
        outbox_id: string;
        state: string;
      }>;
      const dump = JSON.stringify(db.prepare('select * from not_me_tokens').all());
      for (const token of tokens) {
        assert.ok(!dump.includes(token), 'no token in plain text');
        const row = rows.find((r) => r.token_hash === createHash('sha256').update(token).digest('hex'));
        assert.ok(row, 'its hash is stored');
        assert.equal(row.state, 'issued');
        assert.ok(
          all.some((m) => m.id === row.outbox_id && m.template === row.notice),
          'bound to the message and notice it came in',
        );
      }
    } finally {
      db.close();
    }
  });

  it('opening the link changes nothing: it moves the token out of the URL into a confirmation that says what is reported', async () => {
    const email = uniqueEmail('open');
    const { id, c } = await account(email);
    const laptop = client({ userAgent: CHROME_WIN, ip: '203.0.113.10' });
    assert.equal((await laptop.signIn(email, PASSWORD)).statusCode, 201);
    const token = await passwordChangedLink(id, laptop);
    const scanner = client();
    for (let i = 0; i < 3; i++) {
      // Mail scanners open links, some more than once.
      const res = await scanner.get(`/not-me?token=${token}`);
      assert.equal(res.statusCode, 303);
      assert.match(String(res.headers.location), /^\/not-me\/confirm\?flow=[A-Za-z0-9_-]{43}$/);
      assert.ok(!String(res.headers.location).includes(token), 'the token leaves the URL');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
    const person = client();
    const opened = await person.get(`/not-me?token=${token}`);
    const page = await person.get(String(opened.headers.location));
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.match(
      page.body,
      /Password changed on <time datetime="2026-11-23T[\d:.]+Z" data-local="absolute" title="2026-11-23 [\d:]+ UTC">2026-11-23 [\d:]+ UTC<\/time> from /,
      'what was reported, the time in UTC until the page’s script shows it in the reader’s zone',
    );
    assert.ok(page.body.includes('from Chrome on Windows (IP 203.0.113.10)'), 'from where');
    assert.ok(page.body.includes('Secure my account'));
    assert.ok((await signedIn(c)) && (await signedIn(laptop)), 'nobody was signed out');
    assert.equal((await client().signIn(email, NEW_PASSWORD)).statusCode, 201, 'the password still works');
    assert.equal((await mails(id, 'password-reset-requested')).length, 0, 'no reset was sent');
    const events = await t.store.events.listEvents(id, { limit: 50 });
    assert.ok(!events.some((e) => e.type === 'account.reported'));
  });

  it('confirming secures the account in one go, once: sessions, resets, old password, other links; a fresh reset email to every address', async () => {
    const email = uniqueEmail('secure');
    const { id, c } = await account(email);
    await t.store.mailPreferences.startRecoveryEmailVerification(id, {
      email: 'backup-secure@example.net',
      codeHash: 'h',
      expiresAt: t.clock.now() + 60_000,
      now: t.clock.now(),
    });
    assert.equal(await t.store.mailPreferences.consumeRecoveryEmailCode(id, 'h', t.clock.now()), 'backup-secure@example.net');
    const laptop = client({ userAgent: CHROME_WIN });
    assert.equal((await laptop.signIn(email, PASSWORD)).statusCode, 201);
    await passwordChangedLink(id, laptop);
    const copies = await mails(id, 'password-changed');
    const token = notMeTokenOf(copies.find((m) => m.to === email)!);
    assert.deepEqual(copies.map((m) => m.to).sort(), ['backup-secure@example.net', email].sort(), 'the recovery address gets its copy');
    const otherToken = notMeTokenOf(copies.find((m) => m.to === 'backup-secure@example.net')!);
    assert.notEqual(otherToken, token, 'each copy has its own link');
    // A reset someone asked for before: its link must die.
    await client().post('/api/v1/password/reset', { email });
    await t.app.deps.background!.idle();
    const earlierReset = resetSecrets((await mails(id, 'password-reset-requested'))[0]!);

    const person = client();
    const page = await person.get(String((await person.get(`/not-me?token=${token}`)).headers.location));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const flow = /name="flow" value="([^"]+)"/.exec(page.body)![1]!;
    t.clock.advance(1000);
    const res = await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.body.includes(messages.notices.NOT_ME_REPORTED.slice(0, 30)));

    assert.ok(!(await signedIn(c)) && !(await signedIn(laptop)), 'every session is dead');
    const old = await client().signIn(email, NEW_PASSWORD);
    assert.equal(old.statusCode, 403, 'the password no longer signs in');
    assert.equal(errorCode(old), 'ACCOUNT_REPORTED');
    const wrong = await client().signIn(email, 'not the password at all');
    assert.equal(errorCode(wrong), 'INVALID_CREDENTIALS', 'a wrong password learns nothing');
    assert.equal(
      errorCode(await client().post('/api/v1/password/reset/verify', { token: earlierReset.token })),
      'RESET_LINK_INVALID',
      'the earlier reset is void',
    );
    assert.equal(errorCode(await client().post('/api/v1/not-me', { token: otherToken })), 'NOT_ME_LINK_INVALID', 'every other link of the account is void');

    const again = await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } });
    assert.equal(again.statusCode, 400, 'a second confirmation is neutral');
    const unknown = await client().get('/not-me?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(again.body, unknown.body, 'the same page as an unknown link');
    assert.equal(errorCode(await client().post('/api/v1/not-me', { token })), 'NOT_ME_LINK_INVALID', 'used');

    const events = await t.store.events.listEvents(id, { limit: 50 });
    const reported = events.filter((e) => e.type === 'account.reported');
    assert.equal(reported.length, 1, 'one report');
    assert.equal(reported[0]!.detail?.['notice'], 'password-changed', 'about which notice');
    assert.equal(reported[0]!.detail?.['via'], 'email-link');
    assert.ok(Number(reported[0]!.detail?.['signedOutSessions']) >= 2);
    assert.equal(reported[0]!.detail?.['voidedResets'], 1);
    assert.ok(!JSON.stringify(reported[0]).includes(token), 'no token in the audit trail');

    const fresh = (await mails(id, 'password-reset-requested')).filter((m) => m.createdAt === t.clock.now());
    assert.deepEqual(fresh.map((m) => m.to).sort(), ['backup-secure@example.net', email].sort(), 'a fresh reset to the primary and the recovery address');
    assert.equal((await mails(id, 'account-reported')).length, 0, 'no help desk configured: nobody else is told');

    // The reset completes, clears the mark, and the new password signs in.
    const { token: resetToken } = resetSecrets(fresh[0]!);
    const verified = await client().post('/api/v1/password/reset/verify', { token: resetToken });
    assert.equal(verified.statusCode, 200, verified.body);
    const { flowId } = verified.json() as { flowId: string };
    assert.equal((await client().post('/api/v1/password/reset/complete', { flowId, newPassword: THIRD_PASSWORD })).statusCode, 200);
    assert.equal((await client().signIn(email, THIRD_PASSWORD)).statusCode, 201, 'signs in with the new password');
    assert.equal((await client().signIn(email, NEW_PASSWORD)).statusCode, 401, 'the old one stays refused');
  });

  it('a recovery address confirmed since the reported sign-in is removed, so the fresh reset goes to the primary address only', async () => {
    const email = uniqueEmail('recovery');
    const { id } = await account(email);
    const intruder = client({ userAgent: CHROME_WIN, ip: '203.0.113.66' });
    assert.equal((await intruder.signIn(email, PASSWORD)).statusCode, 201);
    const [notice] = await mails(id, 'new-device-sign-in');
    const token = notMeTokenOf(notice!);
    t.clock.advance(60_000);
    // The intruder adds their own recovery address.
    await t.store.mailPreferences.startRecoveryEmailVerification(id, {
      email: 'intruder@example.net',
      codeHash: 'h',
      expiresAt: t.clock.now() + 60_000,
      now: t.clock.now(),
    });
    assert.equal(await t.store.mailPreferences.consumeRecoveryEmailCode(id, 'h', t.clock.now()), 'intruder@example.net');
    t.clock.advance(60_000);
    assert.equal((await client().post('/api/v1/not-me', { token })).statusCode, 200);
    const fresh = (await mails(id, 'password-reset-requested')).filter((m) => m.createdAt === t.clock.now());
    assert.deepEqual(
      fresh.map((m) => m.to),
      [email],
      'not to the intruder’s address',
    );
    assert.equal((await t.store.mailPreferences.getMailPreferences(id)).recoveryEmail, null);
    const events = await t.store.events.listEvents(id, { limit: 50 });
    assert.ok(events.some((e) => e.type === 'recovery_email.removed' && e.detail?.['reason'] === 'reported'));
    assert.equal(events.find((e) => e.type === 'account.reported')?.detail?.['removedRecoveryEmail'], true);
  });

  it("a second factor the intruder added since the reported event is removed, so the person's reset does not ask for it", async () => {
    const email = uniqueEmail('intruder-factor');
    const { id } = await account(email);
    t.clock.advance(1000);
    const intruder = client({ userAgent: CHROME_WIN, ip: '203.0.113.67' });
    assert.equal((await intruder.signIn(email, PASSWORD)).statusCode, 201);
    const { secret } = (await intruder.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    assert.equal((await intruder.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
    const [added] = await mails(id, 'second-factor-added');
    t.clock.advance(60_000);

    assert.equal((await client().post('/api/v1/not-me', { token: notMeTokenOf(added!) })).statusCode, 200);
    assert.equal(await t.store.twoFactor.countConfirmedFactors(id), 0, 'the intruder’s app is gone');
    assert.equal(await t.store.twoFactor.countUnusedRecoveryCodes(id), 0, 'and the recovery codes it came with');
    const events = await t.store.events.listEvents(id, { limit: 50 });
    assert.equal(events.find((e) => e.type === 'account.reported')?.detail?.['removedFactors'], 1);
    const [fresh] = (await mails(id, 'password-reset-requested')).filter((m) => m.createdAt === t.clock.now());
    const verified = (await client().post('/api/v1/password/reset/verify', { token: resetSecrets(fresh!).token })).json() as {
      flowId: string;
      requires: string[];
    };
    assert.deepEqual(verified.requires, [], 'nothing of the intruder’s is asked for');
    assert.equal((await client().post('/api/v1/password/reset/complete', { flowId: verified.flowId, newPassword: NEW_PASSWORD })).statusCode, 200);
    assert.equal((await client().signIn(email, NEW_PASSWORD)).statusCode, 201, 'signed in without a second step');
  });

  it('a pending second-factor sign-in ends with the report, and the reset still asks for the second factor', async () => {
    const email = uniqueEmail('pending');
    const { id, c } = await account(email);
    const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
    // The report is about something after the app was added (new recovery codes), so the app is the person's own.
    t.clock.advance(1000);
    assert.equal((await c.post('/api/v1/2fa/recovery-codes', {})).statusCode, 201);
    const [regenerated] = await mails(id, 'recovery-codes-regenerated');
    const token = notMeTokenOf(regenerated!);
    const attacker = client({ userAgent: CHROME_WIN });
    const started = await attacker.signIn(email, PASSWORD);
    assert.equal(started.statusCode, 200);
    const { flowId } = started.json() as { flowId: string };

    assert.equal((await client().post('/api/v1/not-me', { token })).statusCode, 200);
    t.clock.advance(30_000);
    const finish = await attacker.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: totpCode(secret, { now: t.clock.now() }) });
    assert.equal(errorCode(finish), 'SECOND_FACTOR_FLOW_INVALID', 'the pending sign-in is over');
    assert.ok(!(await signedIn(c)));

    const [fresh] = await mails(id, 'password-reset-requested');
    const verified = (await client().post('/api/v1/password/reset/verify', { token: resetSecrets(fresh!).token })).json() as {
      flowId: string;
      requires: string[];
    };
    assert.deepEqual(verified.requires, ['second_factor'], 'a report never bypasses the second factor');
    t.clock.advance(30_000);
    const done = await client().post('/api/v1/password/reset/complete', {
      flowId: verified.flowId,
      newPassword: NEW_PASSWORD,
      secondFactor: { method: 'totp', code: totpCode(secret, { now: t.clock.now() }) },
    });
    assert.equal(done.statusCode, 200, done.body);
    const signIn = await client().signIn(email, NEW_PASSWORD);
    assert.equal(signIn.statusCode, 200, 'the password is accepted again (the second step follows)');
  });

  it('a link acts only for its own account: a session of another account cannot use it, and the owner still can', async () => {
    const a = await account(uniqueEmail('owner'));
    const token = await passwordChangedLink(a.id, a.c);
    const b = await account(uniqueEmail('other'));

    const api = await b.c.post('/api/v1/not-me', { token });
    assert.equal(api.statusCode, 400);
    assert.equal(errorCode(api), 'NOT_ME_LINK_INVALID');
    const page = await b.c.get(String((await b.c.get(`/not-me?token=${token}`)).headers.location));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const flow = /name="flow" value="([^"]+)"/.exec(page.body)![1]!;
    const form = await b.c.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } });
    assert.equal(form.statusCode, 400);
    assert.ok(await signedIn(b.c), 'the other account was not touched');
    assert.ok(await signedIn(a.c), 'nor the owner’s');
    assert.equal((await t.store.events.listEvents(b.id, { limit: 50 })).filter((e) => e.type === 'account.reported').length, 0);

    assert.equal((await client().post('/api/v1/not-me', { token })).statusCode, 200, 'the owner’s link still works');
    assert.ok(!(await signedIn(a.c)));
    assert.ok(await signedIn(b.c), 'and reporting one account never touches another');
  });

  it('used, expired and unknown links get the same neutral page; links last 7 days, confirmations 15 minutes (injected clock)', async () => {
    const email = uniqueEmail('expiry');
    const { id, c } = await account(email);
    const token = await passwordChangedLink(id, c);
    const unknown = await client().get('/not-me?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(unknown.statusCode, 400);
    assert.ok(unknown.body.includes(messages.errors.NOT_ME_LINK_INVALID.slice(0, 20)));
    assert.equal((await client().get('/not-me?token=not%20a%20token')).body, unknown.body, 'malformed');
    assert.equal((await client().get('/not-me')).body, unknown.body, 'missing');

    // A confirmation opened now is gone 15 minutes later; the link itself still opens.
    const person = client();
    const confirmUrl = String((await person.get(`/not-me?token=${token}`)).headers.location);
    t.clock.advance(NOT_ME_CONFIRM_TTL_MS);
    assert.equal((await person.get(confirmUrl)).body, unknown.body, 'an expired confirmation');
    t.clock.advance(NOT_ME_TOKEN_TTL_MS - NOT_ME_CONFIRM_TTL_MS - 2000);
    assert.equal((await person.get(`/not-me?token=${token}`)).statusCode, 303, 'a day short of a week: still open');
    t.clock.advance(2000);
    const expired = await person.get(`/not-me?token=${token}`);
    assert.equal(expired.statusCode, 400);
    assert.equal(expired.body, unknown.body, 'expired looks like unknown');
    assert.equal(errorCode(await client().post('/api/v1/not-me', { token })), 'NOT_ME_LINK_INVALID');
    assert.equal((await client().signIn(email, NEW_PASSWORD)).statusCode, 201, 'an expired link does nothing');
    assert.ok(!(await t.store.events.listEvents(id, { limit: 50 })).some((e) => e.type === 'account.reported'));
  });

  it('the confirmation needs the form’s CSRF token and a same-site request', async () => {
    const { id, c } = await account(uniqueEmail('csrf'));
    const token = await passwordChangedLink(id, c);
    const person = client();
    const page = await person.get(String((await person.get(`/not-me?token=${token}`)).headers.location));
    const flow = /name="flow" value="([^"]+)"/.exec(page.body)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    assert.equal((await person.request('POST', '/not-me/confirm', { form: { _csrf: 'x'.repeat(43), flow } })).statusCode, 403);
    assert.equal(
      (await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow }, headers: { origin: 'https://evil.example' } })).statusCode,
      403,
    );
    assert.ok(await signedIn(c));
    assert.equal((await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } })).statusCode, 200);
  });

  it('confirmations are limited per IP, whatever the link', async () => {
    const ip = '192.0.2.55';
    for (let i = 0; i < NOT_ME_MAX_PER_IP; i++) {
      const res = await client({ ip }).post('/api/v1/not-me', { token: `guess${i}`.padEnd(43, 'A') });
      assert.equal(errorCode(res), 'NOT_ME_LINK_INVALID');
    }
    const { id, c } = await account(uniqueEmail('limited'));
    const token = await passwordChangedLink(id, c);
    const limited = await client({ ip }).post('/api/v1/not-me', { token });
    assert.equal(limited.statusCode, 429);
    assert.ok(await signedIn(c), 'nothing happened');
    assert.equal((await client().post('/api/v1/not-me', { token })).statusCode, 200, 'from elsewhere it works');
  });

  it('the API refuses unknown fields and bad tokens with 400, never 500', async () => {
    assert.equal(errorCode(await client().post('/api/v1/not-me', { token: 'abc', extra: 1 })), 'VALIDATION_FAILED');
    assert.equal(errorCode(await client().post('/api/v1/not-me', { token: 'a b' })), 'VALIDATION_FAILED');
    assert.equal(errorCode(await client().post('/api/v1/not-me', {})), 'VALIDATION_FAILED');
    assert.equal(errorCode(await client().post('/api/v1/activity/abc/not-me', {})), 'VALIDATION_FAILED');
    assert.equal(errorCode(await client().post('/api/v1/activity/1/not-me', {})), 'AUTHENTICATION_REQUIRED');
  });

  it('the activity list shows my security events and reports one directly: signed out, told to check email', async () => {
    const email = uniqueEmail('activity');
    const { id, c } = await account(email);
    const other = await account(uniqueEmail('activity-other'));
    const phone = client({ userAgent: CHROME_WIN, ip: '203.0.113.44' });
    assert.equal((await phone.signIn(email, PASSWORD)).statusCode, 201);
    await passwordChangedLink(id, c);

    const list = await c.get('/api/v1/activity');
    assert.equal(list.statusCode, 200, list.body);
    const { activity } = list.json() as {
      activity: Array<{ id: string; type: string; label: string; ip: string | null; device: string | null; reportable: boolean }>;
    };
    const changed = activity.find((e) => e.type === 'password.changed');
    const signIn = activity.find((e) => e.type === 'signin.succeeded' && e.ip === '203.0.113.44');
    assert.ok(changed?.reportable && signIn?.reportable);
    assert.equal(signIn.device, 'Chrome on Windows');
    assert.equal(activity[0]!.type, 'password.changed', 'newest first');
    assert.ok(!activity.some((e) => e.type === 'password.rehashed'));
    const created = activity.find((e) => e.type === 'account.created');
    assert.equal(created?.reportable, false);
    assert.equal((await client().get('/api/v1/activity')).statusCode, 401);

    // Someone else's event, or one that can't be reported: 404, nothing happens.
    const theirs = (await other.c.get('/api/v1/activity')).json() as { activity: Array<{ id: string }> };
    assert.equal((await c.post(`/api/v1/activity/${theirs.activity[0]!.id}/not-me`, {})).statusCode, 404);
    assert.equal((await c.post(`/api/v1/activity/${created!.id}/not-me`, {})).statusCode, 404);
    assert.equal((await c.post(`/api/v1/activity/${signIn.id}/not-me`, {}, { headers: { origin: 'https://evil.example' } })).statusCode, 403);
    assert.ok((await signedIn(c)) && (await signedIn(other.c)));

    // The page lists the same and reports with the form; the phone is not offered to report its own sign-in.
    const own = await phone.get('/security/activity');
    assert.equal(own.statusCode, 200);
    assert.ok(own.body.includes('Password changed') && own.body.includes('Secure my account'));
    assert.ok(own.body.includes(`action="/security/activity/${changed!.id}/not-me"`));
    assert.ok(!own.body.includes(`action="/security/activity/${signIn.id}/not-me"`), 'no report on this session’s own sign-in');
    assert.match(own.body, new RegExp(`data-event-id="${signIn.id}"[^>]*data-current`));
    const page = await c.get('/security/activity');
    assert.ok(page.body.includes(`action="/security/activity/${signIn.id}/not-me"`));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    assert.equal((await c.request('POST', `/security/activity/${signIn.id}/not-me`, { form: {} })).statusCode, 403, 'no CSRF token');
    t.clock.advance(1000);
    const res = await c.request('POST', `/security/activity/${signIn.id}/not-me`, { form: { _csrf: csrf } });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('Your account is secured') && res.body.includes('Check your email'));
    assert.equal(c.sessionCookie(), undefined, 'this browser is signed out too');
    assert.ok(!(await signedIn(c)) && !(await signedIn(phone)));
    assert.ok(await signedIn(other.c));
    assert.equal(errorCode(await client().signIn(email, NEW_PASSWORD)), 'ACCOUNT_REPORTED');
    const [report] = (await t.store.events.listEvents(id, { limit: 50 })).filter((e) => e.type === 'account.reported');
    assert.equal(report?.detail?.['via'], 'activity');
    assert.equal(report?.detail?.['eventType'], 'signin.succeeded');
    const resets = (await mails(id, 'password-reset-requested')).filter((m) => m.createdAt === t.clock.now());
    assert.equal(resets.length, 1, 'the reset email is on its way');
    // Worded for what just happened: the password is blocked, so no "ignore this email, your password stays as it is".
    assert.match(resets[0]!.subject, /to get back into your account/);
    assert.match(resets[0]!.text, /your current password no longer works/);
    assert.doesNotMatch(resets[0]!.text, /ignore this email|stays as it is/);
    assert.match(resets[0]!.text, /Device: Firefox on Linux/, 'the browser that reported it');
  });

  it('the activity list shows failed sign-ins with their device and address, by day, and only my own', async () => {
    const email = uniqueEmail('failed-tries');
    const { c } = await account(email);
    const otherEmail = uniqueEmail('failed-tries-other');
    await account(otherEmail);
    const stranger = client({ userAgent: CHROME_WIN, ip: '198.51.100.7' });
    assert.equal((await stranger.signIn(email, 'not the password at all')).statusCode, 401);
    assert.equal((await stranger.signIn(otherEmail, 'not the password either')).statusCode, 401);
    const { activity } = (await c.get('/api/v1/activity')).json() as {
      activity: Array<{ id: string; type: string; ip: string | null; device: string | null; reportable: boolean; failed: boolean; current: boolean }>;
    };
    const failed = activity.filter((e) => e.type === 'signin.failed');
    assert.equal(failed.length, 1, 'only the attempt on my account');
    assert.deepEqual(
      { ip: failed[0]!.ip, device: failed[0]!.device, reportable: failed[0]!.reportable, failed: failed[0]!.failed },
      { ip: '198.51.100.7', device: 'Chrome on Windows', reportable: false, failed: true },
    );
    const page = await c.get('/security/activity');
    assert.match(page.body, /<h2 class="activity-day-heading">Today<\/h2>/);
    assert.match(page.body, /data-event-type="signin.failed"[\s\S]*?Failed sign-in attempt[\s\S]*?Chrome on Windows · IP 198\.51\.100\.7/);
    assert.match(page.body, /<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z" data-local="relative"/);
    assert.equal((page.body.match(/<details class="not-you">/g) ?? []).length, activity.filter((e) => e.reportable).length, 'one per reportable entry');
    assert.equal((page.body.match(/Secure my account<\/button>/g) ?? []).length, activity.filter((e) => e.reportable).length, 'one button each');
    assert.ok(!page.body.includes(otherEmail), 'nothing of the other account');
  });

  it('a direct report from a stale session asks to confirm it is you first (a stolen session cannot use it as a nuisance)', async () => {
    const email = uniqueEmail('stale-report');
    const { id, c } = await account(email);
    await passwordChangedLink(id, c);
    const { activity } = (await c.get('/api/v1/activity')).json() as { activity: Array<{ id: string; type: string }> };
    const changed = activity.find((e) => e.type === 'password.changed')!;
    t.clock.advance(11 * 60_000);
    const res = await c.post(`/api/v1/activity/${changed.id}/not-me`, {});
    assert.equal(errorCode(res), 'REAUTHENTICATION_REQUIRED');
    const page = await c.get('/security/activity');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = await c.request('POST', `/security/activity/${changed.id}/not-me`, { form: { _csrf: csrf } });
    assert.equal(form.statusCode, 303);
    assert.equal(form.headers.location, '/security/confirm?next=%2Fsecurity%2Factivity');
    assert.ok(await signedIn(c), 'nothing happened');
    assert.equal((await t.store.events.listEvents(id, { limit: 50 })).filter((e) => e.type === 'account.reported').length, 0);
    assert.equal((await c.post('/api/v1/session/reauthenticate', { method: 'password', password: NEW_PASSWORD })).statusCode, 200);
    assert.equal((await c.post(`/api/v1/activity/${changed.id}/not-me`, {})).statusCode, 200);
    assert.ok(!(await signedIn(c)));
  });

  it('reporting by API while signed in clears the cookie', async () => {
    const { id, c } = await account(uniqueEmail('api-activity'));
    const { activity } = (await c.get('/api/v1/activity')).json() as { activity: Array<{ id: string; type: string; reportable: boolean }> };
    const signIn = activity.find((e) => e.type === 'account.created');
    assert.ok(signIn);
    const token = await passwordChangedLink(id, c);
    const res = await c.post('/api/v1/not-me', { token });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { status: string }).status, 'reported');
    assert.equal(c.sessionCookie(), undefined);
  });

  it('the security page links to the activity list; the OpenAPI document has the routes', async () => {
    const { c } = await account(uniqueEmail('links'));
    const security = await c.get('/security');
    assert.ok(security.body.includes('href="/security/activity"'));
    const doc = (await client().get('/api/v1/openapi.json')).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/v1/not-me', '/api/v1/activity', '/api/v1/activity/{id}/not-me']) assert.ok(doc.paths[p], p);
  });
});

describe('"this wasn\'t me" with a help desk address', () => {
  let t: TestApp;
  const h = harness(() => t);
  before(async () => {
    t = await startTestApp({ config: { baseUrl: BASE, devMailbox: true, trustProxy: 1, helpdeskEmail: 'helpdesk@example.org' } });
  });
  after(async () => t.close());

  it('the help desk is told which account reported what, without the person’s phrase', async () => {
    const email = h.uniqueEmail('told');
    const { id, c } = await h.account(email);
    await t.store.mailPreferences.setAntiPhishingPhrase(id, 'violet kestrel', t.clock.now());
    const token = await h.passwordChangedLink(id, c);
    assert.equal((await h.client({ ip: '203.0.113.200' }).post('/api/v1/not-me', { token })).statusCode, 200);
    const told = await h.mails(id, 'account-reported');
    assert.equal(told.length, 1);
    assert.equal(told[0]!.to, 'helpdesk@example.org');
    assert.ok(told[0]!.subject.includes(email));
    assert.ok(told[0]!.text.includes('Password changed on 2026-11-23'), 'what was reported');
    assert.ok(told[0]!.text.includes('203.0.113.200'), 'from where the report came');
    assert.ok(!told[0]!.text.includes('violet kestrel'), 'not the person’s anti-phishing phrase');
    assert.ok(!told[0]!.text.includes('/not-me?token='), 'no link to act with');
    assert.ok(!told[0]!.text.includes('/reset?token='), 'never the reset link');
  });
});

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`"this wasn't me" on ${backend}`, () => {
    let t: TestApp;
    const h = harness(() => t);
    before(async () => {
      t = await startTestApp({ backend, config: { baseUrl: BASE, devMailbox: true, trustProxy: 1 } });
    });
    after(async () => t.close());

    it('link → confirmation → secured once → reset → sign in', async () => {
      const email = h.uniqueEmail('pg');
      const { id, c } = await h.account(email);
      const token = await h.passwordChangedLink(id, c);
      const person = h.client();
      const page = await person.get(String((await person.get(`/not-me?token=${token}`)).headers.location));
      assert.ok(page.body.includes('Password changed on'));
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const flow = /name="flow" value="([^"]+)"/.exec(page.body)![1]!;
      t.clock.advance(1000);
      assert.equal((await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } })).statusCode, 200);
      assert.equal((await person.request('POST', '/not-me/confirm', { form: { _csrf: csrf, flow } })).statusCode, 400);
      assert.ok(!(await h.signedIn(c)));
      assert.equal(errorCode(await h.client().signIn(email, NEW_PASSWORD)), 'ACCOUNT_REPORTED');
      const [fresh] = await h.mails(id, 'password-reset-requested');
      const { flowId } = (await h.client().post('/api/v1/password/reset/verify', { token: h.resetSecrets(fresh!).token })).json() as { flowId: string };
      assert.equal((await h.client().post('/api/v1/password/reset/complete', { flowId, newPassword: THIRD_PASSWORD })).statusCode, 200);
      assert.equal((await h.client().signIn(email, THIRD_PASSWORD)).statusCode, 201);
    });

    it('two confirmations racing with the same link: one secures the account, the other is neutral', async () => {
      const { id, c } = await h.account(h.uniqueEmail('race'));
      const token = await h.passwordChangedLink(id, c);
      t.clock.advance(1000);
      const answers = await Promise.all([h.client().post('/api/v1/not-me', { token }), h.client().post('/api/v1/not-me', { token })]);
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 400]);
      assert.equal((await t.store.events.listEvents(id, { limit: 50 })).filter((e) => e.type === 'account.reported').length, 1);
      assert.equal((await h.mails(id, 'password-reset-requested')).length, 1, 'one reset email');
    });
  });
}
