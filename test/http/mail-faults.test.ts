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

function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; line: Promise<string>; exit: Promise<number | null>; output: () => string } {
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
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  line.catch(() => {});
  return { child, line, exit, output: () => out + err };
}

function killByPid(child: ChildProcess): void {
  process.kill(child.pid!, 'SIGKILL');
}

describe('a process killed after the commit, before sending', () => {
  let smtp: TestSmtpServer;
  before(async () => { smtp = await startSmtpServer(); });
  after(() => smtp.close());

  it('its message is delivered after the restart, by `passdesk worker`, and `passdesk mail status` counts it', async () => {
    const dataDir = mkdtempSync(join(scratch, 'crash-'));
    const dbUrl = `sqlite:${join(dataDir, 'passdesk.sqlite')}`;
    const first = spawnTs(CHILD, ['queue', dbUrl], cleanEnv({}));
    const [, messageId, email] = (await first.line).split(' ');
    killByPid(first.child);
    await first.exit;
    assert.equal(smtp.received.length, 0, 'nothing was sent before the kill');

    const env = cleanEnv({ PASSDESK_SECRET: SECRET, PASSDESK_DATA_DIR: dataDir, PASSDESK_SMTP_URL: smtp.url, PASSDESK_SMTP_SECURITY: 'none', PASSDESK_ENV: 'production', PASSDESK_LOG_FORMAT: 'json' });
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
    const dataReached = new Promise<void>((resolve) => { held = resolve; });
    // The server takes the message and never answers: the sender dies before it could mark it sent.
    smtp.holdData = () => { held(); return new Promise<void>(() => {}); };
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
      store, clock, bodies, owner: 'restarted', maxAttempts: 5, retryBaseMs: 1000,
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
          const q = await queueMessage(tx, { clock, random: systemRandom, messageIdDomain: 'localhost', bodies }, {
            to: `user${i}@example.org`, accountId: null, template: 'test', content: { subject: `m${i}`, text: 'text', html: '<p>html</p>' },
          });
          ids.add(q.messageId);
        }
      });
      const workers = stores.map((store, i) => createOutboxWorker({
        store, clock, bodies, owner: `node-${i}`, maxAttempts: 5, retryBaseMs: 1000, batchSize: 20,
        transport: createSmtpTransport({ url: smtp.url, security: 'none', from: 'no-reply@localhost' }),
      }));
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
