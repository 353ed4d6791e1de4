// The same HTTP journey on PostgreSQL: sign up, sign in on two devices, change the password.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, NEW_PASSWORD, type TestApp } from '../helpers/app.js';

describe('on PostgreSQL', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ backend: 'postgres' });
  });
  after(() => t.close());

  test('the store really is PostgreSQL', () => {
    assert.equal(t.store.dialect, 'postgres');
  });

  test('change password signs out the other device; old password refused, new accepted', async () => {
    await t.client().signUp('pg@example.org', PASSWORD);
    const laptop = t.client();
    const phone = t.client();
    await laptop.signIn('pg@example.org', PASSWORD);
    await phone.signIn('pg@example.org', PASSWORD);
    const wrong = await laptop.post('/api/v1/password/change', { currentPassword: 'not the right one at all', newPassword: NEW_PASSWORD });
    assert.equal(errorCode(wrong), 'CURRENT_PASSWORD_INCORRECT');
    const res = await laptop.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { signedOutSessions: number }).signedOutSessions, 2);
    assert.equal((await phone.get('/api/v1/session')).statusCode, 401);
    assert.equal((await laptop.get('/api/v1/session')).statusCode, 200);
    assert.equal((await t.client().signIn('pg@example.org', PASSWORD)).statusCode, 401);
    assert.equal((await t.client().signIn('pg@example.org', NEW_PASSWORD)).statusCode, 201);
  });

  test('racing changes on one session: exactly one commits (row lock + guarded update)', async () => {
    await t.client().signUp('pgrace@example.org', PASSWORD);
    const c = t.client();
    await c.signIn('pgrace@example.org', PASSWORD);
    const results = await Promise.all(
      ['racing password number one', 'racing password number two', 'racing password number three'].map((p) =>
        c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: p }),
      ),
    );
    assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
  });

  test('idle sessions expire on PostgreSQL too', async () => {
    await t.client().signUp('pgidle@example.org', PASSWORD);
    const c = t.client();
    await c.signIn('pgidle@example.org', PASSWORD);
    t.clock.advance(3_600_000 + 1);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });
});
