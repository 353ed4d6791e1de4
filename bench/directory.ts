/**
 * `npm run bench:directory` (also the last step of `npm run bench`)
 *
 * Passdesk with its accounts in OpenLDAP, against the best any client could do with the same directory:
 *   1. starts a real slapd (test/helpers/slapd.ts: ppolicy, {ARGON2} hashing, StartTLS) and adds USERS people;
 *   2. bare binds: CONCURRENCY simple binds in flight as those people, with ldapts over StartTLS on connections
 *      opened once and bound again and again, for BENCH_DURATION seconds: binds/s, p50/p99;
 *   3. Passdesk (dist/, production configuration, the directory over StartTLS with certificate verification):
 *      POST /api/v1/sessions at the same concurrency for the same time with autocannon, each request a person not
 *      already in flight (Passdesk lets one bind per entry through at a time), each person from an address of
 *      their own (X-Forwarded-For; the per-IP limits would otherwise measure themselves): sign-ins/s, p50/p99, and the
 *      ratio sign-ins ÷ bare binds (goal ≥ 0.8);
 *   4. a password change (POST /api/v1/password/change) by each person once per round, CHANGE_CONCURRENCY at a time,
 *      each to a password never used before (the directory keeps a history): p50/p99.
 * Bare binds and sign-ins alternate (ABBA) over BENCH_ROUNDS rounds (default 3) and the medians are reported: the
 * machine is shared, and the ratio only means something when both figures are taken close together. The CPU
 * that Passdesk, slapd and this process use in each phase is read from /proc, per sign-in and per bind.
 *
 * It prints a table and writes bench/results/directory-<time>.json. slapd and Passdesk are stopped by their PIDs,
 * also on errors and on Ctrl-C; the temporary directory is removed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';
import { Client } from 'ldapts';

import { startSlapd, type TestSlapd } from '../test/helpers/slapd.js';
import { benchServerEnv, freePort, mapLimit } from './shared.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORES = os.availableParallelism();
const PHASE_S = positiveNumber(process.env.BENCH_DURATION, 10);
const ROUNDS = Math.round(positiveNumber(process.env.BENCH_ROUNDS, 3));
/** Requests (or binds) in flight in both loads. */
const CONCURRENCY = Math.round(positiveNumber(process.env.BENCH_DIRECTORY_CONCURRENCY, 16));
/** Four times the concurrency, so a free person is always there to pick (one bind per entry at a time). */
const USERS = 4 * CONCURRENCY;
/** Changes in flight: a few, so the figure is a change's latency with company, not the queue of 16 changes at once. */
const CHANGE_CONCURRENCY = 4;
/**
 * slapd on core 0, Passdesk and this process on the others (taskset), as a directory on its own server would be:
 * the ratio then says whether Passdesk keeps up with the directory in front of which it stands. The default on a
 * machine with two cores or more; BENCH_DIRECTORY_SPLIT=0 lets all share every core, and each sign-in's Passdesk
 * CPU is then taken from slapd (on 2 cores the ratio's ceiling is slapd's bind ÷ (bind + Passdesk's sign-in)).
 */
const SPLIT = process.env.BENCH_DIRECTORY_SPLIT !== '0' && CORES >= 2;
/** Pause after each load so work still queued in the servers drains before the next one is measured. */
const DRAIN_MS = 2000;
const GOAL_RATIO = 0.8;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function positiveNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ─── People ──────────────────────────────────────────────────────────────────────────────────────────────

interface Person {
  uid: string;
  dn: string;
  /** The password the directory holds now (changes move it on). */
  password: string;
  /** How many times it was changed. */
  generation: number;
}

const passwordOf = (i: number, generation: number): string => `bench-directory-${i}-gen-${generation}-correct-horse-battery-staple`;

/** Hands out people not in flight: a load takes one per request and gives it back when the answer comes. */
function personQueue(people: Person[]): { take(): Person; give(p: Person): void } {
  const free = [...people];
  let fallback = 0;
  return {
    // Empty only if answers were lost (a timed-out request never gives its person back): reuse in turn.
    take: () => free.shift() ?? people[fallback++ % people.length]!,
    give: (p) => void free.push(p),
  };
}

// ─── Processes and CPU ───────────────────────────────────────────────────────────────────────────────────

const CLK_TCK = 100;

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return Number.NaN;
  }
}

interface CpuMark {
  at: number;
  passdesk: number;
  slapd: number;
  benchMicros: number;
  machineBusy: number;
  machineTotal: number;
}

function cpuMark(pids: { passdesk: number; slapd: number }): CpuMark {
  const u = process.cpuUsage();
  let machineBusy = Number.NaN;
  let machineTotal = Number.NaN;
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    machineTotal = v.slice(0, 8).reduce((a, b) => a + b, 0);
    machineBusy = machineTotal - (v[3] ?? 0) - (v[4] ?? 0);
  } catch {
    // not Linux
  }
  return { at: performance.now(), passdesk: procTicks(pids.passdesk), slapd: procTicks(pids.slapd), benchMicros: u.user + u.system, machineBusy, machineTotal };
}

/** CPU seconds each used between two marks, and the cores everything else on the machine used (noise). */
interface CpuUsed {
  passdeskS: number;
  slapdS: number;
  benchS: number;
  otherCores: number;
}

function cpuUsed(a: CpuMark, b: CpuMark): CpuUsed {
  const seconds = (b.at - a.at) / 1000;
  const passdeskS = (b.passdesk - a.passdesk) / CLK_TCK;
  const slapdS = (b.slapd - a.slapd) / CLK_TCK;
  const benchS = (b.benchMicros - a.benchMicros) / 1e6;
  const machineS = ((b.machineBusy - a.machineBusy) / (b.machineTotal - a.machineTotal)) * CORES * seconds;
  return {
    passdeskS: round(passdeskS, 2),
    slapdS: round(slapdS, 2),
    benchS: round(benchS, 2),
    otherCores: round(Math.max(0, (machineS - passdeskS - slapdS - benchS) / seconds), 2),
  };
}

interface Server {
  proc: ChildProcess;
  pid: number;
  url: string;
  output: () => string;
}

const running = new Set<ChildProcess>();
function killAllNow(): void {
  for (const proc of running) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}
process.once('exit', killAllNow);

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  running.delete(proc);
}

/** Every thread of pid onto these cores (taskset -a). */
async function pin(pid: number, cores: string): Promise<void> {
  await new Promise<void>((resolvePin, reject) => {
    execFile('taskset', ['-a', '-p', '-c', cores, String(pid)], (err) => (err ? reject(err) : resolvePin()));
  });
}

async function startPassdesk(slapd: TestSlapd, tmp: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(tmp, 'bind-password'), `${slapd.servicePassword}\n`);
  writeFileSync(join(tmp, 'ca.pem'), slapd.ca);
  const env = benchServerEnv({
    port,
    dataDir: join(tmp, 'passdesk'),
    extra: {
      PASSDESK_DIRECTORY_KIND: 'openldap',
      PASSDESK_DIRECTORY_URL: slapd.url,
      PASSDESK_DIRECTORY_STARTTLS: 'true',
      PASSDESK_DIRECTORY_CA_FILE: join(tmp, 'ca.pem'),
      PASSDESK_DIRECTORY_BIND_DN: slapd.serviceDn,
      PASSDESK_DIRECTORY_BIND_PASSWORD_FILE: join(tmp, 'bind-password'),
      PASSDESK_DIRECTORY_USER_BASE: slapd.peopleBase,
      ...(process.env.BENCH_DIRECTORY_POOL_SIZE ? { PASSDESK_DIRECTORY_POOL_SIZE: process.env.BENCH_DIRECTORY_POOL_SIZE } : {}),
    },
  });
  // BENCH_NODE_FLAGS="--perf-basic-prof-only-functions" names JS functions for `perf record -p <pid>`.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ...nodeFlags,
    'bin/passdesk.js',
    'serve',
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error('passdesk: could not spawn');
  if (SPLIT) await pin(proc.pid, `1-${CORES - 1}`);
  running.add(proc);
  let out = '';
  const collect = (d: Buffer): void => {
    out = (out + d.toString()).slice(-8000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const server: Server = { proc, pid: proc.pid, url, output: () => out };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`passdesk exited (${proc.exitCode}):\n${out}`);
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    await res?.arrayBuffer();
    if (res?.status === 200) return server;
    if (Date.now() > deadline) throw new Error(`passdesk: ${url}/readyz not ready after 30 s:\n${out}`);
    await sleep(100);
  }
}

// ─── Loads ───────────────────────────────────────────────────────────────────────────────────────────────

interface LoadFigures {
  label: 'bare binds' | 'sign-ins';
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  statusCodes?: Record<string, number>;
  cpu: CpuUsed;
  /** CPU per successful operation, ms. */
  passdeskCpuMs: number;
  slapdCpuMs: number;
  benchCpuMs: number;
}

function figures(
  label: LoadFigures['label'],
  o: { ok: number; failed: number; seconds: number; p50: number; p99: number; cpu: CpuUsed },
): Omit<LoadFigures, 'statusCodes'> {
  const per = (s: number): number => (o.ok > 0 ? round((s * 1000) / o.ok, 2) : Number.NaN);
  return {
    label,
    perSec: round(o.ok / o.seconds, 1),
    p50Ms: round(o.p50, 1),
    p99Ms: round(o.p99, 1),
    ok: o.ok,
    failed: o.failed,
    cpu: o.cpu,
    passdeskCpuMs: per(o.cpu.passdeskS),
    slapdCpuMs: per(o.cpu.slapdS),
    benchCpuMs: per(o.cpu.benchS),
  };
}

/** CONCURRENCY connections, each with StartTLS once, then simple binds as the next free person, for PHASE_S seconds. */
async function bareBinds(slapd: TestSlapd, people: Person[], pids: { passdesk: number; slapd: number }): Promise<LoadFigures> {
  const clients = await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const c = new Client({ url: slapd.url, timeout: 20_000, connectTimeout: 3000 });
      await c.startTLS({ ca: slapd.ca, host: '127.0.0.1' });
      return c;
    }),
  );
  try {
    // One bind on each connection first, outside the measured time (as Passdesk's pool is warm).
    await Promise.all(clients.map((c, i) => c.bind(people[i]!.dn, people[i]!.password)));
    const queue = personQueue(people);
    const latencies: number[] = [];
    let failed = 0;
    const before = cpuMark(pids);
    const end = performance.now() + PHASE_S * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          const p = queue.take();
          const t = performance.now();
          try {
            await c.bind(p.dn, p.password);
            latencies.push(performance.now() - t);
          } catch {
            failed++;
          } finally {
            queue.give(p);
          }
        }
      }),
    );
    const cpu = cpuUsed(before, cpuMark(pids));
    const seconds = (performance.now() - before.at) / 1000;
    latencies.sort((a, b) => a - b);
    return figures('bare binds', { ok: latencies.length, failed, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu });
  } finally {
    await Promise.all(clients.map((c) => c.unbind().catch(() => {})));
  }
}

/**
 * Each person's own address (X-Forwarded-For; the server trusts one proxy hop), as people sign in from their own
 * desks: the per-IP limits do not pool every request under 127.0.0.1, and a person's sign-ins come from a device
 * Passdesk has seen (a new address each time would queue a new-device email at every sign-in).
 */
function ipOf(p: Person): string {
  const n = Number(p.uid.slice(-3));
  return `10.1.${(n >> 8) & 255}.${n & 255}`;
}

/** POST /api/v1/sessions with autocannon, each request as the next free person from a new address. */
async function signIns(server: Server, people: Person[], pids: { passdesk: number; slapd: number }, durationS = PHASE_S): Promise<LoadFigures> {
  const queue = personQueue(people);
  const headers = { 'content-type': 'application/json', origin: server.url, 'user-agent': USER_AGENT };
  const before = cpuMark(pids);
  const result = await autocannon({
    url: server.url,
    connections: CONCURRENCY,
    duration: durationS,
    timeout: 20,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/sessions',
        headers,
        setupRequest: (req, context) => {
          const p = queue.take();
          (context as { person?: Person }).person = p;
          return { ...req, headers: { ...headers, 'x-forwarded-for': ipOf(p) }, body: JSON.stringify({ email: p.uid, password: p.password }) };
        },
        onResponse: (_status, _body, context) => {
          const p = (context as { person?: Person }).person;
          if (p) queue.give(p);
        },
      },
    ],
  });
  const cpu = cpuUsed(before, cpuMark(pids));
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (v as { count: number }).count;
  const ok = statusCodes['201'] ?? 0;
  const failed = result.non2xx + result.errors + result.timeouts + (result['2xx'] - ok);
  const seconds = (performance.now() - before.at) / 1000;
  return { ...figures('sign-ins', { ok, failed, seconds, p50: result.latency.p50, p99: result.latency.p99, cpu }), statusCodes };
}

async function signInCookie(server: Server, p: Person): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url, 'user-agent': USER_AGENT, 'x-forwarded-for': ipOf(p) },
    body: JSON.stringify({ email: p.uid, password: p.password }),
  });
  const text = await res.text();
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';', 1)[0]!)
    .find((c) => c.startsWith('__Host-passdesk-session='));
  if (res.status !== 201 || !cookie) throw new Error(`sign-in as ${p.uid}: ${res.status} ${text}`);
  return cookie;
}

/**
 * Each person signs in (not timed), then all change their password, CHANGE_CONCURRENCY at a time: the change's latency
 * as the bench process sees it. signOutOtherSessions false: the sign-in loads left each person hundreds of
 * sessions, and ending them would time the bench's leftovers, not the directory.
 */
async function changes(server: Server, people: Person[]): Promise<{ latenciesMs: number[]; failed: string[] }> {
  const cookies = await mapLimit(people, CONCURRENCY, (p) => signInCookie(server, p));
  const latenciesMs: number[] = [];
  const failed: string[] = [];
  await mapLimit(people, CHANGE_CONCURRENCY, async (p, i) => {
    const newPassword = passwordOf(Number(p.uid.slice(-3)), p.generation + 1);
    const t = performance.now();
    const res = await fetch(`${server.url}/api/v1/password/change`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url, 'user-agent': USER_AGENT, 'x-forwarded-for': ipOf(p), cookie: cookies[i]! },
      body: JSON.stringify({ currentPassword: p.password, newPassword, signOutOtherSessions: false }),
    });
    const text = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200) {
      failed.push(`${p.uid}: ${res.status} ${text.slice(0, 200)}`);
      return;
    }
    latenciesMs.push(ms);
    p.password = newPassword;
    p.generation += 1;
  });
  return { latenciesMs, failed };
}

// ─── Run ─────────────────────────────────────────────────────────────────────────────────────────────────

interface Round {
  round: number;
  order: string;
  bare: LoadFigures;
  signIn: LoadFigures;
  ratio: number;
  changeMs: { p50: number; p99: number; max: number; n: number; failed: string[] };
}

async function addPeople(slapd: TestSlapd): Promise<Person[]> {
  return mapLimit(
    Array.from({ length: USERS }, (_, i) => i),
    4,
    async (i) => {
      const uid = `bench-dir-${String(i).padStart(3, '0')}`;
      const password = passwordOf(i, 0);
      const dn = await slapd.addUser({ uid, mail: `${uid}@example.org`, cn: `Bench Directory ${i}`, password });
      return { uid, dn, password, generation: 0 };
    },
  );
}

async function measureRounds(slapd: TestSlapd, server: Server, people: Person[], log: (s: string) => void): Promise<Round[]> {
  const pids = { passdesk: server.pid, slapd: slapd.pid };
  const rounds: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    // ABBA: bare binds first in odd rounds, sign-ins first in even ones, so a drift of the machine favours neither.
    const bareFirst = r % 2 === 1;
    // Each person signs in once first, outside the measured time, as the bare loop binds each connection once:
    // the first sign-in after a change runs the strength estimator on the new password (tens of ms of CPU, once
    // per password; flows/password-policy.ts), which is not the cost of the sign-ins people make day to day.
    await mapLimit(people, CONCURRENCY, (p) => signInCookie(server, p));
    await sleep(DRAIN_MS);
    let bare: LoadFigures | null = null;
    let signIn: LoadFigures | null = null;
    for (const which of bareFirst ? ['bare', 'signIn'] : ['signIn', 'bare']) {
      if (which === 'bare') bare = await bareBinds(slapd, people, pids);
      else signIn = await signIns(server, people, pids);
      await sleep(DRAIN_MS);
    }
    const ch = await changes(server, people);
    await sleep(DRAIN_MS);
    const sorted = [...ch.latenciesMs].sort((a, b) => a - b);
    const round_: Round = {
      round: r,
      order: bareFirst ? 'bare binds, then sign-ins' : 'sign-ins, then bare binds',
      bare: bare!,
      signIn: signIn!,
      ratio: round(signIn!.perSec / bare!.perSec, 3),
      changeMs: {
        p50: round(percentile(sorted, 50), 1),
        p99: round(percentile(sorted, 99), 1),
        max: round(sorted.at(-1) ?? Number.NaN, 1),
        n: sorted.length,
        failed: ch.failed,
      },
    };
    rounds.push(round_);
    log(
      `round ${r}: bare ${bare!.perSec}/s (p99 ${bare!.p99Ms} ms), sign-ins ${signIn!.perSec}/s (p99 ${signIn!.p99Ms} ms, ` +
        `${signIn!.failed} failed ${JSON.stringify(signIn!.statusCodes)}), ratio ${round_.ratio}; ` +
        `change p50 ${round_.changeMs.p50} / p99 ${round_.changeMs.p99} ms (${round_.changeMs.n} ok, ${ch.failed.length} failed)`,
    );
    log(
      `  CPU per op (ms): bare bind slapd ${bare!.slapdCpuMs}, client ${bare!.benchCpuMs}; sign-in slapd ${signIn!.slapdCpuMs}, ` +
        `passdesk ${signIn!.passdeskCpuMs}, autocannon ${signIn!.benchCpuMs}; other processes ${bare!.cpu.otherCores} / ${signIn!.cpu.otherCores} cores`,
    );
    for (const f of ch.failed.slice(0, 3)) log(`  change failed: ${f}`);
  }
  return rounds;
}

function report(rounds: Round[], startedAt: Date, environment: Record<string, unknown>): { valid: boolean } {
  const m = (f: (r: Round) => number): number => round(median(rounds.map(f)), 2);
  const allChanges = rounds.flatMap((r) => r.changeMs);
  const rows: Array<[string, string, string]> = [
    ['Bare binds/s (ldapts, StartTLS, pooled)', String(m((r) => r.bare.perSec)), ''],
    ['Bare bind p50 / p99 (ms)', `${m((r) => r.bare.p50Ms)} / ${m((r) => r.bare.p99Ms)}`, ''],
    ['Passdesk sign-ins/s', String(m((r) => r.signIn.perSec)), ''],
    ['Sign-in p50 / p99 (ms)', `${m((r) => r.signIn.p50Ms)} / ${m((r) => r.signIn.p99Ms)}`, ''],
    ['Sign-ins ÷ bare binds (median of rounds)', String(m((r) => r.ratio)), `≥ ${GOAL_RATIO}`],
    ['slapd CPU per bare bind / per sign-in (ms)', `${m((r) => r.bare.slapdCpuMs)} / ${m((r) => r.signIn.slapdCpuMs)}`, ''],
    ['Passdesk CPU per sign-in (ms)', String(m((r) => r.signIn.passdeskCpuMs)), ''],
    ['Client CPU per bare bind / autocannon per sign-in (ms)', `${m((r) => r.bare.benchCpuMs)} / ${m((r) => r.signIn.benchCpuMs)}`, ''],
    ['Password change p50 / p99 (ms, median of rounds)', `${m((r) => r.changeMs.p50)} / ${m((r) => r.changeMs.p99)}`, ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log('');
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd());
  const failedSignIns = rounds.reduce((n, r) => n + r.signIn.failed, 0);
  const failedChanges = allChanges.reduce((n, c) => n + c.failed.length, 0);
  const valid = failedSignIns === 0 && failedChanges === 0 && rounds.every((r) => r.bare.failed === 0);
  const ratio = m((r) => r.ratio);
  console.log(`\nratio ${ratio} ${ratio >= GOAL_RATIO ? 'meets' : 'is below'} the goal of ${GOAL_RATIO}${valid ? '' : ' — INVALID: some operations failed'}`);
  const body = {
    benchmark: 'passdesk sign-ins through OpenLDAP vs a bare bind loop, and password changes',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: { ...environment, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) },
    settings: {
      users: USERS,
      concurrency: CONCURRENCY,
      changeConcurrency: CHANGE_CONCURRENCY,
      slapdOnItsOwnCore: SPLIT,
      phaseSeconds: PHASE_S,
      rounds: ROUNDS,
      drainMs: DRAIN_MS,
      goalRatio: GOAL_RATIO,
    },
    medians: Object.fromEntries(rows.map(([a, b]) => [a, b])),
    ratio,
    valid,
    rounds,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  writeFileSync(join(dir, `directory-${stamp}.json`), JSON.stringify(body, null, 2) + '\n');
  console.log(`Wrote bench/results/directory-${stamp}.json (${round((Date.now() - startedAt.getTime()) / 1000, 0)} s).`);
  return { valid };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const log = (s: string): void => console.log(s);
  const tmp = mkdtempSync(join(os.tmpdir(), 'passdesk-bench-dir-'));
  let slapd: TestSlapd | null = null;
  let server: Server | null = null;
  const stopAll = async (): Promise<void> => {
    if (server) await stopProcess(server.proc);
    await slapd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping slapd and Passdesk`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  try {
    slapd = await startSlapd();
    if (SPLIT) await Promise.all([pin(slapd.pid, '0'), pin(process.pid, `1-${CORES - 1}`)]);
    log(`slapd: pid ${slapd.pid}, ${slapd.url}; adding ${USERS} people${SPLIT ? '; slapd on core 0, the rest on the others' : ''}`);
    const people = await addPeople(slapd);
    server = await startPassdesk(slapd, tmp);
    log(`Passdesk: pid ${server.pid}, ${server.url}; ${CONCURRENCY} in flight, ${PHASE_S} s per load, ${ROUNDS} rounds`);
    // Warm-up: every person signs in once (Passdesk makes the account at the first sign-in), then a short load.
    await mapLimit(people, 4, (p) => signInCookie(server!, p));
    await signIns(server, people, { passdesk: server.pid, slapd: slapd.pid }, Math.min(3, PHASE_S));
    await sleep(DRAIN_MS);
    const rounds = await measureRounds(slapd, server, people, log);
    if (server.proc.exitCode !== null) throw new Error(`passdesk exited during the run:\n${server.output()}`);
    const environment = {
      slapdOnItsOwnCore: SPLIT,
      node: process.version,
      cores: CORES,
      cpu: os.cpus()[0]?.model ?? null,
      slapdHash: '{ARGON2} if the module is installed, else {SSHA}',
    };
    return report(rounds, startedAt, environment).valid ? 0 : 1;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench:directory failed:', err instanceof Error ? err.message : err);
    killAllNow();
    process.exitCode = 1;
  },
);
