// argon2 on the low-priority worker pool (src/worker-pool.ts): hashing never runs on the event loop and,
// while it saturates the cores, never delays a request that does not hash.
import { createRequire } from 'node:module';
import type { Options } from '@node-rs/argon2';
import { createWorkerPool, WORK_THREAD_NICE } from '../worker-pool.js';

export interface HashPool {
  hash(password: string, options: Options): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Stops the threads; jobs still queued are rejected. */
  close(): Promise<void>;
}

export const HASH_THREAD_NICE = WORK_THREAD_NICE;

type HashJob = { op: 'hash'; password: string; options: Options } | { op: 'verify'; hash: string; password: string };

const HANDLER = `
const { hashSync, verifySync } = require(workerData.argon2);
return (job) => job.op === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hash, job.password);
`;

const argon2Path = createRequire(import.meta.url).resolve('@node-rs/argon2');

export function createHashPool(options: { threads: number; nice?: number }): HashPool {
  const pool = createWorkerPool<HashJob, string | boolean>({
    name: 'hash pool',
    handlerSource: HANDLER,
    workerData: { argon2: argon2Path },
    threads: options.threads,
    ...(options.nice !== undefined ? { nice: options.nice } : {}),
  });
  return {
    hash: async (password, opts) => (await pool.run({ op: 'hash', password, options: opts })) as string,
    verify: async (hash, password) => (await pool.run({ op: 'verify', hash, password })) as boolean,
    close: () => pool.close(),
  };
}
