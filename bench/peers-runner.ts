/**
 * Child-process entry for the Better Auth benchmark peer, so the peer gets its own event loop and
 * autocannon (in bench/run.ts) does not share one with it.
 *
 *   node --import tsx bench/peers-runner.ts <dataDir> <users>
 *
 * Starts the peer (bench/peers/better-auth-server.ts) on 127.0.0.1, signs up <users> users, signs each
 * one in once, checks get-session with every cookie, and then prints ONE line to stdout:
 *
 *   PEER_READY {"url":…,"signInRequests":[…],"sessionCheckRequests":[…]}
 *
 * (autocannon-ready request objects built by the peer's own helpers). It then serves until SIGTERM or
 * SIGINT, or until its stdin closes (the parent died), and closes the peer before exiting.
 */
import { startBetterAuthPeer, type BetterAuthPeer } from './peers/better-auth-server.js';
import { READY_MARKER, benchUser, mapLimit, type PeerReady } from './shared.js';

async function main(): Promise<void> {
  const [dataDir, usersArg] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: peers-runner.ts <dataDir> [users]');
  const users = Array.from({ length: Number(usersArg ?? 20) }, (_, i) => benchUser(i));

  let peer: BetterAuthPeer | null = null;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    const done = (): void => process.exit(code);
    if (!peer) return void done();
    // Never hang on shutdown: the parent kills us anyway after a grace period.
    setTimeout(done, 10_000).unref();
    peer.close().then(done, (err: unknown) => {
      console.error('peers-runner: close failed', err);
      done();
    });
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();

  peer = await startBetterAuthPeer({ dataDir });
  const p = peer;
  await mapLimit(users, 4, (u) => p.signUp(u.email, u.password));
  const cookies = await mapLimit(users, 4, (u) => p.signInCookie(u.email, u.password));

  // Functional check of the exact session-check requests the benchmark will fire.
  const sessionCheckRequests = cookies.map((c) => p.sessionCheckRequest(c));
  await mapLimit(
    sessionCheckRequests.map((r, i) => ({ r, u: users[i]! })),
    4,
    async ({ r, u }) => {
      const res = await fetch(p.url + r.path, { method: r.method, headers: r.headers });
      const body = (await res.json().catch(() => null)) as { user?: { email?: string } } | null;
      if (res.status !== 200 || body?.user?.email !== u.email) {
        throw new Error(`get-session for ${u.email} answered ${res.status} ${JSON.stringify(body)}`);
      }
    },
  );

  const ready: PeerReady = {
    url: p.url,
    signInRequests: users.map((u) => p.signInRequest(u.email, u.password)),
    sessionCheckRequests,
  };
  process.stdout.write(READY_MARKER + JSON.stringify(ready) + '\n');
}

main().catch((err: unknown) => {
  console.error('peers-runner:', err);
  process.exit(1);
});
