// `passdesk serve --workers N`: N server processes on one port, for the machine's cores (node:cluster — the
// primary holds the port and hands connections to the workers in turn). The primary serves nothing: it migrates the
// database once, holds what belongs to the whole node (the SQLite data-directory lock, the PostgreSQL node lock),
// starts the workers, starts a worker again if one dies, and on SIGTERM/SIGINT stops them all within the grace period.
//
// Workers are separate processes with separate memory, so attempt limits must be shared: N > 1 needs Redis
// (PASSDESK_REDIS_URL), checked before anything starts (cli.ts).
import cluster, { type Worker } from 'node:cluster';

export interface PrimaryLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PrimaryOptions {
  workers: number;
  /** How long workers get to finish requests on shutdown before they are killed. */
  graceMs: number;
  log: PrimaryLog;
  /** A worker that exits within this long of its start, before it listened, is a failed start: everything stops. */
  startTimeoutMs?: number;
}

/** Exit codes a worker uses for a start that cannot succeed by retrying (configuration, database unreachable). */
const FATAL_START_CODES = new Set([69, 75, 78]);
/** A worker that dies this often within a minute is not restarted again: the node stops (exit 70, EX_SOFTWARE). */
const MAX_RESTARTS_PER_MINUTE = 5;

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** A worker whose server has closed lets go of the primary's channel, which would otherwise keep it alive. */
export function leaveCluster(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect();
}

/** Runs the primary until it is told to stop (0) or workers cannot start (their exit code). */
export function runPrimary(o: PrimaryOptions): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const listening = new Set<number>();
    const restarts: number[] = [];

    const fork = (): Worker => {
      const worker = cluster.fork();
      worker.once('listening', () => listening.add(worker.id));
      return worker;
    };

    const stopAll = (code: number): void => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      if (live.length === 0) {
        resolve(exitCode);
        return;
      }
      for (const w of live) w.process.kill('SIGTERM');
      // Past the grace period, whatever is still running is killed.
      const timer = setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.process.kill('SIGKILL');
      }, o.graceMs);
      timer.unref();
    };

    cluster.on('exit', (worker, code, signal) => {
      const wasListening = listening.delete(worker.id);
      if (stopping) {
        if (Object.values(cluster.workers ?? {}).every((w) => !w || w.isDead())) resolve(exitCode);
        return;
      }
      if (!wasListening && code !== null && FATAL_START_CODES.has(code)) {
        o.log.error({ worker: worker.process.pid, code }, 'a worker could not start; stopping');
        stopAll(code);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
        o.log.error({ restarts: restarts.length }, 'workers keep dying; stopping');
        stopAll(70);
        return;
      }
      o.log.warn({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
      fork();
    });

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        o.log.info({ signal }, 'shutting down the workers');
        stopAll(0);
      });
    }
    for (let i = 0; i < o.workers; i++) fork();
    o.log.info({ workers: o.workers }, `started ${o.workers} workers`);
  });
}
