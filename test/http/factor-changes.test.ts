// Recovery codes (issue 11, item 14) and the findings of the last internal review (item 17), through HTTP on both
// backends: 80-bit codes stored under a keyed hash with a key id; a new app or passkey rotates the session token; a
// step-up recovery code is used up only with the authentication it records; two racing removals of the last two
// factors cannot both skip the last-factor rule; expired passkey challenges are swept.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { totpCode } from '../helpers/totp.js';
import { SoftAuthenticator } from '../helpers/webauthn.js';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { createKeyedHash } from '../../src/core/keyed-hash.js';
import { deriveKey, keyIdOf } from '../../src/core/secret-box.js';
import { hashToken } from '../../src/core/tokens.js';
import * as passkeyFlows from '../../src/flows/passkeys.js';
import { PASSKEY_CHALLENGE_TTL_MS } from '../../src/flows/passkeys.js';

const RP_ID = '127.0.0.1';
const ORIGIN = 'http://127.0.0.1:8080';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`recovery codes and factor changes on ${backend}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ backend });
    });
    after(async () => {
      await t.close();
    });

    const code = (secret: string): string => totpCode(secret, { now: t.clock.now() });
    const unique = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.org`;

    async function signedUp(email: string): Promise<TestClient> {
      const c = t.client();
      assert.equal((await c.signUp(email, PASSWORD)).statusCode, 201);
      return c;
    }

    async function enrolled(email: string): Promise<{ c: TestClient; secret: string; recoveryCodes: string[]; factorId: string }> {
      const c = await signedUp(email);
      const { secret, id } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string; id: string };
      const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: code(secret) });
      assert.equal(confirm.statusCode, 200, confirm.body);
      t.clock.advance(30_000);
      return { c, secret, factorId: id, recoveryCodes: (confirm.json() as { recoveryCodes: string[] }).recoveryCodes };
    }

    async function secondStep(email: string, proof: { method: string; code: string }): Promise<number> {
      const c = t.client();
      const { flowId } = (await c.signIn(email, PASSWORD)).json() as { flowId: string };
      return (await c.post('/api/v1/sessions/second-factor', { flowId, ...proof })).statusCode;
    }

    const accountId = async (email: string): Promise<string> => (await t.store.accounts.findAccountByEmail(email))!.id;

    it('recovery codes have 80 bits (16 of 32 symbols, xxxx-xxxx-xxxx-xxxx) and are typed with or without dashes, in any case', async () => {
      const email = unique('rc-format');
      const { recoveryCodes } = await enrolled(email);
      assert.equal(recoveryCodes.length, 10);
      for (const rc of recoveryCodes) assert.match(rc, /^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$/);
      assert.ok(Math.log2(32) * 16 >= 80);
      assert.equal(await secondStep(email, { method: 'recovery_code', code: recoveryCodes[0]!.replaceAll('-', '').toUpperCase() }), 201);
      assert.equal(await secondStep(email, { method: 'recovery_code', code: ` ${recoveryCodes[1]!.replaceAll('-', ' ')} ` }), 201);
      assert.equal(await secondStep(email, { method: 'recovery_code', code: recoveryCodes[0]! }), 400, 'used once');
    });

    it('they are stored as HMAC-SHA-256 under an HKDF key of their own purpose, with its key id — not as a bare SHA-256', async () => {
      const email = unique('rc-stored');
      const { recoveryCodes } = await enrolled(email);
      const rows = await t.store.twoFactor.listUnusedRecoveryCodes(await accountId(email));
      const keyId = keyIdOf(deriveKey(t.app.config.secretBytes, 'recovery-code'));
      const keyed = createKeyedHash({ serverSecrets: [t.app.config.secretBytes], purpose: 'recovery-code' });
      assert.equal(rows.length, 10);
      for (const r of rows) assert.equal(r.keyId, keyId);
      const normalised = recoveryCodes.map((x) => x.replaceAll('-', ''));
      assert.deepEqual(rows.map((r) => r.codeHash).sort(), normalised.map((x) => keyed.hash(x)).sort());
      for (const x of normalised) assert.ok(!rows.some((r) => r.codeHash === hashToken(x)), 'no unkeyed hash of a code');
      assert.notEqual(keyId, keyIdOf(deriveKey(t.app.config.secretBytes, 'totp-secret')), 'a key of its own');
    });

    it('codes stored before (unkeyed SHA-256, no key id) keep working until a new set is made', async () => {
      const email = unique('rc-legacy');
      const { c, recoveryCodes } = await enrolled(email);
      const id = await accountId(email);
      await t.store.twoFactor.replaceRecoveryCodes(id, [hashToken('abcde23456')], { now: t.clock.now(), newId: randomUUID });
      assert.equal(await secondStep(email, { method: 'recovery_code', code: recoveryCodes[2]! }), 400, 'the replaced set is gone');
      assert.equal(await secondStep(email, { method: 'recovery_code', code: 'ABCDE-23456' }), 201, 'the legacy code works');
      await t.store.twoFactor.replaceRecoveryCodes(id, [hashToken('fghij23456')], { now: t.clock.now(), newId: randomUUID });
      const stepUp = await c.post('/api/v1/session/reauthenticate', { method: 'recovery_code', code: 'fghij-23456' });
      assert.equal(stepUp.statusCode, 200, stepUp.body);
      const regenerated = await c.post('/api/v1/2fa/recovery-codes', {});
      assert.equal(regenerated.statusCode, 201, regenerated.body);
      assert.ok(
        (await t.store.twoFactor.listUnusedRecoveryCodes(id)).every((r) => r.keyId !== null),
        'a new set is keyed',
      );
    });

    it('confirming a new app rotates the session token: the cookie changes and the old token stops working', async () => {
      const c = await signedUp(unique('rotate-totp'));
      const before = c.sessionCookie();
      const { secret } = (await c.post('/api/v1/2fa/totp', {})).json() as { secret: string };
      const confirm = await c.post('/api/v1/2fa/totp/confirm', { code: code(secret) });
      assert.equal(confirm.statusCode, 200, confirm.body);
      const after = c.sessionCookie();
      assert.ok(before && after && before !== after, 'a new session cookie');
      assert.equal((await c.get('/api/v1/2fa')).statusCode, 200, 'the new token works');
      const stale = t.client();
      for (const [k] of c.cookies) if (k.endsWith('passdesk-session')) stale.cookies.set(k, before);
      assert.equal((await stale.get('/api/v1/2fa')).statusCode, 401, 'the old token does not');
    });

    it('registering a passkey rotates the session token too', async () => {
      const c = await signedUp(unique('rotate-passkey'));
      const before = c.sessionCookie();
      const options = (await c.post('/api/v1/passkeys/registration/options', {})).json();
      const res = await c.post('/api/v1/passkeys/registration', { response: new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN }).register(options) });
      assert.equal(res.statusCode, 201, res.body);
      const after = c.sessionCookie();
      assert.ok(before && after && before !== after, 'a new session cookie');
      const stale = t.client();
      for (const [k] of c.cookies) if (k.endsWith('passdesk-session')) stale.cookies.set(k, before);
      assert.equal((await stale.get('/api/v1/passkeys')).statusCode, 401, 'the old token does not work');
      assert.equal((await c.get('/api/v1/passkeys')).statusCode, 200);
    });

    it('a step-up recovery code is used up only with the authentication it records (a failed transaction leaves it unused)', async () => {
      const email = unique('stepup-rc');
      const { c, recoveryCodes } = await enrolled(email);
      const id = await accountId(email);
      const sessionId = (await t.store.sessions.listSessions(id, { now: t.clock.now() }))[0]!.id;
      // The session is ended by another request (sign-out elsewhere) just before step-up records its authentication.
      // The app's own store (t.store is a test view that opens sealed mail bodies).
      const appStore = t.app.deps.store;
      const original = appStore.transaction.bind(appStore);
      appStore.transaction = (async (fn: Parameters<typeof original>[0]) => {
        await appStore.sessions.revokeSession(sessionId, { accountId: id, now: t.clock.now(), reason: 'sign-out' });
        return original(fn);
      }) as typeof original;
      let res: Awaited<ReturnType<typeof c.post>>;
      try {
        res = await c.post('/api/v1/session/reauthenticate', { method: 'recovery_code', code: recoveryCodes[0]! });
      } finally {
        appStore.transaction = original;
      }
      assert.equal(errorCode(res), 'AUTHENTICATION_REQUIRED');
      assert.equal(await t.store.twoFactor.countUnusedRecoveryCodes(id), 10, 'the code was not used up');
      assert.equal(await secondStep(email, { method: 'recovery_code', code: recoveryCodes[0]! }), 201, 'it still works');
    });

    it('two racing removals of the last two factors: exactly one succeeds, the last-factor rule holds for the other', async () => {
      const email = unique('race-remove');
      const { c, factorId } = await enrolled(email);
      const short = 'Vq7#mZ2!xR9k';
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: short })).statusCode, 200);
      const second = (await c.post('/api/v1/2fa/totp', {})).json() as { id: string; secret: string };
      assert.equal((await c.post('/api/v1/2fa/totp/confirm', { code: code(second.secret) })).statusCode, 200);
      t.clock.advance(30_000);
      const results = await Promise.all([factorId, second.id].map((f) => c.delete(`/api/v1/2fa/totp/${f}`, { body: { currentPassword: short } })));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 409], results.map((r) => r.body).join(' | '));
      assert.equal(errorCode(results.find((r) => r.statusCode === 409)!), 'LAST_FACTOR_PASSWORD_TOO_SHORT');
      assert.equal(await t.store.twoFactor.countConfirmedFactors(await accountId(email)), 1, 'one factor stays');
    });

    it('expired passkey challenges are swept, a bounded number at a time (manual clock)', async () => {
      const { sweepExpiredPasskeyChallenges } = passkeyFlows;
      const c = await signedUp(unique('sweep'));
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(hashToken(((await c.post('/api/v1/passkeys/registration/options', {})).json() as { challenge: string }).challenge));
      assert.equal(await sweepExpiredPasskeyChallenges(t.app.deps), 0, 'live challenges stay');
      t.clock.advance(PASSKEY_CHALLENGE_TTL_MS + 1);
      // Earlier tests' challenges expired too: sweeps of 3 run until none is left, never more than 3 at once.
      const swept: number[] = [];
      for (let n = -1; n !== 0; ) {
        n = await sweepExpiredPasskeyChallenges(t.app.deps, { limit: 3 });
        swept.push(n);
      }
      assert.equal(swept[0], 3, 'at most the limit per sweep');
      assert.ok(swept.every((n) => n <= 3) && swept.reduce((a, b) => a + b, 0) >= 5, String(swept));
      for (const id of ids) assert.equal(await t.store.passkeys.findChallenge(id), null, 'every expired challenge is gone');
      assert.equal(await sweepExpiredPasskeyChallenges(t.app.deps), 0);
    });
  });
}
