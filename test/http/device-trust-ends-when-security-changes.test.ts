// Review finding (issue 11 item 7 follow-up): a device cookie exempts a browser from the account's lockout only while
// the account still trusts it. A completed reset, "This wasn't me" and a password change end the trust of every
// cookie handed out before (an intruder's too); the owner's browser earns it again at its next sign-in; an account
// trusts at most MAX_TRUSTED_DEVICES browsers. Over HTTP on SQLite and PostgreSQL, with the manual clock.
// The first test is the reviewer's (test/review/device-cookie-revocation.test.ts on branch review), unchanged.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';
import { MAX_TRUSTED_DEVICES } from '../../src/methods/account-limit.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
let ip = 0;
function signInRaw(t: TestApp, email: string, password: string, cookie?: string): Promise<LightMyRequestResponse> {
  return t.app.server.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    remoteAddress: `203.0.113.${(++ip % 250) + 1}`,
    headers: { 'content-type': 'application/json', origin: t.baseUrl, 'user-agent': UA, ...(cookie ? { cookie } : {}) },
    payload: JSON.stringify({ email, password }),
  });
}
function deviceSetCookie(res: LightMyRequestResponse): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((s) => s.includes('passdesk-device='));
  assert.ok(set, 'device cookie set');
  return set.split(';')[0]!;
}
function deviceCookieOf(c: TestClient): string {
  for (const [k, v] of c.cookies) if (k.endsWith('passdesk-device')) return `${k}=${v}`;
  assert.fail('the browser has a device cookie');
}

const VICTIM = 'victim@example.org';
const CONFIG = { baseUrl: 'https://id.example.org', devMailbox: true, signInAccountLimit: 3, signInDelayFrom: 100 };

/** The intruder, who knows the password for a while, signs in from `n` clean browsers and keeps their cookies. */
async function collectCookies(t: TestApp, password: string, n: number): Promise<string[]> {
  const stolen: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await signInRaw(t, VICTIM, password);
    assert.equal(res.statusCode, 201, res.body);
    stolen.push(deviceSetCookie(res));
  }
  return stolen;
}

/** Strangers lock the account (limit 3), then: how many guesses through these cookies are evaluated (401, not 429)? */
async function guessesThroughCookies(t: TestApp, cookies: string[]): Promise<number> {
  for (let i = 0; i < 3; i++) assert.equal((await signInRaw(t, VICTIM, `stranger guess ${i}`)).statusCode, 401);
  const locked = await signInRaw(t, VICTIM, 'stranger guess 4');
  assert.equal(locked.statusCode, 429);
  assert.equal(errorCode(locked), 'SIGN_IN_THROTTLED');
  let evaluated = 0;
  for (const cookie of cookies) {
    for (let i = 0; i < 12; i++) if ((await signInRaw(t, VICTIM, `intruder guess ${i}`, cookie)).statusCode === 401) evaluated++;
  }
  return evaluated;
}

async function resetPassword(t: TestApp, newPassword: string): Promise<void> {
  assert.equal((await t.client().post('/api/v1/password/reset', { email: VICTIM })).statusCode, 202);
  await t.app.deps.background!.idle();
  const account = await t.store.accounts.findAccountByEmail(VICTIM);
  const mails = (await t.store.outbox.listMessages({ accountId: account!.id, limit: 100 })).filter((m) => m.template === 'password-reset-requested');
  const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mails[0]!.text)?.[1];
  const c = t.client();
  const verified = await c.post('/api/v1/password/reset/verify', { token });
  assert.equal(verified.statusCode, 200, verified.body);
  const { flowId } = verified.json() as { flowId: string };
  assert.equal((await c.post('/api/v1/password/reset/complete', { flowId, newPassword })).statusCode, 200);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`device trust ends when the account's security changes (${backend})`, () => {
    test('a device cookie issued to the intruder before a password reset no longer bypasses the account lockout after it', async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        assert.equal((await t.client().signUp(VICTIM, PASSWORD)).statusCode, 201);
        const stolen = await collectCookies(t, PASSWORD, 3);
        t.clock.advance(1000);
        await resetPassword(t, NEW_PASSWORD);
        const evaluated = await guessesThroughCookies(t, stolen);
        assert.equal(evaluated, 0, `${evaluated} guesses evaluated on a locked account through device cookies issued before the password reset`);
      } finally {
        await t.close();
      }
    });

    test('"This wasn\'t me" ends the trust of every device cookie handed out before', async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        const owner = t.client();
        const { account } = (await owner.signUp(VICTIM, PASSWORD)).json() as { account: { id: string } };
        const stolen = await collectCookies(t, PASSWORD, 3);
        // The owner sees the intruder's sign-in in the activity list and reports it.
        const events = await t.store.events.listEvents(account.id, { limit: 50 });
        const intruderSignIn = events.find((e) => e.type === 'signin.succeeded');
        assert.ok(intruderSignIn);
        t.clock.advance(1000);
        const reported = await owner.post(`/api/v1/activity/${intruderSignIn.id}/not-me`, {});
        assert.equal(reported.statusCode, 200, reported.body);
        assert.equal(await t.store.trustedDevices.countTrustedDevices(account.id), 0);
        assert.equal(await guessesThroughCookies(t, stolen), 0, 'guesses evaluated through cookies issued before "This wasn\'t me"');
      } finally {
        await t.close();
      }
    });

    test('a password change ends the trust of device cookies handed out before, even keeping other sessions', async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        const owner = t.client();
        assert.equal((await owner.signUp(VICTIM, PASSWORD)).statusCode, 201);
        const stolen = await collectCookies(t, PASSWORD, 3);
        t.clock.advance(1000);
        const changed = await owner.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, signOutOtherSessions: false });
        assert.equal(changed.statusCode, 200, changed.body);
        assert.equal(await guessesThroughCookies(t, stolen), 0, 'guesses evaluated through cookies issued before the password change');
      } finally {
        await t.close();
      }
    });

    test("the owner's browser after its own reset is trusted again from its next sign-in", async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        const browser = t.client();
        assert.equal((await browser.signUp(VICTIM, PASSWORD)).statusCode, 201);
        assert.equal((await browser.signIn(VICTIM, PASSWORD)).statusCode, 201);
        const before = deviceCookieOf(browser);
        t.clock.advance(1000);
        await resetPassword(t, NEW_PASSWORD);
        assert.equal((await browser.signIn(VICTIM, NEW_PASSWORD)).statusCode, 201, 'the reset leaves the account open to its new password');
        const after = deviceCookieOf(browser);
        assert.notEqual(after, before, 'a fresh binding');
        // Strangers lock the account; the owner's browser (its new cookie) still signs in, its old cookie does not.
        for (let i = 0; i < 3; i++) assert.equal((await signInRaw(t, VICTIM, `stranger guess ${i}`)).statusCode, 401);
        assert.equal((await signInRaw(t, VICTIM, NEW_PASSWORD)).statusCode, 429, 'locked for browsers it does not trust');
        assert.equal((await signInRaw(t, VICTIM, NEW_PASSWORD, before)).statusCode, 429, 'the cookie from before the reset is not trusted');
        assert.equal((await signInRaw(t, VICTIM, NEW_PASSWORD, after)).statusCode, 201, 'the cookie from after it is');
      } finally {
        await t.close();
      }
    });

    test('a sign-in that raced a reset records no trust: the store insert needs its session live and the password unchanged since', async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        const browser = t.client();
        const { account } = (await browser.signUp(VICTIM, PASSWORD)).json() as { account: { id: string } };
        const signedIn = await browser.signIn(VICTIM, PASSWORD);
        const sessionId = (signedIn.json() as { session: { id: string } }).session.id;
        const trust = (device: string): Promise<boolean> =>
          t.store.trustedDevices.trustDevice({
            device,
            login: 'a:login',
            accountId: account.id,
            sessionId,
            replacing: null,
            max: MAX_TRUSTED_DEVICES,
            now: t.clock.now(),
          });
        assert.equal(await trust('d:before'), true, 'a live session of an unchanged password');
        t.clock.advance(1000);
        await resetPassword(t, NEW_PASSWORD);
        assert.equal(await t.store.trustedDevices.countTrustedDevices(account.id), 0, 'the reset ended it');
        assert.equal(await trust('d:after'), false, 'the session the reset ended records nothing');
      } finally {
        await t.close();
      }
    });

    test(`an account trusts at most ${MAX_TRUSTED_DEVICES} browsers, the newest; a browser signing in again replaces its own`, async () => {
      const t = await startTestApp({ backend, config: CONFIG });
      try {
        const browser = t.client();
        const { account } = (await browser.signUp(VICTIM, PASSWORD)).json() as { account: { id: string } };
        for (let i = 0; i < 3; i++) assert.equal((await browser.signIn(VICTIM, PASSWORD)).statusCode, 201);
        assert.equal(await t.store.trustedDevices.countTrustedDevices(account.id), 1, 'one browser, one trusted device');
        const stolen = [];
        for (let i = 0; i < MAX_TRUSTED_DEVICES + 2; i++) {
          t.clock.advance(1000);
          stolen.push(...(await collectCookies(t, PASSWORD, 1)));
        }
        assert.equal(await t.store.trustedDevices.countTrustedDevices(account.id), MAX_TRUSTED_DEVICES);
        for (let i = 0; i < 3; i++) assert.equal((await signInRaw(t, VICTIM, `stranger guess ${i}`)).statusCode, 401);
        assert.equal((await signInRaw(t, VICTIM, PASSWORD, deviceCookieOf(browser))).statusCode, 429, 'the oldest browser is trusted no more');
        assert.equal((await signInRaw(t, VICTIM, PASSWORD, stolen.at(-1))).statusCode, 201, 'the newest still is');
      } finally {
        await t.close();
      }
    });
  });
}
