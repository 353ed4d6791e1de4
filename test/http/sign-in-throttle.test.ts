import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, METRICS_AUTH, METRICS_TOKEN, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';

describe('sign-in throttling that never locks the owner out', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { signInMaxFailuresPerAccount: 3, signInMaxFailuresPerIp: 8, signInThrottleWindow: '15m', metricsToken: METRICS_TOKEN } });
    await t.client().signUp('owner@example.org', PASSWORD);
  });
  after(() => t.close());

  const attempt = (email: string, password: string) => t.client().post('/api/v1/sessions', { email, password });

  test('after 3 failures for one email from one IP, even the right password waits (429) until the window passes', async () => {
    for (let i = 0; i < 3; i++) assert.equal(errorCode(await attempt('owner@example.org', `guess number ${i} that is wrong`)), 'INVALID_CREDENTIALS');
    const limited = await attempt('owner@example.org', PASSWORD);
    assert.equal(limited.statusCode, 429);
    assert.equal(errorCode(limited), 'TOO_MANY_REQUESTS');
    t.clock.advance(15 * 60_000 + 1);
    assert.equal((await attempt('owner@example.org', PASSWORD)).statusCode, 201);
  });

  test('a burst of parallel guesses gets no more tries than the limit (3 of 20 are checked, the rest are 429)', async () => {
    t.clock.advance(15 * 60_000 + 1);
    await t.client().signUp('burst@example.org', PASSWORD);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt('burst@example.org', `parallel guess ${i} is wrong`)));
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 401).length, 3, codes.join(','));
    assert.equal(codes.filter((c) => c === 429).length, 17);
  });

  test('an unknown email is throttled exactly like a known one (no enumeration through 429s)', async () => {
    t.clock.advance(15 * 60_000 + 1);
    const known: number[] = [];
    const unknown: number[] = [];
    // The whole answer, not only its status: body and headers (but the date) must not tell the two apart either.
    const knownAnswers: unknown[] = [];
    const unknownAnswers: unknown[] = [];
    const answer = (r: Awaited<ReturnType<typeof attempt>>): unknown => ({
      status: r.statusCode,
      body: r.body,
      headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date')),
    });
    for (let i = 0; i < 4; i++) {
      const k = await attempt('owner@example.org', `wrong guess ${i} for owner`);
      const u = await attempt('ghost@example.org', `wrong guess ${i} for ghost`);
      known.push(k.statusCode);
      unknown.push(u.statusCode);
      knownAnswers.push(answer(k));
      unknownAnswers.push(answer(u));
    }
    assert.deepEqual(known, [401, 401, 401, 429]);
    assert.deepEqual(unknown, known);
    assert.deepEqual(unknownAnswers, knownAnswers);
  });

  test('a successful sign-in clears the count for that email and IP', async () => {
    t.clock.advance(15 * 60_000 + 1);
    await t.client().signUp('clear@example.org', PASSWORD);
    for (let i = 0; i < 2; i++) await attempt('clear@example.org', `typo number ${i} in password`);
    assert.equal((await attempt('clear@example.org', PASSWORD)).statusCode, 201);
    for (let i = 0; i < 2; i++) await attempt('clear@example.org', `another typo ${i} in password`);
    assert.equal((await attempt('clear@example.org', PASSWORD)).statusCode, 201, 'not limited: the count started again');
  });

  test('the throttle shows in the metrics', async () => {
    const res = await t.client().get('/metrics', METRICS_AUTH);
    assert.match(res.body, /passdesk_sign_in_total\{outcome="throttled"\} [1-9]/);
  });
});

describe('throttling keys on the client address', () => {
  test('one IP spraying many emails is stopped by the per-IP limit (it must now solve a challenge per try); another IP is unaffected (owner not locked out)', async () => {
    // trustProxy lets the test speak from several addresses through X-Forwarded-For.
    const t = await startTestApp({ config: { signInMaxFailuresPerAccount: 3, signInMaxFailuresPerIp: 5, trustProxy: 1 } });
    try {
      await t.client().signUp('victim@example.org', PASSWORD);
      const attacker = { headers: { 'x-forwarded-for': '203.0.113.9' } };
      const owner = { headers: { 'x-forwarded-for': '198.51.100.7' } };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await t.client().post('/api/v1/sessions', { email: `user${i}@example.org`, password: 'spray spray spray 1' }, attacker)).statusCode);
      }
      // Past the per-IP limit the default (PASSDESK_CHALLENGE=auto) asks for a solved bot challenge instead of a 429
      // lock, so people behind the same address are slowed, not locked out (test/http/challenge.test.ts).
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 428]);
      for (let i = 0; i < 3; i++) await t.client().post('/api/v1/sessions', { email: 'victim@example.org', password: `attacker guess ${i} here` }, attacker);
      assert.equal(
        (await t.client().post('/api/v1/sessions', { email: 'victim@example.org', password: PASSWORD }, owner)).statusCode,
        201,
        'the owner, from their own address, signs in',
      );
    } finally {
      await t.close();
    }
  });
});
