// A fixed set of worker threads for CPU-heavy work (password hashing, strength estimation), each at a
// lower scheduling priority than the event loop. libuv's shared pool would also keep such work off the
// event loop, but its threads compete with it at equal priority: under sign-in load every other request
// waited its turn behind the hashes (session-check p99 36 ms in `npm run bench`; see the README's figures).
import { Worker } from 'node:worker_threads';

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
  /**
   * The body of a function that returns the job handler, `(input, workerData) => result`; it may use
   * `require` and `workerData`. Plain CommonJS run with `eval`, so the same code works from the TypeScript
   * sources under tsx (Node 20 applies no loader to a worker's entry file) and from the build.
   */
  handlerSource: string;
  workerData?: Record<string, unknown>;
  threads: number;
  nice?: number;
}

/**
 * Wraps a handler in the message loop. It lowers the thread's priority first: on Linux the nice value is
 * per thread and `0` names the calling thread (setpriority(2)); elsewhere that call would renice the whole
 * process, so only Linux does it.
 */
function workerProgram(handlerSource: string): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
if (process.platform === 'linux' && workerData.nice > 0) {
  try { setPriority(0, workerData.nice); } catch { /* still works; only the latency isolation is lost */ }
}
const handle = (function () { ${handlerSource} })();
parentPort.on('message', (job) => {
  let reply;
  try {
    reply = { id: job.id, ok: true, value: handle(job.input, workerData) };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(reply);
});
`;
}

type Reply<Result> = { id: number; ok: true; value: Result } | { id: number; ok: false; message: string };
type Queued<Job, Result> = { id: number; input: Job; resolve: (value: Result) => void; reject: (err: Error) => void };

export function createWorkerPool<Job, Result>(options: WorkerPoolOptions): WorkerPool<Job, Result> {
  const threads = Math.max(1, Math.floor(options.threads));
  const program = workerProgram(options.handlerSource);
  const workerData = { ...options.workerData, nice: options.nice ?? WORK_THREAD_NICE };
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const queue: Queued<Job, Result>[] = [];
  const inFlight = new Map<Worker, Queued<Job, Result>>();
  let nextId = 1;
  let closed = false;
  const closedError = (): Error => new Error(`${options.name} is closed`);

  function start(): Worker {
    const worker = new Worker(program, { eval: true, workerData });
    worker.on('message', (reply: Reply<Result>) => {
      const current = inFlight.get(worker);
      inFlight.delete(worker);
      if (current && current.id === reply.id) {
        if (reply.ok) current.resolve(reply.value);
        else current.reject(new Error(reply.message));
      }
      release(worker);
    });
    worker.on('error', (err) => replace(worker, err));
    worker.on('exit', (code) => {
      if (!closed) replace(worker, new Error(`${options.name} worker exited with code ${code}`));
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
    current?.reject(err);
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

  function dispatch(worker: Worker, item: Queued<Job, Result>): void {
    inFlight.set(worker, item);
    worker.ref();
    worker.postMessage({ id: item.id, input: item.input });
  }

  return {
    run(input) {
      if (closed) return Promise.reject(closedError());
      return new Promise((resolve, reject) => {
        const item: Queued<Job, Result> = { id: nextId++, input, resolve, reject };
        // Threads start on first use, so an app that never needs them never pays for them.
        if (idle.length === 0 && all.length < threads) idle.push(start());
        const worker = idle.pop();
        if (worker) dispatch(worker, item);
        else queue.push(item);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const item of queue.splice(0)) item.reject(closedError());
      for (const item of inFlight.values()) item.reject(closedError());
      inFlight.clear();
      await Promise.all(all.splice(0).map((w) => w.terminate()));
      idle.length = 0;
    },
  };
}
