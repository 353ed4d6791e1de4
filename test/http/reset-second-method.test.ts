// A password reset asks for the account's second method after the email proof (issue 5): the second factor
// (authenticator code or recovery code), or, where the organisation uses them and there is no factor, the
// security questions; roles that need two methods cannot reset by email alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { totpCode } from '../helpers/totp.js';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const codeAt = (secret: string, now: number): string => totpCode(secret, { now });

interface FlowBody {
  flowId: string;
  requires: string[];
  secondFactorMethods?: string[];
  securityQuestions?: Array<{ id: string; text: string }>;
}

async function signedUp(t: TestApp, email: string): Promise<TestClient> {
  const c = t.client();
  assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
  return c;
}

async function enrolTotp(t: TestApp, c: TestClient): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
  const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: codeAt(secret, t.clock.now()) });
  assert.equal(confirm.statusCode, 200, confirm.body);
  t.clock.advance(30_000); // the confirming code's step is used
  return { secret, recoveryCodes: (confirm.json() as { recoveryCodes: string[] }).recoveryCodes };
}

/** Requests a reset, reads the link from the outbox, and verifies it. */
async function verifiedReset(t: TestApp, email: string): Promise<FlowBody> {
  const account = await t.store.accounts.findAccountByEmail(email);
  assert.ok(account);
  const resetMails = async () =>
    (await t.store.outbox.listMessages({ limit: 100, accountId: account.id })).filter((m) => m.template === 'password-reset-requested');
  const seen = new Set((await resetMails()).map((m) => m.id));
  assert.equal((await t.client().post('/api/v1/password/reset', { email })).statusCode, 202);
  await t.app.deps.background!.idle();
  const mail = (await resetMails()).find((m) => !seen.has(m.id));
  const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
  assert.ok(token, 'a new reset email went out');
  const res = await t.client().post('/api/v1/password/reset/verify', { token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as FlowBody;
}

async function templates(t: TestApp, email: string): Promise<string[]> {
  const account = await t.store.accounts.findAccountByEmail(email);
  return (await t.store.outbox.listMessages({ limit: 100, accountId: account!.id })).map((m) => m.template);
}

describe('reset of an account with a second factor', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('verify names the factor and its methods; a wrong code is refused; the right one lets the reset complete', async () => {
    const email = `totp-${randomUUID().slice(0, 8)}@example.org`;
    const c = await signedUp(t, email);
    const { secret } = await enrolTotp(t, c);
    const flow = await verifiedReset(t, email);
    assert.deepEqual(flow.requires, ['second_factor']);
    assert.deepEqual(flow.secondFactorMethods, ['totp', 'recovery_code']);

    const wrong = await t
      .client()
      .post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'totp', code: codeAt(secret, t.clock.now() + 10 * 60_000) });
    assert.equal(wrong.statusCode, 400);
    assert.equal(errorCode(wrong), 'SECOND_FACTOR_CODE_INVALID');
    assert.equal(wrong.json().error.details.attemptsLeft, 4);
    assert.equal(
      errorCode(await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD })),
      'RESET_FACTOR_REQUIRED',
    );

    const right = await t.client().post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(right.statusCode, 200, right.body);
    assert.deepEqual(right.json().requires, []);
    const done = await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401, 'the old session ended with the reset');
    const signIn = await t.client().signIn(email, NEW_PASSWORD);
    assert.equal(signIn.json().status, 'second_factor_required', 'the new password still leads to the second factor');
  });

  it('a script can prove the factor in the same call as the new password', async () => {
    const email = `oneshot-${randomUUID().slice(0, 8)}@example.org`;
    const { secret } = await enrolTotp(t, await signedUp(t, email));
    const flow = await verifiedReset(t, email);
    const done = await t.client().post('/api/v1/password/reset/complete', {
      flowId: flow.flowId,
      newPassword: NEW_PASSWORD,
      secondFactor: { method: 'totp', code: codeAt(secret, t.clock.now()) },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(errorCode(await t.client().signIn(email, PASSWORD)), 'INVALID_CREDENTIALS');
  });

  it('a code already used to sign in cannot be used again in a reset (replay refused across flows)', async () => {
    const email = `replay-${randomUUID().slice(0, 8)}@example.org`;
    const { secret } = await enrolTotp(t, await signedUp(t, email));
    const code = codeAt(secret, t.clock.now());
    const pending = (await t.client().signIn(email, PASSWORD)).json() as { flowId: string };
    assert.equal((await t.client().post('/api/v1/sessions/second-factor', { flowId: pending.flowId, method: 'totp', code })).statusCode, 201);
    const flow = await verifiedReset(t, email);
    const replay = await t.client().post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'totp', code });
    assert.equal(errorCode(replay), 'SECOND_FACTOR_CODE_USED');
  });

  it('a recovery code works once, and the person is told by email', async () => {
    const email = `recovery-${randomUUID().slice(0, 8)}@example.org`;
    const { recoveryCodes } = await enrolTotp(t, await signedUp(t, email));
    const flow = await verifiedReset(t, email);
    const used = await t
      .client()
      .post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'recovery_code', code: recoveryCodes[0]!.toUpperCase() });
    assert.equal(used.statusCode, 200, used.body);
    assert.deepEqual(used.json().requires, []);
    assert.ok((await templates(t, email)).includes('recovery-code-used'));
    const second = await verifiedReset(t, email);
    const again = await t.client().post('/api/v1/password/reset/second-factor', { flowId: second.flowId, method: 'recovery_code', code: recoveryCodes[0] });
    assert.equal(errorCode(again), 'SECOND_FACTOR_CODE_INVALID', 'the code was used up');
    assert.equal(
      (await t.client().post('/api/v1/password/reset/second-factor', { flowId: second.flowId, method: 'recovery_code', code: recoveryCodes[1] })).statusCode,
      200,
    );
  });

  it('five wrong codes end the flow', async () => {
    const email = `five-${randomUUID().slice(0, 8)}@example.org`;
    await enrolTotp(t, await signedUp(t, email));
    const flow = await verifiedReset(t, email);
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        errorCode(await t.client().post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'recovery_code', code: `wrong-${i}0000` })),
      );
    }
    assert.deepEqual(codes, [
      'SECOND_FACTOR_CODE_INVALID',
      'SECOND_FACTOR_CODE_INVALID',
      'SECOND_FACTOR_CODE_INVALID',
      'SECOND_FACTOR_CODE_INVALID',
      'RESET_FLOW_INVALID',
    ]);
    assert.equal(errorCode(await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD })), 'RESET_FLOW_INVALID');
  });

  it('wrong codes at sign-in and in resets share one budget per account (10 per 15 minutes)', async () => {
    const email = `budget-${randomUUID().slice(0, 8)}@example.org`;
    const { secret } = await enrolTotp(t, await signedUp(t, email));
    for (let round = 0; round < 2; round++) {
      const pending = (await t.client().signIn(email, PASSWORD)).json() as { flowId: string };
      for (let i = 0; i < 4; i++) await t.client().post('/api/v1/sessions/second-factor', { flowId: pending.flowId, method: 'totp', code: '000000' });
    }
    const flow = await verifiedReset(t, email);
    for (let i = 0; i < 2; i++) await t.client().post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'totp', code: '000000' });
    const blocked = await t.client().post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) });
    assert.equal(blocked.statusCode, 429, 'even the right code waits');
    const pending = (await t.client().signIn(email, PASSWORD)).json() as { flowId: string };
    assert.equal(
      (await t.client().post('/api/v1/sessions/second-factor', { flowId: pending.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) })).statusCode,
      429,
      'sign-in counts the reset failures too',
    );
    t.clock.advance(16 * 60_000);
    const later = await verifiedReset(t, email);
    assert.equal(
      (await t.client().post('/api/v1/password/reset/second-factor', { flowId: later.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) })).statusCode,
      200,
    );
  });

  it('inputs are validated', async () => {
    const cases: unknown[] = [
      { flowId: 'x'.repeat(43), method: 'sms', code: '123456' },
      { flowId: 'x'.repeat(43), method: 'totp' },
      { flowId: 'x'.repeat(43), method: 'totp', code: '1'.repeat(40) },
      { flowId: 'has spaces', method: 'totp', code: '123456' },
      { flowId: 'x'.repeat(43), method: 'totp', code: '123456', extra: true },
    ];
    for (const body of cases)
      assert.equal(errorCode(await t.client().post('/api/v1/password/reset/second-factor', body)), 'VALIDATION_FAILED', JSON.stringify(body));
    assert.equal(
      errorCode(await t.client().post('/api/v1/password/reset/second-factor', { flowId: 'x'.repeat(43), method: 'totp', code: '123456' })),
      'RESET_FLOW_INVALID',
    );
  });
});

describe('security questions (organisation option)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { securityQuestions: true, securityQuestionCount: 2 } });
  });
  after(() => t.close());

  const answers = [
    { questionId: 'first-concert', answer: 'Blur, Brixton 1995' },
    { questionId: 'first-car', answer: 'Ford Fiesta' },
  ];

  it('setting answers needs the current password and sound answers; they are stored as argon2id hashes and mailed about', async () => {
    const email = `sq-${randomUUID().slice(0, 8)}@example.org`;
    const c = await signedUp(t, email);
    const before = (await c.get('/api/v1/security-questions')).json();
    assert.equal(before.enabled, true);
    assert.equal(before.count, 2);
    assert.deepEqual(before.chosen, []);
    assert.equal(errorCode(await c.put('/api/v1/security-questions', { currentPassword: 'wrong password here', answers })), 'CURRENT_PASSWORD_INCORRECT');
    const same = await c.put('/api/v1/security-questions', {
      currentPassword: PASSWORD,
      answers: [answers[0]!, { questionId: 'first-car', answer: 'blur brixton 1995!' }],
    });
    assert.equal(errorCode(same), 'SECURITY_ANSWERS_INVALID');
    assert.equal(same.json().error.details.problem.code, 'SAME_ANSWER');
    assert.equal(errorCode(await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers: answers.slice(0, 1) })), 'SECURITY_ANSWERS_INVALID');
    const ok = await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().chosen, ['first-concert', 'first-car']);
    const account = await t.store.accounts.findAccountByEmail(email);
    const stored = await t.store.securityAnswers.listSecurityAnswers(account!.id);
    assert.equal(stored.length, 2);
    for (const s of stored) assert.match(s.answerHash, /^\$argon2id\$/);
    assert.equal(JSON.stringify(stored).toLowerCase().includes('fiesta'), false, 'no answer in plain text');
    assert.ok((await templates(t, email)).includes('security-questions-changed'));
  });

  it('a reset of an account without a second factor asks them; case, accents and punctuation do not matter', async () => {
    const email = `sqreset-${randomUUID().slice(0, 8)}@example.org`;
    const c = await signedUp(t, email);
    assert.equal((await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers })).statusCode, 200);
    const flow = await verifiedReset(t, email);
    assert.deepEqual(flow.requires, ['security_questions']);
    assert.deepEqual(
      flow.securityQuestions?.map((q) => q.id),
      ['first-concert', 'first-car'],
    );
    assert.match(flow.securityQuestions![0]!.text, /first concert/);
    const wrong = await t
      .client()
      .post('/api/v1/password/reset/security-questions', { flowId: flow.flowId, answers: [answers[0]!, { questionId: 'first-car', answer: 'Ford Focus' }] });
    assert.equal(errorCode(wrong), 'RESET_ANSWERS_INCORRECT');
    assert.equal(
      errorCode(await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD })),
      'RESET_FACTOR_REQUIRED',
    );
    const right = await t.client().post('/api/v1/password/reset/security-questions', {
      flowId: flow.flowId,
      answers: [
        { questionId: 'first-concert', answer: '  blur brixton 1995 ' },
        { questionId: 'first-car', answer: 'FORD-FIESTA' },
      ],
    });
    assert.equal(right.statusCode, 200, right.body);
    assert.deepEqual(right.json().requires, []);
    assert.equal((await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD })).statusCode, 200);
  });

  it('with a second factor, the factor is asked instead of the weaker questions', async () => {
    const email = `sqtotp-${randomUUID().slice(0, 8)}@example.org`;
    const c = await signedUp(t, email);
    assert.equal((await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers })).statusCode, 200);
    await enrolTotp(t, c);
    const flow = await verifiedReset(t, email);
    assert.deepEqual(flow.requires, ['second_factor']);
    const viaQuestions = await t.client().post('/api/v1/password/reset/security-questions', { flowId: flow.flowId, answers });
    assert.deepEqual(viaQuestions.json().requires, ['second_factor'], 'answers do not stand in for the factor');
    assert.equal(
      errorCode(await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD })),
      'RESET_FACTOR_REQUIRED',
    );
  });

  it('removing the answers needs the password; the reset then needs the email alone', async () => {
    const email = `sqrm-${randomUUID().slice(0, 8)}@example.org`;
    const c = await signedUp(t, email);
    assert.equal((await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers })).statusCode, 200);
    assert.equal(errorCode(await c.post('/api/v1/security-questions/remove', { currentPassword: 'not my password at all' })), 'CURRENT_PASSWORD_INCORRECT');
    assert.deepEqual((await c.post('/api/v1/security-questions/remove', { currentPassword: PASSWORD })).json().chosen, []);
    assert.deepEqual((await verifiedReset(t, email)).requires, []);
  });
});

describe('security questions are off by default', () => {
  it('setting answers answers 404 SECURITY_QUESTIONS_DISABLED', async () => {
    const t = await startTestApp();
    try {
      const c = await signedUp(t, `off-${randomUUID().slice(0, 8)}@example.org`);
      assert.equal((await c.get('/api/v1/security-questions')).json().enabled, false);
      const res = await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers: [{ questionId: 'first-car', answer: 'Ford Fiesta' }] });
      assert.equal(res.statusCode, 404);
      assert.equal(errorCode(res), 'SECURITY_QUESTIONS_DISABLED');
    } finally {
      await t.close();
    }
  });
});

describe('roles that need two methods (administrators by default)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function admin(email: string): Promise<void> {
    const created = await t.store.accounts.createAccount({
      id: randomUUID(),
      email,
      emailNormalized: email,
      displayName: 'Admin',
      role: 'admin',
      passwordHash: await t.app.deps.hasher.hash(PASSWORD),
      now: t.clock.now(),
    });
    assert.ok(created);
  }

  it('an administrator with only an email cannot reset by email alone, and the password stays', async () => {
    const email = `admin-${randomUUID().slice(0, 8)}@example.org`;
    await admin(email);
    const flow = await verifiedReset(t, email);
    assert.deepEqual(flow.requires, ['second_method']);
    const done = await t.client().post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: NEW_PASSWORD });
    assert.equal(done.statusCode, 403);
    assert.equal(errorCode(done), 'RESET_SECOND_METHOD_REQUIRED');
    assert.match(done.json().error.message, /Another administrator can reset it for you/);
    assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201, 'the password is unchanged');
  });

  it('an administrator with an authenticator app resets with email + code', async () => {
    const email = `admin2-${randomUUID().slice(0, 8)}@example.org`;
    await admin(email);
    const c = t.client();
    assert.equal((await c.signIn(email, PASSWORD)).statusCode, 201);
    const { secret } = await enrolTotp(t, c);
    const flow = await verifiedReset(t, email);
    assert.deepEqual(flow.requires, ['second_factor']);
    const done = await t.client().post('/api/v1/password/reset/complete', {
      flowId: flow.flowId,
      newPassword: NEW_PASSWORD,
      secondFactor: { method: 'totp', code: codeAt(secret, t.clock.now()) },
    });
    assert.equal(done.statusCode, 200, done.body);
  });

  it('"none" lets every role reset by email alone', async () => {
    const t2 = await startTestApp({ config: { resetTwoMethodRoles: 'none' } });
    try {
      const email = `admin3-${randomUUID().slice(0, 8)}@example.org`;
      assert.ok(
        await t2.store.accounts.createAccount({
          id: randomUUID(),
          email,
          emailNormalized: email,
          displayName: 'Admin',
          role: 'admin',
          passwordHash: await t2.app.deps.hasher.hash(PASSWORD),
          now: t2.clock.now(),
        }),
      );
      assert.deepEqual((await verifiedReset(t2, email)).requires, []);
    } finally {
      await t2.close();
    }
  });
});

describe('reset pages for the second method', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { supportContact: 'help@example.org' } });
  });
  after(() => t.close());

  it('an administrator with only an email sees the help desk, not a password form', async () => {
    const email = `padmin-${randomUUID().slice(0, 8)}@example.org`;
    assert.ok(
      await t.store.accounts.createAccount({
        id: randomUUID(),
        email,
        emailNormalized: email,
        displayName: 'Admin',
        role: 'admin',
        passwordHash: await t.app.deps.hasher.hash(PASSWORD),
        now: t.clock.now(),
      }),
    );
    const flow = await verifiedReset(t, email);
    const page = await t.client().get(`/reset/new?flow=${flow.flowId}`, { headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Contact the help desk/);
    assert.match(page.body, /help@example\.org/);
    assert.doesNotMatch(page.body, /name="newPassword"/);
  });

  it('the factor form needs the CSRF token, shows the reason for a wrong code, and leads on to the password', async () => {
    const email = `pform-${randomUUID().slice(0, 8)}@example.org`;
    const { secret } = await enrolTotp(t, await signedUp(t, email));
    const flow = await verifiedReset(t, email);
    const c = t.client();
    const step = await c.get(`/reset/new?flow=${flow.flowId}`, { headers: { accept: 'text/html' } });
    assert.match(step.body, /Confirm it’s you/);
    assert.doesNotMatch(step.body, /name="newPassword"/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(step.body)?.[1] ?? '';
    const noCsrf = await c.request('POST', '/reset/second-factor', { form: { flow: flow.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) } });
    assert.equal(noCsrf.statusCode, 403);
    const wrong = await c.request('POST', '/reset/second-factor', { form: { _csrf: csrf, flow: flow.flowId, method: 'totp', code: '000000' } });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /not right/);
    const right = await c.request('POST', '/reset/second-factor', {
      form: { _csrf: csrf, flow: flow.flowId, method: 'totp', code: codeAt(secret, t.clock.now()) },
    });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, `/reset/new?flow=${flow.flowId}`);
    const next = await c.get(`/reset/new?flow=${flow.flowId}`, { headers: { accept: 'text/html' } });
    assert.match(next.body, /name="newPassword"/);
  });

  it('the security questions page is not there when the organisation does not use them', async () => {
    const c = await signedUp(t, `pq-${randomUUID().slice(0, 8)}@example.org`);
    assert.equal((await c.get('/security/questions', { headers: { accept: 'text/html' } })).statusCode, 404);
    assert.doesNotMatch((await c.get('/security', { headers: { accept: 'text/html' } })).body, /security-questions-link/);
  });
});
