// The OpenAPI document proven by a real generated client: the main journeys driven through openapi-fetch, typed by
// the types openapi-typescript generated from the document (test/generated/api.d.ts), over HTTP to a server
// listening on 127.0.0.1, on SQLite and PostgreSQL. Paths, bodies, answers and error shapes all come from the
// document: a route that drifts from it fails to type-check here or answers something the client did not expect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startListeningTestApp, type ApiClient, type ListeningTestApp } from '../helpers/api-client.js';
import { NEW_PASSWORD, PASSWORD } from '../helpers/app.js';

const THIRD_PASSWORD = 'yet another long passphrase for the reset';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`the generated client (openapi-typescript + openapi-fetch) on a listening server, ${backend}`, () => {
    let t: ListeningTestApp;
    before(async () => {
      t = await startListeningTestApp({ backend });
    });
    after(async () => {
      await t?.close();
    });

    async function sessionStatus(api: ApiClient): Promise<number> {
      const { response } = await api.GET('/api/v1/session');
      return response.status;
    }

    /** The newest reset email's link token and code, read through the dev mailbox (also an operation of the document). */
    async function resetSecrets(api: ApiClient, email: string): Promise<{ token: string; code: string }> {
      await t.app.deps.background!.idle();
      const { data, error } = await api.GET('/api/v1/dev/mailbox', { params: { query: { to: email, limit: 10 } } });
      assert.equal(error, undefined);
      const mail = data!.messages.find((m) => m.template === 'password-reset-requested');
      assert.ok(mail, 'a reset email is in the dev mailbox');
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
      assert.ok(token && code, 'the email carries a link and an 8-digit code');
      return { token, code };
    }

    it('sign up, session check, sign out, sign in, change password (other device signed out), reset by link and by code, sign out', async () => {
      const email = `journey-${backend}@example.org`;
      const laptop = t.api();
      const phone = t.api({
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      });

      // createAccount: self-service sign-up answers 202 and emails a link; verifyAccountEmail makes the account and signs in.
      const requested = await laptop.POST('/api/v1/accounts', { body: { email, password: PASSWORD, displayName: 'Ada Journey' } });
      assert.equal(requested.response.status, 202, JSON.stringify(requested.error));
      await t.app.deps.background!.idle();
      const { data: box } = await laptop.GET('/api/v1/dev/mailbox', { params: { query: { to: email, limit: 10 } } });
      const confirmation = box!.messages.find((m) => m.template === 'sign-up-confirmation');
      const token = confirmation ? /\/sign-up\/verify\?token=([A-Za-z0-9_-]+)/.exec(confirmation.text)?.[1] : undefined;
      assert.ok(token, 'the confirmation email is in the dev mailbox with its link');
      const signUp = await laptop.POST('/api/v1/accounts/verify', { body: { token } });
      assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
      assert.equal(signUp.data?.account.email, email);
      assert.equal(signUp.data?.account.displayName, 'Ada Journey');

      // getSession
      const me = await laptop.GET('/api/v1/session');
      assert.equal(me.response.status, 200);
      assert.equal(me.data?.account.email, email);
      assert.equal(me.data?.session.current, true);

      // signOut, then the session check answers 401 with the documented error shape.
      const out = await laptop.DELETE('/api/v1/session');
      assert.equal(out.response.status, 204);
      const gone = await laptop.GET('/api/v1/session');
      assert.equal(gone.response.status, 401);
      assert.equal(gone.error?.error.code, 'AUTHENTICATION_REQUIRED');

      // signIn on two devices; a wrong password is 401 INVALID_CREDENTIALS.
      const wrong = await laptop.POST('/api/v1/sessions', { body: { email, password: 'not the password at all' } });
      assert.equal(wrong.response.status, 401);
      assert.equal(wrong.error?.error.code, 'INVALID_CREDENTIALS');
      for (const device of [laptop, phone]) {
        const signIn = await device.POST('/api/v1/sessions', { body: { email, password: PASSWORD } });
        assert.equal(signIn.response.status, 201, JSON.stringify(signIn.error));
        assert.ok(signIn.data && 'account' in signIn.data, 'a completed sign-in (no second factor on this account)');
        assert.equal(signIn.data.account.email, email);
        assert.equal(await sessionStatus(device), 200);
      }
      const devices = await laptop.GET('/api/v1/sessions');
      assert.equal(devices.data?.sessions.length, 2);

      // changePassword: this session is rotated (a new cookie), the other device is signed out.
      const before = [...laptop.cookies.values()].join();
      const change = await laptop.POST('/api/v1/password/change', { body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
      assert.equal(change.response.status, 200, JSON.stringify(change.error));
      assert.equal(change.data?.signedOutSessions, 1);
      assert.notEqual([...laptop.cookies.values()].join(), before, 'the session cookie was replaced');
      assert.equal(await sessionStatus(laptop), 200);
      assert.equal(await sessionStatus(phone), 401);
      const old = await phone.POST('/api/v1/sessions', { body: { email, password: PASSWORD } });
      assert.equal(old.error?.error.code, 'INVALID_CREDENTIALS', 'the old password no longer signs in');

      // requestPasswordReset → verifyPasswordReset (the link's token) → completePasswordReset.
      const stranger = t.api();
      const ask = await stranger.POST('/api/v1/password/reset', { body: { email } });
      assert.equal(ask.response.status, 202);
      assert.equal(ask.data?.status, 'accepted');
      const byLink = await resetSecrets(stranger, email);
      const verified = await stranger.POST('/api/v1/password/reset/verify', { body: { token: byLink.token } });
      assert.equal(verified.response.status, 200, JSON.stringify(verified.error));
      assert.deepEqual(verified.data?.requires, [], 'the email proof suffices for this account');
      const replay = await stranger.POST('/api/v1/password/reset/verify', { body: { token: byLink.token } });
      assert.equal(replay.error?.error.code, 'RESET_LINK_INVALID', 'a link works once');
      const complete = await stranger.POST('/api/v1/password/reset/complete', { body: { flowId: verified.data!.flowId, newPassword: THIRD_PASSWORD } });
      assert.equal(complete.response.status, 200, JSON.stringify(complete.error));
      assert.equal(complete.data?.status, 'password-changed');
      assert.equal(await sessionStatus(laptop), 401, 'a reset signs out every session');

      // The same by the emailed code (verifyPasswordReset with {email, code}), back to the first new password's successor.
      t.clock.advance(1000);
      await stranger.POST('/api/v1/password/reset', { body: { email } });
      const byCode = await resetSecrets(stranger, email);
      assert.notEqual(byCode.token, byLink.token, 'the newest email');
      const viaCode = await stranger.POST('/api/v1/password/reset/verify', { body: { email, code: byCode.code } });
      assert.equal(viaCode.response.status, 200, JSON.stringify(viaCode.error));
      const reused = await stranger.POST('/api/v1/password/reset/complete', { body: { flowId: viaCode.data!.flowId, newPassword: THIRD_PASSWORD } });
      assert.equal(reused.response.status, 400, 'the current password is refused as the new one');
      assert.match(reused.error?.error.code ?? '', /^PASSWORD_/);
      const done = await stranger.POST('/api/v1/password/reset/complete', { body: { flowId: viaCode.data!.flowId, newPassword: `${THIRD_PASSWORD} again` } });
      assert.equal(done.response.status, 200, JSON.stringify(done.error));

      // signIn with the new password, signOut.
      const back = await laptop.POST('/api/v1/sessions', { body: { email, password: `${THIRD_PASSWORD} again` } });
      assert.equal(back.response.status, 201, JSON.stringify(back.error));
      assert.equal(await sessionStatus(laptop), 200);
      assert.equal((await laptop.DELETE('/api/v1/session')).response.status, 204);
      assert.equal(await sessionStatus(laptop), 401);
    });

    it('a request the schema refuses answers 400 with the documented error body', async () => {
      const api = t.api();
      // The document says additionalProperties: false; the server refuses the unknown field with its error body.
      const body = { email: 'a@example.org', password: 'x', extra: true };
      const { response, error } = await api.POST('/api/v1/sessions', { body });
      assert.equal(response.status, 400);
      assert.equal(typeof error?.error.code, 'string');
      assert.equal(typeof error?.error.message, 'string');
    });
  });
}
