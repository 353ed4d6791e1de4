// Runs on a hashing thread (hash-pool.ts): argon2 synchronously, so the work stays on this low-priority
// thread instead of going back to libuv's pool at normal priority; hashes imported from other systems
// (legacy-hash-verify.ts) the same way.
import { hashSync, verifySync, type Options } from '@node-rs/argon2';
import { verifyLegacyHash } from './legacy-hash-verify.js';

export type HashJob =
  | { op: 'hash'; password: string; options: Options }
  | { op: 'verify'; hash: string; password: string }
  | { op: 'verify-legacy'; hash: string; password: string };

export default function handleHashJob(job: HashJob): string | boolean {
  if (job.op === 'hash') return hashSync(job.password, job.options);
  if (job.op === 'verify') return verifySync(job.hash, job.password);
  return verifyLegacyHash(job.hash, job.password);
}
