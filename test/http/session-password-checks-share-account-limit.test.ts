// Review finding (issue 11 item 7 follow-up): every wrong password checked against an account counts in the one
// per-account consecutive-failure count that sign-in uses (NIST SP 800-63B-4 §3.2.2: at most 100), whichever door
// it comes through: sign-in, step-up (POST /api/v1/session/reauthenticate), change password, and the forms that ask
// for the current password. At the limit the guessing session is ended and the owner told once. Over HTTP on
// SQLite and PostgreSQL. The first test is the reviewer's (test/review/stolen-session-password-guessing.test.ts on
// branch review); adapted only in what counts as "evaluated": a CURRENT_PASSWORD_INCORRECT answer (after the lock the
// ended session gets 401 AUTHENTICATION_REQUIRED, which the original counted too), and asserting the lock's effects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';

async function lockNotices(t: TestApp, email: string): Promise<number> {
  await t.app.deps.background!.idle();
  const account = await t.store.accounts.findAccountByEmail(email);
  return (await t.store.outbox.listMessages({ accountId: account!.id, limit: 500 })).filter((m) => m.template === 'account-locked').length;
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`password checks by a signed-in session share the account's limit (${backend})`, () => {
    test('a stolen session gets no more wrong current-password guesses evaluated than the per-account limit, is ended at the lock, and the owner is told once', async () => {
      const t = await startTestApp({ backend, config: { signInAccountLimit: 100 } });
      try {
        const owner = t.client();
        assert.equal((await owner.signUp('victim@example.org', PASSWORD)).statusCode, 201);
        // The thief has the session cookie only (malware, a shared computer), not the password.
        const thief = t.client();
        for (const [k, v] of owner.cookies) thief.cookies.set(k, v);
        let evaluated = 0;
        let n = 0;
        for (let round = 0; round < 12; round++) {
          for (let i = 0; i < 6; i++) {
            const ip = `198.51.100.${++n % 250}`;
            const a = await thief.post('/api/v1/session/reauthenticate', { method: 'password', password: `guess ${n}a` }, { remoteAddress: ip });
            if (errorCode(a) === 'CURRENT_PASSWORD_INCORRECT') evaluated++;
            else assert.ok([401, 429].includes(a.statusCode), a.body);
            const b = await thief.post(
              '/api/v1/password/change',
              { currentPassword: `guess ${n}b`, newPassword: 'an entirely new passphrase here', signOutOtherSessions: false },
              { remoteAddress: ip },
            );
            if (errorCode(b) === 'CURRENT_PASSWORD_INCORRECT') evaluated++;
            else assert.ok([401, 429].includes(b.statusCode), b.body);
          }
          t.clock.advance(15 * 60_000 + 1);
        }
        assert.ok(evaluated <= 100, `${evaluated} wrong passwords evaluated in 3 hours through one session; the account limit is 100 for ever (until reset)`);
        assert.equal(evaluated, 100, 'the per-purpose budgets let the guesses reach the limit, and no further');
        const after = await thief.get('/api/v1/session');
        assert.equal(after.statusCode, 401, 'the guessing session was ended at the lock');
        assert.equal(
          errorCode(await t.client().signIn('victim@example.org', PASSWORD)),
          'SIGN_IN_THROTTLED',
          'sign-in without a trusted browser is locked too',
        );
        assert.equal(await lockNotices(t, 'victim@example.org'), 1, 'the owner is told once');
      } finally {
        await t.close();
      }
    });

    test('wrong passwords at sign-in and in a session add up; another session at the locked account is refused without its password evaluated, and stays signed in', async () => {
      const t = await startTestApp({ backend, config: { signInAccountLimit: 3, signInDelayFrom: 100 } });
      try {
        const owner = t.client();
        assert.equal((await owner.signUp('victim@example.org', PASSWORD)).statusCode, 201);
        const other = t.client();
        assert.equal((await other.signIn('victim@example.org', PASSWORD)).statusCode, 201);
        assert.equal((await t.client().signIn('victim@example.org', 'stranger guess 1')).statusCode, 401);
        assert.equal((await t.client().signIn('victim@example.org', 'stranger guess 2')).statusCode, 401);
        const third = await owner.post('/api/v1/session/reauthenticate', { method: 'password', password: 'wrong 3' });
        assert.equal(errorCode(third), 'CURRENT_PASSWORD_INCORRECT', 'the third failure, evaluated');
        assert.equal((await owner.get('/api/v1/session')).statusCode, 401, 'the session whose guess reached the limit is ended');
        assert.equal(errorCode(await t.client().signIn('victim@example.org', PASSWORD)), 'SIGN_IN_THROTTLED', 'the account is locked for sign-in');
        // Another session of the account is not evaluated at the lock. It made no wrong guess, so it is not ended:
        // otherwise strangers who lock the account would sign the owner out at every password prompt.
        const locked = await other.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: 'an entirely new passphrase here' });
        assert.equal(locked.statusCode, 429, locked.body);
        assert.equal(errorCode(locked), 'SIGN_IN_THROTTLED');
        assert.equal((await other.get('/api/v1/session')).statusCode, 200, 'the session that guessed nothing stays');
        assert.equal(
          (await t.client().signIn('victim@example.org', 'an entirely new passphrase here')).statusCode === 201,
          false,
          'and the password did not change',
        );
        assert.equal(await lockNotices(t, 'victim@example.org'), 1, 'one notice for the lockout');
      } finally {
        await t.close();
      }
    });

    test('a right current password ends the run of failures, as a right sign-in does', async () => {
      const t = await startTestApp({ backend, config: { signInAccountLimit: 3, signInDelayFrom: 100 } });
      try {
        const owner = t.client();
        assert.equal((await owner.signUp('victim@example.org', PASSWORD)).statusCode, 201);
        assert.equal((await t.client().signIn('victim@example.org', 'stranger guess 1')).statusCode, 401);
        assert.equal(errorCode(await owner.post('/api/v1/session/reauthenticate', { method: 'password', password: 'typo' })), 'CURRENT_PASSWORD_INCORRECT');
        assert.equal((await owner.post('/api/v1/session/reauthenticate', { method: 'password', password: PASSWORD })).statusCode, 200);
        for (let i = 0; i < 2; i++) assert.equal((await t.client().signIn('victim@example.org', `stranger guess ${i + 2}`)).statusCode, 401);
        assert.equal((await t.client().signIn('victim@example.org', PASSWORD)).statusCode, 201, 'two failures since the right password: not locked');
        assert.equal((await owner.get('/api/v1/session')).statusCode, 200);
      } finally {
        await t.close();
      }
    });
  });
}
