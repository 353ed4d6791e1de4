import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, errorCode, PASSWORD, type TestApp, type TestClient } from '../helpers/app.js';

const HOUR = 3_600_000;

describe('sessions on every device', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await t.client().signUp('sam@example.org', PASSWORD, 'Sam');
    await t.client().signUp('eve@example.org', PASSWORD, 'Eve');
  });
  after(() => t.close());

  async function signedIn(userAgent?: string, email = 'sam@example.org'): Promise<TestClient> {
    const c = t.client(userAgent ? { userAgent } : undefined);
    assert.equal((await c.signIn(email, PASSWORD)).statusCode, 201);
    return c;
  }

  test('GET /session says who I am; without a session it is 401 AUTHENTICATION_REQUIRED', async () => {
    const c = await signedIn();
    const res = await c.get('/api/v1/session');
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { account: { email: string } }).account.email, 'sam@example.org');
    assert.equal(res.headers['cache-control'], 'no-store');
    const anon = await t.client().get('/api/v1/session');
    assert.equal(anon.statusCode, 401);
    assert.equal(errorCode(anon), 'AUTHENTICATION_REQUIRED');
  });

  test('the device list shows each device by name, the current one marked', async () => {
    const phone = await signedIn(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    );
    const laptop = await signedIn('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0');
    const res = await laptop.get('/api/v1/sessions');
    const { sessions } = res.json() as { sessions: Array<{ device: string; current: boolean; ip: string }> };
    const current = sessions.filter((s) => s.current);
    assert.equal(current.length, 1);
    assert.equal(current[0]!.device, 'Firefox on Windows');
    assert.ok(sessions.some((s) => s.device === 'Safari on iOS' && !s.current));
    assert.equal(sessions[0]!.ip, '127.0.0.1');
    await phone.delete('/api/v1/session');
  });

  test('sign out ends the session on the server and clears the cookie', async () => {
    const c = await signedIn();
    const token = c.sessionCookie()!;
    const res = await c.delete('/api/v1/session');
    assert.equal(res.statusCode, 204);
    assert.match(String(res.headers['set-cookie']), /__Host-passdesk-session=;.*Expires=Thu, 01 Jan 1970/);
    const replay = t.client();
    replay.cookies.set('__Host-passdesk-session', token);
    assert.equal((await replay.get('/api/v1/session')).statusCode, 401, 'a copied cookie is dead too');
  });

  test('a session idle for longer than the idle timeout (1 h) is dead', async () => {
    const c = await signedIn();
    t.clock.advance(HOUR - 1000);
    assert.equal((await c.get('/api/v1/session')).statusCode, 200, 'activity just inside the window keeps it alive');
    t.clock.advance(HOUR - 1000);
    assert.equal((await c.get('/api/v1/session')).statusCode, 200, 'the last request refreshed the idle window');
    t.clock.advance(HOUR + 1);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });

  test('a session ends at the absolute timeout (24 h) however active it is', async () => {
    const c = await signedIn();
    const step = 50 * 60_000;
    let elapsed = 0;
    while (elapsed + step < 24 * HOUR) {
      t.clock.advance(step);
      elapsed += step;
      assert.equal((await c.get('/api/v1/session')).statusCode, 200, `after ${elapsed / 60_000} minutes`);
    }
    t.clock.advance(24 * HOUR - elapsed);
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });

  test('configured timeouts replace the defaults', async () => {
    const short = await startTestApp({ config: { sessionIdleTimeout: '10m', sessionAbsoluteTimeout: '2h' } });
    try {
      await short.client().signUp('kim@example.org', PASSWORD);
      const c = short.client();
      const res = await c.signIn('kim@example.org', PASSWORD);
      assert.match(String(res.headers['set-cookie']), /Max-Age=7200/);
      short.clock.advance(10 * 60_000 + 1);
      assert.equal((await c.get('/api/v1/session')).statusCode, 401);
    } finally {
      await short.close();
    }
  });

  test('DELETE /sessions/{id} signs out another device of mine', async () => {
    const mine = await signedIn();
    const other = await signedIn();
    const otherId = ((await other.get('/api/v1/session')).json() as { session: { id: string } }).session.id;
    const res = await mine.delete(`/api/v1/sessions/${otherId}`);
    assert.equal(res.statusCode, 204);
    assert.equal((await other.get('/api/v1/session')).statusCode, 401);
    assert.equal((await mine.get('/api/v1/session')).statusCode, 200);
    const again = await mine.delete(`/api/v1/sessions/${otherId}`);
    assert.equal(again.statusCode, 404);
    assert.equal(errorCode(again), 'SESSION_NOT_FOUND');
  });

  test('someone else’s session id gets the same 404 as one that never existed, and stays alive', async () => {
    const sam = await signedIn();
    const eve = await signedIn(undefined, 'eve@example.org');
    const eveId = ((await eve.get('/api/v1/session')).json() as { session: { id: string } }).session.id;
    const theirs = await sam.delete(`/api/v1/sessions/${eveId}`);
    const none = await sam.delete('/api/v1/sessions/00000000-0000-0000-0000-000000000000');
    assert.equal(theirs.statusCode, 404);
    assert.equal(theirs.body, none.body);
    assert.equal((await eve.get('/api/v1/session')).statusCode, 200);
  });

  test('DELETE /sessions/{my current id} signs me out and clears the cookie', async () => {
    const c = await signedIn();
    const id = ((await c.get('/api/v1/session')).json() as { session: { id: string } }).session.id;
    const res = await c.delete(`/api/v1/sessions/${id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(c.sessionCookie(), undefined);
  });

  test('revoke-others signs out every other device and keeps this one', async () => {
    const keep = await signedIn();
    const a = await signedIn();
    const b = await signedIn();
    const res = await keep.post('/api/v1/sessions/revoke-others');
    assert.equal(res.statusCode, 200);
    assert.ok((res.json() as { revoked: number }).revoked >= 2);
    assert.equal((await a.get('/api/v1/session')).statusCode, 401);
    assert.equal((await b.get('/api/v1/session')).statusCode, 401);
    assert.equal((await keep.get('/api/v1/session')).statusCode, 200);
    const list = (await keep.get('/api/v1/sessions')).json() as { sessions: unknown[] };
    assert.equal(list.sessions.length, 1);
  });

  test('a disabled account’s sessions stop working at once', async () => {
    await t.client().signUp('gone@example.org', PASSWORD);
    const c = t.client();
    await c.signIn('gone@example.org', PASSWORD);
    const gone = await t.store.accounts.findAccountByEmail('gone@example.org');
    await t.store.accounts.setStatus(gone!.id, 'disabled', t.clock.now());
    assert.equal((await c.get('/api/v1/session')).statusCode, 401);
  });

  test('the stored session holds only a SHA-256 of the token', async () => {
    const c = await signedIn();
    const token = c.sessionCookie()!;
    const { createHash } = await import('node:crypto');
    const found = await t.store.sessions.findSessionByTokenHash(createHash('sha256').update(token).digest('hex'));
    assert.ok(found, 'found by hash');
    assert.equal(await t.store.sessions.findSessionByTokenHash(token), null, 'not by the token itself');
  });
});
