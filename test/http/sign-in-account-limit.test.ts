// Issue 11 item 7: a per-account limit on wrong passwords, whatever the number of IPs, with device cookies so
// the owner's known browser keeps signing in. NIST SP 800-63B-4 §3.2.2 (≤ 100 consecutive failures, waits
// that grow before that) and OWASP "Slow Down Online Guessing Attacks with Device Cookies". Over HTTP, on
// SQLite and PostgreSQL; the clock is the manual one (never a sleep); attackers speak from many addresses
// (inject's remoteAddress, IPv4 and IPv6).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient, type Backend } from '../helpers/app.js';
import { delayAfterFailures } from '../../src/core/sign-in-delay.js';
import { totpCode } from '../helpers/totp.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let ipCounter = 0;
/**
 * A new client for every guess: half IPv4, half IPv6, each IPv6 one in its own /64 (the per-IP limits key IPv6 by
 * its /64, core/client-key.ts; an attacker with many /64s, e.g. a /48, is what the per-account limit is for).
 */
function nextIp(): string {
  const n = ++ipCounter;
  return n % 2 === 0 ? `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::1` : `203.0.${(n >> 8) & 0xff}.${n & 0xff}`;
}

/** One sign-in from its own address, with an optional Cookie header (a stranger's browser). */
function guess(t: TestApp, email: string, password: string, o: { cookie?: string; ip?: string } = {}): Promise<LightMyRequestResponse> {
  return t.app.server.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    remoteAddress: o.ip ?? nextIp(),
    headers: { 'content-type': 'application/json', origin: t.baseUrl, 'user-agent': UA, ...(o.cookie ? { cookie: o.cookie } : {}) },
    payload: JSON.stringify({ email, password }),
  });
}

function deviceCookieOf(c: TestClient): string | undefined {
  for (const [k, v] of c.cookies) if (k.endsWith('passdesk-device')) return v;
  return undefined;
}

/** What a caller can see of a refusal: status, body and Retry-After. */
function seen(res: LightMyRequestResponse): { status: number; body: string; retryAfter: string | undefined } {
  const ra = res.headers['retry-after'];
  return { status: res.statusCode, body: res.body, retryAfter: ra === undefined ? undefined : String(ra) };
}

for (const backend of ['sqlite', 'postgres'] as const satisfies readonly Backend[]) {
  describe(`per-account sign-in limit with device cookies (${backend})`, () => {
    let t: TestApp;
    let owner: TestClient;
    let ownerSpare: TestClient;
    let other: TestClient;
    const VICTIM = 'victim@example.org';
    const GHOST = 'ghost@example.org';

    before(async () => {
      t = await startTestApp({ backend, config: { baseUrl: 'https://id.example.org', devMailbox: true } });
      owner = t.client();
      ownerSpare = t.client();
      other = t.client();
      assert.equal((await owner.signUp(VICTIM, PASSWORD)).statusCode, 201);
      assert.equal((await other.signUp('other@example.org', PASSWORD)).statusCode, 201);
      // The owner's two browsers and another person's browser each signed in once before the attack.
      for (const [c, email] of [
        [owner, VICTIM],
        [ownerSpare, VICTIM],
        [other, 'other@example.org'],
      ] as const) {
        const res = await c.signIn(email, PASSWORD);
        assert.equal(res.statusCode, 201);
        const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((s) => s.startsWith('__Host-passdesk-device='));
        assert.ok(set, 'a right password sets a device cookie');
        assert.match(set, /; Max-Age=\d{8}; Path=\/; HttpOnly; Secure; SameSite=Strict$/, '__Host-, long-lived, HttpOnly, Secure, SameSite=Strict');
      }
    });
    after(() => t.close());

    test('many IPs guessing one account wait from the 5th failure (1 s, 2 s, 4 s …) and are stopped at 100; an unknown address answers the same at every step', async () => {
      let failures = 0;
      const waits: number[] = [];
      for (let round = 0; round < 400; round++) {
        // The same moment, the same kind of guess: one for the real account, one for an address with none.
        const known = await guess(t, VICTIM, `attacker guess number ${round}`);
        const unknown = await guess(t, GHOST, `attacker guess number ${round}`);
        assert.deepEqual(seen(unknown), seen(known), `step ${round}: an unknown address looks exactly like a known one`);
        if (known.statusCode === 401) {
          failures++;
          continue;
        }
        assert.equal(known.statusCode, 429, known.body);
        assert.equal(errorCode(known), 'SIGN_IN_THROTTLED');
        const body = known.json() as { error: { message: string; details: { retryAfterSeconds: number; locked: boolean } } };
        const retryAfter = Number(known.headers['retry-after']);
        assert.equal(body.error.details.retryAfterSeconds, retryAfter);
        if (body.error.details.locked) break;
        assert.equal(retryAfter * 1000, delayAfterFailures(failures), `after ${failures} failures the wait is the schedule's`);
        assert.match(body.error.message, /Try again in \d+ (second|minute)s?\. Resetting your password/);
        waits.push(retryAfter);
        t.clock.advance(retryAfter * 1000);
      }
      assert.equal(failures, 100, 'exactly 100 wrong passwords were evaluated (NIST SP 800-63B-4 §3.2.2)');
      assert.deepEqual(waits.slice(0, 6), [1, 2, 4, 8, 16, 32], 'the first wait follows the 5th failure and doubles');
      assert.equal(Math.max(...waits), 900, 'capped at 15 minutes');
      assert.equal(waits.length, 95);

      // Locked: even the right password from a new browser is refused, long after the last wait.
      t.clock.advance(60 * 60_000);
      const stranger = await guess(t, VICTIM, PASSWORD);
      assert.equal(stranger.statusCode, 429);
      assert.equal(errorCode(stranger), 'SIGN_IN_THROTTLED');
      assert.match((stranger.json() as { error: { message: string } }).error.message, /locked .* reset your password .*\/reset/);
      assert.ok(Number(stranger.headers['retry-after']) > 20 * 3600, 'until the cool-off: about a day');
      assert.deepEqual(seen(await guess(t, GHOST, PASSWORD)), seen(stranger), 'locked looks the same for an unknown address');
    });

    test('the owner is told once, by email, how to unlock; nothing is sent for the unknown address', async () => {
      await t.app.deps.background!.idle();
      for (let i = 0; i < 3; i++) await guess(t, VICTIM, `more guesses ${i} after the lock`);
      await t.app.deps.background!.idle();
      const toOwner = (await t.store.outbox.listMessages({ limit: 100, to: VICTIM })).filter((m) => m.template === 'account-locked');
      assert.equal(toOwner.length, 1, 'one notice per lockout');
      assert.equal(toOwner[0]!.subject, 'Sign-in to your Passdesk account was locked');
      assert.equal((await t.store.outbox.listMessages({ limit: 100, to: GHOST })).length, 0, 'no account, nobody to tell');
      const events = await t.store.events.listEvents((await t.store.accounts.findAccountByEmail(VICTIM))!.id, { limit: 500 });
      assert.equal(events.filter((e) => e.type === 'signin.locked').length, 1);
    });

    test("the owner's browser with its device cookie from an earlier sign-in still signs in after the attacker hit the limit", async () => {
      const res = await owner.signIn(VICTIM, PASSWORD);
      assert.equal(res.statusCode, 201, res.body);
    });

    test('a device cookie for another login gives no trust', async () => {
      const cookie = deviceCookieOf(other);
      assert.ok(cookie);
      const res = await guess(t, VICTIM, PASSWORD, { cookie: `__Host-passdesk-device=${cookie}` });
      assert.equal(res.statusCode, 429);
      assert.equal(errorCode(res), 'SIGN_IN_THROTTLED');
    });

    test('a tampered or forged device cookie gives no trust', async () => {
      const real = deviceCookieOf(owner);
      assert.ok(real);
      const [nonce, mac] = real.split('~')[0]!.split('.') as [string, string];
      // Always a different first character (it tested s[5] but replaced s[0]: 1 time in 64 the "forgery" was the real cookie).
      const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      const forgeries = [
        `${flip(nonce)}.${mac}`, // another nonce under the same MAC
        `${nonce}.${flip(mac)}`, // a changed MAC
        `${'A'.repeat(22)}.${'B'.repeat(43)}`, // made up
        `${nonce}`, // no MAC at all
      ];
      for (const value of forgeries) {
        const res = await guess(t, VICTIM, PASSWORD, { cookie: `__Host-passdesk-device=${value}` });
        assert.equal(res.statusCode, 429, value);
        assert.equal(errorCode(res), 'SIGN_IN_THROTTLED');
      }
    });

    test('a trusted browser has its own small limit: after 10 wrong passwords its cookie no longer exempts it', async () => {
      const cookie = `__Host-passdesk-device=${deviceCookieOf(ownerSpare)!}`;
      for (let i = 0; i < 10; i++) {
        const res = await guess(t, VICTIM, `stolen laptop guess ${i}`, { cookie });
        assert.equal(res.statusCode, 401, `guess ${i} with the cookie is evaluated (no account wait)`);
      }
      const res = await guess(t, VICTIM, PASSWORD, { cookie });
      assert.equal(res.statusCode, 429, 'the cookie is spent: the account lock applies');
      assert.equal((await owner.signIn(VICTIM, PASSWORD)).statusCode, 201, "another of the owner's browsers is unaffected");
    });

    test('a completed password reset unlocks the account for every browser', async () => {
      t.clock.advance(1000);
      assert.equal((await t.client().post('/api/v1/password/reset', { email: VICTIM })).statusCode, 202);
      await t.app.deps.background!.idle();
      const account = await t.store.accounts.findAccountByEmail(VICTIM);
      const [mail] = (await t.store.outbox.listMessages({ accountId: account!.id, limit: 100 })).filter((m) => m.template === 'password-reset-requested');
      const token = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(mail!.text)?.[1];
      assert.ok(token);
      const c = t.client();
      const verified = await c.post('/api/v1/password/reset/verify', { token });
      assert.equal(verified.statusCode, 200, verified.body);
      const { flowId } = verified.json() as { flowId: string };
      assert.equal((await c.post('/api/v1/password/reset/complete', { flowId, newPassword: NEW_PASSWORD })).statusCode, 200);
      const res = await guess(t, VICTIM, NEW_PASSWORD);
      assert.equal(res.statusCode, 201, `a browser the owner never used signs in again: ${res.body}`);
    });
  });

  describe(`a parallel burst cannot exceed the per-account limit (${backend})`, () => {
    test('60 guesses at once from 60 addresses against a limit of 20: exactly 20 are evaluated, then even the right password waits', async () => {
      // No waits before the limit here (they start at 100), so only the limit holds the burst back.
      const t = await startTestApp({ backend, config: { signInAccountLimit: 20, signInDelayFrom: 100 } });
      try {
        assert.equal((await t.client().signUp('burst@example.org', PASSWORD)).statusCode, 201);
        const results = await Promise.all(Array.from({ length: 60 }, (_, i) => guess(t, 'burst@example.org', `parallel guess ${i} is wrong`)));
        const statuses = results.map((r) => r.statusCode);
        assert.equal(statuses.filter((s) => s === 401).length, 20, statuses.join(','));
        assert.equal(statuses.filter((s) => s === 429).length, 40);
        assert.ok(results.filter((r) => r.statusCode === 429).every((r) => errorCode(r) === 'SIGN_IN_THROTTLED'));
        assert.equal((await guess(t, 'burst@example.org', PASSWORD)).statusCode, 429);
        await t.app.deps.background!.idle();
        assert.equal((await t.store.outbox.listMessages({ limit: 100, to: 'burst@example.org' })).filter((m) => m.template === 'account-locked').length, 1);
      } finally {
        await t.close();
      }
    });
  });
}

describe('the sign-in page shows the throttle plainly', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { signInAccountLimit: 3, signInDelayFrom: 2 } });
    assert.equal((await t.client().signUp('page@example.org', PASSWORD)).statusCode, 201);
  });
  after(() => t.close());

  async function pageSignIn(password: string): Promise<LightMyRequestResponse> {
    const c = t.client();
    const csrf = await c.csrfFrom('/sign-in');
    return c.request('POST', '/sign-in', { form: { _csrf: csrf, email: 'page@example.org', password }, headers: { accept: 'text/html' } });
  }

  test('a wait says when to try again and that a reset unlocks; the lock says how to unlock', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await pageSignIn(`wrong page guess ${i}`)).statusCode, 401);
    const waiting = await pageSignIn(PASSWORD);
    assert.equal(waiting.statusCode, 429);
    assert.equal(waiting.headers['retry-after'], '1');
    assert.match(waiting.body, /Too many unsuccessful sign-ins to this account\. Try again in 1 second\. Resetting your password/);
    assert.match(waiting.body, /href="\/reset"/);
    t.clock.advance(1000);
    assert.equal((await pageSignIn('the third wrong page guess')).statusCode, 401);
    const locked = await pageSignIn(PASSWORD);
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.headers['retry-after'], String(24 * 3600));
    assert.match(locked.body, /Sign-in to this account is locked after too many unsuccessful attempts\. To unlock it now, reset your password/);
    assert.match(locked.body, /try again in 24 hours/);
  });
});

describe('with a second factor, the device cookie comes with the completed sign-in', () => {
  test('none after the password alone; one after the code, and it is trusted once the account is locked', async () => {
    const t = await startTestApp({ config: { signInAccountLimit: 3, signInDelayFrom: 100 } });
    try {
      const email = 'two-step@example.org';
      const setup = t.client();
      assert.equal((await setup.signUp(email, PASSWORD)).statusCode, 201);
      const start = await setup.post('/api/v1/2fa/totp', {});
      assert.equal(start.statusCode, 201, start.body);
      const { secret } = start.json() as { secret: string };
      assert.equal((await setup.post('/api/v1/2fa/totp/confirm', { code: totpCode(secret, { now: t.clock.now() }) })).statusCode, 200);
      t.clock.advance(30_000);

      const c = t.client();
      const first = await c.signIn(email, PASSWORD);
      assert.equal(first.statusCode, 200);
      assert.equal(deviceCookieOf(c), undefined, 'the password alone does not make a known browser');
      const { flowId } = first.json() as { flowId: string };
      const done = await c.post('/api/v1/sessions/second-factor', { flowId, method: 'totp', code: totpCode(secret, { now: t.clock.now() }) });
      assert.equal(done.statusCode, 201, done.body);
      assert.ok(deviceCookieOf(c), 'the completed sign-in sets the device cookie');

      for (let i = 0; i < 3; i++) assert.equal((await guess(t, email, `wrong guess ${i} from afar`)).statusCode, 401);
      assert.equal((await guess(t, email, PASSWORD)).statusCode, 429, 'locked for strangers');
      assert.equal((await c.signIn(email, PASSWORD)).statusCode, 200, 'the known browser reaches its second step');
    } finally {
      await t.close();
    }
  });
});
