// npm run bench:mail — mail delivery figures: messages per second from the outbox to a local SMTP sink
// (goal ≥ 300/s), and the delay from commit to SMTP acceptance when the server is idle (p99 goal < 1 s).
// SQLite (the default deployment) always; PostgreSQL too when one answers at PASSDESK_TEST_PG_URL.
// Bounded: about 30–60 s. Prints a table and writes bench/results/mail-<time>.json and mail-latest.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../src/store/index.js';
import { systemClock } from '../src/core/clock.js';
import { systemRandom } from '../src/core/random.js';
import { queueMessage } from '../src/mail/queue.js';
import { renderNotice } from '../src/mail/templates.js';
import { createOutboxWorker } from '../src/mail/outbox-worker.js';
import { createSmtpTransport } from '../src/mail/smtp.js';
import { createMailBodyBox } from '../src/mail/sealed-body.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/pg.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_MAIL_MESSAGES ?? 3000);
const LATENCY_SAMPLES = Number(process.env.BENCH_MAIL_SAMPLES ?? 150);
const HARD_LIMIT_MS = 180_000;

const hardStop = setTimeout(() => {
  console.error('bench:mail: took longer than its time limit; stopping');
  process.exit(1);
}, HARD_LIMIT_MS);
hardStop.unref();

interface Sink {
  port: number;
  /** Message-ID → time the sink accepted it. */
  accepted: Map<string, number>;
  waitForCount(n: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/smtp-sink.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const accepted = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (line.startsWith('SINK ')) resolve(Number(line.slice(5)));
      else if (line.startsWith('ACCEPT ')) {
        const [, id, at] = line.split(' ');
        accepted.set(id!, Number(at));
        for (const w of waiters.splice(0)) w();
      }
    });
    child.once('exit', (code) => reject(new Error(`SMTP sink exited (${code})`)));
  });
  return {
    port,
    accepted,
    async waitForCount(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.size < n) {
        if (Date.now() > deadline) throw new Error(`sink got ${accepted.size} of ${n} messages in time`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        process.kill(child.pid!, 'SIGTERM');
      }),
  };
}

const branding = { baseUrl: 'https://id.example.org', secret: new Uint8Array(32), organizationName: 'Bench Org', supportContact: 'help@example.org' };
// Bodies are sealed as in the server (AES-256-GCM per message), so the figures include that cost.
const bodies = createMailBodyBox({ serverSecrets: [new Uint8Array(32).fill(7)], random: systemRandom });
const queueDeps = { clock: systemClock, random: systemRandom, messageIdDomain: 'id.example.org', bodies };

function content(i: number): ReturnType<typeof renderNotice> {
  return renderNotice(branding, {
    notice: { code: 'password-changed', signedOutOthers: true },
    origin: { at: Date.now(), device: 'Firefox on Linux', ip: '203.0.113.7' },
    recipient: { displayName: `User ${i}`, accountEmail: `user${i}@example.org`, antiPhishingPhrase: 'purple otter', recoveryCopy: false },
    outboxId: `bench-${i}`,
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface BackendResult {
  backend: string;
  throughput: { messages: number; seconds: number; perSecond: number; cpuPerMessageUs: number };
  latency: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
}

async function runBackend(backend: 'sqlite' | 'postgres', sink: Sink): Promise<BackendResult> {
  let pg: TestDatabase | null = null;
  let dir: string | null = null;
  let url: string;
  if (backend === 'postgres') {
    pg = await createTestDatabase();
    url = pg.url;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'passdesk-bench-mail-'));
    url = `sqlite:${join(dir, 'passdesk.sqlite')}`;
  }
  const store: Store = openStore(url);
  await store.migrate();
  const transport = createSmtpTransport({
    url: `smtp://127.0.0.1:${sink.port}`,
    security: 'none',
    from: '"Bench Org" <no-reply@id.example.org>',
    maxConnections: Number(process.env.BENCH_MAIL_CONNECTIONS ?? 4),
  });
  const worker = createOutboxWorker({ store, transport, clock: systemClock, bodies, owner: `bench-${backend}`, maxAttempts: 3, retryBaseMs: 1000 });
  try {
    // Warm-up: connections open, statements prepared.
    const warm = await store.transaction((tx) =>
      queueMessage(tx, queueDeps, { to: 'warm@example.org', accountId: null, template: 'bench', content: content(0) }),
    );
    await worker.drain();
    await sink.waitForCount(sink.accepted.size, 1000);
    void warm;

    // Throughput: a backlog in the outbox, drained as fast as the worker goes.
    const ids: string[] = [];
    const rendered = content(1);
    for (let start = 0; start < THROUGHPUT_MESSAGES; start += 500) {
      await store.transaction(async (tx) => {
        for (let i = start; i < Math.min(THROUGHPUT_MESSAGES, start + 500); i++) {
          ids.push((await queueMessage(tx, queueDeps, { to: `user${i}@example.org`, accountId: null, template: 'bench', content: rendered })).messageId);
        }
      });
    }
    const before = sink.accepted.size;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const drained = await worker.drain();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuPerMessageUs = Math.round((cpu.user + cpu.system) / THROUGHPUT_MESSAGES);
    if (drained.sent !== THROUGHPUT_MESSAGES) throw new Error(`sent ${drained.sent} of ${THROUGHPUT_MESSAGES}`);
    await sink.waitForCount(before + THROUGHPUT_MESSAGES, 10_000);

    // Latency when idle: the worker runs as in the server (poked after each commit); one message at a time.
    store.onMailCommitted(() => worker.poke());
    worker.start();
    const delays: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const q = await store.transaction((tx) =>
        queueMessage(tx, queueDeps, { to: `idle${i}@example.org`, accountId: null, template: 'bench', content: rendered }),
      );
      const committedAt = Date.now();
      const deadline = committedAt + 5000;
      while (!sink.accepted.has(q.messageId)) {
        if (Date.now() > deadline) throw new Error('an idle message took more than 5 s');
        await new Promise((r) => setTimeout(r, 2));
      }
      delays.push(sink.accepted.get(q.messageId)! - committedAt);
      // Idle between messages, with some jitter so the poll timer's phase varies.
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 60)));
    }
    await worker.stop();
    delays.sort((a, b) => a - b);
    return {
      backend,
      throughput: {
        messages: THROUGHPUT_MESSAGES,
        seconds: Math.round(seconds * 100) / 100,
        perSecond: Math.round(THROUGHPUT_MESSAGES / seconds),
        cpuPerMessageUs,
      },
      latency: { samples: delays.length, p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99), maxMs: delays[delays.length - 1]! },
    };
  } finally {
    await worker.stop();
    transport.close();
    await store.close();
    if (pg) await pg.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function pgAvailable(): Promise<boolean> {
  try {
    const db = await createTestDatabase();
    await db.drop();
    return true;
  } catch {
    return false;
  }
}

const sink = await startSink();
const results: BackendResult[] = [];
try {
  results.push(await runBackend('sqlite', sink));
  if (await pgAvailable()) results.push(await runBackend('postgres', sink));
  else console.error('bench:mail: no PostgreSQL at PASSDESK_TEST_PG_URL; SQLite only');
} finally {
  await sink.stop();
}

const rows: Array<[string, string, string, string]> = [
  ['Backend', 'Outbox → SMTP sink (goal ≥ 300/s)', 'Commit → acceptance p50 / p99 / max, idle (goal p99 < 1 s)', 'Goals'],
];
for (const r of results) {
  const ok = r.throughput.perSecond >= 300 && r.latency.p99Ms < 1000;
  rows.push([
    r.backend,
    `${r.throughput.perSecond} msg/s (${r.throughput.messages} in ${r.throughput.seconds} s; ${r.throughput.cpuPerMessageUs} µs CPU each)`,
    `${r.latency.p50Ms} / ${r.latency.p99Ms} / ${r.latency.maxMs} ms (${r.latency.samples} samples)`,
    ok ? 'met' : 'NOT met',
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(rows[0]!));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));

const stamp = new Date()
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const out = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  // The development machine is shared: a load above the core count means the figures are low.
  loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  settings: {
    worker: 'the defaults of passdesk serve and passdesk worker (batch 100, 16 in flight, 4 SMTP connections, 250 ms idle poll)',
    sink: 'smtp-server in a child process on 127.0.0.1',
  },
  results,
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, `bench/results/mail-${stamp}.json`), JSON.stringify(out, null, 2) + '\n');
writeFileSync(join(ROOT, 'bench/results/mail-latest.json'), JSON.stringify(out, null, 2) + '\n');
console.log(
  `\nload average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores (a shared machine: figures under load are low)`,
);
console.log(`written to bench/results/mail-${stamp}.json`);
