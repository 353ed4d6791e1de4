/**
 * `npm run bench:nodes` — one node against two on PostgreSQL + Redis, and what Redis adds to a guarded request.
 *
 * Makes a fresh PostgreSQL database (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres, which
 * must be allowed to CREATE DATABASE) and starts two `passdesk serve` processes (dist/, production settings,
 * the same secret) on it, both with their attempt limits in Redis (BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379) under a prefix of their own, on two free ports of 127.0.0.1. 20 users sign up and
 * sign in on node A; their sessions are then checked on both nodes. Each of BENCH_ROUNDS rounds (default 3) runs,
 * for 1 node (A) and 2 nodes (A and B, one autocannon per node, results summed; the order alternates by round),
 * BENCH_DURATION seconds (default 5) of:
 *   • sign-ins (POST /api/v1/sessions, right passwords; 4 × cores connections in all);
 *   • session checks (GET /api/v1/session; 50 connections in all).
 * Each phase reports requests/s, p99, the CPU of each server and of the load generator (this process's
 * process.cpuUsage(), as a share of one core — autocannon runs here, on the same cores), of this run's PostgreSQL
 * backends and of redis-server, and the machine's busy cores (/proc/stat), so other processes show too.
 *
 * The Redis cost per guarded request, in the same rounds: a third server (M) on a second fresh database with its
 * limits in process memory, and BENCH_LATENCY_REQUESTS (default 2000) sequential requests on one connection to
 * each of A and M, alternating: the live password check (POST /api/v1/password/check, the cheapest guarded route:
 * one reservation, no database, no hash; a new client address each time so the per-IP limit never answers) and
 * GET /healthz as the control. Redis's cost is p50(A) − p50(M) of the check, next to the same difference for
 * the control. Beside it, reserve() + release() timed directly through the Redis limiter and the in-memory one
 * (one reservation each; a sign-in with a right password takes two and gives both back).
 *
 * Writes bench/results/nodes-<time>.json. Servers are stopped by PID, databases dropped and Redis keys deleted,
 * also on errors and on Ctrl-C; a watchdog ends a run that overruns its bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { memoryAttemptLimiter, type AttemptLimiter } from '../src/core/attempt-limiter.js';
import { redisAttemptLimiters } from '../src/store/redis-attempt-limiter.js';
import { benchServerEnv, benchUser, freePort, importBenchUsers, mapLimit, type BenchRequest } from './shared.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORES = os.availableParallelism();
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 3);
const PHASE_S = Math.max(1, Number(process.env.BENCH_DURATION) || 5);
const LATENCY_REQUESTS = Math.max(100, Number(process.env.BENCH_LATENCY_REQUESTS) || 2000);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const USERS = 20;
const SIGN_IN_CONNECTIONS = 4 * CORES;
const SESSION_CONNECTIONS = 50;
const DRAIN_MS = 1500;
const CLK_TCK = 100;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
/** Set-up, warm-up, the rounds (two layouts × two phases, plus the latency series) and a margin. */
const DEADLINE_MS = (180 + ROUNDS * (4 * (PHASE_S + DRAIN_MS / 1000) + 4 * LATENCY_REQUESTS * 0.005 + 20)) * 1000;

interface Node {
  name: string;
  url: string;
  proc: ChildProcess;
  pid: number;
  /** The server's environment: the command line's import runs with it. */
  env: NodeJS.ProcessEnv;
}
const started = new Set<ChildProcess>();
const killAllNow = (): void => {
  for (const p of started) p.kill('SIGKILL');
};
process.once('exit', killAllNow);

// ─── Processes, databases, CPU ───────────────────────────────────────────────────────────────────────────

async function startNode(name: string, o: { databaseUrl: string; dataDir: string; secret: string; redisPrefix?: string }): Promise<Node> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const extra: Record<string, string> = { PASSDESK_DATABASE_URL: o.databaseUrl, PASSDESK_SECRET: o.secret };
  if (o.redisPrefix) Object.assign(extra, { PASSDESK_REDIS_URL: REDIS_URL, PASSDESK_REDIS_PREFIX: o.redisPrefix });
  const env = benchServerEnv({ port, dataDir: o.dataDir, extra });
  const proc = spawn(process.execPath, ['bin/passdesk.js', 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start`);
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not yet listening
    }
    if (i > 300 || proc.exitCode !== null) throw new Error(`${name}: not ready (exit code ${proc.exitCode})`);
    await sleep(100);
  }
  return { name, url, proc, pid: proc.pid, env };
}

async function stopNode(n: Node): Promise<void> {
  if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
  const exited = new Promise((r) => n.proc.once('exit', r));
  n.proc.kill('SIGTERM');
  const timer = setTimeout(() => n.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function databaseUrl(name: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    const stream = redis.scanStream({ match: `${prefix}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/**
 * CPU ticks of this run's PostgreSQL backends (their command line names the database) and of redis-server (shared
 * with whatever else uses it), per process, so the cores the data stores took are told apart from other processes'.
 */
function storeTicks(databases: string[]): Map<string, { pid: number; ticks: number }> {
  const out = new Map<string, { pid: number; ticks: number }>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const kind = cmd.startsWith('postgres:') && databases.some((d) => cmd.includes(` ${d} `)) ? 'postgres' : cmd.includes('redis-server') ? 'redis' : null;
      if (kind) out.set(`${kind}:${p}`, { pid: Number(p), ticks: procTicks(Number(p)) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Ticks used between two storeTicks() of one kind; a backend that exited meanwhile (pool idle timeout) is not counted. */
function storeDelta(a: ReturnType<typeof storeTicks>, b: ReturnType<typeof storeTicks>, kind: 'postgres' | 'redis'): number {
  let sum = 0;
  for (const [k, v] of b) if (k.startsWith(`${kind}:`)) sum += v.ticks - (a.get(k)?.ticks ?? 0);
  return sum;
}

/** Busy and total ticks of the whole machine (every core), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

// ─── Set-up ──────────────────────────────────────────────────────────────────────────────────────────────

/** Signs the users up and in on `node`: the sign-in requests, and one session-check request per user. */
async function setUpUsers(node: Node): Promise<{ signIn: BenchRequest[]; check: BenchRequest[] }> {
  const json = { 'content-type': 'application/json', origin: node.url, 'user-agent': USER_AGENT };
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i));
  await importBenchUsers({ root: ROOT, env: node.env, users });
  const check = await mapLimit(users, 4, async (u): Promise<BenchRequest> => {
    const res = await fetch(`${node.url}/api/v1/sessions`, { method: 'POST', headers: json, body: JSON.stringify({ email: u.email, password: u.password }) });
    await res.arrayBuffer();
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0]!)
      .find((c) => c.startsWith('__Host-passdesk-session='));
    if (res.status !== 201 || !cookie) throw new Error(`sign-in: ${res.status}`);
    return { method: 'GET', path: '/api/v1/session', headers: { cookie, 'user-agent': USER_AGENT } };
  });
  // The Origin header names the node the request goes to; each load below gets its own copy.
  const signIn = users.map((u) => ({
    method: 'POST' as const,
    path: '/api/v1/sessions',
    headers: json,
    body: JSON.stringify({ email: u.email, password: u.password }),
  }));
  return { signIn, check };
}

const forNode = (requests: BenchRequest[], node: Node): BenchRequest[] =>
  requests.map((r) => ({ ...r, headers: r.headers.origin ? { ...r.headers, origin: node.url } : r.headers }));

/**
 * One request that takes the next of `requests` in turn over all connections. autocannon starts every connection
 * at the head of a request list, so its connections would sign the same account in at the same moment; the
 * account's count takes each attempt before its password is checked (flows/sign-in.ts), and five at once meet
 * its first wait (SIGN_IN_THROTTLED), which is the throttle working, not a measure of throughput.
 */
function rotating(requests: BenchRequest[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: requests[0]!.method,
      path: requests[0]!.path,
      headers: requests[0]!.headers,
      setupRequest: (req) => ({ ...req, ...requests[next++ % requests.length]! }),
    },
  ];
}

// ─── Load phases ─────────────────────────────────────────────────────────────────────────────────────────

interface PhaseSample {
  nodes: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU (autocannon) ÷ wall time: the share of one core the load generator used. */
  generatorCore: number;
  /** CPU of each server ÷ wall time, in cores. */
  serverCores: number[];
  /** The machine's busy cores (all processes) during the phase. */
  machineCores: number;
  /** This run's PostgreSQL backends, in cores. */
  postgresCores: number;
  /** redis-server (shared with other users of it), in cores. */
  redisCores: number;
  /** machine − servers − generator − PostgreSQL − Redis: other processes on the machine. */
  otherCores: number;
}

/** Which requests each node gets: sign-ins split the users between the nodes (so no account is tried on both at once; see rotating()). */
type Split = 'split' | 'all';
const share = (requests: BenchRequest[], split: Split, i: number, of: number): BenchRequest[] =>
  split === 'all' ? requests : requests.filter((_, k) => k % of === i);

/** This run's databases, for storeTicks(). */
const runDatabases: string[] = [];

async function phase(nodes: Node[], requests: BenchRequest[], connections: number, split: Split): Promise<PhaseSample> {
  const m0 = machineTicks();
  const d0 = storeTicks(runDatabases);
  const s0 = nodes.map((n) => procTicks(n.pid));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    nodes.map((n, i) =>
      autocannon({
        url: n.url,
        connections: Math.max(1, Math.round(connections / nodes.length)),
        duration: PHASE_S,
        requests: rotating(forNode(share(requests, split, i, nodes.length), n)),
        timeout: 20,
      }),
    ),
  );
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const serverCores = nodes.map((n, i) => (procTicks(n.pid) - s0[i]!) / CLK_TCK / wallS);
  const m1 = machineTicks();
  const d1 = storeTicks(runDatabases);
  const machineCores = ((m1.busy - m0.busy) / (m1.total - m0.total)) * CORES;
  const postgresCores = storeDelta(d0, d1, 'postgres') / CLK_TCK / wallS;
  const redisCores = storeDelta(d0, d1, 'redis') / CLK_TCK / wallS;
  for (const [i, r] of results.entries()) {
    if (r.non2xx !== 0 || r.errors !== 0 || r.timeouts !== 0)
      throw new Error(`${nodes[i]!.name}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)}), ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  const generatorCore = (c.user + c.system) / 1e6 / wallS;
  const sumServers = serverCores.reduce((a, b) => a + b, 0);
  await sleep(DRAIN_MS);
  return {
    nodes: nodes.length,
    perSec: results.reduce((a, r) => a + r['2xx'] / r.duration, 0),
    // Across the nodes' loads: the slower node's percentile (each load's own histogram; they are not merged).
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    generatorCore,
    serverCores,
    machineCores,
    postgresCores,
    redisCores,
    otherCores: Math.max(0, machineCores - sumServers - generatorCore - postgresCores - redisCores),
  };
}

// ─── Redis's cost per guarded request ────────────────────────────────────────────────────────────────────

let clientIp = 0;
const nextIp = (): string => {
  clientIp++;
  return `10.${(clientIp >> 16) & 255}.${(clientIp >> 8) & 255}.${clientIp & 255}`;
};

/** `count` requests one after another on one kept-alive connection; each one's time in ms, sorted. */
async function sequentialTimes(
  node: Node,
  count: number,
  make: () => { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(node.url);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const r = make();
      const t0 = process.hrtime.bigint();
      const status = await new Promise<number>((done, fail) => {
        const req = httpRequest({ agent, host: hostname, port, method: r.method, path: r.path, headers: r.headers }, (res) => {
          res.resume();
          res.once('end', () => done(res.statusCode ?? 0));
        });
        req.once('error', fail);
        req.end(r.body);
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) throw new Error(`${node.name} ${r.path}: ${status}`);
    }
  } finally {
    agent.destroy();
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

interface LatencySample {
  node: string;
  guardedP50Ms: number;
  guardedP99Ms: number;
  controlP50Ms: number;
}

async function latencySample(node: Node): Promise<LatencySample> {
  const body = JSON.stringify({ password: 'abc', email: 'someone@example.com' });
  const guarded = await sequentialTimes(node, LATENCY_REQUESTS, () => ({
    method: 'POST',
    path: '/api/v1/password/check',
    headers: {
      'content-type': 'application/json',
      origin: node.url,
      'user-agent': USER_AGENT,
      'x-forwarded-for': nextIp(),
      'content-length': String(body.length),
    },
    body,
  }));
  const control = await sequentialTimes(node, LATENCY_REQUESTS, () => ({ method: 'GET', path: '/healthz', headers: { 'user-agent': USER_AGENT } }));
  return { node: node.name, guardedP50Ms: pct(guarded, 0.5), guardedP99Ms: pct(guarded, 0.99), controlP50Ms: pct(control, 0.5) };
}

/** reserve() + release() of one new key, `count` times in turn; p50 and p99 in ms. */
async function limiterRoundTrips(limiter: AttemptLimiter, count: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  const tag = randomBytes(4).toString('hex');
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const slot = await limiter.reserve(`bench-${tag}-${i}`);
    if (!slot) throw new Error('limiter refused a new key');
    await slot.release();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: pct(times, 0.5), p99Ms: pct(times, 0.99) };
}

// ─── Run ─────────────────────────────────────────────────────────────────────────────────────────────────

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Round {
  signIn: { one: PhaseSample; two: PhaseSample };
  check: { one: PhaseSample; two: PhaseSample };
  latency: { redis: LatencySample; memory: LatencySample };
  limiter: { redis: { p50Ms: number; p99Ms: number }; memory: { p50Ms: number; p99Ms: number } };
}

function describePhase(label: string, s: PhaseSample): string {
  return (
    `${label} ${s.nodes} node${s.nodes > 1 ? 's' : ' '}: ${Math.round(s.perSec)}/s p99 ${s.p99Ms} ms; servers ${s.serverCores.map((c) => c.toFixed(2)).join(' + ')} cores, ` +
    `generator ${Math.round(s.generatorCore * 100)} % of a core, PostgreSQL ${s.postgresCores.toFixed(2)}, Redis ${s.redisCores.toFixed(2)}, ` +
    `machine ${s.machineCores.toFixed(2)} of ${CORES} (other processes ${s.otherCores.toFixed(2)})`
  );
}

async function runRound(
  round: number,
  a: Node,
  b: Node,
  m: Node,
  load: { signIn: BenchRequest[]; check: BenchRequest[] },
  limiters: { redis: AttemptLimiter; memory: AttemptLimiter },
): Promise<Round> {
  const layouts = round % 2 === 0 ? [[a], [a, b]] : [[a, b], [a]];
  const signIn: Partial<Record<'one' | 'two', PhaseSample>> = {};
  const check: Partial<Record<'one' | 'two', PhaseSample>> = {};
  for (const nodes of layouts) {
    const key = nodes.length === 1 ? 'one' : 'two';
    signIn[key] = await phase(nodes, load.signIn, SIGN_IN_CONNECTIONS, 'split');
    console.log(`round ${round + 1} ${describePhase('sign-ins', signIn[key])}`);
    check[key] = await phase(nodes, load.check, SESSION_CONNECTIONS, 'all');
    console.log(`round ${round + 1} ${describePhase('session checks', check[key])}`);
  }
  const [first, second] = round % 2 === 0 ? [a, m] : [m, a];
  const l1 = await latencySample(first);
  const l2 = await latencySample(second);
  const [redis, memory] = first === a ? [l1, l2] : [l2, l1];
  const lim =
    round % 2 === 0
      ? { redis: await limiterRoundTrips(limiters.redis, LATENCY_REQUESTS), memory: await limiterRoundTrips(limiters.memory, LATENCY_REQUESTS) }
      : { memory: await limiterRoundTrips(limiters.memory, LATENCY_REQUESTS), redis: await limiterRoundTrips(limiters.redis, LATENCY_REQUESTS) };
  console.log(
    `round ${round + 1} guarded request p50: limits in Redis ${redis.guardedP50Ms.toFixed(3)} ms, in memory ${memory.guardedP50Ms.toFixed(3)} ms ` +
      `(control /healthz ${redis.controlP50Ms.toFixed(3)} vs ${memory.controlP50Ms.toFixed(3)} ms); reserve+release p50 Redis ${lim.redis.p50Ms.toFixed(3)} ms, memory ${lim.memory.p50Ms.toFixed(4)} ms`,
  );
  return { signIn: signIn as Round['signIn'], check: check as Round['check'], latency: { redis, memory }, limiter: lim };
}

function summarize(rounds: Round[]): Record<string, unknown> {
  const per = (pick: (r: Round) => number): number => median(rounds.map(pick));
  const phaseSummary = (k: 'signIn' | 'check') => ({
    oneNodePerSec: Math.round(per((r) => r[k].one.perSec)),
    twoNodesPerSec: Math.round(per((r) => r[k].two.perSec)),
    twoOverOne: r2(per((r) => r[k].two.perSec / r[k].one.perSec)),
    oneNodeP99Ms: per((r) => r[k].one.p99Ms),
    twoNodesP99Ms: per((r) => r[k].two.p99Ms),
    generatorCoreOneNode: r2(per((r) => r[k].one.generatorCore)),
    generatorCoreTwoNodes: r2(per((r) => r[k].two.generatorCore)),
    serverCoresOneNode: r2(per((r) => r[k].one.serverCores[0]!)),
    serverCoresTwoNodes: r2(per((r) => r[k].two.serverCores[0]! + r[k].two.serverCores[1]!)),
    machineCoresOneNode: r2(per((r) => r[k].one.machineCores)),
    machineCoresTwoNodes: r2(per((r) => r[k].two.machineCores)),
    postgresCoresOneNode: r2(per((r) => r[k].one.postgresCores)),
    postgresCoresTwoNodes: r2(per((r) => r[k].two.postgresCores)),
    redisCoresOneNode: r2(per((r) => r[k].one.redisCores)),
    redisCoresTwoNodes: r2(per((r) => r[k].two.redisCores)),
    otherCoresOneNode: r2(per((r) => r[k].one.otherCores)),
    otherCoresTwoNodes: r2(per((r) => r[k].two.otherCores)),
  });
  return {
    signIn: phaseSummary('signIn'),
    sessionCheck: phaseSummary('check'),
    redisCost: {
      guardedRequest: 'POST /api/v1/password/check (one reservation, a new client address each time), sequential on one connection',
      guardedP50RedisMs: r3(per((r) => r.latency.redis.guardedP50Ms)),
      guardedP50MemoryMs: r3(per((r) => r.latency.memory.guardedP50Ms)),
      guardedP99RedisMs: r3(per((r) => r.latency.redis.guardedP99Ms)),
      guardedP99MemoryMs: r3(per((r) => r.latency.memory.guardedP99Ms)),
      extraP50Ms: r3(per((r) => r.latency.redis.guardedP50Ms - r.latency.memory.guardedP50Ms)),
      controlExtraP50Ms: r3(per((r) => r.latency.redis.controlP50Ms - r.latency.memory.controlP50Ms)),
      reserveReleaseP50RedisMs: r3(per((r) => r.limiter.redis.p50Ms)),
      reserveReleaseP99RedisMs: r3(per((r) => r.limiter.redis.p99Ms)),
      reserveReleaseP50MemoryMs: r3(per((r) => r.limiter.memory.p50Ms)),
      goalExtraP50Ms: 0.5,
    },
  };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const tag = `${stamp.replace(/\D/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;
  const dbShared = `passdesk_bench_nodes_${tag}`;
  const dbMemory = `passdesk_bench_nodes_mem_${tag}`;
  const redisPrefix = `passdesk-bench-nodes-${tag}`;
  const secret = randomBytes(32).toString('base64url');
  const tmp = mkdtempSync(join(os.tmpdir(), 'passdesk-bench-nodes-'));
  const nodes: Node[] = [];
  const created: string[] = [];
  const redisClient = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const watchdog = setTimeout(() => {
    console.error(`bench:nodes overran its bound of ${Math.round(DEADLINE_MS / 1000)} s; stopping`);
    killAllNow();
    process.exit(1);
  }, DEADLINE_MS);
  watchdog.unref();
  process.once('SIGINT', () => {
    killAllNow();
    process.exit(130);
  });
  try {
    for (const db of [dbShared, dbMemory]) {
      await adminQuery(`create database "${db}"`);
      created.push(db);
      runDatabases.push(db);
    }
    const a = await startNode('A', { databaseUrl: databaseUrl(dbShared), dataDir: join(tmp, 'a'), secret, redisPrefix });
    nodes.push(a);
    const b = await startNode('B', { databaseUrl: databaseUrl(dbShared), dataDir: join(tmp, 'b'), secret, redisPrefix });
    nodes.push(b);
    const m = await startNode('M (limits in memory)', { databaseUrl: databaseUrl(dbMemory), dataDir: join(tmp, 'm'), secret });
    nodes.push(m);
    const load = await setUpUsers(a);
    // A session made on A is good on B.
    const onB = await fetch(`${b.url}${load.check[0]!.path}`, { headers: load.check[0]!.headers });
    await onB.arrayBuffer();
    if (onB.status !== 200) throw new Error(`a session made on A answered ${onB.status} on B`);
    const limiters = {
      redis: redisAttemptLimiters(redisClient, { now: () => Date.now() }, { prefix: redisPrefix }).create({ name: 'bench', limit: 10, windowMs: 60_000 }),
      memory: memoryAttemptLimiter({ limit: 10, windowMs: 60_000, clock: { now: () => Date.now() } }),
    };
    console.log(
      `bench:nodes: PostgreSQL database ${dbShared}, Redis prefix ${redisPrefix}; nodes A ${a.url}, B ${b.url}, M ${m.url}; ` +
        `${ROUNDS} rounds of ${PHASE_S} s per phase; ${CORES} cores, load ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
    );
    // Warm-up (JIT, connection pools) on every node.
    await phase([a, b], load.signIn, SIGN_IN_CONNECTIONS, 'split');
    await phase([a, b], load.check, SESSION_CONNECTIONS, 'all');
    await latencySample(m);
    await limiterRoundTrips(limiters.redis, 200);
    await limiterRoundTrips(limiters.memory, 200);

    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await runRound(i, a, b, m, load, limiters));
    const summary = summarize(rounds);
    console.log(`\nmedians over ${ROUNDS} rounds:\n${JSON.stringify(summary, null, 2)}`);

    const report = {
      benchmark: 'passdesk: 1 node vs 2 nodes on PostgreSQL + Redis, and the Redis cost per guarded request',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cores: CORES,
        loadAverageAtEnd: os.loadavg().map(r2),
        postgres: 'fresh database per run',
        redis: 'own key prefix per run',
      },
      settings: {
        rounds: ROUNDS,
        phaseSeconds: PHASE_S,
        users: USERS,
        signInConnections: SIGN_IN_CONNECTIONS,
        sessionCheckConnections: SESSION_CONNECTIONS,
        latencyRequests: LATENCY_REQUESTS,
        generator: 'autocannon in the bench process, one instance per node, results summed',
      },
      summary,
      rounds,
    };
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `nodes-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
    console.log(`\nWrote bench/results/nodes-${stamp}.json (${Math.round((Date.now() - startedAt.getTime()) / 1000)} s).`);
    return 0;
  } finally {
    for (const n of nodes) await stopNode(n);
    redisClient.disconnect();
    for (const db of created) await adminQuery(`drop database if exists "${db}" with (force)`).catch((e: unknown) => console.error(`could not drop ${db}:`, e));
    await deleteRedisKeys(redisPrefix).catch((e: unknown) => console.error('could not delete the Redis keys:', e));
    rmSync(tmp, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench failed:', err instanceof Error ? err.message : err);
    killAllNow();
    process.exitCode = 1;
  },
);
