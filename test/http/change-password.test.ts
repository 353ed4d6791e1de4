import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, countHashing, errorCode, PASSWORD, NEW_PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

describe('changing a password while signed in', () => {
  let t: TestApp;
  let n = 0;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** A fresh person for each test, signed in on `devices` devices. */
  async function person(devices = 1): Promise<{ email: string; clients: TestClient[] }> {
    const email = `person${++n}@example.org`;
    const signUp = t.client();
    await signUp.signUp(email, PASSWORD);
    await signUp.delete('/api/v1/session');
    const clients: TestClient[] = [];
    for (let i = 0; i < devices; i++) {
      const c = t.client();
      assert.equal((await c.signIn(email, PASSWORD)).statusCode, 201);
      clients.push(c);
    }
    return { email, clients };
  }

  const change = (c: TestClient, body: Record<string, unknown>) => c.post('/api/v1/password/change', body);

  test('the whole procedure: new password works, old one is refused, this device stays signed in on a new token', async () => {
    const {
      email,
      clients: [me],
    } = await person();
    const oldToken = me!.sessionCookie();
    const res = await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(res.statusCode, 200);
    assert.notEqual(me!.sessionCookie(), oldToken, 'the session token rotated');
    assert.equal((await me!.get('/api/v1/session')).statusCode, 200, 'still signed in with the new cookie');
    const stale = t.client();
    stale.cookies.set('__Host-passdesk-session', oldToken!);
    assert.equal((await stale.get('/api/v1/session')).statusCode, 401, 'the old cookie is dead');
    assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 401, 'the old password is refused');
    assert.equal((await t.client().signIn(email, NEW_PASSWORD)).statusCode, 201, 'the new password works');
  });

  test('other devices are signed out by default', async () => {
    const {
      clients: [me, phone, tablet],
    } = await person(3);
    const res = await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal((res.json() as { signedOutSessions: number }).signedOutSessions, 2);
    assert.equal((await phone!.get('/api/v1/session')).statusCode, 401);
    assert.equal((await tablet!.get('/api/v1/session')).statusCode, 401);
    const list = (await me!.get('/api/v1/sessions')).json() as { sessions: unknown[] };
    assert.equal(list.sessions.length, 1);
  });

  test('signOutOtherSessions: false keeps the other devices', async () => {
    const {
      clients: [me, phone],
    } = await person(2);
    const res = await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, signOutOtherSessions: false });
    assert.equal((res.json() as { signedOutSessions: number }).signedOutSessions, 0);
    assert.equal((await phone!.get('/api/v1/session')).statusCode, 200);
  });

  test('a wrong current password changes nothing and is recorded as a failed attempt', async () => {
    const {
      email,
      clients: [me, phone],
    } = await person(2);
    const before = await t.store.accounts.findAccountByEmail(email);
    const token = me!.sessionCookie();
    const res = await change(me!, { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD });
    assert.equal(res.statusCode, 400);
    assert.equal(errorCode(res), 'CURRENT_PASSWORD_INCORRECT');
    const after = await t.store.accounts.findAccountByEmail(email);
    assert.equal(after!.passwordHash, before!.passwordHash);
    assert.equal(after!.passwordChangedAt, before!.passwordChangedAt);
    assert.equal(me!.sessionCookie(), token, 'no new cookie');
    assert.equal((await phone!.get('/api/v1/session')).statusCode, 200, 'other devices untouched');
    const events = await t.store.events.listEvents(after!.id, { limit: 10 });
    assert.ok(events.some((e) => e.type === 'password.change_failed'));
    assert.ok(!events.some((e) => e.type === 'password.changed'));
  });

  test('after 5 wrong current passwords in 15 minutes the change is refused for a while (429), then allowed again', async () => {
    const {
      clients: [me],
    } = await person();
    for (let i = 0; i < 5; i++) {
      assert.equal(errorCode(await change(me!, { currentPassword: `wrong guess number ${i}`, newPassword: NEW_PASSWORD })), 'CURRENT_PASSWORD_INCORRECT');
    }
    const limited = await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(limited.statusCode, 429);
    assert.equal(errorCode(limited), 'TOO_MANY_REQUESTS');
    assert.ok(limited.headers['retry-after']);
    t.clock.advance(15 * 60_000 + 1);
    // Idle timeout is 1 h, so the session survived the wait.
    assert.equal((await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
  });

  test('the new password must follow the policy: too short, too long, or the same as now', async () => {
    const {
      email,
      clients: [me],
    } = await person();
    const short = await change(me!, { currentPassword: PASSWORD, newPassword: 'short pass' });
    assert.equal(short.statusCode, 400);
    assert.equal(errorCode(short), 'PASSWORD_TOO_SHORT');
    assert.equal((short.json() as { error: { message: string } }).error.message, 'Use at least 15 characters — you have 10.');
    const same = await change(me!, { currentPassword: PASSWORD, newPassword: PASSWORD });
    assert.equal(errorCode(same), 'PASSWORD_UNCHANGED');
    // Counted, not timed (the tests' argon2 parameters are cheap enough to fit under any time bar).
    const hashing = countHashing(t.app);
    try {
      const long = await change(me!, { currentPassword: PASSWORD, newPassword: 'y'.repeat(257) });
      assert.equal(errorCode(long), 'PASSWORD_TOO_LONG');
      assert.deepEqual(hashing.calls, [], 'refused before any hashing');
    } finally {
      hashing.restore();
    }
    assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201, 'nothing changed');
  });

  test('the change is written with its audit event: time, IP and device', async () => {
    const {
      email,
      clients: [me],
    } = await person(2);
    t.clock.advance(1000);
    await change(me!, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    const account = await t.store.accounts.findAccountByEmail(email);
    assert.equal(account!.passwordChangedAt, t.clock.now());
    const event = (await t.store.events.listEvents(account!.id, { limit: 5 })).find((e) => e.type === 'password.changed');
    assert.ok(event);
    assert.equal(event.createdAt, t.clock.now());
    assert.equal(event.ip, '127.0.0.1');
    assert.equal(event.device, 'Firefox on Linux');
    assert.deepEqual(event.detail, { signedOutSessions: 1, via: 'change' });
  });

  test('two changes racing on one session: exactly one commits, the other changes nothing', async () => {
    const {
      email,
      clients: [me],
    } = await person();
    const [a, b] = await Promise.all([
      change(me!, { currentPassword: PASSWORD, newPassword: 'first racing new password' }),
      change(me!, { currentPassword: PASSWORD, newPassword: 'second racing new password' }),
    ]);
    const statuses = [a!.statusCode, b!.statusCode].sort();
    assert.deepEqual(statuses, [200, 401]);
    const winner = a!.statusCode === 200 ? 'first racing new password' : 'second racing new password';
    const loser = a!.statusCode === 200 ? 'second racing new password' : 'first racing new password';
    assert.equal((await t.client().signIn(email, winner)).statusCode, 201);
    assert.equal((await t.client().signIn(email, loser)).statusCode, 401);
  });

  test('a change needs a session', async () => {
    const res = await change(t.client(), { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(res.statusCode, 401);
    assert.equal(errorCode(res), 'AUTHENTICATION_REQUIRED');
  });

  test('a request that fails validation changes nothing (unknown fields, wrong types, missing fields)', async () => {
    const {
      email,
      clients: [me],
    } = await person();
    for (const body of [
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, admin: true },
      { currentPassword: PASSWORD, newPassword: 12345 },
      { currentPassword: PASSWORD },
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, signOutOtherSessions: 'yes' },
      [PASSWORD, NEW_PASSWORD],
    ]) {
      const res = await change(me!, body as Record<string, unknown>);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(errorCode(res), 'VALIDATION_FAILED');
    }
    assert.equal((await t.client().signIn(email, PASSWORD)).statusCode, 201);
  });
});
