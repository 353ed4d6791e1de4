// Several nodes on one PostgreSQL database share sessions, resets and the outbox, but attempt limits only through
// Redis: a node without PASSDESK_REDIS_URL counts failures in its own memory, and a second such node would double
// every limit. So each node holds a PostgreSQL advisory lock for as long as it runs — exclusive when it counts in
// memory, shared when it counts in Redis. A node without Redis then starts only alone, and a node with Redis does
// not start beside one without. (Advisory locks belong to the database, so other databases on the server are not
// affected; the lock ends with the node's connection, so a crashed node never blocks the next start.)
import pg from 'pg';

/** pg_try_advisory_lock(int, int): an arbitrary pair naming Passdesk's "limits" lock. */
const LOCK_KEY = [0x70617373, 0x6c696d] as const; // "pass", "lim"

export type LimitsMode = 'memory' | 'redis';

export class LimitsNotSharedError extends Error {
  constructor(mode: LimitsMode) {
    super(
      mode === 'memory'
        ? 'another Passdesk node is running on this database: without PASSDESK_REDIS_URL each node would count attempt limits on its own (every limit multiplied by the number of nodes); set PASSDESK_REDIS_URL on every node'
        : 'a Passdesk node without PASSDESK_REDIS_URL is running on this database and counts attempt limits on its own; set PASSDESK_REDIS_URL on every node',
    );
    this.name = 'LimitsNotSharedError';
  }
}

export interface NodeGuardLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface NodeGuard {
  release(): Promise<void>;
}

/** Takes the lock or throws LimitsNotSharedError; afterwards keeps it, re-taking it after a database restart. */
export async function guardLimitsAcrossNodes(url: string, mode: LimitsMode, log: NodeGuardLog, o: { retryMs?: number } = {}): Promise<NodeGuard> {
  const retryMs = o.retryMs ?? 5000;
  const fn = mode === 'memory' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const take = async (): Promise<boolean> => {
    const c = new pg.Client({ connectionString: url, application_name: 'passdesk-node-guard' });
    c.on('error', () => {
      // The database went away and took the lock with it: take it again once it is back.
      if (client === c) {
        client = null;
        schedule();
      }
    });
    await c.connect();
    const { rows } = await c.query<{ ok: boolean }>(`SELECT ${fn}($1, $2) AS ok`, [LOCK_KEY[0], LOCK_KEY[1]]);
    if (!rows[0]?.ok) {
      await c.end().catch(() => {});
      return false;
    }
    client = c;
    return true;
  };

  const schedule = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      take().then(
        (ok) => {
          if (!ok) log.error({ mode }, new LimitsNotSharedError(mode).message);
          if (!ok) schedule();
        },
        (err: Error & { code?: string }) => {
          log.warn({ code: err.code, reason: err.message }, 'cannot re-take the node lock yet (database unreachable); trying again');
          schedule();
        },
      );
    }, retryMs);
    timer.unref();
  };

  if (!(await take())) throw new LimitsNotSharedError(mode);
  return {
    async release() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
