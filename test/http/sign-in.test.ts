import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '@node-rs/argon2';
import { startTestApp, countHashing, METRICS_AUTH, METRICS_TOKEN, errorCode, PASSWORD, type TestApp } from '../helpers/app.js';

describe('sign-in', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { metricsToken: METRICS_TOKEN } });
    await t.client().signUp('ann@example.org', PASSWORD, 'Ann');
    await t.client().signUp('dora@example.org', PASSWORD, 'Dora');
    const dora = await t.store.accounts.findAccountByEmail('dora@example.org');
    await t.store.accounts.setStatus(dora!.id, 'disabled', t.clock.now());
  });
  after(() => t.close());

  test('the right password signs in: 201, the account, and a session cookie with every protection', async () => {
    const c = t.client();
    const res = await c.signIn('ann@example.org', PASSWORD);
    assert.equal(res.statusCode, 201);
    const body = res.json() as { account: { email: string }; session: { current: boolean; device: string } };
    assert.equal(body.account.email, 'ann@example.org');
    assert.equal(body.session.current, true);
    assert.equal(body.session.device, 'Firefox on Linux');
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /^__Host-passdesk-session=[A-Za-z0-9_-]{43};/);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; Secure/);
    assert.match(setCookie, /; SameSite=Lax/);
    assert.match(setCookie, /; Path=\//);
    assert.doesNotMatch(setCookie, /Domain=/i, '__Host- cookies carry no Domain');
    assert.doesNotMatch(res.body, new RegExp(c.sessionCookie()!), 'the token is not in the body');
  });

  test('email matching is case-insensitive and ignores surrounding spaces', async () => {
    assert.equal((await t.client().signIn('  ANN@Example.ORG ', PASSWORD)).statusCode, 201);
  });

  test('unknown email, wrong password and disabled account get the same status, body and headers', async () => {
    const responses = await Promise.all([
      t.client().signIn('nobody@example.org', PASSWORD),
      t.client().signIn('ann@example.org', 'wrong password, long enough'),
      t.client().signIn('dora@example.org', PASSWORD),
    ]);
    const shape = (r: (typeof responses)[number]) => ({
      status: r.statusCode,
      body: r.body,
      headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'date')),
    });
    const [unknown, wrong, disabled] = responses.map(shape);
    assert.equal(unknown!.status, 401);
    assert.deepEqual(JSON.parse(unknown!.body), { error: { code: 'INVALID_CREDENTIALS', message: 'The email address or password is incorrect.' } });
    assert.deepEqual(wrong, unknown);
    assert.deepEqual(disabled, unknown);
    assert.equal(
      responses.every((r) => r.headers['set-cookie'] === undefined),
      true,
    );
  });

  test('an unknown email costs an argon2id verification too (no fast path that reveals accounts)', async () => {
    // Counted, not timed: the hasher is a dependency, so every verification a sign-in asks for is seen. That the
    // dummy costs what a real verification costs (one argon2id verification with the configured parameters) is
    // the hasher's own test (test/unit/password-hasher.test.ts).
    const counted = await startTestApp();
    try {
      await counted.client().signUp('timing@example.org', PASSWORD);
      const { calls } = countHashing(counted.app);
      const work = async (email: string): Promise<string[]> => {
        // Past the per-account wait that grows from the 5th failure in a row (this test is about hashing work).
        counted.clock.advance(3_600_000);
        calls.length = 0;
        const res = await counted.client().signIn(email, 'not the password at all');
        assert.equal(res.statusCode, 401);
        return [...calls];
      };
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await work('timing@example.org'), ['verify'], 'a wrong password: one verification');
        assert.deepEqual(await work(`nobody${i}@example.org`), ['verifyDummy'], 'an unknown address: one verification too');
      }
    } finally {
      await counted.close();
    }
  });

  test('a hash made with older parameters is upgraded at the next successful sign-in', async () => {
    const weak = await startTestApp({ config: { argon2MemoryKib: 1024, argon2Iterations: 1 } });
    try {
      await weak.client().signUp('upgrade@example.org', PASSWORD);
      // Same database, stronger configuration: simulate an upgrade by swapping the hasher's params.
      const { createPasswordHasher } = await import('../../src/credentials/password-hasher.js');
      weak.app.deps.hasher = await createPasswordHasher({ params: { memoryKib: 2048, iterations: 2, parallelism: 1 } });
      const before = await weak.store.accounts.findAccountByEmail('upgrade@example.org');
      assert.equal(parseOptions(before!.passwordHash!).memoryCost, 1024);
      assert.equal((await weak.client().signIn('upgrade@example.org', PASSWORD)).statusCode, 201);
      const after = await weak.store.accounts.findAccountByEmail('upgrade@example.org');
      const o = parseOptions(after!.passwordHash!);
      assert.equal(o.memoryCost, 2048);
      assert.equal(o.timeCost, 2);
      assert.equal(after!.passwordChangedAt, before!.passwordChangedAt, 'a rehash is not a password change');
      assert.equal((await weak.client().signIn('upgrade@example.org', PASSWORD)).statusCode, 201, 'the same password still works');
      const events = await weak.store.events.listEvents(after!.id, { limit: 10 });
      assert.ok(events.some((e) => e.type === 'password.rehashed'));
    } finally {
      await weak.close();
    }
  });

  test('a session id chosen by the client is never adopted: signing in issues a new token and ends the old one', async () => {
    const c = t.client();
    c.cookies.set('__Host-passdesk-session', 'attacker-chosen-session-token-value-0123456789');
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
    await c.signIn('ann@example.org', PASSWORD);
    const first = c.sessionCookie();
    assert.notEqual(first, 'attacker-chosen-session-token-value-0123456789');
    const old = t.client();
    old.cookies.set('__Host-passdesk-session', first!);
    await c.signIn('ann@example.org', PASSWORD);
    assert.notEqual(c.sessionCookie(), first, 'the token rotates at every sign-in');
    assert.equal((await old.get('/api/v1/session')).statusCode, 401, 'the replaced session is dead');
    assert.equal((await c.get('/api/v1/session')).statusCode, 200);
  });

  test('sign-in outcomes are counted in the metrics, without emails and without why one failed', async () => {
    const res = await t.client().get('/metrics', METRICS_AUTH);
    assert.match(res.body, /passdesk_sign_in_total\{outcome="success"\} [1-9]/);
    assert.match(res.body, /passdesk_sign_in_total\{outcome="failure"\} [2-9]/, 'unknown addresses and wrong passwords, as one');
    assert.doesNotMatch(res.body, /unknown_account|wrong_password/);
    assert.match(res.body, /passdesk_password_hash_duration_seconds_count\{operation="verify"\} [1-9]/);
    assert.doesNotMatch(res.body, /example\.org/);
  });

  test('failed sign-ins of a known account are in its audit trail with the reason', async () => {
    const ann = await t.store.accounts.findAccountByEmail('ann@example.org');
    const events = await t.store.events.listEvents(ann!.id, { limit: 50 });
    const failed = events.find((e) => e.type === 'signin.failed');
    assert.deepEqual(failed?.detail, { reason: 'wrong_password' });
    assert.ok(events.some((e) => e.type === 'signin.succeeded' && e.device === 'Firefox on Linux'));
  });

  test('a password over 256 characters is refused before any hashing', async () => {
    // Counted, not timed: no call reaches the hasher. (A 50 ms bar proved nothing: the tests' argon2 parameters
    // are cheap, so a verification fits under it.)
    const hashing = countHashing(t.app);
    try {
      const res = await t.client().signIn('ann@example.org', 'x'.repeat(300));
      assert.equal(res.statusCode, 400);
      assert.equal(errorCode(res), 'PASSWORD_TOO_LONG');
      assert.deepEqual(hashing.calls, []);
    } finally {
      hashing.restore();
    }
  });
});
