/**
 * Smoke test for the Better Auth benchmark peer.
 *
 *   node --import tsx bench/peers/better-auth-smoke.ts
 *
 * Starts the peer in a temp dir, signs up a user, signs in, checks that
 * get-session returns that user, then runs autocannon for 3 s each against
 * sign-in (10 connections) and get-session (50 connections). Exits non-zero
 * if any run saw a non-2xx response, a connection error/timeout, or (for
 * get-session) a body different from the verified one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';

import { startBetterAuthPeer } from './better-auth-server.js';

const EMAIL = 'bench-user@example.com';
const PASSWORD = 'correct-horse-battery-staple-42';

interface RunSummary {
  name: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  total2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

async function bench(
  name: string,
  url: string,
  connections: number,
  req: { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string },
  expectBody?: string,
): Promise<RunSummary> {
  const result = await autocannon({
    url: url + req.path,
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    ...(expectBody !== undefined ? { expectBody } : {}),
    connections,
    duration: 3,
  });
  return {
    name,
    connections,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passdesk-ba-peer-'));
  const peer = await startBetterAuthPeer({ dataDir });
  let failed = false;
  try {
    console.log(`Better Auth peer listening at ${peer.url} (data: ${dataDir})`);

    await peer.signUp(EMAIL, PASSWORD);
    const cookie = await peer.signInCookie(EMAIL, PASSWORD);
    console.log(
      `signed in; cookie names: ${cookie
        .split('; ')
        .map((c) => c.split('=')[0])
        .join(', ')}`,
    );

    // Functional check of the exact request the benchmark will fire.
    const check = peer.sessionCheckRequest(cookie);
    const res = await fetch(peer.url + check.path, { method: check.method, headers: check.headers });
    const sessionBody = await res.text();
    const parsed = JSON.parse(sessionBody) as { user?: { email?: string } } | null;
    if (res.status !== 200 || parsed?.user?.email !== EMAIL) {
      throw new Error(`get-session did not return the user: ${res.status} ${sessionBody}`);
    }
    console.log(`get-session OK: user ${parsed.user.email}`);

    // Functional check of the autocannon sign-in request.
    const si = peer.signInRequest(EMAIL, PASSWORD);
    const siRes = await fetch(peer.url + si.path, { method: si.method, headers: si.headers, body: si.body });
    await siRes.arrayBuffer();
    if (siRes.status !== 200) throw new Error(`signInRequest returned ${siRes.status}`);
    console.log('signInRequest OK');

    const runs: RunSummary[] = [];
    runs.push(await bench('sign-in (POST /api/auth/sign-in/email)', peer.url, 10, si));
    // Let sign-ins still queued in the server (autocannon stops sending, not
    // the server working) finish before the next run starts.
    await sleep(1500);
    // expectBody: every get-session response must equal the verified body
    // (the session is fresh, so Better Auth does not refresh/rewrite it).
    runs.push(await bench('session check (GET /api/auth/get-session)', peer.url, 50, check, sessionBody));

    console.log('');
    for (const r of runs) {
      console.log(
        `${r.name}  c=${r.connections}: ${r.reqPerSec.toFixed(1)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
          `2xx ${r.total2xx}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}, body mismatches ${r.mismatches}`,
      );
      if (r.non2xx !== 0 || r.errors !== 0 || r.timeouts !== 0 || r.mismatches !== 0 || r.total2xx === 0) {
        console.error(`  INVALID: ${r.name} had errors`);
        failed = true;
      }
    }
  } finally {
    await peer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
