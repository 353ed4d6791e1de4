/**
 * `npm run bench:soak` — a long mixed load (not CI): do server memory and the database stay flat once retention runs?
 *
 * Starts one Passdesk server (dist/, production config, a fresh SQLite file, an SMTP sink in this process) with
 * retention every 30 s and short retention periods, then runs for SOAK_DURATION (default 30m; "180s", "3m", …):
 *   • session checks on 20 long-lived sessions            (≤ SOAK_CHECK_RATE/s, default 200)
 *   • sign-in → who-am-I → sign-out cycles                 (≤ SOAK_SIGNIN_RATE sign-ins/s, default 2)
 *   • password-reset requests, known and unknown addresses, each from a new client IP (≤ SOAK_RESET_RATE/s, default 4)
 * Every load is bounded by its rate and the duration, so the run is bounded in requests and time. Every
 * SOAK_SAMPLE (default 30s; 10s for runs under 10 minutes) it samples the server's RSS, the database file and
 * its WAL, and the row counts retention works on. At the end it fits a line to the samples of the second half
 * and says whether RSS and database size are flat there: the fitted change over that half within 5 % of their
 * mean (plus 2 MB for RSS, whose garbage collector breathes), or a slope within two standard errors of zero (no
 * trend the samples can tell from the noise; said so). Exit code 1 if either is not flat or a load failed. Writes the
 * samples, the loads and the verdicts to bench/results/soak-<time>.json.
 *
 * The server listens on 127.0.0.1 only and is stopped by PID, also on errors and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { benchServerEnv, benchUser, freePort, importBenchUsers, mapLimit, type BenchRequest } from './shared.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USERS = 20;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function seconds(value: string | undefined, fallbackS: number): number {
  const m = /^\s*(\d+)\s*(s|m|h)?\s*$/.exec(value ?? '');
  if (!m) return fallbackS;
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h'];
}
const rate = (value: string | undefined, fallback: number): number => (Number(value) > 0 ? Number(value) : fallback);

const DURATION_S = seconds(process.env.SOAK_DURATION, 30 * 60);
const SAMPLE_S = seconds(process.env.SOAK_SAMPLE, DURATION_S < 600 ? 10 : 30);
const CHECK_RATE = rate(process.env.SOAK_CHECK_RATE, 200);
const SIGNIN_RATE = rate(process.env.SOAK_SIGNIN_RATE, 2);
const RESET_RATE = rate(process.env.SOAK_RESET_RATE, 4);
/** Retention as the soak runs it: often, with short periods, so it has work within minutes. */
const RETENTION_ENV = {
  PASSDESK_RETENTION_INTERVAL: '30s',
  PASSDESK_RETENTION_SESSIONS: '1m',
  PASSDESK_RETENTION_EVENTS: '1m',
  PASSDESK_RETENTION_FLOWS: '1m',
  PASSDESK_MAIL_RETENTION: '1m',
  PASSDESK_RESET_TOKEN_TTL: '2m',
};

/** What a sign-in cycle's connection carries from the sign-in to the next two requests. */
interface Ctx {
  cookie?: string | null;
}

interface Sample {
  t: number;
  rssMb: number;
  dbMb: number;
  walMb: number;
  rows: Record<string, number>;
}

function fileMb(path: string): number {
  try {
    return statSync(path).size / 2 ** 20;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const TABLES = ['sessions', 'events', 'outbox', 'password_resets'] as const;

function rowCounts(dbFile: string): Record<string, number> {
  const db = new SQLite(dbFile, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, Number((db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n)]));
  } finally {
    db.close();
  }
}

/** Least-squares slope (per second) of y over t, and its standard error. */
function fit(points: Array<{ t: number; y: number }>): { slope: number; stdErr: number } {
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  const slope = den === 0 ? 0 : num / den;
  const residuals = points.reduce((s, p) => s + (p.y - my - slope * (p.t - mt)) ** 2, 0);
  return { slope, stdErr: n > 2 && den > 0 ? Math.sqrt(residuals / (n - 2) / den) : Infinity };
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'passdesk-soak-'));
  let mails = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        mails++;
        callback(null);
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = benchServerEnv({
    port,
    dataDir: tmp,
    extra: { PASSDESK_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, PASSDESK_SMTP_SECURITY: 'none', ...RETENTION_ENV },
  });
  const server = spawn(process.execPath, ['bin/passdesk.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = server.pid;
  if (pid === undefined) throw new Error('could not start the server');
  const stopServer = async (): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  process.once('SIGINT', () => {
    void stopServer().finally(() => process.exit(130));
  });
  process.once('exit', () => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/readyz`)).status === 200) break;
      } catch {
        // not yet listening
      }
      if (i > 300 || server.exitCode !== null) throw new Error('the server did not become ready');
      await sleep(100);
    }
    const json = { 'content-type': 'application/json', origin: url, 'user-agent': USER_AGENT };
    const users = Array.from({ length: USERS }, (_, i) => benchUser(i));
    await importBenchUsers({ root: ROOT, env, users });
    const cookieOf = (setCookie: string[] | string | undefined): string | null =>
      [setCookie ?? []]
        .flat()
        .map((c) => c.split(';', 1)[0]!)
        .find((c) => c.startsWith('__Host-passdesk-session=')) ?? null;
    const checks = await mapLimit(users, 4, async (u): Promise<BenchRequest> => {
      const res = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: json, body: JSON.stringify({ email: u.email, password: u.password }) });
      await res.arrayBuffer();
      const cookie = cookieOf(res.headers.getSetCookie());
      if (res.status !== 201 || !cookie) throw new Error(`sign-in: ${res.status}`);
      return { method: 'GET', path: '/api/v1/session', headers: { cookie, 'user-agent': USER_AGENT } };
    });

    const dbFile = join(tmp, 'passdesk.sqlite');
    const samples: Sample[] = [];
    const t0 = Date.now();
    const sample = (): void => {
      const s: Sample = { t: (Date.now() - t0) / 1000, rssMb: rssMb(pid), dbMb: fileMb(dbFile), walMb: fileMb(`${dbFile}-wal`), rows: rowCounts(dbFile) };
      samples.push(s);
      console.log(
        `${s.t.toFixed(0).padStart(6)} s  RSS ${s.rssMb.toFixed(1).padStart(6)} MB  db ${s.dbMb.toFixed(2).padStart(6)} MB  wal ${s.walMb.toFixed(2).padStart(6)} MB  ` +
          `${TABLES.map((t) => `${t} ${s.rows[t]}`).join('  ')}  mails sent ${mails}`,
      );
    };
    console.log(
      `soak: ${DURATION_S} s, sample every ${SAMPLE_S} s; ≤ ${CHECK_RATE} checks/s, ≤ ${SIGNIN_RATE} sign-ins/s, ≤ ${RESET_RATE} resets/s; ` +
        `server pid ${pid}; retention ${JSON.stringify(RETENTION_ENV)}`,
    );
    sample();
    const sampler = setInterval(sample, SAMPLE_S * 1000);

    let ip = 0;
    const nextIp = (): string => {
      ip++;
      return `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
    };
    const signInCycle = users.map((u) => ({ email: u.email, password: u.password }));
    let cycleUser = 0;
    const loads = await Promise.all([
      autocannon({ url, connections: 10, duration: DURATION_S, overallRate: CHECK_RATE, requests: checks }),
      // sign in (a new session), ask who I am with its cookie, sign out (the session ends: retention's work).
      autocannon({
        url,
        connections: 2,
        duration: DURATION_S,
        overallRate: SIGNIN_RATE * 3,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/sessions',
            headers: json,
            setupRequest: (req) => ({ ...req, body: JSON.stringify(signInCycle[cycleUser++ % USERS]) }),
            onResponse: (_status, _body, context, headers) => {
              (context as Ctx).cookie = cookieOf(headers?.['set-cookie'] ?? headers?.['Set-Cookie']);
            },
          },
          {
            method: 'GET',
            path: '/api/v1/session',
            setupRequest: (req, context) => ({ ...req, headers: { 'user-agent': USER_AGENT, cookie: String((context as Ctx).cookie) } }),
          },
          {
            method: 'DELETE',
            path: '/api/v1/session',
            setupRequest: (req, context) => ({ ...req, headers: { origin: url, 'user-agent': USER_AGENT, cookie: String((context as Ctx).cookie) } }),
          },
        ],
      }),
      autocannon({
        url,
        connections: 2,
        duration: DURATION_S,
        overallRate: RESET_RATE,
        requests: [...users.slice(0, 5).map((u) => u.email), ...Array.from({ length: 5 }, (_, i) => `nobody-${i}@example.com`)].map((email) => ({
          method: 'POST' as const,
          path: '/api/v1/password/reset',
          body: JSON.stringify({ email }),
          setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...json, 'x-forwarded-for': nextIp() } }),
        })),
      }),
    ]);
    clearInterval(sampler);

    const names = ['session checks', 'sign-in cycles', 'reset requests'];
    let failed = false;
    for (const [i, r] of loads.entries()) {
      const bad = r.non2xx + r.errors;
      if (bad > 0) failed = true;
      console.log(
        `${names[i]}: ${r.requests.total} requests (${(r.requests.total / r.duration).toFixed(1)}/s), non-2xx ${r.non2xx}, errors ${r.errors}, p99 ${r.latency.p99} ms`,
      );
    }
    const half = samples.filter((s) => s.t >= DURATION_S / 2);
    const span = half.length > 1 ? half.at(-1)!.t - half[0]!.t : 0;
    let notFlat = false;
    const verdicts: Array<Record<string, unknown>> = [];
    for (const [label, pick, floor] of [
      ['RSS', (s: Sample) => s.rssMb, 2],
      ['database (file + WAL)', (s: Sample) => s.dbMb + s.walMb, 0],
    ] as const) {
      const points = half.map((s) => ({ t: s.t, y: pick(s) }));
      const mean = points.reduce((a, p) => a + p.y, 0) / Math.max(1, points.length);
      const { slope: perS, stdErr } = points.length > 1 ? fit(points) : { slope: NaN, stdErr: NaN };
      const change = perS * span;
      const small = Math.abs(change) <= 0.05 * mean + floor;
      // A slope within two standard errors of zero is no trend the samples can tell from the noise (RSS swings by
      // tens of MB as argon2id's memory is taken and given back): flat, but said so.
      const withinNoise = Math.abs(perS) <= 2 * stdErr;
      const flat = points.length > 2 && (small || withinNoise);
      if (!flat) notFlat = true;
      verdicts.push({
        measure: label,
        secondHalfMeanMb: mean,
        slopeMbPerMin: perS * 60,
        stdErrMbPerMin: stdErr * 60,
        changeMb: change,
        spanS: span,
        flat,
        small,
        withinNoise,
      });
      console.log(
        `${label}: second half mean ${mean.toFixed(2)} MB, fitted slope ${(perS * 60).toFixed(3)} ± ${(stdErr * 60).toFixed(3)} MB/min ` +
          `(${change >= 0 ? '+' : ''}${change.toFixed(2)} MB over ${span.toFixed(0)} s): ${!flat ? 'NOT FLAT' : small ? 'FLAT' : 'FLAT within noise (no significant trend; run longer to tighten)'}`,
      );
    }
    const first = samples[0]!;
    const last = samples.at(-1)!;
    console.log(`rows at start → end: ${TABLES.map((t) => `${t} ${first.rows[t]} → ${last.rows[t]}`).join(', ')}; mails sent ${mails}`);
    const report = {
      benchmark: 'passdesk soak: RSS and database size with retention running',
      startedAt: new Date(t0).toISOString(),
      finishedAt: new Date().toISOString(),
      environment: { node: process.version, cores: os.availableParallelism(), loadAverageAtEnd: os.loadavg() },
      settings: { durationS: DURATION_S, sampleS: SAMPLE_S, checkRate: CHECK_RATE, signInRate: SIGNIN_RATE, resetRate: RESET_RATE, retention: RETENTION_ENV },
      loads: loads.map((r, i) => ({
        name: names[i],
        requests: r.requests.total,
        perSec: r.requests.total / r.duration,
        non2xx: r.non2xx,
        errors: r.errors,
        p99Ms: r.latency.p99,
      })),
      mailsSent: mails,
      verdicts,
      passed: !failed && !notFlat,
      samples,
    };
    const stamp = new Date(t0)
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z');
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', `soak-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote bench/results/soak-${stamp}.json`);
    return failed || notFlat ? 1 : 0;
  } finally {
    await stopServer();
    await new Promise((r) => smtp.close(() => r(null)));
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('soak failed:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
