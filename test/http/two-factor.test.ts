// Two-factor authentication through HTTP: enrolment of an authenticator app, sign-in that requires it,
// replay and failure limits, recovery codes, and the seed encrypted at rest.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { totpCode } from '../helpers/totp.js';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { testConfig } from '../helpers/config.js';
import { startTestApp, errorCode, PASSWORD, TestClient, type TestApp } from '../helpers/app.js';

const codeAt = (secret: string, now: number): string => totpCode(secret, { now });

describe('two-factor authentication', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  async function signedUp(email: string): Promise<TestClient> {
    const c = t.client();
    assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
    return c;
  }

  /** Signs up and enrols an authenticator app; returns the base32 secret and the recovery codes. */
  async function enrolled(email: string): Promise<{ c: TestClient; secret: string; recoveryCodes: string[] }> {
    const c = await signedUp(email);
    const start = await c.post('/api/v1/2fa/totp', {});
    assert.equal(start.statusCode, 201);
    const { secret } = start.json() as { secret: string };
    const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now()) });
    assert.equal(confirm.statusCode, 200, confirm.body);
    // The next code must be a later step (the confirming one is used).
    t.clock.advance(30_000);
    return { c, secret, recoveryCodes: (confirm.json() as { recoveryCodes: string[] }).recoveryCodes };
  }

  it('a password reset never bypasses the second factor: by email alone it cannot complete, and the password stays', async () => {
    const email = 'reset-with-factor@example.org';
    await enrolled(email);
    assert.equal((await t.client().post('/api/v1/password/reset', { email })).statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail(email);
    const [mail] = (await t.store.outbox.listMessages({ limit: 10, accountId: account!.id })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    assert.ok(token, 'the reset email went out');
    const verified = await t.client().post('/api/v1/password/reset/verify', { token });
    assert.equal(verified.statusCode, 200);
    const { flowId, requires } = verified.json() as { flowId: string; requires: string[] };
    assert.deepEqual(requires, ['second_factor']);
    const done = await t.client().post('/api/v1/password/reset/complete', { flowId, newPassword: 'violet kettle marches sideways' });
    assert.equal(done.statusCode, 403);
    assert.equal(errorCode(done), 'RESET_FACTOR_REQUIRED');
    const again = await t.client().signIn(email, PASSWORD);
    assert.equal((again.json() as { status?: string }).status, 'second_factor_required', 'the old password still leads to the code step');
  });

  it('a factor added after the reset email went out still guards the reset', async () => {
    const email = 'factor-later@example.org';
    const c = await signedUp(email);
    assert.equal((await t.client().post('/api/v1/password/reset', { email })).statusCode, 202);
    await t.app.deps.background!.idle();
    const account = await t.store.accounts.findAccountByEmail(email);
    const [mail] = (await t.store.outbox.listMessages({ limit: 10, accountId: account!.id })).filter((m) => m.template === 'password-reset-requested');
    const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    const start = await c.post('/api/v1/2fa/totp', {});
    const { secret } = start.json() as { secret: string };
    assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now()) })).statusCode, 200);
    const verified = await t.client().post('/api/v1/password/reset/verify', { token });
    const { flowId } = verified.json() as { flowId: string };
    const done = await t.client().post('/api/v1/password/reset/complete', { flowId, newPassword: 'violet kettle marches sideways' });
    assert.equal(errorCode(done), 'RESET_FACTOR_REQUIRED');
  });

  async function templates(accountEmail: string): Promise<string[]> {
    const account = await t.store.accounts.findAccountByEmail(accountEmail);
    assert.ok(account);
    return (await t.store.outbox.listMessages({ limit: 100, accountId: account.id })).map((m) => m.template);
  }

  it('enrolment gives a base32 secret of at least 160 bits and an otpauth URL, and needs a session', async () => {
    assert.equal((await t.client().post('/api/v1/2fa/totp', {})).statusCode, 401);
    const c = await signedUp('enrol@example.org');
    const res = await c.post('/api/v1/2fa/totp', {});
    assert.equal(res.statusCode, 201);
    const body = res.json() as { secret: string; otpauthUrl: string };
    assert.match(body.secret, /^[A-Z2-7]+=*$/);
    assert.ok(body.secret.replace(/=+$/, '').length * 5 >= 160);
    const url = new URL(body.otpauthUrl);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.searchParams.get('secret'), body.secret);
    assert.equal((await c.get('/api/v1/2fa')).json().factors.length, 0, 'pending until confirmed');
    assert.equal(errorCode(await c.post('/api/v1/2fa/totp', { extra: 1 })), 'VALIDATION_FAILED', 'unknown fields refused');
  });

  it('a wrong code does not confirm; the right one does, returns 10 recovery codes once, and notifies', async () => {
    const c = await signedUp('confirm@example.org');
    const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    const wrong = await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now() + 5 * 60_000) });
    assert.equal(wrong.statusCode, 400);
    assert.equal(errorCode(wrong), 'SECOND_FACTOR_CODE_INVALID');
    assert.equal(errorCode(await c.post('/api/v1/2fa/totp/confirm', { code: 'abc', more: 1 })), 'VALIDATION_FAILED');
    const right = await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now()) });
    assert.equal(right.statusCode, 200);
    const codes = (right.json() as { recoveryCodes: string[] }).recoveryCodes;
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    const list = (await c.get('/api/v1/2fa')).json() as { factors: Array<{ type: string }>; recoveryCodesRemaining: number };
    assert.deepEqual(
      list.factors.map((f) => f.type),
      ['totp'],
    );
    assert.equal(list.recoveryCodesRemaining, 10);
    assert.ok((await templates('confirm@example.org')).includes('second-factor-added'));
    assert.equal(errorCode(await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now()) })), 'SECOND_FACTOR_NOT_PENDING');

    // A second app: no new recovery codes.
    const second = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    const again = await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(second.secret, t.clock.now()) });
    assert.equal(again.statusCode, 200);
    assert.equal((again.json() as { recoveryCodes: unknown }).recoveryCodes, null);
  });

  it('the secret is encrypted at rest: the stored row holds neither the base32 nor the raw secret', async () => {
    const { secret } = await enrolled('at-rest@example.org');
    const account = await t.store.accounts.findAccountByEmail('at-rest@example.org');
    assert.ok(account);
    const [row] = await t.store.twoFactor.listFactors(account.id);
    assert.ok(row);
    const raw = Buffer.from(OTPAuth.Secret.fromBase32(secret).bytes);
    assert.ok(!row.secretCiphertext.includes(secret));
    assert.ok(!row.secretCiphertext.includes(raw.toString('base64url')));
    assert.ok(!row.secretCiphertext.includes(raw.toString('hex')));
    assert.ok(!Buffer.from(row.secretCiphertext, 'base64url').includes(raw));
    assert.match(row.keyId, /^k-[0-9a-f]{16}$/);
  });

  it('a pending second step started with the old password dies when the password changes', async () => {
    const email = 'pending-dies@example.org';
    const { c: owner, secret } = await enrolled(email);
    const attacker = t.client();
    const first = await attacker.signIn(email, PASSWORD);
    const { flowId } = first.json() as { flowId: string };
    t.clock.advance(1_000);
    const change = await owner.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: 'violet kettle marches sideways' });
    assert.equal(change.statusCode, 200, change.body);
    const done = await attacker.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(errorCode(done), 'SECOND_FACTOR_FLOW_INVALID');
    assert.equal(attacker.sessionCookie(), undefined);
  });

  it('sign-in for an account with a factor answers second_factor_required with no session cookie, then the code signs in', async () => {
    const { secret } = await enrolled('signin@example.org');
    const c = t.client();
    const first = await c.signIn('signin@example.org', PASSWORD);
    assert.equal(first.statusCode, 200);
    const body = first.json() as { status: string; flowId: string; methods: string[] };
    assert.equal(body.status, 'second_factor_required');
    assert.deepEqual(body.methods, ['totp', 'recovery_code']);
    assert.equal(c.sessionCookie(), undefined, 'no session cookie before the second factor');
    assert.equal(first.headers['set-cookie'], undefined);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);

    const done = await c.post('/api/v1/sessions/second-factor', { flowId: body.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(done.statusCode, 201, done.body);
    assert.ok(c.sessionCookie());
    assert.equal((await c.get('/api/v1/session')).statusCode, 200);
    assert.equal(
      errorCode(await c.post('/api/v1/sessions/second-factor', { flowId: body.flowId, method: 'totp', code: codeAt(secret, t.clock.now() + 30_000) })),
      'SECOND_FACTOR_FLOW_INVALID',
      'a completed flow cannot be used again',
    );
  });

  it('a wrong password still answers exactly as today', async () => {
    await enrolled('uniform@example.org');
    const wrong = await t.client().signIn('uniform@example.org', 'not the password at all');
    const unknown = await t.client().signIn('nobody-at-all@example.org', 'not the password at all');
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.body, unknown.body);
    assert.equal(errorCode(wrong), 'INVALID_CREDENTIALS');
  });

  it('an accepted code is refused a second time, also from another sign-in', async () => {
    const { secret } = await enrolled('replay@example.org');
    const code = codeAt(secret, t.clock.now());
    const a = t.client();
    const flowA = ((await a.signIn('replay@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    const b = t.client();
    const flowB = ((await b.signIn('replay@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    assert.equal((await a.post('/api/v1/sessions/second-factor', { flowId: flowA, method: 'totp', code })).statusCode, 201);
    const replay = await b.post('/api/v1/sessions/second-factor', { flowId: flowB, method: 'totp', code });
    assert.equal(replay.statusCode, 400);
    assert.equal(errorCode(replay), 'SECOND_FACTOR_CODE_USED', 'a right code used already: wait for the next one');
    assert.equal(b.sessionCookie(), undefined);
    t.clock.advance(30_000);
    assert.equal(
      (await b.post('/api/v1/sessions/second-factor', { flowId: flowB, method: 'totp', code: codeAt(secret, t.clock.now()) })).statusCode,
      201,
      'the next step works',
    );
  });

  it('the code that confirmed the app, typed again at sign-in within its 30 seconds, is "just used — wait for the next one"', async () => {
    const c = await signedUp('just-used@example.org');
    const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
    const code = codeAt(secret, t.clock.now());
    assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code })).statusCode, 200);
    // Ten seconds later, still the same 30-second step (the clock is the test's: nothing waits).
    t.clock.advance(10_000);
    const other = t.client();
    const { flowId } = (await other.signIn('just-used@example.org', PASSWORD)).json() as { flowId: string };
    const again = await other.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code });
    assert.equal(again.statusCode, 400);
    assert.equal(errorCode(again), 'SECOND_FACTOR_CODE_USED');
    assert.match((again.json() as { error: { message: string } }).error.message, /just used — wait for the next one/);
    // The page says the same beside the code box, and a wrong code is still "not right".
    const wrong = await other.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: code === '000000' ? '111111' : '000000' });
    assert.equal(errorCode(wrong), 'SECOND_FACTOR_CODE_INVALID');
    t.clock.advance(30_000);
    const next = await other.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(next.statusCode, 201, 'the next code signs in');
  });

  it('a pending sign-in dies after 5 wrong codes or 5 minutes, and wrong codes count per account across sign-ins', async () => {
    const { secret } = await enrolled('limit@example.org');
    const c = t.client();
    const wrongCode = codeAt(secret, t.clock.now() + 10 * 60_000);
    const flow1 = ((await c.signIn('limit@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    for (let i = 0; i < 4; i++) {
      const r = await c.post('/api/v1/sessions/second-factor', { flowId: flow1, method: 'totp', code: wrongCode });
      assert.equal(errorCode(r), 'SECOND_FACTOR_CODE_INVALID');
    }
    assert.equal(
      errorCode(await c.post('/api/v1/sessions/second-factor', { flowId: flow1, method: 'totp', code: wrongCode })),
      'SECOND_FACTOR_FLOW_INVALID',
      'the fifth wrong code ends it',
    );
    assert.equal(
      errorCode(await c.post('/api/v1/sessions/second-factor', { flowId: flow1, method: 'totp', code: codeAt(secret, t.clock.now()) })),
      'SECOND_FACTOR_FLOW_INVALID',
      'even the right code is refused now',
    );

    const flow2 = ((await c.signIn('limit@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    t.clock.advance(5 * 60_000);
    assert.equal(
      errorCode(await c.post('/api/v1/sessions/second-factor', { flowId: flow2, method: 'totp', code: codeAt(secret, t.clock.now()) })),
      'SECOND_FACTOR_FLOW_INVALID',
      'expired after 5 minutes',
    );

    // Five more wrong codes in a new sign-in reach the per-account limit of 10 (window 15 minutes).
    const flow3 = ((await c.signIn('limit@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    for (let i = 0; i < 5; i++) await c.post('/api/v1/sessions/second-factor', { flowId: flow3, method: 'totp', code: wrongCode });
    const flow4 = ((await c.signIn('limit@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    const limited = await c.post('/api/v1/sessions/second-factor', { flowId: flow4, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(limited.statusCode, 429);
    assert.equal(errorCode(limited), 'TOO_MANY_REQUESTS');
    assert.equal(c.sessionCookie(), undefined);
    t.clock.advance(16 * 60_000);
    const flow5 = ((await c.signIn('limit@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    assert.equal(
      (await c.post('/api/v1/sessions/second-factor', { flowId: flow5, method: 'totp', code: codeAt(secret, t.clock.now()) })).statusCode,
      201,
      'the window passes',
    );
  });

  it('a recovery code works once and notifies the person', async () => {
    const { recoveryCodes } = await enrolled('recovery-code@example.org');
    const code = recoveryCodes[0]!;
    const c = t.client();
    const flow = ((await c.signIn('recovery-code@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    assert.equal((await c.post('/api/v1/sessions/second-factor', { flowId: flow, method: 'recovery_code', code: ` ${code.toUpperCase()} ` })).statusCode, 201);
    assert.ok((await templates('recovery-code@example.org')).includes('recovery-code-used'));
    const d = t.client();
    const flow2 = ((await d.signIn('recovery-code@example.org', PASSWORD)).json() as { flowId: string }).flowId;
    assert.equal(
      errorCode(await d.post('/api/v1/sessions/second-factor', { flowId: flow2, method: 'recovery_code', code })),
      'SECOND_FACTOR_CODE_INVALID',
      'used once',
    );
    assert.equal((await d.post('/api/v1/sessions/second-factor', { flowId: flow2, method: 'recovery_code', code: recoveryCodes[1]! })).statusCode, 201);
  });

  it('removing a factor needs the password or a code, notifies, and sign-in is one step again', async () => {
    const { c, secret } = await enrolled('remove@example.org');
    const [factor] = ((await c.get('/api/v1/2fa')).json() as { factors: Array<{ id: string }> }).factors;
    assert.ok(factor);
    assert.equal(errorCode(await c.delete(`/api/v1/2fa/totp/${factor.id}`, { body: {} })), 'SECOND_FACTOR_PROOF_REQUIRED');
    assert.equal(
      errorCode(await c.delete(`/api/v1/2fa/totp/${factor.id}`, { body: { currentPassword: 'wrong password here' } })),
      'CURRENT_PASSWORD_INCORRECT',
    );
    // The last factor also needs the password (its length is checked against the single-factor minimum).
    assert.equal(errorCode(await c.delete(`/api/v1/2fa/totp/${factor.id}`, { body: { code: codeAt(secret, t.clock.now()) } })), 'SECOND_FACTOR_PROOF_REQUIRED');
    assert.equal(
      errorCode(await c.delete(`/api/v1/2fa/totp/${factor.id}`, { body: { currentPassword: PASSWORD, code: codeAt(secret, t.clock.now() + 10 * 60_000) } })),
      'SECOND_FACTOR_CODE_INVALID',
    );
    const other = await signedUp('not-owner@example.org');
    assert.equal(errorCode(await other.delete(`/api/v1/2fa/totp/${factor.id}`, { body: { currentPassword: PASSWORD } })), 'SECOND_FACTOR_NOT_FOUND');
    const removed = await c.delete(`/api/v1/2fa/totp/${factor.id}`, { body: { currentPassword: PASSWORD, code: codeAt(secret, t.clock.now()) } });
    assert.equal(removed.statusCode, 200);
    assert.deepEqual(removed.json(), { remaining: 0 });
    assert.ok((await templates('remove@example.org')).includes('second-factor-removed'));
    assert.equal(
      ((await c.get('/api/v1/2fa')).json() as { recoveryCodesRemaining: number }).recoveryCodesRemaining,
      0,
      'recovery codes go with the last factor',
    );
    assert.equal((await t.client().signIn('remove@example.org', PASSWORD)).statusCode, 201);
  });

  it('the sign-in page asks for the code too, and signs in only after it', async () => {
    const { secret } = await enrolled('page@example.org');
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    const step = await c.request('POST', '/sign-in', { form: { _csrf: csrf, email: 'page@example.org', password: PASSWORD } });
    assert.equal(step.statusCode, 200);
    assert.equal(c.sessionCookie(), undefined);
    const flowId = /name="flowId" value="([^"]+)"/.exec(step.body)?.[1];
    assert.ok(flowId, 'the code step carries the flow');
    assert.match(step.body, /autocomplete="one-time-code"/);
    const wrong = await c.request('POST', '/sign-in/second-factor', {
      form: { _csrf: csrf, flowId, method: 'totp', code: codeAt(secret, t.clock.now() + 10 * 60_000) },
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /That code is not right/);
    assert.equal(c.sessionCookie(), undefined);
    const ok = await c.request('POST', '/sign-in/second-factor', { form: { _csrf: csrf, flowId, method: 'totp', code: codeAt(secret, t.clock.now()) } });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/security');
    assert.ok(c.sessionCookie());
  });

  it('the security pages set up an app (QR code as a data: image, key in text), show the codes once, and remove it with the password', async () => {
    const c = await signedUp('settings-page@example.org');
    const security = await c.get('/security', { headers: { accept: 'text/html' } });
    assert.match(security.body, /Set up two-step verification/);
    const csrf = await c.csrfFrom('/security/two-factor');
    const setup = await c.request('POST', '/security/two-factor/totp', { form: { _csrf: csrf } });
    assert.equal(setup.statusCode, 200);
    assert.match(setup.body, /<img id="totp-qr"[^>]+src="data:image\/svg\+xml;base64,/);
    // The key in groups of four (spans), so its text is still the one word an app takes.
    const secret = /<code id="totp-secret" class="key">(.*?)<\/code>/.exec(setup.body)?.[1]?.replace(/<[^>]+>/g, '');
    assert.match(secret ?? '', /^[A-Z2-7]{32}$/);
    assert.ok(secret);
    assert.match(setup.body, /<span>[A-Z2-7]{4}<\/span><span>[A-Z2-7]{4}<\/span>/);
    assert.match(setup.body, new RegExp(`href="otpauth://totp/[^"]*secret=${secret}`), 'a link for an app on the same phone');
    assert.doesNotMatch(setup.body, /<script>|style="/, 'nothing inline the CSP would block');
    const wrong = await c.request('POST', '/security/two-factor/totp/confirm', { form: { _csrf: csrf, code: codeAt(secret, t.clock.now() + 10 * 60_000) } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes(`<span>${secret.slice(0, 4)}</span><span>${secret.slice(4, 8)}</span>`), 'the same key is shown again after a wrong code');
    assert.match(wrong.body, /check that your phone sets its time automatically/, 'the setup page’s own wording');
    assert.doesNotMatch(wrong.body, /recovery codes?\./, 'no recovery codes exist yet to point to');
    const ok = await c.request('POST', '/security/two-factor/totp/confirm', { form: { _csrf: csrf, code: codeAt(secret, t.clock.now()) } });
    assert.equal(ok.statusCode, 200);
    assert.equal((ok.body.match(/<li><code>/g) ?? []).length, 10, 'ten recovery codes shown');
    const later = await c.get('/security/two-factor', { headers: { accept: 'text/html' } });
    assert.doesNotMatch(later.body, /id="recovery-codes"/, 'shown only once');
    const factorId = /data-factor-id="([^"]+)"/.exec(later.body)?.[1];
    assert.ok(factorId);
    const refused = await c.request('POST', `/security/two-factor/${factorId}/remove`, { form: { _csrf: csrf, currentPassword: 'not my password at all' } });
    assert.equal(refused.statusCode, 400);
    const removed = await c.request('POST', `/security/two-factor/${factorId}/remove`, { form: { _csrf: csrf, currentPassword: PASSWORD } });
    assert.equal(removed.statusCode, 303);
    assert.match((await c.get('/security/two-factor', { headers: { accept: 'text/html' } })).body, /Two-step verification is off/);
  });

  it('with a confirmed factor the shorter password minimum applies (NIST SP 800-63B-4 §3.1.1.2)', async () => {
    const short = 'Vq7#mZ2!xR9k';
    const plain = await signedUp('short-plain@example.org');
    const refused = await plain.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: short });
    assert.equal(errorCode(refused), 'PASSWORD_TOO_SHORT');
    const { c } = await enrolled('short-2fa@example.org');
    const accepted = await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: short });
    assert.equal(accepted.statusCode, 200, accepted.body);
  });

  it('no TOTP secret, code, flow id or recovery code reaches the logs, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    // The production logger (its redaction is the second line of defence), writing where the test reads.
    const logger = createLogger({ level: 'trace', format: 'json', destination: sink });
    const config = testConfig();
    const store = openStore(config.databaseUrl);
    const app = await createApp({ config, store, logger, clock: t.clock });
    try {
      const c = new TestClient(app, config.baseUrl, 'test-agent');
      await c.signUp('logs-2fa@example.org', PASSWORD);
      const { secret, otpauthUrl } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string; otpauthUrl: string };
      const wrongCode = codeAt(secret, t.clock.now() + 10 * 60_000);
      await c.post('/api/v1/2fa/totp/confirm', { code: wrongCode });
      const confirmCode = codeAt(secret, t.clock.now());
      const { recoveryCodes } = (await c.post('/api/v1/2fa/totp/confirm', { code: confirmCode })).json() as { recoveryCodes: string[] };
      t.clock.advance(30_000);
      const d = new TestClient(app, config.baseUrl, 'test-agent');
      const flowId = ((await d.signIn('logs-2fa@example.org', PASSWORD)).json() as { flowId: string }).flowId;
      await d.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: wrongCode });
      await d.post('/api/v1/sessions/second-factor', { flowId, method: 'recovery_code', code: recoveryCodes[0]! });
      const all = lines.join('');
      assert.ok(lines.length > 3, 'requests were logged');
      // The 6-digit codes themselves are left out of the search: any six digits may occur in a timestamp.
      assert.ok(!/"code":"\d{6}"/.test(all), 'no code field was logged');
      for (const s of [secret, otpauthUrl, encodeURIComponent(secret), flowId, ...recoveryCodes]) {
        assert.ok(!all.includes(s), `a secret leaked into the logs: ${s.slice(0, 4)}…`);
      }
    } finally {
      await app.close();
      await store.close();
    }
  });
});
