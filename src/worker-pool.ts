// Worker threads for CPU-heavy work (password hashing, strength estimation), from piscina, each at a lower
// scheduling priority than the event loop when asked. libuv's shared pool would also keep such work off the
// event loop, but its threads compete with it at equal priority: under sign-in load every other request
// waited its turn behind the hashes (session-check p99 36 ms in `npm run bench`; see docs/benchmarks.md).
// The code a thread runs is a real module beside its caller (e.g. credentials/hash-worker.ts), type-checked
// with the rest; `workerFile` picks the .ts source under tsx and the compiled .js in dist/.
import { Piscina } from 'piscina';

/** Nice value of the work threads (Linux): well below the event loop, above idle. */
export const WORK_THREAD_NICE = 10;

export interface WorkerPool<Job, Result> {
  run(job: Job): Promise<Result>;
  /** Stops the threads; jobs still queued or running are rejected. */
  close(): Promise<void>;
}

export interface WorkerPoolOptions {
  /** Shown in errors. */
  name: string;
  /** The worker module (from `workerFile`): its default export handles one job, synchronously, on the thread. */
  filename: URL;
  workerData?: Record<string, unknown>;
  threads: number;
  /**
   * How much to lower the threads' priority. piscina does it in each new thread with nice(2) from its optional
   * dependency @napi-rs/nice: on Linux that applies to the calling thread only, so the event loop keeps its own.
   */
  nice?: number;
}

/**
 * The worker module `name` beside `importMetaUrl`: `name.ts` when the caller runs from the TypeScript source (tsx,
 * whose loader the worker inherits through execArgv), `name.js` when it runs from dist/.
 */
export function workerFile(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}

export function createWorkerPool<Job, Result>(options: WorkerPoolOptions): WorkerPool<Job, Result> {
  const threads = Math.max(1, Math.floor(options.threads));
  const pool = new Piscina({
    filename: options.filename.href,
    name: 'default',
    workerData: options.workerData ?? {},
    // Threads start on first use, so an app that never needs them never pays for them, and then stay
    // (argon2 and zxcvbn's dictionaries load once per thread). Idle threads do not keep the process alive.
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: Infinity,
    niceIncrement: options.nice ?? WORK_THREAD_NICE,
  });
  let closed = false;
  const closedError = (): Error => new Error(`${options.name} is closed`);
  return {
    async run(job) {
      if (closed) throw closedError();
      try {
        return (await pool.run(job)) as Result;
      } catch (err) {
        throw closed ? closedError() : err;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}
