// Runs on a hashing thread (hash-pool.ts): argon2 synchronously, so the work stays on this low-priority
// thread instead of going back to libuv's pool at normal priority.
import { hashSync, verifySync, type Options } from '@node-rs/argon2';

export type HashJob = { op: 'hash'; password: string; options: Options } | { op: 'verify'; hash: string; password: string };

export default function handleHashJob(job: HashJob): string | boolean {
  return job.op === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hash, job.password);
}
