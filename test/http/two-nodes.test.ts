// Issue 13: two `passdesk serve` processes on one PostgreSQL database with Redis, as behind a load balancer —
// a session made on one works on the other, throttles count once across both, a reset asked on one finishes on
// the other, their two outbox workers send each notice once, and a node killed mid-load leaves the other serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { apiClient, signUpAndConfirm, type ApiClient } from '../helpers/api-client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_TEST_URL } from '../helpers/redis.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { freePort, startServeProcess, type ServeProcess } from '../helpers/node-process.js';
import { PASSWORD, NEW_PASSWORD } from '../helpers/app.js';
import { openStore } from '../../src/store/index.js';
import { queueMessage } from '../../src/mail/queue.js';
import { createMailBodyBox } from '../../src/mail/sealed-body.js';
import { systemRandom } from '../../src/core/random.js';
import { systemClock } from '../../src/core/clock.js';
import { connectRedis } from '../../src/store/redis.js';

const SECRET = `two-nodes-${randomBytes(16).toString('hex')}`;
const scratch = mkdtempSync(join(tmpdir(), 'passdesk-two-nodes-'));

describe('two nodes on one PostgreSQL database with Redis', () => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let a: ServeProcess;
  let b: ServeProcess;
  let baseUrl: string;
  const prefix = `passdesk-test-${randomBytes(6).toString('hex')}`;

  before(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtpServer()]);
    const [portA, portB] = [await freePort(), await freePort()];
    baseUrl = `http://127.0.0.1:${portA}`;
    const env = (node: string): Record<string, string> => ({
      PASSDESK_DATABASE_URL: db.url,
      PASSDESK_REDIS_URL: REDIS_TEST_URL,
      PASSDESK_REDIS_PREFIX: prefix,
      PASSDESK_SECRET: SECRET,
      PASSDESK_BASE_URL: baseUrl,
      PASSDESK_DATA_DIR: mkdtempSync(join(scratch, `${node}-`)),
      PASSDESK_SMTP_URL: smtp.url,
      PASSDESK_SMTP_SECURITY: 'none',
      PASSDESK_CHALLENGE: 'off',
      // The per-account delay (shared through the database already) would step in before the (email, IP) limit.
      PASSDESK_SIGNIN_DELAY_FROM: '100',
      PASSDESK_ENV: 'production',
    });
    // One after the other: the first applies the migrations.
    a = await startServeProcess({ port: portA, env: env('a') });
    b = await startServeProcess({ port: portB, env: env('b') });
  });

  after(async () => {
    a?.kill();
    b?.kill();
    await Promise.all([a?.exited, b?.exited]);
    await smtp?.close();
    await db?.drop();
    const redis = connectRedis(REDIS_TEST_URL, { warn: () => {}, info: () => {} });
    if (await redis.ready(5000)) {
      const keys = await redis.client.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.client.unlink(...keys);
    }
    await redis.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A client talking to one node with its own cookie jar; `jar` shares another client's cookies (the same browser). */
  /** The sign-up link's token from the confirmation email to `email` that reaches the SMTP server after `since` messages. */
  const smtpToken = async (email: string, since: number): Promise<string> => {
    for (let n = since + 1; ; n++) {
      await smtp.waitFor(n, 20_000);
      for (const m of smtp.received.slice(since)) {
        const token = m.to.includes(email) ? /\/sign-up\/verify\?token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1] : undefined;
        if (token) return token;
      }
    }
  };

  const client = (node: ServeProcess, jar?: ApiClient): ApiClient => {
    const c = apiClient({ url: node.url, origin: baseUrl });
    if (jar) for (const [k, v] of jar.cookies) c.cookies.set(k, v);
    return c;
  };

  it('a session made on A works on B, and signing out on B ends it on A', async () => {
    const email = 'both-nodes@example.org';
    const onA = client(a);
    const since = smtp.received.length;
    const signUp = await signUpAndConfirm(onA, { email, password: PASSWORD, displayName: 'Two Nodes' }, () => smtpToken(email, since));
    assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
    const onB = client(b, onA);
    const me = await onB.GET('/api/v1/session');
    assert.equal(me.response.status, 200);
    assert.equal(me.data?.account.email, email);
    assert.equal((await onB.DELETE('/api/v1/session')).response.status, 204);
    assert.equal((await client(a, onA).GET('/api/v1/session')).response.status, 401);
  });

  it('the (email, IP) sign-in limit counts once across both nodes: 10 wrong passwords in all, not 10 on each', async () => {
    const email = `nobody-${randomBytes(4).toString('hex')}@example.org`;
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await client(i % 2 === 0 ? a : b).POST('/api/v1/sessions', { body: { email, password: `wrong guess number ${i}` } });
      statuses.push(res.response.status);
    }
    assert.equal(statuses.filter((s) => s === 401).length, 10, statuses.join(' '));
    assert.ok(
      statuses.slice(10).every((s) => s === 429),
      statuses.join(' '),
    );
  });

  it('a burst of parallel wrong passwords spread over both nodes gets no more tries than the limit', async () => {
    const email = `burst-${randomBytes(4).toString('hex')}@example.org`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client(i % 2 === 0 ? a : b).POST('/api/v1/sessions', { body: { email, password: `parallel guess ${i}` } })),
    );
    const evaluated = results.filter((r) => r.response.status === 401).length;
    assert.equal(evaluated, 10, results.map((r) => r.response.status).join(' '));
  });

  it('a reset asked on A is finished on B; the new password signs in on A', async () => {
    const email = 'reset-across@example.org';
    const since = smtp.received.length;
    const signUp = await signUpAndConfirm(client(b), { email, password: PASSWORD, displayName: 'Reset Across' }, () => smtpToken(email, since));
    assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
    const before = smtp.received.length;
    const ask = await client(a).POST('/api/v1/password/reset', { body: { email } });
    assert.equal(ask.response.status, 202);
    await smtp.waitFor(before + 1, 20_000);
    const mail = smtp.received.slice(before).find((m) => m.to.includes(email));
    assert.ok(mail, 'the reset email arrived');
    const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
    assert.ok(code);
    const onB = client(b);
    const verified = await onB.POST('/api/v1/password/reset/verify', { body: { email, code } });
    assert.equal(verified.response.status, 200, JSON.stringify(verified.error));
    const done = await onB.POST('/api/v1/password/reset/complete', { body: { flowId: verified.data!.flowId, newPassword: NEW_PASSWORD } });
    assert.equal(done.response.status, 200, JSON.stringify(done.error));
    const signIn = await client(a).POST('/api/v1/sessions', { body: { email, password: NEW_PASSWORD } });
    assert.equal(signIn.response.status, 201, JSON.stringify(signIn.error));
  });

  it("the two nodes' outbox workers send each of 60 queued notices exactly once", async () => {
    const store = openStore(db.url);
    const bodies = createMailBodyBox({ serverSecrets: [new TextEncoder().encode(SECRET)], random: systemRandom });
    const before = smtp.received.length;
    const ids: string[] = [];
    try {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 60; i++) {
          const q = await queueMessage(
            tx,
            { clock: systemClock, random: systemRandom, messageIdDomain: 'localhost', bodies },
            {
              to: `bulk${i}@example.org`,
              accountId: null,
              template: 'test',
              content: { subject: `bulk ${i}`, text: 'text', html: '<p>html</p>' },
            },
          );
          ids.push(q.messageId);
        }
      });
    } finally {
      await store.close();
    }
    // Only these 60 (a notice from an earlier test may still arrive meanwhile).
    const bulk = (): string[] =>
      smtp.received
        .slice(before)
        .filter((m) => m.to.some((to) => to.startsWith('bulk')))
        .map((m) => m.headers.get('message-id') ?? '');
    const deadline = Date.now() + 30_000;
    // SMTP arrives over sockets from two other processes: polled with a deadline.
    while (bulk().length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(bulk().length, 60);
    assert.equal(new Set(bulk()).size, 60, 'no message twice');
    for (const id of ids) assert.ok(bulk().includes(id), `${id} arrived`);
  });

  it('B keeps serving while A is killed in the middle of a load', async () => {
    const email = 'survivor@example.org';
    const onB = client(b);
    const since = smtp.received.length;
    const signUp = await signUpAndConfirm(onB, { email, password: PASSWORD, displayName: 'Survivor' }, () => smtpToken(email, since));
    assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
    const onA = client(a, onB);
    let killed = false;
    const bStatuses: number[] = [];
    const load = async (): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        if (i === 10 && !killed) {
          killed = true;
          a.kill();
        }
        bStatuses.push((await client(b, onB).GET('/api/v1/session')).response.status);
        // A request to A in flight when it dies fails; only B's answers are the point.
        if (!killed) await onA.GET('/api/v1/session').catch(() => undefined);
      }
    };
    await Promise.all([load(), load()]);
    await a.exited;
    assert.ok(bStatuses.length === 80 && bStatuses.every((s) => s === 200), bStatuses.join(' '));
  });
});
