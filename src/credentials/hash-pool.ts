// argon2 on the low-priority worker pool (src/worker-pool.ts, the job in hash-worker.ts): hashing never runs
// on the event loop and, while it saturates the cores, never delays a request that does not hash.
import type { Options } from '@node-rs/argon2';
import { createWorkerPool, workerFile, WORK_THREAD_NICE } from '../worker-pool.js';
import type { HashJob } from './hash-worker.js';

export interface HashPool {
  hash(password: string, options: Options): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** A hash imported from another system (credentials/legacy-hash-format.ts). */
  verifyLegacy(hash: string, password: string): Promise<boolean>;
  /** Stops the threads; jobs still queued are rejected. */
  close(): Promise<void>;
}

export const HASH_THREAD_NICE = WORK_THREAD_NICE;

export function createHashPool(options: { threads: number; nice?: number }): HashPool {
  const pool = createWorkerPool<HashJob, string | boolean>({
    name: 'hash pool',
    filename: workerFile(import.meta.url, 'hash-worker'),
    threads: options.threads,
    nice: options.nice ?? HASH_THREAD_NICE,
  });
  return {
    hash: async (password, opts) => (await pool.run({ op: 'hash', password, options: opts })) as string,
    verify: async (hash, password) => (await pool.run({ op: 'verify', hash, password })) as boolean,
    verifyLegacy: async (hash, password) => (await pool.run({ op: 'verify-legacy', hash, password })) as boolean,
    close: () => pool.close(),
  };
}
