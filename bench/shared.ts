// Shared by the benchmarks: bench/run.ts, bench/peers-runner.ts (the peer's child process), session-check.ts, soak.ts.
import { createServer } from 'node:net';

/** Line prefix with which the peer runner announces that it is ready. */
export const READY_MARKER = 'PEER_READY ';

export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PeerReady {
  url: string;
  /** One sign-in request per bench user (correct password). */
  signInRequests: BenchRequest[];
  /** One session check per bench user, each with a valid session cookie. */
  sessionCheckRequests: BenchRequest[];
}

/** The same users (emails and passwords) on both servers. Passwords are ≥ 15 characters (Passdesk's policy). */
export function benchUser(i: number): { email: string; password: string; name: string } {
  return {
    email: `bench-user-${String(i).padStart(3, '0')}@example.com`,
    password: `bench-password-${i}-correct-horse-battery-staple`,
    name: `Bench User ${i}`,
  };
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** A TCP port on 127.0.0.1 nothing listens on right now (asked of the system, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolvePort(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * The environment of a Passdesk server under benchmark: production settings on 127.0.0.1:port, open registration,
 * one trusted proxy hop (each request may bring its own X-Forwarded-For), none of the caller's PASSDESK_* settings.
 */
export function benchServerEnv(o: { port: number; dataDir: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PASSDESK_') && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    NODE_ENV: 'production',
    PASSDESK_ENV: 'production',
    PASSDESK_HOST: '127.0.0.1',
    PASSDESK_PORT: String(o.port),
    PASSDESK_BASE_URL: `http://127.0.0.1:${o.port}`,
    PASSDESK_DATA_DIR: o.dataDir,
    PASSDESK_LOG_LEVEL: 'warn',
    PASSDESK_REGISTRATION: 'open',
    PASSDESK_TRUST_PROXY: '1',
    ...o.extra,
  };
}

/**
 * Creates the bench users with the command line's import, beside the running server (SQLite file or PostgreSQL
 * alike): since sign-up is confirmed by email (POST /api/v1/accounts answers 202), a bench has no inbox to confirm
 * from. The argon2id hashes are made here, with the library Passdesk uses; the import keeps them as they are, and
 * a first sign-in re-hashes any whose parameters differ from the server's, so warm-ups absorb that.
 */
export async function importBenchUsers(o: {
  root: string;
  env: NodeJS.ProcessEnv;
  users: readonly { email: string; password: string; name: string }[];
}): Promise<void> {
  const { hash } = await import('@node-rs/argon2');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFile } = await import('node:child_process');
  const lines = await mapLimit(o.users, 4, async (u) =>
    JSON.stringify({ email: u.email, name: u.name, role: 'user', password_hash: await hash(u.password, { algorithm: 2 /* Argon2id */ }) }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-bench-users-'));
  const file = join(dir, 'users.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  try {
    await new Promise<void>((resolveRun, reject) => {
      execFile(
        process.execPath,
        ['bin/passdesk.js', 'user', 'import', file, '--reason', 'benchmark set-up', '--problems-only'],
        { cwd: o.root, env: o.env },
        (err, _stdout, stderr) => (err ? reject(new Error(`user import: ${err.message}\n${stderr}`)) : resolveRun()),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
