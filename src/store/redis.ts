// The Redis connection the attempt limits share (store/redis-attempt-limiter.ts). ioredis reconnects by itself;
// what matters here is that nothing waits on a Redis that is gone: no offline queue, one short timeout per
// command, so a guessing endpoint answers 503 within a second instead of hanging, and resumes once Redis is back.
import { Redis } from 'ioredis';

export interface RedisLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface RedisConnection {
  readonly client: Redis;
  /** Resolves once connected, or after `timeoutMs` (false: not yet; it keeps trying in the background). */
  ready(timeoutMs: number): Promise<boolean>;
  /** True when Redis answered a PING within the command timeout (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A command that has not answered in this long fails (and the request answers 503). */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

export function connectRedis(url: string, log: RedisLog): RedisConnection {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // Reconnect every 100 ms at first, backing off to once a second, for as long as the process lives.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    // Keys hold failure counts, never secrets; still, say which server, never the URL (it may hold a password).
    connectionName: 'passdesk',
  });
  let down = false;
  client.on('error', (err: Error & { code?: string }) => {
    if (down) return;
    down = true;
    log.warn({ code: err.code, reason: err.message }, 'Redis unreachable: attempt-limited endpoints answer 503 until it is back');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({}, 'Redis reachable again');
  });
  return {
    client,
    ready(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          client.off('ready', onReady);
          resolve(ok);
        };
        const onReady = (): void => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        client.on('ready', onReady);
      });
    },
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
