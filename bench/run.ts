/**
 * `npm run bench` (= npm run build && node --import tsx bench/run.ts)
 *
 * One bounded run (≈ 2 minutes) that measures, on this machine:
 *   1. Passdesk sign-ins per second and p50/p99 latency (autocannon, POST /api/v1/sessions, 20 users);
 *   2. the hash-bound limit measured in the same run: cores ÷ median time of one argon2id hash with the
 *      configured parameters (20 sequential hashes in this process while nothing else runs), and the ratio
 *      sign-ins/s ÷ limit (goal ≥ 0.85);
 *   3. session checks per second and p99 (GET /api/v1/session with valid cookies; goal ≥ 10,000/s), and the
 *      server CPU per session check ÷ per trivial request (GET /healthz; goal ≤ 2);
 *   4. session-check p99 while sign-in load saturates hashing (both loads at once; goal < 25 ms);
 *   5. the same for Better Auth (bench/peers/, its defaults, email + password on SQLite) side by side, and
 *      the ratios Passdesk ÷ Better Auth.
 * It prints one table and writes the same as JSON to bench/results/<ISO time>.json and bench/results/latest.json.
 *
 * Each server runs in its own child process (Passdesk: `node bin/passdesk.js serve` from dist/, production
 * config; Better Auth: `node --import tsx bench/peers-runner.ts`), listening on 127.0.0.1 only, on a fresh
 * SQLite file in a temporary data dir. autocannon runs in this process, on the same cores as the server
 * (there is no other machine); the CPU it uses is reported per phase. Only the children spawned here are
 * stopped (by PID), also on errors and on Ctrl-C.
 *
 * Quick runs for development: BENCH_DURATION=3 (seconds per phase) npm run bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { scrypt as scryptCb, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';

import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2';

import { loadConfig } from '../src/config.js';
import { READY_MARKER, benchUser, freePort, importBenchUsers, mapLimit, type BenchRequest, type PeerReady } from './shared.js';

// ─── Settings ────────────────────────────────────────────────────────────────────────────────────────────

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORES = os.availableParallelism();
const USERS = 20;
/** Seconds per measured phase (the same for both servers). */
const PHASE_S = positiveNumber(process.env.BENCH_DURATION, 10);
const WARMUP_S = Math.min(3, PHASE_S);
/** Pause between phases so work still queued in the server (autocannon stops sending, not the server working) drains. */
const DRAIN_MS = 2000;
/** Sign-in load: 4 × cores connections keep libuv's 4 pool threads (default UV_THREADPOOL_SIZE) always busy. */
const SIGN_IN_CONNECTIONS = 4 * CORES;
/** Session-check load: enough connections to saturate one event loop. */
const SESSION_CONNECTIONS = 50;
/** Session checks during the sign-in load: a modest, rate-limited load on 10 connections. */
const MIXED_SESSION_CONNECTIONS = 10;
const MIXED_SESSION_RATE = 500;
/** Reset requests: this many connections for known addresses and as many for unknown ones, at the same time. */
const RESET_CONNECTIONS = 25;
/** Reference phase against a trivial endpoint (Passdesk GET /healthz, Better Auth GET /api/auth/ok). */
const TRIVIAL_S = Math.min(5, PHASE_S);
const HASH_SAMPLES = 20;
const AUTOCANNON_TIMEOUT_S = 20;
/** A browser's User-Agent on every request, for both servers (each stores a device description per session). */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

const GOALS = { hashBoundRatio: 0.85, sessionChecksPerSec: 10_000, mixedSessionP99Ms: 25, resetRequestsPerSec: 1_000, checkCpuPerTrivial: 2 } as const;

function positiveNumber(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

// ─── Child processes ─────────────────────────────────────────────────────────────────────────────────────

interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Last lines of stdout/stderr, shown when something fails. */
  tail: string[];
  exited: Promise<number | string | null>;
  hasExited: boolean;
}

const children = new Set<Child>();

function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${args.join(' ')}`);
  const tail: string[] = [];
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tail,
    hasExited: false,
    exited: new Promise((resolveExit) => {
      proc.once('exit', (code, signal) => {
        child.hasExited = true;
        children.delete(child);
        resolveExit(code ?? signal);
      });
    }),
  };
  const collect = (stream: NodeJS.ReadableStream | null, lineHandler?: (line: string) => void): void => {
    if (!stream) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lineHandler?.(line);
        tail.push(line.length > 500 ? line.slice(0, 500) + '…' : line);
        if (tail.length > 40) tail.shift();
      }
    });
  };
  collect(proc.stdout, onLine);
  collect(proc.stderr);
  proc.stdin?.on('error', () => {});
  children.add(child);
  return child;
}

/** SIGTERM to this child's PID, then SIGKILL if it has not exited after `graceMs`. */
async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.hasExited) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!child.hasExited) child.proc.kill('SIGKILL');
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

function killAllChildrenNow(): void {
  for (const c of children) {
    try {
      c.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the servers it started`);
    void Promise.all([...children].map((c) => stopChild(c, 3000))).finally(() => process.exit(130));
  });
}

async function failIfExited(child: Child): Promise<never> {
  const code = await child.exited;
  throw new Error(`${child.name} exited early (${String(code)}):\n  ${child.tail.join('\n  ')}`);
}

// ─── CPU accounting (Linux /proc; best effort) ─────────────────────────────────────────────────────────────

const CLK_TCK = 100;

interface CpuSnapshot {
  at: number;
  busyTicks: number;
  totalTicks: number;
  serverTicks: number;
  benchMicros: number;
}

interface CpuUse {
  /** Cores busy machine-wide during the phase. */
  machine: number;
  /** Cores used by the server child. */
  server: number;
  /** Cores used by this process (autocannon). */
  bench: number;
  /** Cores used by everything else on the machine (other processes: noise). */
  other: number;
  /** CPU seconds the server child used in the phase. */
  serverSeconds: number;
}

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return NaN;
  }
}

function cpuSnapshot(serverPid: number): CpuSnapshot {
  let busyTicks = NaN;
  let totalTicks = NaN;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    totalTicks = v.slice(0, 8).reduce((a, b) => a + b, 0);
    busyTicks = totalTicks - (v[3] ?? 0) - (v[4] ?? 0);
  } catch {
    // not Linux
  }
  const u = process.cpuUsage();
  return { at: performance.now(), busyTicks, totalTicks, serverTicks: procTicks(serverPid), benchMicros: u.user + u.system };
}

function cpuUse(a: CpuSnapshot, b: CpuSnapshot): CpuUse | null {
  const seconds = (b.at - a.at) / 1000;
  const machine = ((b.busyTicks - a.busyTicks) / (b.totalTicks - a.totalTicks)) * CORES;
  const server = (b.serverTicks - a.serverTicks) / CLK_TCK / seconds;
  const bench = (b.benchMicros - a.benchMicros) / 1e6 / seconds;
  if (![machine, server, bench].every(Number.isFinite)) return null;
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    machine: r(machine),
    server: r(server),
    bench: r(bench),
    other: r(Math.max(0, machine - server - bench)),
    serverSeconds: r((b.serverTicks - a.serverTicks) / CLK_TCK),
  };
}

/** Cores used by other processes over `ms` (machine busy minus this process), or null where /proc is missing. */
async function otherCpu(ms: number): Promise<number | null> {
  const a = cpuSnapshot(process.pid);
  await sleep(ms);
  const use = cpuUse(a, cpuSnapshot(process.pid));
  return use ? round(Math.max(0, use.machine - use.server), 2) : null;
}

/**
 * The figures are only meaningful on a quiet machine: wait (at most QUIET_WAIT_S) until other processes use
 * less than QUIET_MAX_CORES, then go on either way and say so.
 */
const QUIET_MAX_CORES = 0.25;
const QUIET_WAIT_S = 15;
async function waitForQuiet(log: (line: string) => void, maxWaitS = QUIET_WAIT_S): Promise<{ otherCores: number | null; waitedS: number }> {
  const t0 = Date.now();
  let other = await otherCpu(1000);
  if (other !== null && other > QUIET_MAX_CORES) {
    log(`  other processes are using ${other} cores; waiting up to ${maxWaitS} s for a quieter machine…`);
    while (other !== null && other > QUIET_MAX_CORES && Date.now() - t0 < maxWaitS * 1000) other = await otherCpu(1000);
    log(other !== null && other > QUIET_MAX_CORES ? `  still ${other} cores in use by others; measuring anyway (noisy)` : '  quiet now');
  }
  return { otherCores: other, waitedS: round((Date.now() - t0) / 1000, 1) };
}

// ─── Load phases ─────────────────────────────────────────────────────────────────────────────────────────

interface LoadSpec {
  label: string;
  url: string;
  requests: BenchRequest[];
  connections: number;
  durationS: number;
  overallRate?: number;
  /** Each request from another client address (X-Forwarded-For; the server trusts its proxy), as a spray from many IPs. */
  spreadIps?: boolean;
}

interface LoadResult {
  label: string;
  connections: number;
  overallRate: number | null;
  durationS: number;
  /** 2xx responses per second over the whole phase. */
  perSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  counts: { ok2xx: number; non2xx: number; errors: number; timeouts: number; statusCodes: Record<string, number> };
  valid: boolean;
  invalidReasons: string[];
}

let ipCounter = 0;
/** 10.x.y.z, a new one per request (16M before it wraps). */
function withNextIp(req: autocannon.Request): autocannon.Request {
  const n = ++ipCounter;
  return { ...req, headers: { ...req.headers, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` } };
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const n = spec.requests.length;
  let clientIndex = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: AUTOCANNON_TIMEOUT_S,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    requests: spec.requests.map((r) => ({ ...r, headers: { ...r.headers } })),
    // Each connection starts at a different user, so the users are spread over the connections.
    setupClient: (client) => {
      const offset = (clientIndex++ * 7) % n;
      client.setRequests(
        spec.requests.map((_, i) => {
          const r = spec.requests[(i + offset) % n]!;
          return { ...r, headers: { ...r.headers }, ...(spec.spreadIps ? { setupRequest: withNextIp } : {}) };
        }),
      );
    },
  });
  const ok2xx = result['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = s.count ?? 0;
  const invalidReasons: string[] = [];
  if (result.non2xx !== 0) invalidReasons.push(`${result.non2xx} non-2xx responses (${JSON.stringify(statusCodes)})`);
  if (result.errors !== 0) invalidReasons.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  if (ok2xx === 0) invalidReasons.push('no 2xx responses');
  return {
    label: spec.label,
    connections: spec.connections,
    overallRate: spec.overallRate ?? null,
    durationS: result.duration,
    perSec: round(ok2xx / result.duration, 1),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.mean, 2),
    },
    counts: { ok2xx, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, statusCodes },
    valid: invalidReasons.length === 0,
    invalidReasons,
  };
}

interface PhaseRecord {
  server: 'passdesk' | 'better-auth';
  phase: 'warmup' | 'sign-in' | 'session-check' | 'mixed' | 'trivial' | 'reset';
  loads: LoadResult[];
  cpuCores: CpuUse | null;
  /** Server CPU time per response in the phase (µs): robust to a noisy machine, unlike throughput. */
  serverCpuUsPerResponse: number | null;
}

interface ServerUnderTest {
  name: 'passdesk' | 'better-auth';
  pid: number;
  url: string;
  signIn: BenchRequest[];
  sessionCheck: BenchRequest[];
  /** A trivial endpoint (no database, no auth): the ceiling of the HTTP stack on this machine, for reference. */
  trivial: BenchRequest;
}

async function runPhases(
  s: ServerUnderTest,
  log: (line: string) => void,
  timeServerHash: () => Promise<HashTiming>,
  /** Phases only this server has (Passdesk's reset requests). */
  more?: (phase: (name: PhaseRecord['phase'], specs: LoadSpec[]) => Promise<void>) => Promise<void>,
): Promise<{ phases: PhaseRecord[]; hash: HashTiming }> {
  const phases: PhaseRecord[] = [];
  const phase = async (name: PhaseRecord['phase'], specs: LoadSpec[]): Promise<void> => {
    log(`  ${name}: ${specs.map((x) => `${x.label} c=${x.connections}${x.overallRate ? ` ≤${x.overallRate}/s` : ''}`).join(' + ')}, ${specs[0]!.durationS} s`);
    const before = cpuSnapshot(s.pid);
    const loads = await Promise.all(specs.map(load));
    const cpu = cpuUse(before, cpuSnapshot(s.pid));
    const responses = loads.reduce((sum, l) => sum + l.counts.ok2xx + l.counts.non2xx, 0);
    const serverCpuUsPerResponse = cpu && responses > 0 ? round((cpu.serverSeconds / responses) * 1e6, 0) : null;
    phases.push({ server: s.name, phase: name, loads, cpuCores: cpu, serverCpuUsPerResponse });
    for (const l of loads) {
      log(
        `    ${l.label}: ${fmt(l.perSec)}/s, p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms` +
          `${l.valid ? '' : `  INVALID: ${l.invalidReasons.join('; ')}`}`,
      );
    }
    if (cpu) {
      log(
        `    CPU cores: server ${cpu.server}, autocannon ${cpu.bench}, other processes ${cpu.other}; ` +
          `server CPU per response ${fmt(serverCpuUsPerResponse)} µs`,
      );
    }
    await sleep(DRAIN_MS);
  };
  const signIn: LoadSpec = { label: 'sign-in', url: s.url, requests: s.signIn, connections: SIGN_IN_CONNECTIONS, durationS: PHASE_S };
  const check: LoadSpec = { label: 'session check', url: s.url, requests: s.sessionCheck, connections: SESSION_CONNECTIONS, durationS: PHASE_S };
  await phase('warmup', [{ ...check, durationS: WARMUP_S }]);
  // The hash-bound limit is measured right before the sign-in phase (the server idle, its load drained), so
  // the two figures of the ratio are taken as close together as possible on a machine whose speed drifts.
  const quiet = await waitForQuiet(log, 10);
  const hash: HashTiming = { ...(await timeServerHash()), otherCoresBefore: quiet.otherCores };
  log(`  hash timing in the bench process (server idle): ${describeHash(hash)}`);
  await phase('sign-in', [signIn]);
  await phase('session-check', [check]);
  await phase('mixed', [signIn, { ...check, connections: MIXED_SESSION_CONNECTIONS, overallRate: MIXED_SESSION_RATE }]);
  await phase('trivial', [{ ...check, label: 'trivial', requests: [s.trivial], durationS: TRIVIAL_S }]);
  await more?.(phase);
  return { phases, hash };
}

// ─── Servers ─────────────────────────────────────────────────────────────────────────────────────────────

/** The inherited environment without any PASSDESK_* / BETTER_AUTH_* setting, so a developer's shell cannot change what is measured. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PASSDESK_') && !k.startsWith('BETTER_AUTH_') && k !== 'NODE_OPTIONS' && k !== 'UV_THREADPOOL_SIZE') env[k] = v;
  }
  env.NODE_ENV = 'production';
  return env;
}

function passdeskEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    PASSDESK_HOST: '127.0.0.1',
    PASSDESK_PORT: String(port),
    PASSDESK_BASE_URL: `http://127.0.0.1:${port}`,
    PASSDESK_DATA_DIR: dataDir,
    PASSDESK_ENV: 'production',
    PASSDESK_LOG_LEVEL: 'warn',
    PASSDESK_REGISTRATION: 'open',
    // The reset phase sends each request from another address (X-Forwarded-For), as a spray from many IPs
    // would arrive; the other phases send no such header, so this changes nothing for them.
    PASSDESK_TRUST_PROXY: '1',
  };
}

async function waitReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const poll = (async () => {
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${child.name}: ${url} not ready after ${timeoutMs} ms:\n  ${child.tail.join('\n  ')}`);
      await sleep(100);
    }
  })();
  await Promise.race([poll, failIfExited(child)]);
}

async function setUpPassdesk(baseUrl: string, env: NodeJS.ProcessEnv): Promise<{ signIn: BenchRequest[]; sessionCheck: BenchRequest[] }> {
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i));
  const json = { 'content-type': 'application/json', origin: baseUrl, 'user-agent': USER_AGENT };
  await importBenchUsers({ root: ROOT, env, users });
  const signIn: BenchRequest[] = users.map((u) => ({
    method: 'POST',
    path: '/api/v1/sessions',
    headers: json,
    body: JSON.stringify({ email: u.email, password: u.password }),
  }));
  // One real session per user, from the exact request autocannon will send.
  const cookies = await mapLimit(signIn, 4, async (r, i) => {
    const res = await fetch(baseUrl + r.path, { method: r.method, headers: r.headers, body: r.body ?? null });
    const text = await res.text();
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0]!)
      .find((c) => c.startsWith('__Host-passdesk-session='));
    if (res.status !== 201 || !cookie) throw new Error(`Passdesk sign-in ${users[i]!.email}: ${res.status} ${text}`);
    return cookie;
  });
  const sessionCheck: BenchRequest[] = cookies.map((cookie) => ({
    method: 'GET',
    path: '/api/v1/session',
    headers: { cookie, 'user-agent': USER_AGENT },
  }));
  await mapLimit(sessionCheck, 4, async (r, i) => {
    const res = await fetch(baseUrl + r.path, { headers: r.headers });
    const body = (await res.json().catch(() => null)) as { account?: { email?: string } } | null;
    if (res.status !== 200 || body?.account?.email !== users[i]!.email) {
      throw new Error(`Passdesk session check ${users[i]!.email}: ${res.status} ${JSON.stringify(body)}`);
    }
  });
  return { signIn, sessionCheck };
}

interface ServerRun {
  phases: PhaseRecord[];
  hash: HashTiming;
  rssMb: number | null;
  /** Passdesk: what the reset phase's background work wrote (it runs after each 202). */
  resetWork?: { flows: number; emails: number } | null;
}

/** Reset flows and emails in the database after the reset phase (read-only; the server still runs). */
function countResetWork(file: string): { flows: number; emails: number } | null {
  try {
    const db = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      const count = (sql: string): number => Number((db.prepare(sql).get() as { n: number }).n);
      return {
        flows: count('select count(*) as n from password_resets'),
        emails: count(`select count(*) as n from outbox where template = 'password-reset-requested'`),
      };
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

async function benchPassdesk(tmp: string, log: (line: string) => void, argonParams: Argon2Params): Promise<ServerRun> {
  const port = await freePort();
  const dataDir = join(tmp, 'passdesk');
  const url = `http://127.0.0.1:${port}`;
  const env = passdeskEnv(port, dataDir);
  const child = spawnChild('passdesk', ['bin/passdesk.js', 'serve'], env);
  try {
    await waitReady(child, `${url}/readyz`);
    log(`Passdesk: pid ${child.pid}, ${url}, data ${dataDir}; creating ${USERS} users`);
    const { signIn, sessionCheck } = await setUpPassdesk(url, env);
    const trivial: BenchRequest = { method: 'GET', path: '/healthz', headers: { 'user-agent': USER_AGENT } };
    const json = { 'content-type': 'application/json', origin: url, 'user-agent': USER_AGENT };
    const resetOf = (email: string): BenchRequest => ({ method: 'POST', path: '/api/v1/password/reset', headers: json, body: JSON.stringify({ email }) });
    const known = Array.from({ length: USERS }, (_, i) => resetOf(benchUser(i).email));
    const unknown = Array.from({ length: USERS }, (_, i) => resetOf(`nobody-${String(i).padStart(3, '0')}@example.com`));
    const { phases, hash } = await runPhases(
      { name: 'passdesk', pid: child.pid, url, signIn, sessionCheck, trivial },
      log,
      () => timeArgon2(argonParams),
      async (phase) => {
        // Known and unknown addresses at once, each load on its own connections, so each has its own latency figures.
        const spec = (label: string, requests: BenchRequest[]): LoadSpec => ({
          label,
          url,
          requests,
          connections: RESET_CONNECTIONS,
          durationS: PHASE_S,
          spreadIps: true,
        });
        await phase('reset', [spec('reset known', known), spec('reset unknown', unknown)]);
      },
    );
    if (child.hasExited) throw new Error(`passdesk exited during the run:\n  ${child.tail.join('\n  ')}`);
    return { phases, hash, rssMb: peakRssMb(child.pid), resetWork: countResetWork(join(dataDir, 'passdesk.sqlite')) };
  } finally {
    await stopChild(child);
  }
}

async function benchBetterAuth(tmp: string, log: (line: string) => void): Promise<ServerRun> {
  const dataDir = join(tmp, 'better-auth');
  let ready: PeerReady | null = null;
  let announce: (r: PeerReady) => void = () => {};
  const announced = new Promise<PeerReady>((r) => (announce = r));
  const child = spawnChild('better-auth peer', ['--import', 'tsx', 'bench/peers-runner.ts', dataDir, String(USERS)], cleanEnv(), (line) => {
    if (!ready && line.startsWith(READY_MARKER)) {
      ready = JSON.parse(line.slice(READY_MARKER.length)) as PeerReady;
      announce(ready);
    }
  });
  try {
    const timeout = sleep(60_000).then(() => {
      throw new Error(`better-auth peer: not ready after 60 s:\n  ${child.tail.join('\n  ')}`);
    });
    const peer = await Promise.race([announced, failIfExited(child), timeout]);
    log(`Better Auth: pid ${child.pid}, ${peer.url}, data ${dataDir}; ${USERS} users created by the peer runner`);
    const withUa = (r: BenchRequest): BenchRequest => ({ ...r, headers: { ...r.headers, 'user-agent': USER_AGENT } });
    const { phases, hash } = await runPhases(
      {
        name: 'better-auth',
        pid: child.pid,
        url: peer.url,
        signIn: peer.signInRequests.map(withUa),
        sessionCheck: peer.sessionCheckRequests.map(withUa),
        trivial: { method: 'GET', path: '/api/auth/ok', headers: { 'user-agent': USER_AGENT } },
      },
      log,
      timeScrypt,
    );
    if (child.hasExited) throw new Error(`better-auth peer exited during the run:\n  ${child.tail.join('\n  ')}`);
    return { phases, hash, rssMb: peakRssMb(child.pid) };
  } finally {
    await stopChild(child);
  }
}

function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

// ─── Hash timing (in this process, before any server runs) ───────────────────────────────────────────────

interface HashTiming {
  algorithm: string;
  params: Record<string, number>;
  samples: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** cores ÷ median: sign-ins per second if every core did nothing but this hash. */
  limitPerSec: number;
  /** Hashes per second with 2 × cores hashes in flight on libuv's pool (diagnostic: what the cores really give in parallel). */
  parallelPerSec: number;
  /** Cores other processes used just before the timing (noise indicator). */
  otherCoresBefore?: number | null;
}

async function timeHash(algorithm: string, params: Record<string, number>, once: () => Promise<unknown>): Promise<HashTiming> {
  await once();
  await once();
  const ms: number[] = [];
  for (let i = 0; i < HASH_SAMPLES; i++) {
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const medianMs = (ms[Math.floor((ms.length - 1) / 2)]! + ms[Math.ceil((ms.length - 1) / 2)]!) / 2;
  // Diagnostic: the same hash, 2 × cores at a time, as a server under load runs it.
  const parallelTotal = 4 * CORES * 2;
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 2 * CORES }, async () => {
      while (started < parallelTotal) {
        started++;
        await once();
      }
    }),
  );
  const parallelPerSec = parallelTotal / ((performance.now() - t0) / 1000);
  return {
    algorithm,
    params,
    samples: HASH_SAMPLES,
    medianMs: round(medianMs, 2),
    minMs: round(ms[0]!, 2),
    maxMs: round(ms[ms.length - 1]!, 2),
    limitPerSec: round(CORES / (medianMs / 1000), 1),
    parallelPerSec: round(parallelPerSec, 1),
  };
}

interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

function describeHash(h: HashTiming): string {
  return (
    `${h.algorithm} ${JSON.stringify(h.params)}: median of ${h.samples} ${h.medianMs} ms (min ${h.minMs}, max ${h.maxMs}) → ` +
    `limit ${CORES} ÷ median = ${fmt(h.limitPerSec, 1)}/s; ${2 * CORES} at a time: ${fmt(h.parallelPerSec, 1)}/s`
  );
}

async function timeArgon2(params: Argon2Params): Promise<HashTiming> {
  const options = { algorithm: 2 as Algorithm /* argon2id */, memoryCost: params.memoryKib, timeCost: params.iterations, parallelism: params.parallelism };
  let i = 0;
  return timeHash('argon2id (@node-rs/argon2)', { m: params.memoryKib, t: params.iterations, p: params.parallelism }, () =>
    argon2Hash(`${benchUser(i++ % USERS).password}`, options),
  );
}

/** Better Auth's default: @better-auth/utils/password on Node = node:crypto scrypt N=16384 r=16 p=1 dkLen=64. */
async function timeScrypt(): Promise<HashTiming> {
  const N = 16384,
    r = 16,
    p = 1,
    dkLen = 64;
  const once = (): Promise<Buffer> =>
    new Promise((res, rej) => {
      scryptCb(
        'bench-password-correct-horse-battery-staple'.normalize('NFKC'),
        randomBytes(16).toString('hex'),
        dkLen,
        { N, r, p, maxmem: 128 * N * r * 2 },
        (err, key) => (err ? rej(err) : res(key)),
      );
    });
  return timeHash('scrypt (node:crypto)', { N, r, p, dkLen }, once);
}

// ─── Report ──────────────────────────────────────────────────────────────────────────────────────────────

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cpuPerOf(phases: PhaseRecord[], phase: PhaseRecord['phase']): number | null {
  return phases.find((p) => p.phase === phase)?.serverCpuUsPerResponse ?? null;
}

function findLoad(phases: PhaseRecord[], phase: PhaseRecord['phase'], label: string): LoadResult | null {
  return phases.find((p) => p.phase === phase)?.loads.find((l) => l.label === label) ?? null;
}

function packageVersion(name: string): string | null {
  try {
    const req = createRequire(join(ROOT, 'package.json'));
    let dir = dirname(req.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // keep walking up
      }
      dir = dirname(dir);
    }
  } catch {
    // not resolvable
  }
  return null;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const log = (line: string): void => console.log(line);
  if (CORES !== 2) log(`note: this machine has ${CORES} cores; the goals were set for 2`);

  // The parameters the server will run with: the same loader, the same environment as its child process.
  const config = loadConfig({ env: passdeskEnv(8080, join(os.tmpdir(), 'passdesk-bench-unused')), persistSecret: false });
  const argonParams: Argon2Params = { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations, parallelism: config.argon2Parallelism };

  const environment = {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: CORES,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    uvThreadpoolSize: 4,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    versions: {
      passdesk: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      'better-auth': packageVersion('better-auth'),
      autocannon: packageVersion('autocannon'),
      '@node-rs/argon2': packageVersion('@node-rs/argon2'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      fastify: packageVersion('fastify'),
    },
  };
  log(
    `Passdesk benchmark — ${startedAt.toISOString()} — Node ${environment.node}, ${CORES} × ${environment.cpuModel}, ` +
      `load average ${environment.loadAverageAtStart.join(' ')}`,
  );

  const quiet = await waitForQuiet(log, 5);

  const tmp = mkdtempSync(join(os.tmpdir(), 'passdesk-bench-'));
  let passdesk: Awaited<ReturnType<typeof benchPassdesk>>;
  let betterAuth: Awaited<ReturnType<typeof benchBetterAuth>>;
  try {
    passdesk = await benchPassdesk(tmp, log, argonParams);
    await sleep(DRAIN_MS);
    betterAuth = await benchBetterAuth(tmp, log);
  } finally {
    await Promise.all([...children].map((c) => stopChild(c)));
    rmSync(tmp, { recursive: true, force: true });
  }

  // ── Summary rows: one table, the same in the JSON.
  const argon2 = passdesk.hash;
  const scrypt = betterAuth.hash;
  const pd = passdesk.phases;
  const ba = betterAuth.phases;
  const pdSignIn = findLoad(pd, 'sign-in', 'sign-in');
  const baSignIn = findLoad(ba, 'sign-in', 'sign-in');
  const pdCheck = findLoad(pd, 'session-check', 'session check');
  const baCheck = findLoad(ba, 'session-check', 'session check');
  const pdMixedCheck = findLoad(pd, 'mixed', 'session check');
  const baMixedCheck = findLoad(ba, 'mixed', 'session check');
  const pdMixedSignIn = findLoad(pd, 'mixed', 'sign-in');
  const baMixedSignIn = findLoad(ba, 'mixed', 'sign-in');

  type Status = 'PASS' | 'FAIL' | 'INVALID' | '';
  interface Row {
    measure: string;
    passdesk: string;
    betterAuth: string;
    ratio: string;
    goal: string;
    status: Status;
    values: { passdesk: number | null; betterAuth: number | null; ratio: number | null };
  }
  const rows: Row[] = [];
  const v = (l: LoadResult | null, pick: (l: LoadResult) => number): number | null => (l ? pick(l) : null);
  const cell = (x: number | null, l: LoadResult | null | undefined, digits = 0, suffix = ''): string =>
    l && !l.valid ? `INVALID (${fmt(x, digits)})` : fmt(x, digits) + (x === null ? '' : suffix);
  const ratioOf = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? round(a / b, 2) : null);
  const row = (
    measure: string,
    a: number | null,
    aLoad: LoadResult | null | undefined,
    b: number | null,
    bLoad: LoadResult | null | undefined,
    opts: { digits?: number; ratio?: boolean; goal?: string; pass?: (x: number) => boolean; suffix?: string } = {},
  ): void => {
    const invalid = (aLoad && !aLoad.valid) || (bLoad && !bLoad.valid);
    const ratio = opts.ratio ? ratioOf(a, b) : null;
    let status: Status = '';
    if (opts.pass) status = aLoad && !aLoad.valid ? 'INVALID' : a !== null && opts.pass(a) ? 'PASS' : 'FAIL';
    rows.push({
      measure,
      passdesk: cell(a, aLoad, opts.digits, opts.suffix),
      betterAuth: cell(b, bLoad, opts.digits, opts.suffix),
      ratio: ratio === null ? '' : `${invalid ? 'INVALID ' : ''}${fmt(ratio, 2)}×`,
      goal: opts.goal ?? '',
      status,
      values: { passdesk: a, betterAuth: b, ratio },
    });
  };

  const pdRatio = pdSignIn ? round(pdSignIn.perSec / argon2.limitPerSec, 2) : null;
  const baRatio = baSignIn ? round(baSignIn.perSec / scrypt.limitPerSec, 2) : null;

  row(`Password hash, median of ${HASH_SAMPLES} (ms)`, argon2.medianMs, null, scrypt.medianMs, null, { digits: 1, ratio: true });
  row(`Hash-bound limit: ${CORES} cores ÷ median (/s)`, argon2.limitPerSec, null, scrypt.limitPerSec, null, { digits: 1, ratio: true });
  row(
    `Sign-ins/s (c=${SIGN_IN_CONNECTIONS}, ${PHASE_S} s)`,
    v(pdSignIn, (l) => l.perSec),
    pdSignIn,
    v(baSignIn, (l) => l.perSec),
    baSignIn,
    { digits: 1, ratio: true },
  );
  row(
    'Sign-in latency p50 (ms)',
    v(pdSignIn, (l) => l.latencyMs.p50),
    pdSignIn,
    v(baSignIn, (l) => l.latencyMs.p50),
    baSignIn,
  );
  row(
    'Sign-in latency p99 (ms)',
    v(pdSignIn, (l) => l.latencyMs.p99),
    pdSignIn,
    v(baSignIn, (l) => l.latencyMs.p99),
    baSignIn,
  );
  row('Sign-ins/s ÷ hash-bound limit', pdRatio, pdSignIn, baRatio, baSignIn, {
    digits: 2,
    goal: `≥ ${GOALS.hashBoundRatio}`,
    pass: (x) => x >= GOALS.hashBoundRatio,
  });
  // The limit above assumes hashing scales perfectly over the cores; memory-hard hashes on shared vCPUs do
  // not. This row divides by what the cores actually yielded hashing in parallel, in this run.
  row(
    `Sign-ins/s ÷ hashing alone, ${2 * CORES} at a time`,
    pdSignIn ? round(pdSignIn.perSec / argon2.parallelPerSec, 2) : null,
    pdSignIn,
    baSignIn ? round(baSignIn.perSec / scrypt.parallelPerSec, 2) : null,
    baSignIn,
    { digits: 2 },
  );
  row(
    `Session checks/s (c=${SESSION_CONNECTIONS}, ${PHASE_S} s)`,
    v(pdCheck, (l) => l.perSec),
    pdCheck,
    v(baCheck, (l) => l.perSec),
    baCheck,
    {
      ratio: true,
      goal: `≥ ${fmt(GOALS.sessionChecksPerSec)}`,
      pass: (x) => x >= GOALS.sessionChecksPerSec,
    },
  );
  row(
    'Session check latency p50 (ms)',
    v(pdCheck, (l) => l.latencyMs.p50),
    pdCheck,
    v(baCheck, (l) => l.latencyMs.p50),
    baCheck,
  );
  row(
    'Session check latency p99 (ms)',
    v(pdCheck, (l) => l.latencyMs.p99),
    pdCheck,
    v(baCheck, (l) => l.latencyMs.p99),
    baCheck,
  );
  row(
    `Under sign-in load: session check p99 (ms)`,
    v(pdMixedCheck, (l) => l.latencyMs.p99),
    pdMixedCheck,
    v(baMixedCheck, (l) => l.latencyMs.p99),
    baMixedCheck,
    {
      goal: `< ${GOALS.mixedSessionP99Ms}`,
      pass: (x) => x < GOALS.mixedSessionP99Ms,
    },
  );
  row(
    `Under sign-in load: session checks/s (c=${MIXED_SESSION_CONNECTIONS}, ≤ ${MIXED_SESSION_RATE}/s)`,
    v(pdMixedCheck, (l) => l.perSec),
    pdMixedCheck,
    v(baMixedCheck, (l) => l.perSec),
    baMixedCheck,
  );
  row(
    'Under sign-in load: sign-ins/s',
    v(pdMixedSignIn, (l) => l.perSec),
    pdMixedSignIn,
    v(baMixedSignIn, (l) => l.perSec),
    baMixedSignIn,
    { digits: 1, ratio: true },
  );
  const pdTrivial = findLoad(pd, 'trivial', 'trivial');
  const baTrivial = findLoad(ba, 'trivial', 'trivial');
  row(
    `Reference: trivial endpoint/s (c=${SESSION_CONNECTIONS}, ${TRIVIAL_S} s)`,
    v(pdTrivial, (l) => l.perSec),
    pdTrivial,
    v(baTrivial, (l) => l.perSec),
    baTrivial,
    { ratio: true },
  );
  row('Server CPU per trivial request (µs)', cpuPerOf(pd, 'trivial'), pdTrivial, cpuPerOf(ba, 'trivial'), baTrivial, { ratio: true });
  const cpuPer = cpuPerOf;
  const ms = (x: number | null): number | null => (x === null ? null : round(x / 1000, 1));
  row('Server CPU per sign-in, all threads (ms)', ms(cpuPer(pd, 'sign-in')), pdSignIn, ms(cpuPer(ba, 'sign-in')), baSignIn, { digits: 1, ratio: true });
  row('Server CPU per session check (µs)', cpuPer(pd, 'session-check'), pdCheck, cpuPer(ba, 'session-check'), baCheck, { ratio: true });
  // Both figures are CPU time per response, which a busy machine disturbs far less than throughput.
  row(
    'Server CPU per session check ÷ per trivial request',
    ratioOf(cpuPer(pd, 'session-check'), cpuPer(pd, 'trivial')),
    pdCheck,
    ratioOf(cpuPer(ba, 'session-check'), cpuPer(ba, 'trivial')),
    baCheck,
    {
      digits: 2,
      goal: `≤ ${GOALS.checkCpuPerTrivial}`,
      pass: (x) => x <= GOALS.checkCpuPerTrivial,
    },
  );
  row('Server peak RSS (MB)', passdesk.rssMb, null, betterAuth.rssMb, null);
  // Reset requests (Passdesk only: the issue sets no peer for them).
  const pdResetKnown = findLoad(pd, 'reset', 'reset known');
  const pdResetUnknown = findLoad(pd, 'reset', 'reset unknown');
  const resetTotal = pdResetKnown && pdResetUnknown ? round(pdResetKnown.perSec + pdResetUnknown.perSec, 0) : null;
  const resetLoad = pdResetKnown && !pdResetKnown.valid ? pdResetKnown : pdResetUnknown;
  row(`Reset requests/s, known + unknown (c=${RESET_CONNECTIONS}+${RESET_CONNECTIONS}, a new IP each)`, resetTotal, resetLoad, null, null, {
    goal: `≥ ${GOALS.resetRequestsPerSec}`,
    pass: (x) => x >= GOALS.resetRequestsPerSec,
  });
  row(
    'Reset latency p50, known / unknown (ms)',
    v(pdResetKnown, (l) => l.latencyMs.p50),
    pdResetKnown,
    v(pdResetUnknown, (l) => l.latencyMs.p50),
    pdResetUnknown,
  );
  row(
    'Reset latency p99, known / unknown (ms)',
    v(pdResetKnown, (l) => l.latencyMs.p99),
    pdResetKnown,
    v(pdResetUnknown, (l) => l.latencyMs.p99),
    pdResetUnknown,
  );
  row(
    'Reset latency mean, known − unknown (ms)',
    pdResetKnown && pdResetUnknown ? round(pdResetKnown.latencyMs.mean - pdResetUnknown.latencyMs.mean, 2) : null,
    resetLoad,
    null,
    null,
    { digits: 2 },
  );
  row('Server CPU per reset request, incl. the work after the 202 (µs)', cpuPer(pd, 'reset'), resetLoad, null, null);
  row('Reset emails queued in the phase (of flows created)', passdesk.resetWork?.emails ?? null, null, passdesk.resetWork?.flows ?? null, null);

  const headers = ['Measure', 'Passdesk', 'Better Auth', 'Passdesk ÷ BA', 'Goal', ''];
  const table = rows.map((r) => [r.measure, r.passdesk, r.betterAuth, r.ratio, r.goal, r.status]);
  const widths = headers.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();

  const allLoads = [...pd, ...ba].filter((p) => p.phase !== 'warmup').flatMap((p) => p.loads.map((l) => ({ p, l })));
  const invalid = allLoads.filter(({ l }) => !l.valid);
  const maxOther = Math.max(0, ...[...pd, ...ba].map((p) => p.cpuCores?.other ?? 0));
  const notes: string[] = [
    `argon2id ${JSON.stringify(argon2.params)} vs Better Auth's default scrypt ${JSON.stringify(scrypt.params)}; ` +
      `${USERS} users, each server on a fresh SQLite file, in its own child process on 127.0.0.1.`,
    `autocannon runs in the bench process on the same ${CORES} cores as the server (about ` +
      `${fmt(Math.max(...[...pd, ...ba].filter((p) => p.phase === 'session-check').map((p) => p.cpuCores?.bench ?? 0)), 2)} ` +
      'core in the session-check phases), so throughput of cheap requests is bounded by the client too.',
    `For comparison, hashing alone, ${2 * CORES} at a time in the bench process, gave ${fmt(argon2.parallelPerSec, 1)} argon2id/s and ` +
      `${fmt(scrypt.parallelPerSec, 1)} scrypt/s: what the cores yielded for hashing with no server work at that moment.`,
  ];
  if (maxOther > 0.25) {
    notes.push(`Other processes used up to ${fmt(maxOther, 2)} cores during a phase: the machine was not quiet; figures are noisy.`);
  }
  for (const { p, l } of invalid) notes.push(`INVALID: ${p.server} ${p.phase} ${l.label}: ${l.invalidReasons.join('; ')}`);

  console.log('');
  console.log(line(headers));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const t of table) console.log(line(t));
  console.log('');
  for (const n of notes) console.log(`• ${n}`);

  const report = {
    benchmark: 'passdesk sign-in and session checks vs Better Auth',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: {
      ...environment,
      loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      otherProcessesCoresAtStart: quiet.otherCores,
      waitedForQuietS: quiet.waitedS,
    },
    settings: {
      users: USERS,
      phaseSeconds: PHASE_S,
      warmupSeconds: WARMUP_S,
      drainMs: DRAIN_MS,
      signInConnections: SIGN_IN_CONNECTIONS,
      sessionCheckConnections: SESSION_CONNECTIONS,
      mixedSessionCheckConnections: MIXED_SESSION_CONNECTIONS,
      mixedSessionCheckRatePerSec: MIXED_SESSION_RATE,
      autocannonInBenchProcess: true,
      passdeskConfig: { environment: 'production', logLevel: 'warn', argon2: argonParams, database: 'SQLite (fresh file)' },
      betterAuthConfig: 'bench/peers/better-auth-server.ts defaults (email+password, better-sqlite3, rate limit off), NODE_ENV=production',
    },
    hashing: { passdesk: argon2, betterAuth: scrypt },
    goals: GOALS,
    table: rows.map(({ measure, passdesk: p, betterAuth: b, ratio, goal, status, values }) => ({
      measure,
      passdesk: p,
      betterAuth: b,
      ratio,
      goal,
      status,
      values,
    })),
    notes,
    valid: invalid.length === 0,
    phases: { passdesk: passdesk.phases, betterAuth: betterAuth.phases },
  };
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const body = JSON.stringify(report, null, 2) + '\n';
  writeFileSync(join(resultsDir, `${stamp}.json`), body);
  writeFileSync(join(resultsDir, 'latest.json'), body);
  console.log(`\nWrote bench/results/${stamp}.json and bench/results/latest.json (${round((Date.now() - startedAt.getTime()) / 1000, 0)} s).`);
  return invalid.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench failed:', err instanceof Error ? err.message : err);
    killAllChildrenNow();
    process.exitCode = 1;
  },
);
