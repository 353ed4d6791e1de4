// Passkeys through HTTP with real WebAuthn responses (test/helpers/webauthn.ts builds them with node:crypto):
// registration and its edge cases, the passkey as second factor, passwordless sign-in, rename and removal,
// and a password reset proven with a passkey.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestClient, type TestApp } from '../helpers/app.js';
import { otherKey, SoftAuthenticator } from '../helpers/webauthn.js';
import { totpCode } from '../helpers/totp.js';
import { PASSKEY_CHALLENGE_TTL_MS } from '../../src/flows/passkeys.js';
import { REPORTED_REASON } from '../../src/flows/not-me.js';

const RP_ID = '127.0.0.1';
const ORIGIN = 'http://127.0.0.1:8080';

describe('passkeys', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const authenticator = (o: { transports?: string[] } = {}): SoftAuthenticator => new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ...o });

  async function signedUp(email: string): Promise<TestClient> {
    const c = t.client();
    assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
    return c;
  }

  async function registrationOptions(
    c: TestClient,
  ): Promise<{ challenge: string; user: { id: string }; excludeCredentials?: Array<{ id: string }>; rp: { id: string } }> {
    const res = await c.post('/api/v1/passkeys/registration/options', {});
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  /** Signs up and registers one passkey; returns the client, the authenticator and the recovery codes. */
  async function withPasskey(email: string): Promise<{ c: TestClient; a: SoftAuthenticator; recoveryCodes: string[] | null; passkeyId: string }> {
    const c = await signedUp(email);
    const a = authenticator();
    const res = await c.post('/api/v1/passkeys/registration', { response: a.register(await registrationOptions(c)) });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { passkey: { id: string }; recoveryCodes: string[] | null };
    return { c, a, recoveryCodes: body.recoveryCodes, passkeyId: body.passkey.id };
  }

  async function passwordStep(email: string): Promise<{ c: TestClient; flowId: string; methods: string[] }> {
    const c = t.client();
    const res = await c.signIn(email, PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { status: string; flowId: string; methods: string[] };
    assert.equal(body.status, 'second_factor_required');
    return { c, flowId: body.flowId, methods: body.methods };
  }

  async function secondFactorOptions(c: TestClient, flowId: string): Promise<{ challenge: string; allowCredentials: Array<{ id: string }>; rpId: string }> {
    const res = await c.post('/api/v1/passkeys/second-factor/options', { flowId });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  async function events(email: string): Promise<string[]> {
    const account = await t.store.accounts.findAccountByEmail(email);
    return (await t.store.events.listEvents(account!.id, { limit: 100 })).map((e) => e.type);
  }

  async function mails(email: string): Promise<Array<{ template: string; text: string }>> {
    const account = await t.store.accounts.findAccountByEmail(email);
    return (await t.store.outbox.listMessages({ limit: 50, accountId: account!.id })).map((m) => ({ template: m.template, text: m.text }));
  }

  describe('registration', () => {
    it('registers a passkey: the first factor gets 10 recovery codes, a default name from the device, an event and an email', async () => {
      const email = 'pk-register@example.org';
      const c = await signedUp(email);
      const options = await registrationOptions(c);
      assert.equal(options.rp.id, RP_ID, 'the RP ID comes from the configured base URL');
      const account = await t.store.accounts.findAccountByEmail(email);
      assert.equal(Buffer.from(options.user.id, 'base64url').toString('utf8'), account!.id, 'the user handle is the account id, not the email');
      const a = authenticator();
      const res = await c.post('/api/v1/passkeys/registration', { response: a.register(options) });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as { passkey: { name: string; transports: string[] }; recoveryCodes: string[] };
      assert.equal(body.recoveryCodes.length, 10);
      assert.equal(body.passkey.name, 'Passkey on Firefox on Linux');
      assert.deepEqual(body.passkey.transports, ['internal']);
      const [row] = await t.store.passkeys.listPasskeys(account!.id);
      assert.equal(row!.credentialId, a.id);
      assert.equal(row!.counter, 0);
      assert.ok(row!.publicKey.length > 40, 'the COSE public key is stored');
      assert.ok((await events(email)).includes('second_factor.added'));
      const added = (await mails(email)).find((m) => m.template === 'second-factor-added');
      assert.ok(added?.text.includes('passkey “Passkey on Firefox on Linux”'), 'the email names the passkey');
    });

    it('several passkeys per account: the second needs no new recovery codes, takes a given name, and the first is excluded in the options', async () => {
      const { c, a } = await withPasskey('pk-several@example.org');
      const options = await registrationOptions(c);
      assert.deepEqual(
        options.excludeCredentials?.map((x) => x.id),
        [a.id],
      );
      t.clock.advance(1000);
      const key = authenticator({ transports: ['usb'] });
      const res = await c.post('/api/v1/passkeys/registration', { response: key.register(options), name: '  Blue key  ' });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as { passkey: { name: string }; recoveryCodes: null };
      assert.equal(body.recoveryCodes, null);
      assert.equal(body.passkey.name, 'Blue key');
      t.clock.advance(1000);
      const third = await c.post('/api/v1/passkeys/registration', {
        response: authenticator({ transports: ['usb', 'nfc'] }).register(await registrationOptions(c)),
      });
      assert.equal((third.json() as { passkey: { name: string } }).passkey.name, 'Security key', 'a roaming key is named as one');
      const list = (await c.get('/api/v1/passkeys')).json() as { passkeys: Array<{ name: string }> };
      assert.deepEqual(
        list.passkeys.map((p) => p.name),
        ['Passkey on Firefox on Linux', 'Blue key', 'Security key'],
      );
    });

    it('a replayed registration response is refused: the challenge works once', async () => {
      const c = await signedUp('pk-replay-reg@example.org');
      const response = authenticator().register(await registrationOptions(c));
      assert.equal((await c.post('/api/v1/passkeys/registration', { response })).statusCode, 201);
      const again = await c.post('/api/v1/passkeys/registration', { response });
      assert.equal(again.statusCode, 400);
      assert.equal(errorCode(again), 'PASSKEY_CHALLENGE_INVALID');
    });

    it('a challenge the server never issued is refused', async () => {
      const c = await signedUp('pk-made-up@example.org');
      await registrationOptions(c);
      const res = await c.post('/api/v1/passkeys/registration', {
        response: authenticator().register({ challenge: Buffer.alloc(32, 7).toString('base64url') }),
      });
      assert.equal(errorCode(res), 'PASSKEY_CHALLENGE_INVALID');
    });

    it('a wrong origin is refused, and the challenge is used up by the try', async () => {
      const c = await signedUp('pk-origin@example.org');
      const options = await registrationOptions(c);
      const a = authenticator();
      const res = await c.post('/api/v1/passkeys/registration', { response: a.register(options, { origin: 'https://evil.example' }) });
      assert.equal(res.statusCode, 400);
      assert.equal(errorCode(res), 'PASSKEY_REGISTRATION_FAILED');
      const retry = await c.post('/api/v1/passkeys/registration', { response: a.register(options) });
      assert.equal(errorCode(retry), 'PASSKEY_CHALLENGE_INVALID');
      assert.equal((await c.get('/api/v1/passkeys')).json().passkeys.length, 0);
    });

    it('a wrong RP ID, a get() answer in place of a create(), or no user presence are refused', async () => {
      const c = await signedUp('pk-rp@example.org');
      for (const o of [{ rpId: 'evil.example' }, { type: 'webauthn.get' }, { userPresent: false }]) {
        const res = await c.post('/api/v1/passkeys/registration', { response: authenticator().register(await registrationOptions(c), o) });
        assert.equal(errorCode(res), 'PASSKEY_REGISTRATION_FAILED', JSON.stringify(o));
      }
    });

    it('a challenge issued to another account (or another session) cannot register a passkey here', async () => {
      const victim = await signedUp('pk-victim@example.org');
      const attacker = await signedUp('pk-attacker@example.org');
      const options = await registrationOptions(attacker);
      const res = await victim.post('/api/v1/passkeys/registration', { response: authenticator().register(options) });
      assert.equal(errorCode(res), 'PASSKEY_CHALLENGE_INVALID');
      const sameAccountOtherDevice = t.client();
      assert.equal((await sameAccountOtherDevice.signIn('pk-attacker@example.org', PASSWORD)).statusCode, 201);
      const other = await sameAccountOtherDevice.post('/api/v1/passkeys/registration', {
        response: authenticator().register(await registrationOptions(attacker)),
      });
      assert.equal(errorCode(other), 'PASSKEY_CHALLENGE_INVALID');
    });

    it('an expired challenge is refused', async () => {
      const c = await signedUp('pk-expired@example.org');
      const options = await registrationOptions(c);
      t.clock.advance(PASSKEY_CHALLENGE_TTL_MS + 1);
      const res = await c.post('/api/v1/passkeys/registration', { response: authenticator().register(options) });
      assert.equal(errorCode(res), 'PASSKEY_CHALLENGE_INVALID');
    });

    it('the same credential cannot be registered twice (to this or another account)', async () => {
      const { a } = await withPasskey('pk-dup-1@example.org');
      const other = await signedUp('pk-dup-2@example.org');
      const res = await other.post('/api/v1/passkeys/registration', { response: a.register(await registrationOptions(other)) });
      assert.equal(res.statusCode, 409);
      assert.equal(errorCode(res), 'PASSKEY_ALREADY_REGISTERED');
    });

    it('needs a session, and malformed responses get 400, never 500', async () => {
      assert.equal((await t.client().post('/api/v1/passkeys/registration/options', {})).statusCode, 401);
      const c = await signedUp('pk-malformed@example.org');
      const good = authenticator().register(await registrationOptions(c));
      const bad = [
        { response: { ...good, extra: 1 } },
        { response: { ...good, type: 'password' } },
        { response: { ...good, response: { ...good.response, attestationObject: 'not base64url!' } } },
        { response: { ...good, response: { ...good.response, clientDataJSON: Buffer.from('{"challenge":').toString('base64url') } } },
        { response: { ...good, response: { ...good.response, attestationObject: Buffer.from('garbage').toString('base64url') } } },
      ];
      for (const body of bad) {
        const res = await c.post('/api/v1/passkeys/registration', body);
        assert.equal(res.statusCode, 400, res.body);
      }
    });
  });

  describe('second factor after the password', () => {
    it('sign-in lists "passkey" among the methods, and a passkey assertion issues the session', async () => {
      const email = 'pk-2fa@example.org';
      const { a } = await withPasskey(email);
      const { c, flowId, methods } = await passwordStep(email);
      assert.deepEqual(methods, ['passkey', 'recovery_code']);
      assert.equal(c.sessionCookie(), undefined, 'no session before the second factor');
      const options = await secondFactorOptions(c, flowId);
      assert.deepEqual(
        options.allowCredentials.map((x) => x.id),
        [a.id],
      );
      const res = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response: a.assert(options) });
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(c.sessionCookie());
      const account = await t.store.accounts.findAccountByEmail(email);
      const [row] = await t.store.passkeys.listPasskeys(account!.id);
      assert.equal(row!.counter, 1);
      assert.equal(row!.lastUsedAt, t.clock.now());
    });

    it('a replayed assertion is refused: the challenge was used, and a new flow has its own', async () => {
      const email = 'pk-2fa-replay@example.org';
      const { a } = await withPasskey(email);
      const first = await passwordStep(email);
      const response = a.assert(await secondFactorOptions(first.c, first.flowId));
      assert.equal((await first.c.post('/api/v1/sessions/second-factor', { flowId: first.flowId, method: 'passkey', response })).statusCode, 201);
      const second = await passwordStep(email);
      await secondFactorOptions(second.c, second.flowId);
      const replay = await second.c.post('/api/v1/sessions/second-factor', { flowId: second.flowId, method: 'passkey', response });
      assert.equal(replay.statusCode, 400);
      assert.equal(errorCode(replay), 'PASSKEY_INVALID');
    });

    it('a challenge issued for another pending sign-in does not complete this one', async () => {
      const email = 'pk-2fa-binding@example.org';
      const { a } = await withPasskey(email);
      const one = await passwordStep(email);
      const two = await passwordStep(email);
      const optionsForOne = await secondFactorOptions(one.c, one.flowId);
      const res = await two.c.post('/api/v1/sessions/second-factor', { flowId: two.flowId, method: 'passkey', response: a.assert(optionsForOne) });
      assert.equal(errorCode(res), 'PASSKEY_INVALID');
      assert.equal(two.c.sessionCookie(), undefined);
    });

    it('wrong origin, wrong RP ID, a forged signature or a wrong ceremony type are refused', async () => {
      const email = 'pk-2fa-forged@example.org';
      const { a } = await withPasskey(email);
      for (const o of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { signingKey: otherKey() }, { type: 'webauthn.create' }]) {
        const { c, flowId } = await passwordStep(email);
        const res = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response: a.assert(await secondFactorOptions(c, flowId), o) });
        assert.equal(errorCode(res), 'PASSKEY_INVALID', JSON.stringify(Object.keys(o)));
        assert.equal(c.sessionCookie(), undefined);
      }
    });

    it('another account’s passkey does not complete this account’s sign-in', async () => {
      await withPasskey('pk-2fa-mine@example.org');
      const { a: theirs } = await withPasskey('pk-2fa-theirs@example.org');
      const { c, flowId } = await passwordStep('pk-2fa-mine@example.org');
      const res = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response: theirs.assert(await secondFactorOptions(c, flowId)) });
      assert.equal(errorCode(res), 'PASSKEY_INVALID');
    });

    it('a signature counter that goes back is refused and recorded (a cloned authenticator)', async () => {
      const email = 'pk-2fa-counter@example.org';
      const { a } = await withPasskey(email);
      const one = await passwordStep(email);
      assert.equal(
        (
          await one.c.post('/api/v1/sessions/second-factor', {
            flowId: one.flowId,
            method: 'passkey',
            response: a.assert(await secondFactorOptions(one.c, one.flowId), { counter: 5 }),
          })
        ).statusCode,
        201,
      );
      const two = await passwordStep(email);
      const res = await two.c.post('/api/v1/sessions/second-factor', {
        flowId: two.flowId,
        method: 'passkey',
        response: a.assert(await secondFactorOptions(two.c, two.flowId), { counter: 5 }),
      });
      assert.equal(errorCode(res), 'PASSKEY_INVALID');
      assert.ok((await events(email)).includes('passkey.counter_regressed'));
      const three = await passwordStep(email);
      assert.equal(
        (
          await three.c.post('/api/v1/sessions/second-factor', {
            flowId: three.flowId,
            method: 'passkey',
            response: a.assert(await secondFactorOptions(three.c, three.flowId), { counter: 6 }),
          })
        ).statusCode,
        201,
      );
    });

    it('passkey failures count like wrong codes: 5 end the pending sign-in', async () => {
      const email = 'pk-2fa-limit@example.org';
      const { a } = await withPasskey(email);
      const { c, flowId } = await passwordStep(email);
      for (let i = 0; i < 4; i++) {
        const res = await c.post('/api/v1/sessions/second-factor', {
          flowId,
          method: 'passkey',
          response: a.assert(await secondFactorOptions(c, flowId), { signingKey: otherKey() }),
        });
        assert.equal(errorCode(res), 'PASSKEY_INVALID');
        assert.equal((res.json() as { error: { details: { attemptsLeft: number } } }).error.details.attemptsLeft, 4 - i);
      }
      const last = await c.post('/api/v1/sessions/second-factor', {
        flowId,
        method: 'passkey',
        response: a.assert(await secondFactorOptions(c, flowId), { signingKey: otherKey() }),
      });
      assert.equal(errorCode(last), 'SECOND_FACTOR_FLOW_INVALID');
      assert.equal(errorCode(await c.post('/api/v1/passkeys/second-factor/options', { flowId })), 'SECOND_FACTOR_FLOW_INVALID');
    });

    it('passkey and authenticator-code failures share the account’s budget', async () => {
      const email = 'pk-2fa-budget@example.org';
      const { c: owner, a } = await withPasskey(email);
      const start = await owner.post('/api/v1/2fa/totp', {});
      const { secret } = start.json() as { secret: string };
      assert.equal((await owner.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
      t.clock.advance(30_000);
      for (let round = 0; round < 2; round++) {
        const { c, flowId, methods } = await passwordStep(email);
        assert.deepEqual(methods, ['totp', 'passkey', 'recovery_code']);
        for (let i = 0; i < 5; i++) {
          const res =
            i % 2 === 0
              ? await c.post('/api/v1/sessions/second-factor', {
                  flowId,
                  method: 'passkey',
                  response: a.assert(await secondFactorOptions(c, flowId), { signingKey: otherKey() }),
                })
              : await c.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: '000000' });
          assert.notEqual(res.statusCode, 201);
        }
      }
      const { c, flowId } = await passwordStep(email);
      const res = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response: a.assert(await secondFactorOptions(c, flowId)) });
      assert.equal(res.statusCode, 429, 'even the right passkey waits once the account’s budget is spent');
    });

    it('options need a live pending sign-in of an account with a passkey', async () => {
      const c = t.client();
      assert.equal(errorCode(await c.post('/api/v1/passkeys/second-factor/options', { flowId: 'x'.repeat(43) })), 'SECOND_FACTOR_FLOW_INVALID');
      const email = 'pk-2fa-totp-only@example.org';
      const owner = await signedUp(email);
      const { secret } = (await owner.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      assert.equal((await owner.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
      const step = await passwordStep(email);
      assert.deepEqual(step.methods, ['totp', 'recovery_code'], 'no passkey offered to an account without one');
      const res = await step.c.post('/api/v1/passkeys/second-factor/options', { flowId: step.flowId });
      assert.equal(res.statusCode, 404);
      assert.equal(errorCode(res), 'PASSKEY_NOT_FOUND');
    });
  });

  describe('passwordless sign-in', () => {
    async function passwordlessOptions(c: TestClient): Promise<{ challenge: string; allowCredentials?: unknown[]; userVerification: string }> {
      const res = await c.post('/api/v1/passkeys/sign-in/options', {});
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    it('signs in with a discoverable passkey: no email, no password; the person is verified by the authenticator', async () => {
      const email = 'pk-passwordless@example.org';
      const { a } = await withPasskey(email);
      const c = t.client();
      const options = await passwordlessOptions(c);
      assert.equal(options.allowCredentials, undefined, 'no account is named: the person picks a passkey');
      assert.equal(options.userVerification, 'required');
      const res = await c.post('/api/v1/passkeys/sign-in', { response: a.assert(options) });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal((res.json() as { account: { email: string } }).account.email, email);
      assert.ok(c.sessionCookie());
      assert.equal((await c.get('/api/v1/session')).statusCode, 200);
    });

    it('refuses without user verification, with a wrong user handle, a replayed challenge, or an unknown passkey — all alike', async () => {
      const { a } = await withPasskey('pk-passwordless-refused@example.org');
      const c = t.client();
      const tries = [
        a.assert(await passwordlessOptions(c), { userVerified: false }),
        a.assert(await passwordlessOptions(c), { userHandle: Buffer.from('someone-else').toString('base64url') }),
        authenticator().assert(await passwordlessOptions(c)),
      ];
      const used = await passwordlessOptions(c);
      assert.equal((await c.post('/api/v1/passkeys/sign-in', { response: a.assert(used) })).statusCode, 201);
      tries.push(a.assert(used));
      const bodies = new Set<string>();
      for (const response of tries) {
        const res = await t.client().post('/api/v1/passkeys/sign-in', { response });
        assert.equal(res.statusCode, 401);
        assert.equal(errorCode(res), 'PASSKEY_SIGN_IN_FAILED');
        bodies.add(res.body);
      }
      assert.equal(bodies.size, 1, 'every refusal looks the same');
    });

    it('failed passkey sign-ins count against the IP: over the limit no more challenges are issued (429)', async () => {
      const limited = await startTestApp({ config: { signInMaxFailuresPerIp: 3 } });
      try {
        const c = limited.client();
        const stranger = authenticator();
        for (let i = 0; i < 3; i++) {
          const options = (await c.post('/api/v1/passkeys/sign-in/options', {})).json() as { challenge: string };
          assert.equal((await c.post('/api/v1/passkeys/sign-in', { response: stranger.assert(options) })).statusCode, 401);
        }
        const res = await c.post('/api/v1/passkeys/sign-in/options', {});
        assert.equal(res.statusCode, 429);
        assert.equal(errorCode(res), 'TOO_MANY_REQUESTS');
      } finally {
        await limited.close();
      }
    });

    it('asking for passwordless options is limited per IP even without failures (each writes a challenge row)', async () => {
      const t2 = await startTestApp();
      try {
        const c = t2.client();
        for (let i = 0; i < 60; i++) assert.equal((await c.post('/api/v1/passkeys/sign-in/options', {})).statusCode, 200, `request ${i + 1}`);
        assert.equal(errorCode(await c.post('/api/v1/passkeys/sign-in/options', {})), 'TOO_MANY_REQUESTS');
        t2.clock.advance(15 * 60_000 + 1);
        assert.equal((await c.post('/api/v1/passkeys/sign-in/options', {})).statusCode, 200, 'the window passes');
      } finally {
        await t2.close();
      }
    });

    it('a disabled account is refused exactly like an unknown passkey', async () => {
      const email = 'pk-passwordless-disabled@example.org';
      const { a } = await withPasskey(email);
      const account = await t.store.accounts.findAccountByEmail(email);
      await t.store.accounts.setStatus(account!.id, 'disabled', t.clock.now());
      const c = t.client();
      const disabled = await c.post('/api/v1/passkeys/sign-in', { response: a.assert(await passwordlessOptions(c)) });
      const unknown = await c.post('/api/v1/passkeys/sign-in', { response: authenticator().assert(await passwordlessOptions(c)) });
      assert.equal(disabled.statusCode, 401);
      assert.equal(disabled.body, unknown.body);
      assert.equal(c.sessionCookie(), undefined);
    });

    it('an account secured with "this wasn\'t me" does not sign in with a passkey until its password is reset', async () => {
      const email = 'pk-passwordless-reported@example.org';
      const { a } = await withPasskey(email);
      const account = await t.store.accounts.findAccountByEmail(email);
      await t.store.accounts.requirePasswordChange(account!.id, REPORTED_REASON, t.clock.now());
      const c = t.client();
      const res = await c.post('/api/v1/passkeys/sign-in', { response: a.assert(await passwordlessOptions(c)) });
      assert.equal(res.statusCode, 403);
      assert.equal(errorCode(res), 'ACCOUNT_REPORTED');
      assert.equal(c.sessionCookie(), undefined);
    });

    it('a challenge from a second-factor step cannot be used for a passwordless sign-in, nor the other way round', async () => {
      const email = 'pk-purpose@example.org';
      const { a } = await withPasskey(email);
      const { c, flowId } = await passwordStep(email);
      const res = await t.client().post('/api/v1/passkeys/sign-in', { response: a.assert(await secondFactorOptions(c, flowId)) });
      assert.equal(errorCode(res), 'PASSKEY_SIGN_IN_FAILED');
      const back = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response: a.assert(await passwordlessOptions(t.client())) });
      assert.equal(errorCode(back), 'PASSKEY_INVALID');
    });
  });

  describe('rename and remove', () => {
    it('renames a passkey; names are checked; another account’s passkey is not found', async () => {
      const { c, passkeyId } = await withPasskey('pk-rename@example.org');
      const res = await c.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: 'Work laptop' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { passkey: { name: string } }).passkey.name, 'Work laptop');
      assert.equal(errorCode(await c.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: '   ' } })), 'PASSKEY_NAME_INVALID');
      assert.equal(errorCode(await c.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: 'x'.repeat(65) } })), 'PASSKEY_NAME_INVALID');
      // Issue 11 item 12: format characters (a right-to-left override) are refused, as in every free-text field (they were dropped).
      const disguised = await c.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: 'Work\u202Epot\u200B laptop' } });
      assert.deepEqual([disguised.statusCode, errorCode(disguised)], [400, 'INVALID_CHARACTERS']);
      assert.equal(errorCode(await c.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: '\u202E\u200B' } })), 'INVALID_CHARACTERS');
      const other = await signedUp('pk-rename-other@example.org');
      const foreign = await other.request('PATCH', `/api/v1/passkeys/${passkeyId}`, { body: { name: 'Mine now' } });
      assert.equal(foreign.statusCode, 404);
      assert.equal(errorCode(await other.delete(`/api/v1/passkeys/${passkeyId}`, { body: { currentPassword: PASSWORD } })), 'PASSKEY_NOT_FOUND');
    });

    it('removal needs the password; the last factor takes the recovery codes with it; an email tells the person; the passkey no longer signs in', async () => {
      const email = 'pk-remove@example.org';
      const { c, a, passkeyId } = await withPasskey(email);
      assert.equal(errorCode(await c.delete(`/api/v1/passkeys/${passkeyId}`, { body: {} })), 'SECOND_FACTOR_PROOF_REQUIRED');
      assert.equal(
        errorCode(await c.delete(`/api/v1/passkeys/${passkeyId}`, { body: { currentPassword: 'not my password at all' } })),
        'CURRENT_PASSWORD_INCORRECT',
      );
      const res = await c.delete(`/api/v1/passkeys/${passkeyId}`, { body: { currentPassword: PASSWORD } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { remaining: 0 });
      const account = await t.store.accounts.findAccountByEmail(email);
      assert.equal(await t.store.twoFactor.countUnusedRecoveryCodes(account!.id), 0);
      assert.ok((await mails(email)).some((m) => m.template === 'second-factor-removed' && m.text.includes('passkey')));
      assert.ok((await events(email)).includes('second_factor.removed'));
      assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201, 'the password alone signs in again');
      const pc = t.client();
      const options = (await pc.post('/api/v1/passkeys/sign-in/options', {})).json() as { challenge: string };
      assert.equal((await pc.post('/api/v1/passkeys/sign-in', { response: a.assert(options) })).statusCode, 401);
    });

    it('removing the authenticator app keeps the recovery codes while a passkey remains', async () => {
      const email = 'pk-keep-codes@example.org';
      const { c } = await withPasskey(email);
      const { id, secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { id: string; secret: string };
      assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
      const res = await c.delete(`/api/v1/2fa/totp/${id}`, { body: { currentPassword: PASSWORD } });
      assert.deepEqual(res.json(), { remaining: 1 });
      const account = await t.store.accounts.findAccountByEmail(email);
      assert.equal(await t.store.twoFactor.countUnusedRecoveryCodes(account!.id), 10);
    });
  });

  describe('step-up', () => {
    it('adding or removing a passkey needs a recent authentication; a passkey proves it, with a challenge bound to the session', async () => {
      const email = 'pk-step-up@example.org';
      const { c, a, passkeyId } = await withPasskey(email);
      t.clock.advance(11 * 60_000);
      const stale = await c.post('/api/v1/passkeys/registration/options', {});
      assert.equal(stale.statusCode, 403);
      assert.equal(errorCode(stale), 'REAUTHENTICATION_REQUIRED');
      assert.deepEqual((stale.json() as { error: { details: { methods: string[] } } }).error.details.methods, ['passkey', 'recovery_code']);
      assert.equal(errorCode(await c.delete(`/api/v1/passkeys/${passkeyId}`, { body: { currentPassword: PASSWORD } })), 'REAUTHENTICATION_REQUIRED');

      // A challenge issued to another session of the same account proves nothing here.
      const other = t.client();
      const { flowId } = (await other.signIn(email, PASSWORD)).json() as { flowId: string };
      assert.equal(
        (
          await other.post('/api/v1/sessions/second-factor', {
            flowId,
            method: 'passkey',
            response: a.assert((await other.post('/api/v1/passkeys/second-factor/options', { flowId })).json()),
          })
        ).statusCode,
        201,
      );
      const foreign = (await other.post('/api/v1/passkeys/step-up/options', {})).json() as { challenge: string };
      const refused = await c.post('/api/v1/session/reauthenticate', { method: 'passkey', response: a.assert(foreign) });
      assert.equal(errorCode(refused), 'PASSKEY_INVALID');

      const options = (await c.post('/api/v1/passkeys/step-up/options', {})).json() as { challenge: string };
      const confirmed = await c.post('/api/v1/session/reauthenticate', { method: 'passkey', response: a.assert(options) });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal((confirmed.json() as { method: string }).method, 'passkey');
      assert.equal((await c.post('/api/v1/passkeys/registration/options', {})).statusCode, 200);
      assert.equal((await c.delete(`/api/v1/passkeys/${passkeyId}`, { body: { currentPassword: PASSWORD } })).statusCode, 200);
    });

    it('a session signed in with the password alone is too weak once the account has a passkey; a passwordless one is strong enough', async () => {
      const email = 'pk-step-up-strength@example.org';
      const owner = await signedUp(email);
      const laptop = t.client();
      assert.equal((await laptop.signIn(email, PASSWORD)).statusCode, 201, 'no second factor yet: the password signs in');
      const a = authenticator();
      assert.equal((await owner.post('/api/v1/passkeys/registration', { response: a.register(await registrationOptions(owner)) })).statusCode, 201);
      const weak = await laptop.post('/api/v1/passkeys/registration/options', {});
      assert.equal(errorCode(weak), 'REAUTHENTICATION_REQUIRED', 'a recent password sign-in is too weak now');
      const c = t.client();
      const options = (await c.post('/api/v1/passkeys/sign-in/options', {})).json() as { challenge: string };
      assert.equal((await c.post('/api/v1/passkeys/sign-in', { response: a.assert(options) })).statusCode, 201);
      assert.equal((await c.post('/api/v1/passkeys/registration/options', {})).statusCode, 200, 'a passkey sign-in counts as the strongest method');
    });

    it('the first passkey makes the registering session count as authenticated with it', async () => {
      const { c } = await withPasskey('pk-step-up-first@example.org');
      assert.equal(
        (await c.post('/api/v1/passkeys/registration/options', {})).statusCode,
        200,
        'the password session is not locked out by the factor it just added',
      );
    });

    it('the confirm page offers the passkey, bound to the session (no flow id)', async () => {
      const { c } = await withPasskey('pk-step-up-page@example.org');
      const page = await c.get('/security/confirm?next=/security', { headers: { accept: 'text/html' } });
      assert.match(
        page.body,
        /id="use-passkey" data-options-url="\/api\/v1\/passkeys\/step-up\/options" data-verify-url="\/api\/v1\/session\/reauthenticate" data-next="\/security"/,
      );
      assert.match(page.body, /Use your passkey\./);
    });
  });

  describe('pages', () => {
    it('the sign-in page offers a passkey and loads the browser library and the passkey script from this service', async () => {
      const c = t.client();
      const page = await c.get('/sign-in', { headers: { accept: 'text/html' } });
      assert.match(page.body, /id="passkey-sign-in"/);
      const lib = await c.get(/<script src="(\/assets\/webauthn-browser\.[0-9a-f]{10}\.js)" defer><\/script>/.exec(page.body)![1]!);
      assert.equal(lib.statusCode, 200);
      assert.match(String(lib.headers['content-type']), /^text\/javascript/);
      assert.match(lib.body, /SimpleWebAuthnBrowser/);
      const ours = await c.get(/<script src="(\/assets\/passkeys\.[0-9a-f]{10}\.js)" defer><\/script>/.exec(page.body)![1]!);
      assert.equal(ours.statusCode, 200);
      assert.match(ours.body, /\/api\/v1\/passkeys\/sign-in\/options/);
    });

    it('the second step offers "Use a passkey" for an account with one, and no code box when it has no authenticator app', async () => {
      const email = 'pk-page-2fa@example.org';
      await withPasskey(email);
      const c = t.client();
      const csrf = await c.csrfFrom('/sign-in');
      const res = await c.post('/sign-in', undefined, { form: { _csrf: csrf, email, password: PASSWORD } });
      assert.equal(res.statusCode, 200);
      assert.match(
        res.body,
        /id="use-passkey"[^>]*data-options-url="\/api\/v1\/passkeys\/second-factor\/options"[^>]*data-verify-url="\/api\/v1\/sessions\/second-factor"/,
      );
      assert.doesNotMatch(res.body, /id="second-factor-form"/, 'no authenticator-code form without an app');
      assert.match(res.body, /id="recovery-code-form"/);
      const flowId = /name="flowId" value="([^"]+)"/.exec(res.body)?.[1];
      const wrong = await c.post('/sign-in/second-factor', undefined, { form: { _csrf: csrf, flowId: flowId!, method: 'recovery_code', code: 'aaaaa-bbbbb' } });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.body, /id="use-passkey"/, 'after a wrong recovery code the passkey is still offered');
    });

    it('the two-step verification page counts a passkey as on, with the recovery codes left', async () => {
      const { c } = await withPasskey('pk-page-two-factor@example.org');
      const page = await c.get('/security/two-factor', { headers: { accept: 'text/html' } });
      assert.match(page.body, /Two-step verification is on: signing in needs your password and a passkey\./);
      assert.match(page.body, /id="passkey-summary">1 passkey/);
      assert.match(page.body, /10 unused recovery codes left/);
    });

    it('the security page lists passkeys; rename and remove are forms with the CSRF token', async () => {
      const email = 'pk-page-security@example.org';
      const { c, passkeyId } = await withPasskey(email);
      const page = await c.get('/security', { headers: { accept: 'text/html' } });
      assert.match(page.body, new RegExp(`data-passkey-id="${passkeyId}"`));
      assert.match(page.body, /Passkey on Firefox on Linux/);
      assert.match(page.body, /id="add-passkey"/);
      const csrf = await c.csrfFrom('/security');
      assert.equal(
        (await c.post(`/security/passkeys/${passkeyId}/rename`, undefined, { form: { name: 'Phone' } })).statusCode,
        403,
        'no CSRF token, no change',
      );
      const renamed = await c.post(`/security/passkeys/${passkeyId}/rename`, undefined, { form: { _csrf: csrf, name: 'Phone' } });
      assert.equal(renamed.statusCode, 303);
      assert.equal(renamed.headers.location, '/security?notice=passkey-renamed');
      const after = (await c.get('/security?notice=passkey-renamed', { headers: { accept: 'text/html' } })).body;
      assert.match(after, /<strong class="passkey-name">Phone<\/strong>/);
      assert.match(after, /The passkey was renamed/);
      const badName = await c.post(`/security/passkeys/${passkeyId}/rename`, undefined, { form: { _csrf: csrf, name: ' ' } });
      assert.equal(badName.statusCode, 400);
      assert.match(badName.body, /Give the passkey a name/);
      const wrong = await c.post(`/security/passkeys/${passkeyId}/remove`, undefined, { form: { _csrf: csrf, currentPassword: 'not the password at all' } });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.body, /data-passkey-id/, 'still there');
      const removed = await c.post(`/security/passkeys/${passkeyId}/remove`, undefined, { form: { _csrf: csrf, currentPassword: PASSWORD } });
      assert.equal(removed.headers.location, '/security?notice=passkey-removed');
      assert.match((await c.get('/security', { headers: { accept: 'text/html' } })).body, /id="no-passkeys"/);
    });
  });

  describe('password reset', () => {
    async function resetFlow(email: string): Promise<{ flowId: string; requires: string[]; secondFactorMethods?: string[] }> {
      assert.equal((await t.client().post('/api/v1/password/reset', { email })).statusCode, 202);
      await t.app.deps.background!.idle();
      const account = await t.store.accounts.findAccountByEmail(email);
      const mail = (await t.store.outbox.listMessages({ limit: 50, accountId: account!.id })).filter((m) => m.template === 'password-reset-requested').at(-1);
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      const verified = await t.client().post('/api/v1/password/reset/verify', { token });
      assert.equal(verified.statusCode, 200, verified.body);
      return verified.json();
    }

    it('a reset of an account with a passkey requires it, and a passkey assertion proves it', async () => {
      const email = 'pk-reset@example.org';
      const { a } = await withPasskey(email);
      const flow = await resetFlow(email);
      assert.deepEqual(flow.requires, ['second_factor']);
      assert.deepEqual(flow.secondFactorMethods, ['passkey', 'recovery_code']);
      const c = t.client();
      const blocked = await c.post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: 'violet kettle marches sideways' });
      assert.equal(errorCode(blocked), 'RESET_FACTOR_REQUIRED');
      const options = (await c.post('/api/v1/passkeys/reset/options', { flowId: flow.flowId })).json() as { challenge: string };
      const proven = await c.post('/api/v1/password/reset/second-factor', { flowId: flow.flowId, method: 'passkey', response: a.assert(options) });
      assert.equal(proven.statusCode, 200, proven.body);
      assert.deepEqual((proven.json() as { requires: string[] }).requires, []);
      const done = await c.post('/api/v1/password/reset/complete', { flowId: flow.flowId, newPassword: 'violet kettle marches sideways' });
      assert.equal(done.statusCode, 200, done.body);
    });

    it('the reset page offers the passkey, bound to the reset flow', async () => {
      const email = 'pk-reset-page@example.org';
      await withPasskey(email);
      const flow = await resetFlow(email);
      const page = await t.client().get(`/reset/new?flow=${flow.flowId}`, { headers: { accept: 'text/html' } });
      assert.equal(page.statusCode, 200);
      assert.match(
        page.body,
        /id="use-passkey"[^>]*data-options-url="\/api\/v1\/passkeys\/reset\/options"[^>]*data-verify-url="\/api\/v1\/password\/reset\/second-factor"/,
      );
      assert.match(page.body, new RegExp(`data-next="/reset/new\\?flow=${flow.flowId}"`));
      assert.match(page.body, /Use your passkey, or use one of your recovery codes/);
    });

    it('the passkey may be proven in the complete call; a second-factor challenge does not prove a reset; failures count', async () => {
      const email = 'pk-reset-complete@example.org';
      const { a } = await withPasskey(email);
      const flow = await resetFlow(email);
      const signIn = await passwordStep(email);
      const wrongPurpose = await t.client().post('/api/v1/password/reset/second-factor', {
        flowId: flow.flowId,
        method: 'passkey',
        response: a.assert(await secondFactorOptions(signIn.c, signIn.flowId)),
      });
      assert.equal(errorCode(wrongPurpose), 'PASSKEY_INVALID');
      assert.equal((wrongPurpose.json() as { error: { details: { attemptsLeft: number } } }).error.details.attemptsLeft, 4);
      const options = (await t.client().post('/api/v1/passkeys/reset/options', { flowId: flow.flowId })).json() as { challenge: string };
      const done = await t.client().post('/api/v1/password/reset/complete', {
        flowId: flow.flowId,
        newPassword: 'violet kettle marches sideways',
        secondFactor: { method: 'passkey', response: a.assert(options) },
      });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(errorCode(await t.client().post('/api/v1/passkeys/reset/options', { flowId: flow.flowId })), 'RESET_FLOW_INVALID');
    });
  });
});

describe('passkeys on PostgreSQL', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ backend: 'postgres' });
  });
  after(async () => {
    await t.close();
  });

  it('register, second factor after the password, passwordless sign-in, a refused replay', async () => {
    const email = 'pk-postgres@example.org';
    const c = t.client();
    assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
    const a = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const reg = await c.post('/api/v1/passkeys/registration', { response: a.register((await c.post('/api/v1/passkeys/registration/options', {})).json()) });
    assert.equal(reg.statusCode, 201, reg.body);
    assert.equal((reg.json() as { recoveryCodes: string[] }).recoveryCodes.length, 10);

    const d = t.client();
    const { flowId, methods } = (await d.signIn(email, PASSWORD)).json() as { flowId: string; methods: string[] };
    assert.deepEqual(methods, ['passkey', 'recovery_code']);
    const response = a.assert((await d.post('/api/v1/passkeys/second-factor/options', { flowId })).json());
    assert.equal((await d.post('/api/v1/sessions/second-factor', { flowId, method: 'passkey', response })).statusCode, 201);

    const e = t.client();
    const options = (await e.post('/api/v1/passkeys/sign-in/options', {})).json() as { challenge: string };
    const signedIn = await e.post('/api/v1/passkeys/sign-in', { response: a.assert(options) });
    assert.equal(signedIn.statusCode, 201, signedIn.body);
    assert.equal((await t.client().post('/api/v1/passkeys/sign-in', { response: a.assert(options) })).statusCode, 401, 'the challenge was used');
    const account = await t.store.accounts.findAccountByEmail(email);
    const [row] = await t.store.passkeys.listPasskeys(account!.id);
    assert.equal(row!.counter, 2);
  });
});
