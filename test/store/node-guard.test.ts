// Two nodes on one PostgreSQL database count attempt limits together only through Redis: the node guard refuses
// the combinations that would multiply every limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardLimitsAcrossNodes, LimitsNotSharedError, type NodeGuard } from '../../src/store/node-guard.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const log = { warn: () => {}, error: () => {} };
let db: TestDatabase;
let otherDb: TestDatabase;
before(async () => {
  db = await createTestDatabase();
  otherDb = await createTestDatabase();
});
after(async () => {
  await db.drop();
  await otherDb.drop();
});

async function refused(p: Promise<NodeGuard>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof LimitsNotSharedError);
}

test('a second node without Redis is refused while the first runs, and starts once it has stopped', async () => {
  const first = await guardLimitsAcrossNodes(db.url, 'memory', log);
  await refused(guardLimitsAcrossNodes(db.url, 'memory', log));
  await first.release();
  const second = await guardLimitsAcrossNodes(db.url, 'memory', log);
  await second.release();
});

test('nodes with Redis start side by side', async () => {
  const a = await guardLimitsAcrossNodes(db.url, 'redis', log);
  const b = await guardLimitsAcrossNodes(db.url, 'redis', log);
  await a.release();
  await b.release();
});

test('a node without Redis and nodes with Redis never run together, whichever starts first', async () => {
  const shared = await guardLimitsAcrossNodes(db.url, 'redis', log);
  await refused(guardLimitsAcrossNodes(db.url, 'memory', log));
  await shared.release();
  const alone = await guardLimitsAcrossNodes(db.url, 'memory', log);
  await refused(guardLimitsAcrossNodes(db.url, 'redis', log));
  await alone.release();
});

test('the lock belongs to one database: another database on the same server is not affected', async () => {
  const here = await guardLimitsAcrossNodes(db.url, 'memory', log);
  const there = await guardLimitsAcrossNodes(otherDb.url, 'memory', log);
  await here.release();
  await there.release();
});

test('a dropped database connection loses the lock; the node takes it again once the database answers', async () => {
  const { default: pg } = await import('pg');
  const guard = await guardLimitsAcrossNodes(db.url, 'memory', log, { retryMs: 20 });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    const held = async (): Promise<number> =>
      (
        await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND a.application_name = 'passdesk-node-guard' AND a.datname = current_database()`)
      ).rows[0]!.n === '1'
        ? 1
        : 0;
    assert.equal(await held(), 1);
    const pids = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'passdesk-node-guard' AND datname = current_database()`,
    );
    for (const { pid } of pids.rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Wait for the re-take itself (bounded), not for a fixed time.
    let again = 0;
    for (let i = 0; i < 250 && again === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await held();
    }
    assert.equal(again, 1, 'the lock is held again');
    await refused(guardLimitsAcrossNodes(db.url, 'memory', log));
  } finally {
    await admin.end();
    await guard.release();
  }
});
