// Parallel bursts against every attempt counter of a person's second factor and recovery settings (issue 11, item 3):
// many wrong guesses plus the right one sent at once, through HTTP. Each counter is one atomic statement in the
// store (reserve-then-verify), so no more guesses are evaluated than the limit allows — with no in-process guard in
// the way, so this holds for several processes or nodes sharing the database as well. On PostgreSQL the requests
// really run in parallel (a pool of connections).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { totpCode } from '../helpers/totp.js';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const BURST = 200;

/** Six-digit codes that are not valid for the secret within ±1 step of `now` (the server's window). */
function wrongTotpCodes(secret: string, now: number, n: number): string[] {
  const valid = new Set([-1, 0, 1].map((s) => totpCode(secret, { now, stepsAhead: s })));
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const c = String(100_000 + i * 7919)
      .slice(-6)
      .padStart(6, '0');
    if (!valid.has(c)) out.push(c);
  }
  return out;
}

/** The wrong guesses with the right one in the middle, all sent at once. */
function burstWith<T>(wrong: T[], right: T): T[] {
  const all = [...wrong];
  all.splice(Math.floor(wrong.length / 2), 0, right);
  return all;
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`parallel bursts on ${backend}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend, config: { securityQuestions: true, securityQuestionCount: 2 } });
    });
    after(async () => {
      await t.close();
    });

    async function signedUp(email: string): Promise<TestClient> {
      const c = t.client();
      assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
      return c;
    }

    async function enrolled(email: string): Promise<{ c: TestClient; secret: string; recoveryCodes: string[] }> {
      const c = await signedUp(email);
      const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(confirm.statusCode, 200, confirm.body);
      t.clock.advance(30_000);
      return { c, secret, recoveryCodes: (confirm.json() as { recoveryCodes: string[] }).recoveryCodes };
    }

    async function events(email: string, type: string): Promise<number> {
      const account = await t.store.accounts.findAccountByEmail(email);
      return t.store.events.countEvents(account!.id, type as never, { since: 0 });
    }

    const succeeded = (all: LightMyRequestResponse[], status: number): number => all.filter((r) => r.statusCode === status).length;

    it('second step of sign-in: 200 wrong codes and the right one at once — at most 5 are evaluated, the right one is not accepted past them', async () => {
      const email = `burst-2fa-${randomUUID().slice(0, 8)}@example.org`;
      const { secret } = await enrolled(email);
      const { flowId } = (await t.client().signIn(email, PASSWORD)).json() as { flowId: string };
      const codes = burstWith(wrongTotpCodes(secret, t.clock.now(), BURST), totpCode(secret, { now: t.clock.now() }));
      const c = t.client();
      const all = await Promise.all(codes.map((code) => c.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code })));
      const failed = await events(email, 'second_factor.failed');
      const accepted = succeeded(all, 201);
      assert.ok(failed + accepted <= 5, `evaluated ${failed} wrong + ${accepted} right guesses; the flow allows 5`);
      assert.equal(all.filter((r) => r.statusCode >= 500).length, 0);
    });

    it('recovery codes at the second step: a burst of wrong ones and the right one evaluates at most 5', async () => {
      const email = `burst-rc-${randomUUID().slice(0, 8)}@example.org`;
      const { recoveryCodes } = await enrolled(email);
      const { flowId } = (await t.client().signIn(email, PASSWORD)).json() as { flowId: string };
      const wrong = Array.from({ length: BURST }, (_, i) => `zzzz-zzzz-zzzz-${String(i).padStart(4, '2').replace(/[01]/g, 'a')}`);
      const c = t.client();
      const all = await Promise.all(
        burstWith(wrong, recoveryCodes[0]!).map((code) => c.post('/api/v1/sessions/second-factor', { flowId, method: 'recovery_code', code })),
      );
      const failed = await events(email, 'second_factor.failed');
      const accepted = succeeded(all, 201);
      assert.ok(failed + accepted <= 5, `evaluated ${failed} wrong + ${accepted} right codes; the flow allows 5`);
    });

    it('step-up with a code: a burst of wrong codes and the right one evaluates at most the account’s 10', async () => {
      const email = `burst-stepup-${randomUUID().slice(0, 8)}@example.org`;
      const { c, secret } = await enrolled(email);
      const codes = burstWith(wrongTotpCodes(secret, t.clock.now(), BURST), totpCode(secret, { now: t.clock.now() }));
      const all = await Promise.all(codes.map((code) => c.post('/api/v1/session/reauthenticate', { method: 'totp', code })));
      const failed = await events(email, 'reauth.second_factor_failed');
      const accepted = succeeded(all, 200);
      assert.ok(failed + accepted <= 10, `evaluated ${failed} wrong + ${accepted} right codes; the account allows 10`);
      assert.equal(all.filter((r) => r.statusCode >= 500).length, 0);
    });

    it('step-up with the password: a burst of wrong passwords and the right one evaluates at most 5', async () => {
      const email = `burst-pw-${randomUUID().slice(0, 8)}@example.org`;
      const c = await signedUp(email);
      const passwords = burstWith(
        Array.from({ length: BURST }, (_, i) => `wrong password number ${i}`),
        PASSWORD,
      );
      const all = await Promise.all(passwords.map((password) => c.post('/api/v1/session/reauthenticate', { method: 'password', password })));
      const failed = await events(email, 'reauth.failed');
      const accepted = succeeded(all, 200);
      assert.ok(failed + accepted <= 5, `evaluated ${failed} wrong + ${accepted} right passwords; the account allows 5`);
    });

    it('recovery-address code: a burst of wrong codes and the right one — at most 5 are evaluated and the right one, sent after them, is refused', async () => {
      const email = `burst-backup-${randomUUID().slice(0, 8)}@example.org`;
      const c = await signedUp(email);
      const backup = `backup-${randomUUID().slice(0, 8)}@example.net`;
      assert.equal((await c.post('/api/v1/security/recovery-email', { currentPassword: PASSWORD, email: backup })).statusCode, 202);
      const account = await t.store.accounts.findAccountByEmail(email);
      const mail = (await t.store.outbox.listMessages({ limit: 20, accountId: account!.id })).find((m) => m.template === 'recovery-email-verification');
      // Not the random digits of an address (name-12345678@…), which a bare \b\d{8}\b also matched.
      const code = /(?<![\w-])(\d{8})(?![\w@])/.exec(mail?.text ?? '')?.[1];
      assert.ok(code);
      const wrong = Array.from({ length: BURST }, (_, i) => String(10_000_000 + i * 7)).filter((x) => x !== code);
      const all = await Promise.all(burstWith(wrong, code).map((x) => c.post('/api/v1/security/recovery-email/verify', { code: x })));
      assert.equal(succeeded(all, 200), 0, 'the right code came after more than 5 wrong ones');
      assert.equal((await t.store.mailPreferences.getMailPreferences(account!.id)).recoveryEmail, null);
      assert.ok(all.every((r) => errorCode(r) === 'VERIFICATION_CODE_INVALID'));
    });

    it('security answers in a reset: a burst of wrong answers and the right ones evaluates at most 5', async () => {
      const email = `burst-sq-${randomUUID().slice(0, 8)}@example.org`;
      const c = await signedUp(email);
      const answers = [
        { questionId: 'first-concert', answer: 'Blur, Brixton 1995' },
        { questionId: 'first-car', answer: 'Ford Fiesta' },
      ];
      assert.equal((await c.put('/api/v1/security-questions', { currentPassword: PASSWORD, answers })).statusCode, 200);
      const account = await t.store.accounts.findAccountByEmail(email);
      assert.equal((await t.client().post('/api/v1/password/reset', { email })).statusCode, 202);
      await t.app.deps.background!.idle();
      const mail = (await t.store.outbox.listMessages({ limit: 20, accountId: account!.id })).find((m) => m.template === 'password-reset-requested');
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      const { flowId } = (await t.client().post('/api/v1/password/reset/verify', { token })).json() as { flowId: string };
      const wrong = Array.from({ length: 60 }, (_, i) => [answers[0]!, { questionId: 'first-car', answer: `Ford Model ${i}` }]);
      const r = t.client();
      const all = await Promise.all(burstWith(wrong, answers).map((a) => r.post('/api/v1/password/reset/security-questions', { flowId, answers: a })));
      const failed = await events(email, 'password.reset_method_failed');
      const accepted = succeeded(all, 200);
      assert.ok(failed + accepted <= 5, `evaluated ${failed} wrong + ${accepted} right tries; the flow allows 5`);
    });
  });
}
