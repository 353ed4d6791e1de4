// A fixed set of worker threads for argon2, one per core by default, each at a lower scheduling priority
// than the event loop (WORKER_SOURCE below). libuv's shared pool would also keep hashing off the event loop,
// but its threads compete with it at equal priority: under sign-in load every other request waited its
// turn behind the hashes (session-check p99 36 ms in `npm run bench`; see the README's figures).
import { Worker } from 'node:worker_threads';
import type { Options } from '@node-rs/argon2';
import { createRequire } from 'node:module';

export interface HashPool {
  hash(password: string, options: Options): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Stops the threads; jobs still queued are rejected. */
  close(): Promise<void>;
}

/** Nice value of the hashing threads (Linux): well below the event loop, above idle. */
export const HASH_THREAD_NICE = 10;

type Pending = { resolve: (value: string | boolean) => void; reject: (err: Error) => void };
type Queued = { job: HashJob; pending: Pending };

/**
 * The worker's whole program. It is plain JavaScript run with `eval`, so the same code works from the
 * TypeScript sources under tsx (Node 20 applies no loader to a worker's entry file) and from the build.
 * It lowers its own scheduling priority first: on Linux the nice value is per thread and `0` names the
 * calling thread (setpriority(2)); elsewhere that call would renice the whole process, so only Linux does it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const { hashSync, verifySync } = require(workerData.argon2);
if (process.platform === 'linux' && workerData.nice > 0) {
  try { setPriority(0, workerData.nice); } catch { /* still hashes; only the latency isolation is lost */ }
}
parentPort.on('message', (job) => {
  let reply;
  try {
    reply = { id: job.id, ok: true, value: job.op === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hash, job.password) };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(reply);
});
`;

const argon2Path = createRequire(import.meta.url).resolve('@node-rs/argon2');

type JobInput = { op: 'hash'; password: string; options: Options } | { op: 'verify'; hash: string; password: string };
type HashJob = JobInput & { id: number };

type HashJobResult = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; message: string };

function startWorker(nice: number): Worker {
  return new Worker(WORKER_SOURCE, { eval: true, workerData: { nice, argon2: argon2Path } });
}

export function createHashPool(options: { threads: number; nice?: number }): HashPool {
  const threads = Math.max(1, Math.floor(options.threads));
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const queue: Queued[] = [];
  const inFlight = new Map<Worker, Queued>();
  let nextId = 1;
  let closed = false;

  function start(): Worker {
    const worker = startWorker(options.nice ?? HASH_THREAD_NICE);
    worker.on('message', (result: HashJobResult) => {
      const current = inFlight.get(worker);
      inFlight.delete(worker);
      if (current && current.job.id === result.id) {
        if (result.ok) current.pending.resolve(result.value);
        else current.pending.reject(new Error(result.message));
      }
      release(worker);
    });
    worker.on('error', (err) => replace(worker, err));
    worker.on('exit', (code) => {
      if (!closed) replace(worker, new Error(`hash worker exited with code ${code}`));
    });
    // Only a worker with a job keeps the process alive (see dispatch and release); unref after the
    // listeners, since adding a 'message' listener refs the worker again.
    worker.unref();
    all.push(worker);
    return worker;
  }

  // A dead worker fails only its own job; a new one takes its place.
  function replace(worker: Worker, err: Error): void {
    const i = all.indexOf(worker);
    if (i === -1) return;
    all.splice(i, 1);
    const j = idle.indexOf(worker);
    if (j !== -1) idle.splice(j, 1);
    const current = inFlight.get(worker);
    inFlight.delete(worker);
    current?.pending.reject(err);
    if (!closed) release(start());
  }

  function release(worker: Worker): void {
    const next = queue.shift();
    if (next) dispatch(worker, next);
    else {
      worker.unref();
      idle.push(worker);
    }
  }

  function dispatch(worker: Worker, item: Queued): void {
    inFlight.set(worker, item);
    worker.ref();
    worker.postMessage(item.job);
  }

  function run(job: JobInput): Promise<string | boolean> {
    if (closed) return Promise.reject(new Error('hash pool is closed'));
    return new Promise((resolve, reject) => {
      const item: Queued = { job: { ...job, id: nextId++ }, pending: { resolve, reject } };
      // Threads start on first use, so an app that never hashes never pays for them.
      if (idle.length === 0 && all.length < threads) idle.push(start());
      const worker = idle.pop();
      if (worker) dispatch(worker, item);
      else queue.push(item);
    });
  }

  return {
    hash: async (password, opts) => (await run({ op: 'hash', password, options: opts })) as string,
    verify: async (hash, password) => (await run({ op: 'verify', hash, password })) as boolean,
    async close() {
      if (closed) return;
      closed = true;
      for (const { pending } of queue.splice(0)) pending.reject(new Error('hash pool is closed'));
      for (const { pending } of inFlight.values()) pending.reject(new Error('hash pool is closed'));
      inFlight.clear();
      await Promise.all(all.splice(0).map((w) => w.terminate()));
      idle.length = 0;
    },
  };
}
