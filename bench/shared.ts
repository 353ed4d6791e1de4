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
