// Shared between bench/run.ts (the bench process) and bench/peers-runner.ts (the peer's child process).

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
