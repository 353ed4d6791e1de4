// Issue 13: with PASSDESK_REDIS_URL the attempt limits live in Redis. Redis stopped mid-test (a private
// redis-server this file starts and kills by its PID): every guessing endpoint fails closed with 503 and
// Retry-After, everything that does not guess keeps working, /readyz says not ready; Redis back: all resumes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startTestApp, PASSWORD, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/node-process.js';

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('Redis stopped while the server runs', () => {
  let t: TestApp;
  let redis: ChildProcess;
  let port: number;

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    t = await startTestApp({ config: { redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: 'outage-test' } });
  });
  after(async () => {
    await t?.close();
    await stopRedis(redis);
  });

  async function until(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 15_000;
    // Waits for the client to reconnect to a restarted server: real I/O, polled with a deadline.
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('guessing endpoints answer 503 with Retry-After; sessions, pages and health keep working; back once Redis is', async () => {
    const owner = t.client();
    assert.equal((await owner.signUp('redis-outage@example.org', PASSWORD, 'Outage')).statusCode, 201);
    assert.equal((await t.client().post('/api/v1/sessions', { email: 'redis-outage@example.org', password: PASSWORD })).statusCode, 201);
    assert.equal((await t.client().get('/readyz')).statusCode, 200);

    await stopRedis(redis);

    const signIn = await t.client().post('/api/v1/sessions', { email: 'redis-outage@example.org', password: PASSWORD });
    assert.equal(signIn.statusCode, 503, signIn.body);
    assert.equal(signIn.json().error.code, 'SERVICE_UNAVAILABLE');
    assert.match(signIn.json().error.message, /security service is unavailable/);
    assert.ok(signIn.headers['retry-after']);
    const wrong = await t.client().post('/api/v1/sessions', { email: 'redis-outage@example.org', password: 'a wrong password here' });
    assert.equal(wrong.statusCode, 503, 'no guess is evaluated without its count');
    const code = await t.client().post('/api/v1/password/reset/verify', { email: 'redis-outage@example.org', code: '12345678' });
    assert.equal(code.statusCode, 503, code.body);
    const check = await t.client().post('/api/v1/password/check', { password: 'a candidate password to check' });
    assert.equal(check.statusCode, 503, check.body);

    // Not guessing: the signed-in person carries on, pages render, liveness holds, readiness does not.
    assert.equal((await owner.get('/api/v1/session')).statusCode, 200);
    assert.equal((await t.client().get('/sign-in')).statusCode, 200);
    assert.equal((await t.client().get('/api/v1/password/policy')).statusCode, 200);
    assert.equal((await t.client().get('/healthz')).statusCode, 200);
    assert.equal((await t.client().get('/readyz')).statusCode, 503);

    redis = await startRedis(port);
    await until(async () => (await t.client().get('/readyz')).statusCode === 200);
    assert.equal((await t.client().post('/api/v1/sessions', { email: 'redis-outage@example.org', password: PASSWORD })).statusCode, 201);
  });
});
