// Password strength from zxcvbn-ts (its common-password, diceware and English dictionaries), run on one
// worker thread: one estimate costs milliseconds to tens of milliseconds of CPU, which must not land on
// the event loop at every sign-in and live check. The thread keeps normal priority (unlike the hashing
// threads): loading the dictionaries takes a second of CPU, and starved behind a busy machine it took 30 s.
import { createWorkerPool, workerFile, type WorkerPool } from '../worker-pool.js';
import type { StrengthEstimate, StrengthJob, StrengthWorkerData } from './strength-worker.js';

export type { StrengthEstimate } from './strength-worker.js';

export interface StrengthEstimator {
  estimate(password: string, userInputs: readonly string[]): Promise<StrengthEstimate>;
  /** Loads the dictionaries now, so the first person to sign in does not wait for them. */
  warm(): void;
}

/** Characters the estimator looks at: beyond this a password is strong by length alone, and long inputs stay fast. */
export const ESTIMATOR_MAX_LENGTH = 64;
/**
 * zxcvbn's leetspeak search grows combinatorially. On ten leetspeak variants of common passwords ("P@$$w0rd!",
 * "5unsh1n3", "Dr4g0n" …) 4 substitutions gave the same scores and common-password shares as 12, at half the
 * time per check (27 vs 57 ms on the loaded 2-core machine).
 */
const L33T_MAX_SUBSTITUTIONS = 4;

let shared: WorkerPool<StrengthJob, StrengthEstimate> | null = null;

/**
 * The estimator is stateless and its dictionaries take a second and tens of MB to load, so one worker
 * serves every app in the process (tests start many). It does not keep the process alive when idle.
 */
export function sharedStrengthEstimator(): StrengthEstimator {
  shared ??= createWorkerPool({
    name: 'strength estimator',
    filename: workerFile(import.meta.url, 'strength-worker'),
    workerData: { maxLength: ESTIMATOR_MAX_LENGTH, l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS } satisfies StrengthWorkerData,
    threads: 1,
    nice: 0,
  });
  const pool = shared;
  return {
    estimate: (password, userInputs) =>
      // UTF-16 slicing could split a surrogate pair; the estimator only needs a prefix, so cut by code points.
      pool.run({ password: Array.from(password).slice(0, ESTIMATOR_MAX_LENGTH).join(''), userInputs: userInputs.slice(0, 50) }),
    warm: () => {
      pool.run({ password: 'warm-up', userInputs: [] }).catch(() => {});
    },
  };
}
