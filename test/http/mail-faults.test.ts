// Nothing lost, nothing doubled: a process killed after the commit and before sending (its message is
// delivered after the restart, by `passdesk worker`), one killed in the middle of sending (delivered again
// with the same Message-ID once its lease expires), and two workers sharing one PostgreSQL outbox.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../src/store/index.js';
import { manualClock } from '../../src/core/clock.js';
import { systemRandom } from '../../src/core/random.js';
import { createOutboxWorker, DEFAULT_LEASE_MS } from '../../src/mail/outbox-worker.js';
import { createSmtpTransport } from '../../src/mail/smtp.js';
import { queueMessage } from '../../src/mail/queue.js';
import { createMailBodyBox } from '../../src/mail/sealed-body.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { createTestDatabase } from '../helpers/pg.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = join(ROOT, 'test/fixtures/mail-child.ts');
const CLI = join(ROOT, 'src/cli.ts');
const scratch = mkdtempSync(join(tmpdir(), 'passdesk-mail-faults-'));
const children = new Set<ChildProcess>();
/** The server secret of test/fixtures/mail-child.ts, so bodies it sealed open here and in `passdesk worker`. */
const SECRET = 'mail-faults-shared-secret-0123456789abcdef';
const bodies = createMailBodyBox({ serverSecrets: [new TextEncoder().encode(SECRET)], random: systemRandom });

after(() => {
  // Only the children this file started, by their own PID.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSDESK_') && !k.startsWith('NODE_TEST') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

function spawnTs(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; line: Promise<string>; exit: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  children.add(child);
  let out = '';
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing a line: ${out}`)));
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  line.catch(() => {});
  return { child, line, exit, output: () => out + err };
}

function killByPid(child: ChildProcess): void {
  process.kill(child.pid!, 'SIGKILL');
}

describe('a process killed after the commit, before sending', () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(() => smtp.close());

  it('its message is delivered after the restart, by `passdesk worker`, and `passdesk mail status` counts it', async () => {
    const dataDir = mkdtempSync(join(scratch, 'crash-'));
    const dbUrl = `sqlite:${join(dataDir, 'passdesk.sqlite')}`;
    const first = spawnTs(CHILD, ['queue', dbUrl], cleanEnv({}));
    const [, messageId, email] = (await first.line).split(' ');
    killByPid(first.child);
    await first.exit;
    assert.equal(smtp.received.length, 0, 'nothing was sent before the kill');

    const env = cleanEnv({
      PASSDESK_SECRET: SECRET,
      PASSDESK_DATA_DIR: dataDir,
      PASSDESK_SMTP_URL: smtp.url,
      PASSDESK_SMTP_SECURITY: 'none',
      PASSDESK_ENV: 'production',
      PASSDESK_LOG_FORMAT: 'json',
    });
    const worker = spawnTs(CLI, ['worker'], env);
    await smtp.waitFor(1, 30_000);
    assert.match(await worker.line, /mail: SMTP smtp:\/\/127\.0\.0\.1:\d+ \(none\)/, 'the mode is logged at start');
    const got = smtp.received[0]!;
    assert.deepEqual(got.to, [email]);
    assert.equal(got.headers.get('message-id'), messageId);
    process.kill(worker.child.pid!, 'SIGTERM');
    assert.equal(await worker.exit, 0, worker.output());

    const status = spawnTs(CLI, ['mail', 'status', '--json'], env);
    assert.equal(await status.exit, 0);
    const counts = JSON.parse(status.output()) as Record<string, number>;
    assert.deepEqual([counts['sent'], counts['queued'], counts['failed']], [1, 0, 0]);
  });
});

describe('a process killed in the middle of sending', () => {
  it('the message goes again with the same Message-ID once the dead lease expires', async () => {
    const smtp = await startSmtpServer();
    let held!: () => void;
    const dataReached = new Promise<void>((resolve) => {
      held = resolve;
    });
    // The server takes the message and never answers: the sender dies before it could mark it sent.
    smtp.holdData = () => {
      held();
      return new Promise<void>(() => {});
    };
    const dataDir = mkdtempSync(join(scratch, 'midsend-'));
    const dbUrl = `sqlite:${join(dataDir, 'passdesk.sqlite')}`;
    const child = spawnTs(CHILD, ['send', dbUrl, smtp.url], cleanEnv({}));
    const [, messageId] = (await child.line).split(' ');
    await dataReached;
    killByPid(child.child);
    await child.exit;
    smtp.holdData = null;

    const store = openStore(dbUrl);
    const clock = manualClock(Date.now());
    const worker = createOutboxWorker({
      store,
      clock,
      bodies,
      owner: 'restarted',
      maxAttempts: 5,
      retryBaseMs: 1000,
      transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
    });
    try {
      assert.equal((await worker.drain()).claimed, 0, 'the lease of the dead process still holds');
      clock.advance(DEFAULT_LEASE_MS + 1000);
      assert.equal((await worker.drain()).sent, 1);
      assert.equal(smtp.received.length, 1);
      assert.equal(smtp.received[0]!.headers.get('message-id'), messageId, 'a resend is recognisable by its Message-ID');
      const [row] = await store.outbox.listMessages({ limit: 1 });
      assert.deepEqual([row?.state, row?.attempts], ['sent', 2]);
    } finally {
      worker.transport.close();
      await store.close();
      await smtp.close();
    }
  });
});

describe('two workers on one PostgreSQL database', () => {
  it('share the outbox and send each message once', async () => {
    const db = await createTestDatabase();
    const smtp = await startSmtpServer();
    const stores: Store[] = [openStore(db.url), openStore(db.url)];
    try {
      await stores[0]!.migrate();
      const clock = manualClock(Date.UTC(2026, 10, 23, 10));
      const ids = new Set<string>();
      const N = 300;
      await stores[0]!.transaction(async (tx) => {
        for (let i = 0; i < N; i++) {
          const q = await queueMessage(
            tx,
            { clock, random: systemRandom, messageIdDomain: 'localhost', bodies },
            {
              to: `user${i}@example.org`,
              accountId: null,
              template: 'test',
              content: { subject: `m${i}`, text: 'text', html: '<p>html</p>' },
            },
          );
          ids.add(q.messageId);
        }
      });
      const workers = stores.map((store, i) =>
        createOutboxWorker({
          store,
          clock,
          bodies,
          owner: `node-${i}`,
          maxAttempts: 5,
          retryBaseMs: 1000,
          batchSize: 20,
          transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
        }),
      );
      const rounds = await Promise.all(workers.map((w) => w.drain()));
      for (const w of workers) w.transport.close();
      assert.equal(rounds[0]!.sent + rounds[1]!.sent, N);
      assert.ok(rounds[0]!.sent > 0 && rounds[1]!.sent > 0, `both nodes worked (${rounds[0]!.sent} + ${rounds[1]!.sent})`);
      const seen = smtp.received.map((m) => m.headers.get('message-id'));
      assert.equal(seen.length, N, 'no message sent twice');
      assert.deepEqual(new Set(seen), ids, 'every message sent');
      assert.equal((await stores[1]!.outbox.countMessagesByState()).sent, N);
    } finally {
      for (const s of stores) await s.close();
      await smtp.close();
      await db.drop();
    }
  });
});

// Issue 13: short leases renewed by a heartbeat, a restarted node taking back its own leases, and a stop that
// does not wait for the backlog. Both backends.
for (const backend of ['sqlite', 'postgres'] as const) {
  async function database(dataDir: string): Promise<{ url: string; env: Record<string, string>; drop(): Promise<void> }> {
    if (backend === 'sqlite') {
      return { url: `sqlite:${join(dataDir, 'passdesk.sqlite')}`, env: {}, drop: async () => {} };
    }
    const db = await createTestDatabase();
    return { url: db.url, env: { PASSDESK_DATABASE_URL: db.url }, drop: () => db.drop() };
  }

  async function queueMany(store: Store, clock: { now(): number }, n: number): Promise<string[]> {
    const ids: string[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        const q = await queueMessage(
          tx,
          { clock, random: systemRandom, messageIdDomain: 'localhost', bodies },
          {
            to: `user${i}@example.org`,
            accountId: null,
            template: 'test',
            content: { subject: `m${i}`, text: 'text', html: '<p>html</p>' },
          },
        );
        ids.push(q.messageId);
      }
    });
    return ids;
  }

  /** Message-IDs the sink received more than once. */
  function duplicates(smtp: TestSmtpServer): number {
    const seen = smtp.received.map((m) => m.headers.get('message-id'));
    return seen.length - new Set(seen).size;
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Waits on another process's database writes: real I/O, polled with a deadline.
    while (!(await check())) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    void what;
    return true;
  }

  describe(`issue 13 leases (${backend})`, () => {
    it('a `passdesk worker` killed mid-batch: its restart delivers every message within the lease, none twice', async (t) => {
      const smtp = await startSmtpServer();
      const dataDir = mkdtempSync(join(scratch, `batch-${backend}-`));
      const db = await database(dataDir);
      try {
        const N = 40;
        const ACCEPTED = 10;
        const store = openStore(db.url);
        await store.migrate();
        const ids = await queueMany(store, manualClock(Date.now()), N);
        // The relay accepts ACCEPTED messages, then holds every later one without an answer (never accepted).
        let holds = 0;
        let firstHold!: () => void;
        const held = new Promise<void>((resolve) => {
          firstHold = resolve;
        });
        let answered = 0;
        smtp.holdData = () => {
          if (answered < ACCEPTED) {
            answered++;
            return Promise.resolve();
          }
          holds++;
          firstHold();
          return new Promise<void>(() => {});
        };
        const env = cleanEnv({
          PASSDESK_SECRET: SECRET,
          PASSDESK_DATA_DIR: dataDir,
          PASSDESK_SMTP_URL: smtp.url,
          PASSDESK_SMTP_SECURITY: 'none',
          PASSDESK_ENV: 'production',
          PASSDESK_LOG_FORMAT: 'json',
          ...db.env,
        });
        const first = spawnTs(CLI, ['worker'], env);
        await held;
        // Kill only once the accepted ones are marked sent: then no message sits in the one window (accepted,
        // not yet marked) and every resend would be a real duplicate.
        assert.ok(
          await until('accepted marked sent', async () => (await store.outbox.countMessagesByState()).sent === ACCEPTED),
          'the accepted messages were marked sent',
        );
        killByPid(first.child);
        await first.exit;
        smtp.holdData = null;
        const leased = (await store.outbox.countMessagesByState()).sending;
        assert.ok(leased > 0 && holds > 0, 'the dead worker left messages leased mid-send');

        const restartedAt = performance.now();
        const second = spawnTs(CLI, ['worker'], env);
        let deliveredIn: number | null = null;
        try {
          await smtp.waitFor(N, DEFAULT_LEASE_MS - 5_000);
          deliveredIn = performance.now() - restartedAt;
        } catch {
          /* measured below */
        }
        if (second.child.exitCode === null && second.child.signalCode === null) {
          process.kill(second.child.pid!, 'SIGTERM');
          assert.equal(await second.exit, 0, second.output());
        }
        const received = new Set(smtp.received.map((m) => m.headers.get('message-id')));
        t.diagnostic(
          `${leased} leased by the killed run; ${received.size}/${N} delivered, ${duplicates(smtp)} twice, ${deliveredIn === null ? 'not all' : `all ${Math.round(deliveredIn)} ms`} after the restart`,
        );
        assert.equal(
          received.size,
          N,
          `every message delivered within the lease after the restart (got ${received.size} of ${N}; ${leased} were leased by the dead run)`,
        );
        assert.deepEqual(received, new Set(ids));
        assert.equal(duplicates(smtp), 0, 'none sent twice');
        assert.ok(deliveredIn !== null && deliveredIn < DEFAULT_LEASE_MS, `delivered ${deliveredIn} ms after the restart`);
        const counts = await store.outbox.countMessagesByState();
        assert.deepEqual([counts.sent, counts.sending, counts.queued], [N, 0, 0]);
        await store.close();
      } finally {
        await smtp.close();
        await db.drop();
      }
    });

    it('a relay slower than the lease: the heartbeat keeps the lease, a second worker sends nothing twice', async (t) => {
      const smtp = await startSmtpServer();
      const dataDir = mkdtempSync(join(scratch, `slow-${backend}-`));
      const db = await database(dataDir);
      const stores = [openStore(db.url), openStore(db.url)];
      const clock = manualClock(Date.UTC(2026, 10, 23, 10));
      try {
        await stores[0]!.migrate();
        const N = 6;
        const ids = await queueMany(stores[0]!, clock, N);
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let heldOne!: () => void;
        const reached = new Promise<void>((resolve) => {
          heldOne = resolve;
        });
        let holds = 0;
        smtp.holdData = () => {
          holds++;
          heldOne();
          return released;
        };
        const leaseMs = 30_000;
        const [a, b] = stores.map((store, i) =>
          createOutboxWorker({
            store,
            clock,
            bodies,
            owner: `node-${i}`,
            maxAttempts: 5,
            retryBaseMs: 1000,
            leaseMs,
            heartbeatMs: 10,
            batchSize: N,
            transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
          }),
        );
        const roundA = a!.runOnce();
        await reached;
        const renewed = async (): Promise<boolean> => {
          const rows = (await stores[0]!.outbox.listMessages({ limit: N })).filter((m) => m.state === 'sending');
          return rows.length > 0 && rows.every((m) => m.leaseUntil === clock.now() + leaseMs);
        };
        // The relay still has not answered, 40 s after the claim: longer than the lease.
        clock.advance(20_000);
        const renewedOnce = await until('renewed', renewed, 3_000);
        clock.advance(20_000);
        await until('renewed', renewed, 3_000);
        const holdsBefore = holds;
        let bSettled = false;
        const roundB = b!.runOnce().finally(() => {
          bSettled = true;
        });
        // Either B finds nothing to claim, or (without a heartbeat) a resend of its own reaches the relay.
        await until('second worker done or resending', async () => bSettled || holds > holdsBefore, 10_000);
        release();
        const claimedByB = (await roundB).claimed;
        smtp.holdData = null;
        await roundA;
        await b!.drain();
        for (const w of [a!, b!]) w.transport.close();
        t.diagnostic(`lease renewed: ${renewedOnce}; second worker claimed ${claimedByB}; ${duplicates(smtp)} of ${N} sent twice`);
        assert.ok(renewedOnce, 'the heartbeat renewed the lease while the send was in progress');
        assert.equal(claimedByB, 0, 'the second worker took nothing still being sent');
        assert.equal(duplicates(smtp), 0, `no message sent twice (${smtp.received.length} received for ${N})`);
        assert.deepEqual(new Set(smtp.received.map((m) => m.headers.get('message-id'))), new Set(ids));
      } finally {
        for (const s of stores) await s.close();
        await smtp.close();
        await db.drop();
      }
    });

    it('a lane that cannot mark its send stops the round from starting more, and the round waits for the sends in flight', async () => {
      const smtp = await startSmtpServer();
      const dataDir = mkdtempSync(join(scratch, `lane-${backend}-`));
      const db = await database(dataDir);
      const store = openStore(db.url);
      const clock = manualClock(Date.UTC(2026, 10, 23, 10));
      try {
        await store.migrate();
        const ids = await queueMany(store, clock, 4);
        // The relay accepts the first message at once and holds the second; marking the first as sent fails
        // (the database went away for that one statement).
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let seen = 0;
        let heldOne!: () => void;
        const reached = new Promise<void>((resolve) => {
          heldOne = resolve;
        });
        smtp.holdData = () => {
          if (++seen === 1) return Promise.resolve();
          heldOne();
          return released;
        };
        let marks = 0;
        const flaky = {
          ...store,
          outbox: {
            ...store.outbox,
            markMessageSent: async (...a: Parameters<Store['outbox']['markMessageSent']>) => {
              if (++marks === 1) throw new Error('connection terminated');
              return store.outbox.markMessageSent(...a);
            },
          },
        } as Store;
        const worker = createOutboxWorker({
          store: flaky,
          clock,
          bodies,
          owner: 'lanes',
          maxAttempts: 5,
          retryBaseMs: 1000,
          concurrency: 2,
          transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
        });
        let settled = false;
        const round = worker
          .runOnce()
          .then(
            () => 'resolved',
            (err: Error) => err.message,
          )
          .finally(() => {
            settled = true;
          });
        await reached;
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        assert.equal(settled, false, 'the round waits for the send still at the relay');
        release();
        assert.equal(await round, 'connection terminated');
        worker.transport.close();
        assert.equal(smtp.received.length, 2, 'nothing started after the failure');
        const rows = new Map((await store.outbox.listMessages({ limit: 10 })).map((m) => [m.messageId, m]));
        const states = ids.map((id) => rows.get(id)?.state);
        assert.equal(states.filter((x) => x === 'sent').length, 1, 'the held send was marked when it came back');
        assert.equal(states.filter((x) => x === 'queued').length, 2, 'the two never started are released');
        assert.equal(states.filter((x) => x === 'sending').length, 1, 'the one whose mark failed waits for its lease (the one duplicate window)');
      } finally {
        await store.close();
        await smtp.close();
        await db.drop();
      }
    });

    it('stop() with a backlog of hundreds returns after the sends in flight and leaves nothing leased', async (t) => {
      const smtp = await startSmtpServer();
      const dataDir = mkdtempSync(join(scratch, `stop-${backend}-`));
      const db = await database(dataDir);
      const store = openStore(db.url);
      const clock = manualClock(Date.UTC(2026, 10, 23, 10));
      try {
        await store.migrate();
        const N = 300;
        await queueMany(store, clock, N);
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let heldOne!: () => void;
        const reached = new Promise<void>((resolve) => {
          heldOne = resolve;
        });
        smtp.holdData = () => {
          heldOne();
          return released;
        };
        const owner = 'stopping-node';
        const worker = createOutboxWorker({
          store,
          clock,
          bodies,
          owner,
          maxAttempts: 5,
          retryBaseMs: 1000,
          transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
        });
        worker.start();
        await reached;
        // SIGTERM arrives while the first sends are at the relay.
        const stopped = worker.stop();
        smtp.holdData = null;
        release();
        const t0 = performance.now();
        await stopped;
        const stopMs = performance.now() - t0;
        worker.transport.close();
        const rows = await store.outbox.listMessages({ limit: N });
        const counts = await store.outbox.countMessagesByState();
        t.diagnostic(
          `stop took ${Math.round(stopMs)} ms; ${smtp.received.length} of ${N} sent; ${rows.filter((m) => m.leaseOwner === owner).length} left leased by the owner`,
        );
        assert.ok(
          smtp.received.length <= 16,
          `stop waited only for the sends in flight: ${smtp.received.length} of ${N} sent, stop took ${Math.round(stopMs)} ms`,
        );
        assert.equal(rows.filter((m) => m.leaseOwner === owner).length, 0, 'no message left leased by this owner');
        assert.equal(counts.sending, 0);
        assert.equal(counts.sent + counts.queued, N);
        assert.ok(
          rows.filter((m) => m.state === 'queued').every((m) => m.attempts === 0),
          'a released message keeps its attempts',
        );
      } finally {
        await store.close();
        await smtp.close();
        await db.drop();
      }
    });
  });
}
