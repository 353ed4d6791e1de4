/**
 * `npm run bench:session` — session checks against the trivial route, alternately, in one run.
 *
 * A focused companion of `npm run bench` for work on the session-check path: it starts one Passdesk server per
 * build (BENCH_BUILDS, comma-separated checkout roots with a built dist/; default this checkout), creates
 * 20 users with one session each, then runs BENCH_ROUNDS rounds (default 3) of BENCH_DURATION seconds
 * (default 5) per phase, alternating session check (GET /api/v1/session) and trivial route (GET /healthz) on
 * every build, so a noisy machine hits all of them alike. It prints, per build, the median over rounds of
 * requests/s and of server CPU per request, and the ratio session check ÷ trivial (goal ≤ 2).
 *
 * BENCH_WORKERS=1,2 starts each build once per worker count (`serve --workers N`, attempt limits in Redis at
 * BENCH_REDIS_URL, default redis://127.0.0.1:6379, when N > 1); server CPU then counts the workers too.
 *
 * BENCH_CPU_PROF=<dir> starts each server with `node --cpu-prof --cpu-prof-dir=<dir>` (a .cpuprofile per
 * server, written when it stops); with BENCH_ONLY=check every phase is a session check. BENCH_NODE_FLAGS adds
 * flags to the server's node (e.g. --perf-basic-prof-only-functions, for perf). Servers listen on 127.0.0.1 and are stopped by PID, also on errors.
 * `node --import tsx bench/cpu-profile-summary.ts <dir>/<main thread's file> <responses printed at the end>` sums
 * self and inclusive time by function and by package, per request. V8's profile books time spent in native code
 * (V8 itself, the kernel) to the last function that called into it, so "writev" and Kysely's "executeQuery" there
 * hold more than the socket write and the SQLite call; `perf record -g` on a server started with
 * NODE_OPTIONS=--perf-basic-prof-only-functions separates them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { benchServerEnv, benchUser, freePort, importBenchUsers, mapLimit, type BenchRequest } from './shared.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILDS = (process.env.BENCH_BUILDS ?? ROOT)
  .split(',')
  .map((p) => resolve(p.trim()))
  .filter(Boolean);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 3);
const PHASE_S = Math.max(1, Number(process.env.BENCH_DURATION) || 5);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** BENCH_ONLY=check (or trivial) runs that route in both slots of a round, e.g. for a profile of one route alone. */
const ONLY = process.env.BENCH_ONLY;
/** BENCH_NODE_FLAGS="--perf-basic-prof-only-functions" names JS functions for `perf record -p <server pid>`. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const WORKERS = (process.env.BENCH_WORKERS ?? '1').split(',').map((n) => Math.max(1, Number(n) || 1));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const USERS = 20;
const CONNECTIONS = 50;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CLK_TCK = 100;

interface Server {
  root: string;
  url: string;
  proc: ChildProcess;
  pid: number;
  check: BenchRequest[];
  trivial: BenchRequest[];
}
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

/** CPU ticks of a process and of its live children (the workers of `serve --workers`), from /proc. */
function serverTicks(pid: number): number {
  const ticksOf = (p: string): { ppid: number; ticks: number } | null => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
    } catch {
      return null;
    }
  };
  let total = ticksOf(String(pid))?.ticks ?? 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const t = ticksOf(p);
    if (t?.ppid === pid) total += t.ticks;
  }
  return total;
}

async function start(root: string, dataDir: string, workers: number): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = benchServerEnv({
    port,
    dataDir,
    extra: workers > 1 ? { PASSDESK_REDIS_URL: REDIS_URL, PASSDESK_REDIS_PREFIX: `bench-${port}` } : {},
  });
  const args = [
    ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
    ...NODE_FLAGS,
    'bin/passdesk.js',
    'serve',
    '--workers',
    String(workers),
  ];
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (proc.pid === undefined) throw new Error(`could not start ${root}`);
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not yet listening
    }
    if (i > 300 || proc.exitCode !== null) throw new Error(`${root}: not ready`);
    await sleep(100);
  }
  const json = { 'content-type': 'application/json', origin: url, 'user-agent': USER_AGENT };
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i));
  await importBenchUsers({ root, env, users });
  const check = await mapLimit(users, 4, async (u): Promise<BenchRequest> => {
    const res = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: json, body: JSON.stringify({ email: u.email, password: u.password }) });
    await res.arrayBuffer();
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0]!)
      .find((c) => c.startsWith('__Host-passdesk-session='));
    if (res.status !== 201 || !cookie) throw new Error(`sign-in: ${res.status}`);
    return { method: 'GET', path: '/api/v1/session', headers: { cookie, 'user-agent': USER_AGENT } };
  });
  return {
    root: workers > 1 ? `${root} (--workers ${workers})` : root,
    url,
    proc,
    pid: proc.pid,
    check,
    trivial: [{ method: 'GET', path: '/healthz', headers: { 'user-agent': USER_AGENT } }],
  };
}

/** Responses over all phases (with the set-up's few): divides a CPU profile's times into per-request costs. */
let served = 0;

interface Sample {
  perSec: number;
  cpuUs: number;
  p99: number;
}

async function phase(s: Server, requests: BenchRequest[]): Promise<Sample> {
  const t0 = serverTicks(s.pid);
  const r = await autocannon({ url: s.url, connections: CONNECTIONS, duration: PHASE_S, requests });
  const ticks = serverTicks(s.pid) - t0;
  const responses = r['2xx'] + r.non2xx;
  if (r.non2xx !== 0 || r.errors !== 0) throw new Error(`${s.root}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  served += responses;
  await sleep(1000);
  return { perSec: Math.round(r['2xx'] / r.duration), cpuUs: Math.round((ticks / CLK_TCK / responses) * 1e6), p99: r.latency.p99 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'passdesk-bench-session-'));
  const servers: Server[] = [];
  try {
    for (const [i, root] of BUILDS.entries()) for (const n of WORKERS) servers.push(await start(root, join(tmp, `${i}-${n}`), n));
    for (const s of servers) await phase(s, s.check); // warm-up (JIT, SQLite page cache)
    const samples = servers.map(() => ({ check: [] as Sample[], trivial: [] as Sample[] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, s] of servers.entries()) {
        samples[i]!.check.push(await phase(s, ONLY === 'trivial' ? s.trivial : s.check));
        samples[i]!.trivial.push(await phase(s, ONLY === 'check' ? s.check : s.trivial));
        const c = samples[i]!.check.at(-1)!;
        const t = samples[i]!.trivial.at(-1)!;
        console.log(`round ${round + 1} ${s.root}: session check ${c.perSec}/s ${c.cpuUs} µs CPU p99 ${c.p99} ms; trivial ${t.perSec}/s ${t.cpuUs} µs`);
      }
    }
    console.log(
      `\nmedians over ${ROUNDS} rounds of ${PHASE_S} s, c=${CONNECTIONS}, ${os.availableParallelism()} cores, load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    for (const [i, s] of servers.entries()) {
      const c = samples[i]!.check;
      const t = samples[i]!.trivial;
      const ratio = median(c.map((x, k) => x.cpuUs / t[k]!.cpuUs));
      console.log(
        `${s.root}: session checks ${median(c.map((x) => x.perSec))}/s at ${median(c.map((x) => x.cpuUs))} µs CPU; ` +
          `trivial ${median(t.map((x) => x.perSec))}/s at ${median(t.map((x) => x.cpuUs))} µs; CPU per check ÷ per trivial ${ratio.toFixed(2)} (goal ≤ 2)`,
      );
    }
    if (PROFILE_DIR) console.log(`${served} responses in all phases (for per-request costs in the profiles in ${PROFILE_DIR})`);
  } finally {
    for (const s of servers) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)));
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
