// Events out in the store, on SQLite and PostgreSQL: an event's copies commit with it or not at all (inside a
// transaction and outside one), only the routed types and destinations get copies, a claim is per destination and
// settled only by its lease holder, and retention deletes settled copies only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/index.js';
import { eventTypeMatcher } from '../../src/core/public-event.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const T = Date.UTC(2026, 10, 23, 9);

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`event deliveries on ${backend}`, () => {
    let store: Store;
    let pgDb: TestDatabase | null = null;
    before(async () => {
      if (backend === 'postgres') pgDb = await createTestDatabase();
      store = openStore(pgDb ? pgDb.url : 'sqlite::memory:');
      await store.migrate();
      store.routeEvents({ destinations: ['syslog', 'webhook:abc'], sends: eventTypeMatcher(['signin.*', 'password.changed']) });
    });
    after(async () => {
      await store.close();
      if (pgDb) await pgDb.drop();
    });

    test('a routed event gets one copy per destination, in its transaction; a rolled-back one gets none', async () => {
      let told = 0;
      store.onEventsCommitted(() => told++);
      await store.transaction((tx) => tx.events.recordEvent({ accountId: null, type: 'signin.failed', now: T, ip: '192.0.2.1', detail: { reason: 'x' } }));
      assert.equal(told, 1, 'the workers are told after the commit');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.events.recordEvent({ accountId: null, type: 'signin.locked', now: T });
          throw new Error('rolled back');
        }),
      );
      const rows = await store.eventDeliveries.listDeliveries({ limit: 10 });
      assert.deepEqual(rows.map((r) => r.destination).sort(), ['syslog', 'webhook:abc']);
      assert.ok(rows.every((r) => r.eventType === 'signin.failed' && r.state === 'queued' && r.attempts === 0));
      assert.equal(rows[0]!.payload.uid, rows[1]!.payload.uid, 'one uid for the event on every destination');
      const [event] = await store.events.queryEvents({ limit: 1, type: 'signin.failed' });
      assert.equal(rows[0]!.eventId, event!.id);
      assert.deepEqual([rows[0]!.payload.ip, rows[0]!.payload.detail], ['192.0.2.1', { reason: 'x' }]);
      assert.equal((await store.events.queryEvents({ limit: 10, type: 'signin.locked' })).length, 0);
    });

    test('outside a transaction the event and its copies still commit together; unrouted types get none', async () => {
      await store.events.recordEvent({ accountId: null, type: 'password.changed', now: T + 1 });
      await store.events.recordEvent({ accountId: null, type: 'account.created', now: T + 2 });
      const types = (await store.eventDeliveries.listDeliveries({ limit: 20 })).map((r) => r.eventType);
      assert.equal(types.filter((t) => t === 'password.changed').length, 2);
      assert.ok(!types.includes('account.created'));
      assert.equal((await store.events.queryEvents({ limit: 10, type: 'account.created' })).length, 1, 'the event itself is recorded');
    });

    test('a claim takes one destination’s due copies; only the lease holder settles; a failure waits for its retry', async () => {
      const claimed = await store.eventDeliveries.claimDueDeliveries({ destination: 'syslog', now: T + 10, limit: 10, leaseMs: 5000, owner: 'a' });
      assert.deepEqual(
        claimed.map((c) => c.eventType),
        ['signin.failed', 'password.changed'],
        'oldest event first',
      );
      assert.ok(claimed.every((c) => c.destination === 'syslog' && c.state === 'sending' && c.attempts === 1));
      assert.equal((await store.eventDeliveries.claimDueDeliveries({ destination: 'syslog', now: T + 20, limit: 10, leaseMs: 5000, owner: 'b' })).length, 0);
      assert.equal(await store.eventDeliveries.markDeliverySent(claimed[0]!.id, { owner: 'b', now: T + 30 }), false);
      assert.equal(await store.eventDeliveries.markDeliverySent(claimed[0]!.id, { owner: 'a', now: T + 30 }), true);
      assert.equal(
        await store.eventDeliveries.markDeliveryAttemptFailed(claimed[1]!.id, { owner: 'a', now: T + 30, error: 'refused', retryAt: T + 1000 }),
        true,
      );
      assert.equal((await store.eventDeliveries.claimDueDeliveries({ destination: 'syslog', now: T + 999, limit: 10, leaseMs: 5000, owner: 'b' })).length, 0);
      const again = await store.eventDeliveries.claimDueDeliveries({ destination: 'syslog', now: T + 1000, limit: 10, leaseMs: 5000, owner: 'b' });
      assert.deepEqual([again.length, again[0]?.attempts], [1, 2]);
      assert.equal(await store.eventDeliveries.markDeliveryAttemptFailed(again[0]!.id, { owner: 'b', now: T + 1001, error: 'refused', retryAt: null }), true);
      const counts = await store.eventDeliveries.countDeliveries();
      assert.deepEqual(
        counts.filter((c) => c.destination === 'syslog').map((c) => [c.state, c.count]),
        [
          ['failed', 1],
          ['sent', 1],
        ],
      );
      assert.equal(await store.eventDeliveries.requeueFailed({ now: T + 2000, destination: 'syslog' }), 1);
      const requeued = await store.eventDeliveries.listDeliveries({ limit: 10, destination: 'syslog', states: ['queued'] });
      assert.deepEqual([requeued.length, requeued[0]?.attempts, requeued[0]?.lastError], [1, 0, null]);
    });

    test('retention deletes settled copies settled before the cutoff, never one still to be sent', async () => {
      const before = await store.eventDeliveries.listDeliveries({ limit: 100 });
      const deleted = await store.retention.deleteEnded('event_deliveries', T + 31, 100);
      assert.equal(deleted, 1, 'the one sent at T+30');
      const left = await store.eventDeliveries.listDeliveries({ limit: 100 });
      assert.equal(left.length, before.length - 1);
      assert.ok(left.every((r) => r.state !== 'sent'));
      assert.equal(await store.retention.deleteEnded('event_deliveries', T + 10_000_000, 100), 0, 'queued copies stay, however old');
    });
  });
}
