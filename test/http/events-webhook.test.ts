// Events out as signed webhooks, to a receiver that verifies them as docs/guides/events-out.md says (signature by
// the Standard Webhooks reference library, timestamp tolerance, ids taken once): every event of real flows arrives
// exactly once; a refused attempt is retried after the backoff (by the injected clock, no sleeping); a receiver down
// and up again loses nothing; two workers on one PostgreSQL send nothing twice; a stopping worker gives back what
// it had not started; and no password, token, hash or secret is ever in what leaves.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestApp, PASSWORD, NEW_PASSWORD, type TestApp } from '../helpers/app.js';
import { startWebhookReceiver, TOLERANCE_SECONDS, type TestWebhookReceiver } from '../helpers/webhook-receiver.js';
import { createTestDatabase } from '../helpers/pg.js';
import { manualClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createEventsSystem } from '../../src/events/setup.js';
import { parseWebhookSecret } from '../../src/events/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'passdesk-webhook-'));
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const secretFile = join(dir, 'webhook-secret');
writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
after(() => rmSync(dir, { recursive: true, force: true }));

interface Delivered {
  type: string;
  timestamp: string;
  data: { uid: string; eventId: number; type: string; accountId: string | null; detail: Record<string, unknown> | null };
}

async function withApp(receiver: TestWebhookReceiver, fn: (t: TestApp) => Promise<void>, config: Record<string, unknown> = {}): Promise<void> {
  const t = await startTestApp({ config: { eventsWebhookUrl: receiver.url, eventsWebhookSecretFile: secretFile, ...config } });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

describe('events out as signed webhooks', () => {
  let receiver: TestWebhookReceiver;
  const clock = { now: () => current() };
  let current: () => number = () => Date.now();
  before(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET, clock });
  });
  after(() => receiver.close());

  test('a refused attempt (500) is retried after the backoff, signed anew; the event is taken exactly once', async () => {
    await withApp(receiver, async (t) => {
      current = () => t.clock.now();
      const seen = receiver.requests.length;
      await t.client().signUp('ann@example.org', PASSWORD, 'Ann');
      receiver.refuseNext(1, 500);
      assert.deepEqual(await t.app.events.drain(), { claimed: 1, sent: 0, retrying: 1, failed: 0 });
      const [row] = await t.store.eventDeliveries.listDeliveries({ limit: 1 });
      assert.deepEqual([row?.state, row?.attempts, row?.lastError], ['retrying', 1, 'the receiver answered HTTP 500']);
      assert.equal(row?.nextAttemptAt, t.clock.now() + 30_000, 'PASSDESK_EVENTS_RETRY_BASE: 30s');
      assert.equal((await t.app.events.drain()).claimed, 0, 'not before the backoff');
      t.clock.advance(30_000);
      assert.equal((await t.app.events.drain()).sent, 1);
      const attempts = receiver.requests.slice(seen);
      assert.equal(attempts.length, 2);
      assert.equal(attempts[0]!.id, attempts[1]!.id, 'the same webhook-id on the retry');
      assert.equal(attempts[1]!.timestamp - attempts[0]!.timestamp, 30, 'signed anew, with the time of the attempt');
      assert.deepEqual(
        attempts.map((a) => a.status),
        [500, 204],
      );
      const ann = await t.store.accounts.findAccountByEmail('ann@example.org');
      const [event] = await t.store.events.queryEvents({ limit: 1, type: 'account.created' });
      const body = receiver.accepted.get(attempts[1]!.id) as Delivered;
      assert.deepEqual([body.type, body.data.type, body.data.eventId, body.data.accountId], ['account.created', 'account.created', event!.id, ann!.id]);
      assert.equal(body.timestamp, new Date(event!.createdAt).toISOString());
      assert.equal((await t.app.events.drain()).claimed, 0, 'settled: never sent again');
    });
  });

  test('the receiver refuses a replay, an old timestamp and a changed body; the signature is the reference library’s', async () => {
    await withApp(receiver, async (t) => {
      current = () => t.clock.now();
      await t.client().signUp('replay@example.org', PASSWORD);
      await t.app.events.drain();
      const taken = receiver.requests.at(-1)!;
      assert.equal(taken.status, 204);
      assert.match(taken.signature, /^v1,[A-Za-z0-9+/]{43}=$/);
      assert.equal(await receiver.replay(taken), 400, 'the same request again: its id was taken');
      assert.equal(receiver.requests.at(-1)!.refused, 'replayed');
      assert.equal(await receiver.replay({ ...taken, id: 'other-id' }), 400, 'another id under the same signature');
      assert.equal(receiver.requests.at(-1)!.refused, 'signature');
      assert.equal(await receiver.replay({ ...taken, body: taken.body.replace('"type":"account.created"', '"type":"account.reported"') }), 400);
      assert.equal(receiver.requests.at(-1)!.refused, 'signature');
      receiver.accepted.delete(taken.id);
      t.clock.advance((TOLERANCE_SECONDS + 1) * 1000);
      assert.equal(await receiver.replay(taken), 400, 'outside the tolerance, even when the id is forgotten');
      assert.equal(receiver.requests.at(-1)!.refused, 'timestamp');
    });
  });

  test('the receiver down, then up: every event arrives, once, after the backoff', async () => {
    await withApp(receiver, async (t) => {
      current = () => t.clock.now();
      await receiver.down();
      await t.client().signUp('down@example.org', PASSWORD);
      await t.client().signIn('down@example.org', 'wrong password, long enough');
      await t.client().signIn('down@example.org', PASSWORD);
      const recorded = await t.store.events.queryEvents({ limit: 100 });
      const first = await t.app.events.drain();
      assert.deepEqual([first.sent, first.retrying], [0, recorded.length]);
      const [row] = await t.store.eventDeliveries.listDeliveries({ limit: 1 });
      assert.match(row?.lastError ?? '', /ECONNREFUSED/);
      await receiver.up();
      t.clock.advance(29_000);
      assert.equal((await t.app.events.drain()).claimed, 0);
      t.clock.advance(1_000);
      assert.equal((await t.app.events.drain()).sent, recorded.length);
      const uids = (await t.store.eventDeliveries.listDeliveries({ limit: 100 })).map((d) => d.payload.uid);
      for (const uid of uids) assert.ok(receiver.accepted.has(uid), 'each arrived');
      assert.equal(receiver.requests.filter((r) => uids.includes(r.id) && r.status === 204).length, uids.length, 'and once');
    });
  });

  test('only the configured types are sent (PASSDESK_EVENTS_TYPES)', async () => {
    await withApp(
      receiver,
      async (t) => {
        current = () => t.clock.now();
        await t.client().signUp('types@example.org', PASSWORD);
        await t.client().signIn('types@example.org', 'wrong password, long enough');
        await t.app.events.drain();
        const rows = await t.store.eventDeliveries.listDeliveries({ limit: 100 });
        assert.deepEqual(
          rows.map((r) => r.eventType),
          ['signin.failed'],
        );
      },
      { eventsTypes: 'signin.*,admin.*' },
    );
  });

  test('nothing secret leaves: no password, session token, reset token, hash or key in any event sent', async () => {
    await withApp(receiver, async (t) => {
      current = () => t.clock.now();
      const from = receiver.requests.length;
      const c = t.client();
      await c.signUp('secret@example.org', PASSWORD, 'Sam');
      await t.client().signIn('secret@example.org', 'a wrong password, also secret');
      await c.signIn('secret@example.org', PASSWORD);
      const token = c.sessionCookie()!;
      assert.equal((await c.post('/api/v1/password/change', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode, 200);
      await t.client().post('/api/v1/password/reset', { email: 'secret@example.org' });
      await t.app.deps.background?.idle();
      const mails = await t.store.outbox.listMessages({ limit: 20, to: 'secret@example.org' });
      const resetMail = mails.find((m) => m.template === 'password-reset-requested');
      const resetToken = /\/reset\?token=([A-Za-z0-9_-]+)/.exec(resetMail?.text ?? '')?.[1];
      const resetCode = /\b(\d{8})\b/.exec(resetMail?.text ?? '')?.[1];
      const account = await t.store.accounts.findAccountByEmail('secret@example.org');
      await t.app.events.drain();
      const sent = receiver.requests
        .slice(from)
        .map((r) => r.body)
        .join('\n');
      assert.ok(sent.includes('password.changed') && sent.includes('signin.failed') && sent.includes('password.reset_requested'), sent);
      const secrets = {
        PASSWORD,
        NEW_PASSWORD,
        wrong: 'a wrong password, also secret',
        token,
        passwordHash: account!.passwordHash ?? 'none',
        serverSecret: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
        webhookSecret: SECRET.slice('whsec_'.length),
        resetToken: resetToken ?? 'missing',
        resetCode: resetCode ?? 'missing',
      };
      assert.ok(resetToken && resetCode, 'the reset email carried a token and a code to look for');
      for (const [name, value] of Object.entries(secrets)) assert.ok(!sent.includes(value), `${name} is not sent`);
    });
  });
});

describe('events out: two workers on one PostgreSQL database, and a stopping worker', () => {
  test('share the copies and send each once; stop() releases what was claimed and not started', async () => {
    const db = await createTestDatabase();
    const clock = manualClock(Date.UTC(2026, 10, 23, 10));
    const receiver = await startWebhookReceiver({ secret: SECRET, clock });
    const stores: Store[] = [openStore(db.url), openStore(db.url)];
    const settings = {
      types: ['*'],
      syslog: null,
      webhookUrls: [receiver.url],
      webhookKey: parseWebhookSecret(SECRET),
      maxAttempts: 5,
      retryBaseMs: 1000,
      timeoutMs: 5000,
    };
    try {
      await stores[0]!.migrate();
      const systems = stores.map((store, i) => createEventsSystem({ settings, store, clock, owner: `node-${i}` }));
      for (const [i, store] of stores.entries()) store.routeEvents(systems[i]!.routing);
      const N = 240;
      // Each in its own transaction, alternating between the nodes, as requests on two servers would.
      for (let i = 0; i < N; i++) {
        await stores[i % 2]!.transaction((tx) =>
          tx.events.recordEvent({ accountId: null, type: 'signin.failed', now: clock.now(), detail: { reason: 'test', n: i } }),
        );
      }
      const rounds = await Promise.all(systems.map((s) => s.drain()));
      assert.equal(
        rounds.reduce((n, r) => n + r.sent, 0),
        N,
      );
      assert.ok(
        rounds.every((r) => r.sent > 0),
        `both worked: ${rounds.map((r) => r.sent).join(' + ')}`,
      );
      const taken = receiver.requests.filter((r) => r.status === 204);
      assert.equal(taken.length, N, 'no event twice');
      assert.equal(new Set(taken.map((r) => r.id)).size, N);
      assert.equal(receiver.requests.filter((r) => r.refused === 'replayed').length, 0);

      // A stopping worker: it finishes what it started and releases the rest of its claim.
      await stores[0]!.transaction((tx) => tx.events.recordEvent({ accountId: null, type: 'signin.failed', now: clock.now() }));
      const [copy] = await stores[0]!.eventDeliveries.claimDueDeliveries({
        destination: systems[0]!.senders[0]!.destination,
        now: clock.now(),
        limit: 10,
        leaseMs: 30_000,
        owner: 'node-0/' + systems[0]!.senders[0]!.destination,
      });
      assert.ok(copy);
      systems[0]!.start();
      await systems[0]!.close();
      const [after] = await stores[1]!.eventDeliveries.listDeliveries({ limit: 1 });
      assert.deepEqual([after?.id, after?.state, after?.leaseOwner, after?.attempts], [copy.id, 'queued', null, 0], 'given back, its attempt undone');
      assert.equal((await systems[1]!.drain()).sent, 1, 'the other node sends it');
      await systems[1]!.close();
    } finally {
      await receiver.close();
      for (const s of stores) await s.close();
      await db.drop();
    }
  });
});
