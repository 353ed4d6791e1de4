import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBreachedFile } from '../../src/breached/index.js';
import { sendExpiryReminders } from '../../src/flows/password-expiry.js';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const DAY = 86_400_000;

/** A fresh person signed in on one device. */
async function person(t: TestApp, name: string, password = PASSWORD): Promise<{ email: string; client: TestClient }> {
  const email = `${name}-${randomUUID().slice(0, 8)}@example.org`;
  const client = t.client();
  assert.equal((await client.signUp(email, password, name)).statusCode, 201);
  return { email, client };
}

describe('the policy applies wherever a password is chosen', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { organizationName: 'Acme Corp', passwordBannedTerms: ['contoso'] } });
  });
  after(() => t.close());

  test('sign-up with a common password: 400 with the reason, every violation listed, no account made', async () => {
    const email = `common-${randomUUID().slice(0, 8)}@example.org`;
    const res = await t.client().signUp(email, 'iloveyou12345678');
    assert.equal(res.statusCode, 400);
    assert.equal(errorCode(res), 'PASSWORD_COMMON');
    const body = res.json() as { error: { message: string; details: { violations: Array<{ code: string; message: string }> } } };
    assert.match(body.error.message, /commonly used/);
    assert.ok(body.error.details.violations.some((v) => v.code === 'PASSWORD_COMMON'));
    assert.equal((await t.client().signIn(email, 'iloveyou12345678')).statusCode, 401, 'no account was created');
  });

  test('sign-up with the person’s own name and a year is refused as personal', async () => {
    const res = await t.client().signUp(`grace.hopper-${randomUUID().slice(0, 6)}@example.org`, 'GraceHopper1906!!', 'Grace Hopper');
    assert.equal(errorCode(res), 'PASSWORD_PERSONAL_INFO');
    assert.equal(res.json().error.message, 'Don’t use your name or email address.');
  });

  test('the organisation’s name and banned words are refused, with leetspeak', async () => {
    assert.equal(errorCode(await t.client().signUp(`a-${randomUUID().slice(0, 6)}@example.org`, 'Acme-Corp-2026-!!')), 'PASSWORD_PERSONAL_INFO');
    assert.equal(errorCode(await t.client().signUp(`b-${randomUUID().slice(0, 6)}@example.org`, 'C0nt0s0-2026-2027')), 'PASSWORD_BANNED_TERM');
  });

  test('changing to a weak or personal password is refused and changes nothing', async () => {
    const { email, client } = await person(t, 'ada');
    const res = await client.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: 'aaaaaaaaaaaaaaaaaaaa' });
    assert.equal(res.statusCode, 400);
    assert.equal(errorCode(res), 'PASSWORD_TOO_WEAK');
    assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201, 'the old password still works');
  });
});

describe('GET /api/v1/password/policy and POST /api/v1/password/check', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { passwordMinCharacterClasses: 3, passwordHistory: 4 } });
  });
  after(() => t.close());

  test('the policy as data, sentences and a passwordrules string', async () => {
    const res = await t.client().get('/api/v1/password/policy');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.rules.minLength, 15);
    assert.equal(body.rules.minLengthWithSecondFactor, 8);
    assert.equal(body.rules.maxLength, 256);
    assert.equal(body.rules.minCharacterClasses, 3);
    assert.equal(body.rules.historyCount, 4);
    assert.ok(body.sentences.some((s: string) => s.includes('last 4 passwords')));
    assert.equal(body.passwordRules, 'minlength: 15; maxlength: 256; required: lower; required: upper; required: digit; required: special;');
  });

  test('a check lists each failing rule and a strength, and passes a good password', async () => {
    const c = t.client();
    const weak = await c.post('/api/v1/password/check', { password: 'short' });
    assert.equal(weak.statusCode, 200);
    const codes = weak.json().violations.map((v: { code: string }) => v.code);
    assert.ok(codes.includes('PASSWORD_TOO_SHORT') && codes.includes('PASSWORD_COMPOSITION'), codes.join());
    assert.equal(weak.json().ok, false);
    const good = await c.post('/api/v1/password/check', { password: 'Violet kettle marches sideways' });
    assert.deepEqual(good.json().violations, []);
    assert.equal(good.json().ok, true);
    assert.ok(good.json().strength.score >= 3);
    assert.equal(good.headers['cache-control'], 'no-store');
  });

  test('the strength comes with our own advice, never the estimator’s English; a refusal says the same and gives the keys', async () => {
    const c = t.client();
    // A repeated group: zxcvbn's "extendedRepeat" warning with "anotherWord" and "repeated".
    const res = await c.post('/api/v1/password/check', { password: 'Qwerty123!Qwerty123!' });
    const strength = res.json().strength;
    assert.ok(strength.score <= 2, JSON.stringify(strength));
    const words = [strength.warning, ...strength.suggestions].filter(Boolean).join(' ');
    assert.equal(strength.warning, 'A group of characters repeated, like “abcabc”, is easy to guess.');
    assert.ok(strength.suggestions.includes('Leave out repeated words and characters.'), words);
    assert.doesNotMatch(words, /Repeated character patterns|Avoid|Add more words that are less common/);
    const weak = res.json().violations.find((v: { code: string }) => v.code === 'PASSWORD_TOO_WEAK');
    assert.ok(weak, JSON.stringify(res.json().violations));
    assert.equal(weak.message, [strength.warning ?? 'This password would be easy to guess.', ...strength.suggestions].join(' '));
    assert.equal(weak.detail.warning, 'extendedRepeat');
    assert.ok(Array.isArray(weak.detail.suggestions) && weak.detail.suggestions.every((k: string) => /^[a-zA-Z0-9]+$/.test(k)), 'keys, not sentences');
  });

  test('anonymous checks use the email and name given; signed-in checks use the account’s own', async () => {
    const anon = await t.client().post('/api/v1/password/check', { password: 'Linus-Torvalds-1969', displayName: 'Linus Torvalds' });
    assert.ok(anon.json().violations.some((v: { code: string }) => v.code === 'PASSWORD_PERSONAL_INFO'));
    const { client } = await person(t, 'margaret', 'Violet kettle marches sideways 1');
    const mine = await client.post('/api/v1/password/check', { password: 'Margaret-2026-!!!', displayName: 'Someone Else' });
    assert.ok(
      mine.json().violations.some((v: { code: string }) => v.code === 'PASSWORD_PERSONAL_INFO'),
      'the account’s name, not the one sent',
    );
  });

  test('a 1 MB password is refused as too long in milliseconds, as a 413 or a clear 400', async () => {
    const started = performance.now();
    const res = await t.client().post('/api/v1/password/check', { password: 'x'.repeat(1 << 20) });
    assert.ok(res.statusCode === 413 || res.statusCode === 400, String(res.statusCode));
    assert.ok(performance.now() - started < 500);
  });

  test('unknown fields and wrong types get 400 VALIDATION_FAILED', async () => {
    assert.equal(errorCode(await t.client().post('/api/v1/password/check', { password: 'x', extra: 1 })), 'VALIDATION_FAILED');
    assert.equal(errorCode(await t.client().post('/api/v1/password/check', { password: 12 })), 'VALIDATION_FAILED');
  });
});

describe('live checks are rate-limited', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('per IP: the 61st in a minute gets 429, and a minute later it works again', async () => {
    const c = t.client();
    for (let i = 0; i < 60; i++) assert.equal((await c.post('/api/v1/password/check', { password: `probe number ${i}` })).statusCode, 200);
    const limited = await c.post('/api/v1/password/check', { password: 'one too many' });
    assert.equal(limited.statusCode, 429);
    t.clock.advance(61_000);
    assert.equal((await c.post('/api/v1/password/check', { password: 'after a minute' })).statusCode, 200);
  });
});

describe('organisation options through HTTP: history, minimum age, expiry', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { passwordHistory: 2, passwordMinAge: '1d', passwordMaxAge: '90d' } });
  });
  after(() => t.close());

  const change = (c: TestClient, from: string, to: string) => c.post('/api/v1/password/change', { currentPassword: from, newPassword: to });
  const A = 'amber lantern drifts east';
  const B = 'bronze walrus hums quietly';
  const C = 'cobalt meadow folds paper';

  test('minimum age holds a second change until a day has passed; history refuses the last two', async () => {
    const { email, client } = await person(t, 'hedy', A);
    assert.equal(errorCode(await change(client, A, B)), 'PASSWORD_CHANGED_TOO_RECENTLY', 'the minimum age counts from sign-up too');
    // A day later the session has ended (24 h absolute timeout): sign in again each time.
    const nextDay = async (password: string): Promise<TestClient> => {
      t.clock.advance(DAY);
      const c = t.client();
      assert.equal((await c.signIn(email, password)).statusCode, 201);
      return c;
    };
    let c = await nextDay(A);
    assert.equal((await change(c, A, B)).statusCode, 200);
    assert.equal(errorCode(await change(c, B, C)), 'PASSWORD_CHANGED_TOO_RECENTLY');
    c = await nextDay(B);
    assert.equal(errorCode(await change(c, B, A)), 'PASSWORD_REUSED', 'A is one of the last two');
    assert.equal(errorCode(await change(c, B, B)), 'PASSWORD_UNCHANGED');
    assert.equal((await change(c, B, C)).statusCode, 200);
    c = await nextDay(C);
    assert.equal(errorCode(await change(c, C, A)), 'PASSWORD_REUSED', 'still within the last two (A, B)');
    assert.equal(errorCode(await change(c, C, B)), 'PASSWORD_REUSED');
  });

  test('an expired password signs in but must be changed first, with the reason', async () => {
    const { email } = await person(t, 'katherine', A);
    t.clock.advance(89 * DAY);
    assert.equal((await t.client().signIn(email, A)).json().account.mustChangePassword, false);
    t.clock.advance(DAY);
    const res = await t.client().signIn(email, A);
    assert.equal(res.statusCode, 201);
    const account = res.json().account;
    assert.equal(account.mustChangePassword, true);
    assert.equal(account.mustChangeReason, 'expired');
    assert.equal(account.mustChangeMessage, 'Your password has expired. Choose a new one to continue.');
  });
});

describe('policy tightening at sign-in', () => {
  test('a password that met yesterday’s policy is flagged at the next sign-in, and the change page says why', async () => {
    const t = await startTestApp();
    try {
      // An account whose password was set under an older, 12-character minimum.
      const email = `older-${randomUUID().slice(0, 8)}@example.org`;
      const oldPassword = 'quartz heron';
      const account = await t.store.accounts.createAccount({
        id: randomUUID(),
        email,
        emailNormalized: email,
        displayName: 'Older Account',
        role: 'user',
        passwordHash: await t.app.deps.hasher.hash(oldPassword),
        now: t.clock.now(),
      });
      assert.ok(account);
      const c = t.client();
      const res = await c.signIn(email, oldPassword);
      assert.equal(res.statusCode, 201, 'signing in still works');
      assert.equal(res.json().account.mustChangePassword, true);
      assert.equal(res.json().account.mustChangeReason, 'policy');
      const page = await c.get('/security');
      assert.equal(page.statusCode, 303);
      assert.equal(page.headers.location, '/security/password');
      const changePage = await c.get('/security/password');
      assert.match(changePage.body, /no longer meets the password rules/);
      const events = await t.store.events.listEvents(account.id, { limit: 10 });
      const flagged = events.find((e) => e.type === 'password.change_required');
      assert.deepEqual(flagged?.detail, { reason: 'policy', violations: ['PASSWORD_TOO_SHORT'] });
      assert.equal(JSON.stringify(events).includes(oldPassword), false, 'the password is in no event');
      // Choosing a good password clears the flag.
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: oldPassword, newPassword: 'violet kettle marches sideways' })).statusCode, 200);
      assert.equal((await c.get('/api/v1/session')).json().account.mustChangePassword, false);
    } finally {
      await t.close();
    }
  });
});

describe('breached passwords through HTTP (a real offline set and a real range API server)', () => {
  const sha1 = (p: string): string => createHash('sha1').update(p.normalize('NFC'), 'utf8').digest('hex').toUpperCase();
  const LEAKED = 'violet kettle marches sideways';

  test('a password in the imported set is refused at sign-up; one that leaks later is flagged at sign-in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'passdesk-breached-http-'));
    const setPath = join(dir, 'breached-passwords.bin');
    const t = await startTestApp({ config: { breachedFile: setPath } });
    try {
      const source = join(dir, 'pwned.txt');
      await writeFile(source, `${sha1(LEAKED)}:12\n${sha1('another leaked one')}:3\n`);
      await importBreachedFile({ source, destination: setPath });
      t.clock.advance(2_000); // the server re-checks for a new set at most once a second

      const policy = (await t.client().get('/api/v1/password/policy')).json();
      assert.equal(policy.rules.breachedCheck, true);
      assert.ok(policy.sentences.some((s: string) => /data breaches/.test(s)));

      const refused = await t.client().signUp(`leak-${randomUUID().slice(0, 6)}@example.org`, LEAKED);
      assert.equal(errorCode(refused), 'PASSWORD_BREACHED');

      // Someone signed up with a good password; later it shows up in a breach corpus.
      const later = 'amber lantern drifts east';
      const { email } = await person(t, 'ida', later);
      await writeFile(source, `${sha1(LEAKED)}:12\n${sha1(later)}:1\n`);
      await importBreachedFile({ source, destination: setPath });
      t.clock.advance(2_000);
      const res = await t.client().signIn(email, later);
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().account.mustChangeReason, 'breached');
      assert.match(res.json().account.mustChangeMessage, /appeared in a data breach/);
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the range API, failing closed: an unreachable service refuses new passwords (503) but never a sign-in', async () => {
    let up = true;
    const api = createHttpServer((req, res) => {
      if (!up) {
        res.writeHead(500).end();
        return;
      }
      const prefix = req.url?.split('/').pop() ?? '';
      assert.equal(req.headers['add-padding'], 'true');
      const full = sha1(LEAKED);
      const lines = [full.startsWith(prefix) ? `${full.slice(5)}:9` : '0000000000000000000000000000000000A:0'];
      res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const { port } = api.address() as AddressInfo;
    const t = await startTestApp({
      config: { breachedFile: join(tmpdir(), `passdesk-none-${randomUUID()}.bin`), breachedApiUrl: `http://127.0.0.1:${port}`, breachedApiOnError: 'closed' },
    });
    try {
      assert.equal(errorCode(await t.client().signUp(`r-${randomUUID().slice(0, 6)}@example.org`, LEAKED)), 'PASSWORD_BREACHED');
      const { email } = await person(t, 'rosalind', 'amber lantern drifts east');
      up = false;
      const refused = await t.client().signUp(`s-${randomUUID().slice(0, 6)}@example.org`, 'bronze walrus hums quietly');
      assert.equal(refused.statusCode, 503);
      assert.equal(errorCode(refused), 'PASSWORD_BREACH_CHECK_UNAVAILABLE');
      const signIn = await t.client().signIn(email, 'amber lantern drifts east');
      assert.equal(signIn.statusCode, 201);
      assert.equal(signIn.json().account.mustChangePassword, false, 'an outage is no reason to demand a new password');
    } finally {
      await t.close();
      await new Promise((resolve) => api.close(resolve));
    }
  });
});

describe('expiry reminders (organisation option), queued in the outbox', () => {
  test('one reminder when the password enters the window, none twice, none for disabled accounts, again after a change', async () => {
    const t = await startTestApp({ config: { passwordMaxAge: '90d', passwordExpiryReminderDays: 14 } });
    try {
      const A = 'amber lantern drifts east';
      const { email } = await person(t, 'barbara', A);
      const other = await person(t, 'disabled', 'bronze walrus hums quietly');
      const otherAccount = await t.store.accounts.findAccountByEmail(other.email);
      await t.store.accounts.setStatus(otherAccount!.id, 'disabled', t.clock.now());
      const account = (await t.store.accounts.findAccountByEmail(email))!;
      const reminders = async (): Promise<string[]> =>
        (await t.store.outbox.listMessages({ limit: 50, accountId: account.id })).filter((m) => m.template === 'password-expiring').map((m) => m.text);

      t.clock.advance(75 * DAY);
      assert.equal(await sendExpiryReminders(t.app.deps), 0, '15 days before expiry: not yet');
      t.clock.advance(2 * DAY);
      assert.equal(await sendExpiryReminders(t.app.deps), 1, '13 days before: one reminder (the disabled account gets none)');
      assert.equal(await sendExpiryReminders(t.app.deps), 0, 'never twice');
      const [text] = await reminders();
      assert.match(text ?? '', /13 days/);
      assert.match(text ?? '', new RegExp(`${t.baseUrl.replace(/[.:/]/g, '\\$&')}/security/password`));

      const c = t.client();
      assert.equal((await c.signIn(email, A)).statusCode, 201);
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: A, newPassword: 'cobalt meadow folds paper' })).statusCode, 200);
      t.clock.advance(77 * DAY);
      assert.equal(await sendExpiryReminders(t.app.deps), 1, 'the new password gets its own reminder');
      assert.equal((await reminders()).length, 2);
    } finally {
      await t.close();
    }
  });
});

describe('the strength estimate at sign-in runs once per password', () => {
  test('a second sign-in with the same password skips the estimator; a new password is estimated again', async () => {
    const t = await startTestApp();
    try {
      const strength = t.app.deps.strength;
      assert.ok(strength, 'the test app has the real estimator');
      let calls = 0;
      const estimate = strength.estimate.bind(strength);
      strength.estimate = (p, inputs) => {
        calls += 1;
        return estimate(p, inputs);
      };
      const { email, client } = await person(t, 'grace');
      calls = 0;
      assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201);
      assert.equal(calls, 1, 'the first sign-in estimates');
      assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201);
      assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201);
      assert.equal(calls, 1, 'later sign-ins with the same password do not');
      const next = 'violet kettle marches sideways';
      assert.equal((await client.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: next })).statusCode, 200);
      calls = 0;
      assert.equal((await t.client().signIn(email, next)).statusCode, 201);
      assert.equal(calls, 1, 'a new password is estimated at its first sign-in');
    } finally {
      await t.close();
    }
  });
});
