// The delivery loop of every transactional outbox: mail (mail/outbox-worker.ts) and events out (events/setup.ts).
// Each round claims a few due rows under a short lease, hands each to `deliver` (which sends it and settles its
// row: sent, retrying with backoff, or failed), and gives back what it never started. While a round runs, a
// heartbeat renews its leases, so a slow receiver never lets a second worker take a row still being sent; a node
// that dies stops renewing, and its rows are free again within one lease (at once when the same owner restarts:
// start() expires its own old leases). Stopping stops claiming, lets the sends in flight finish, and releases what
// it had claimed but not started. The one duplicate no sender can avoid: the receiver took it, the process died
// before the "sent" write; the row goes again (with the same id, so a receiver can recognise it).
// Time comes from the injected clock, so tests advance it and poke the worker instead of sleeping. The statements
// behind `queue` are store/leased-rows.ts.
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';

export type DeliveryOutcome = 'sent' | 'retry' | 'failed';

/** The leased rows a worker drives (store/leased-rows.ts, narrowed to one table and, for events, one destination). */
export interface LeasedQueue<T> {
  claim(options: { now: number; limit: number; leaseMs: number; owner: string }): Promise<T[]>;
  renewLeases(options: { owner: string; now: number; leaseMs: number }): Promise<number>;
  releaseLeases(options: { owner: string; now: number; ids?: readonly string[] }): Promise<number>;
  expireLeases(options: { owner: string; now: number }): Promise<number>;
}

export interface LeasedWorkerOptions<T extends { id: string }> {
  queue: LeasedQueue<T>;
  /** Sends one claimed row and settles it (never throws for a refusal: only when the database is gone). */
  deliver(row: T): Promise<DeliveryOutcome>;
  clock: Clock;
  /** Identifies this worker's leases: unique among live processes, the same after a restart (mail/worker-owner.ts). */
  owner: string;
  /** How log lines name it ("mail worker", "events worker for syslog"). */
  name: string;
  /** What the warning says when the start takes back rows a previous run was sending. */
  reclaimedNote: string;
  /** How long a claim holds a row without a heartbeat: how long a dead node's rows wait. */
  leaseMs?: number | undefined;
  /** How often a round in progress renews its leases (real time; default a third of the lease). */
  heartbeatMs?: number | undefined;
  /** Rows claimed per round (default: the concurrency, so none waits under a lease unstarted). */
  batchSize?: number | undefined;
  /** Rows sent in parallel within a round. */
  concurrency?: number | undefined;
  /** How often an idle worker looks for new rows (real time, not the clock: it is only a wake-up). */
  pollIntervalMs?: number | undefined;
  logger?: Logger | undefined;
}

export interface RoundResult {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
}

export interface LeasedWorker {
  /** One claim-and-send round. Rounds never overlap: a call during a round runs after it. */
  runOnce(): Promise<RoundResult>;
  /** Rounds until nothing due is left; the totals. */
  drain(): Promise<RoundResult>;
  /** Look now rather than at the next poll (after a commit that queued rows, or in tests after advancing the clock). */
  poke(): void;
  start(): void;
  /** Stops claiming, waits for the sends in flight (not the backlog), and releases every lease it still holds. */
  stop(): Promise<void>;
}

/** Short, because it is renewed while a send runs: a dead node's rows wait at most this long. */
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_RETRY_MAX_MS = 60 * 60_000;

/** Delay after the n-th failed attempt (n ≥ 1): base · 2^(n−1), capped. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number = DEFAULT_RETRY_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** When a row that just failed its `attempts`-th attempt goes again; null when that was its last. */
export function nextAttemptAt(attempts: number, o: { now: number; maxAttempts: number; retryBaseMs: number; retryMaxMs?: number | undefined }): number | null {
  return attempts >= o.maxAttempts ? null : o.now + retryDelay(attempts, o.retryBaseMs, o.retryMaxMs);
}

/** An error as one line for the log, without any user:pass@ a URL in it might carry. */
export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`;
  return text.replace(/\/\/[^/@\s]+@/g, '//[redacted]@');
}

const emptyRound = (): RoundResult => ({ claimed: 0, sent: 0, retrying: 0, failed: 0 });

/**
 * Sends `claimed` over a few lanes at once, counting outcomes into `result`; `cursor.next` is how many were
 * started (the caller releases the rest, even when this throws).
 */
async function sendInLanes<T>(
  claimed: T[],
  o: { lanes: number; cursor: { next: number }; result: RoundResult; deliver: (row: T) => Promise<DeliveryOutcome>; stopping: () => boolean },
): Promise<void> {
  const { cursor, result } = o;
  // One lane's failure (the database gone while marking a send) stops the others from starting more, and the
  // round waits until every lane has settled before it stops the heartbeat and releases what never started:
  // releasing while other lanes were still sending let those rows go out twice.
  let broken: unknown = null;
  const lanes = Array.from({ length: o.lanes }, async () => {
    // A stopping worker starts nothing new; what is left is released by the caller.
    while (cursor.next < claimed.length && !o.stopping() && broken === null) {
      const row = claimed[cursor.next++]!;
      try {
        const outcome = await o.deliver(row);
        if (outcome === 'sent') result.sent++;
        else if (outcome === 'retry') result.retrying++;
        else result.failed++;
      } catch (err) {
        broken ??= err;
      }
    }
  });
  await Promise.allSettled(lanes);
  if (broken !== null) throw broken;
}

interface RoundSettings {
  batchSize: number;
  leaseMs: number;
  heartbeatMs: number;
  concurrency: number;
}

/** One round: claim a batch, send it in lanes under a heartbeat that renews the leases, give back what never started. */
async function claimAndSend<T extends { id: string }>(o: LeasedWorkerOptions<T>, s: RoundSettings, isStopping: () => boolean): Promise<RoundResult> {
  if (isStopping()) return emptyRound();
  const claimed = await o.queue.claim({ now: o.clock.now(), limit: s.batchSize, leaseMs: s.leaseMs, owner: o.owner });
  const result: RoundResult = { ...emptyRound(), claimed: claimed.length };
  if (claimed.length === 0) return result;
  // Keeps this worker's leases alive while its sends run; a failure is logged, not thrown (it runs on a timer).
  const beat = setInterval(() => {
    o.queue.renewLeases({ owner: o.owner, now: o.clock.now(), leaseMs: s.leaseMs }).catch((err: unknown) => {
      o.logger?.warn({ err: errorText(err) }, `${o.name} could not renew its leases (database unreachable?)`);
    });
  }, s.heartbeatMs);
  beat.unref?.();
  const cursor = { next: 0 };
  try {
    await sendInLanes(claimed, { lanes: Math.min(s.concurrency, claimed.length), cursor, result, deliver: o.deliver, stopping: isStopping });
  } finally {
    clearInterval(beat);
    const unstarted = claimed.slice(cursor.next).map((m) => m.id);
    if (unstarted.length > 0) await o.queue.releaseLeases({ owner: o.owner, now: o.clock.now(), ids: unstarted });
  }
  return result;
}

export function createLeasedWorker<T extends { id: string }>(o: LeasedWorkerOptions<T>): LeasedWorker {
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const concurrency = Math.max(1, o.concurrency ?? 16);
  const settings: RoundSettings = {
    leaseMs,
    concurrency,
    heartbeatMs: o.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
    batchSize: o.batchSize ?? concurrency,
  };
  const pollIntervalMs = o.pollIntervalMs ?? 250;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let looping: Promise<void> | null = null;
  let stopping = false;
  let reclaimed = false;

  const round = (): Promise<RoundResult> => claimAndSend(o, settings, () => stopping);
  const runOnce = (): Promise<RoundResult> => {
    const p = chain.then(round, round);
    chain = p.catch(() => undefined);
    return p;
  };

  async function drain(): Promise<RoundResult> {
    const total = emptyRound();
    for (;;) {
      const r = await runOnce();
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.retrying += r.retrying;
      total.failed += r.failed;
      if (r.claimed < settings.batchSize || stopping) return total;
    }
  }

  // This owner's leases in "sending" when the worker starts belong to a run of this node that died: expire
  // them so they go now rather than after the lease (their attempt counts: the receiver may have taken them).
  async function reclaimThenDrain(): Promise<RoundResult> {
    if (!reclaimed) {
      const n = await o.queue.expireLeases({ owner: o.owner, now: o.clock.now() });
      reclaimed = true;
      if (n > 0) o.logger?.warn({ reclaimed: n, owner: o.owner }, `${o.name} took back what its previous run was sending when it stopped; ${o.reclaimedNote}`);
    }
    return drain();
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      looping = reclaimThenDrain()
        .then(
          () => undefined,
          (err: unknown) => {
            o.logger?.error({ err: errorText(err) }, `${o.name} round failed (database unreachable?)`);
          },
        )
        .finally(() => {
          looping = null;
          schedule(pollIntervalMs);
        });
    }, delayMs);
    timer.unref?.();
  }

  return {
    runOnce,
    drain,
    poke() {
      if (running && !looping) schedule(0);
    },
    start() {
      if (running) return;
      running = true;
      stopping = false;
      schedule(0);
    },
    async stop() {
      const wasRunning = running;
      running = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await looping;
      await chain;
      // Nothing is in flight now; anything still leased to this owner was never started.
      if (wasRunning) {
        try {
          await o.queue.releaseLeases({ owner: o.owner, now: o.clock.now() });
        } catch (err) {
          o.logger?.warn({ err: errorText(err) }, `${o.name} could not release its leases; they expire on their own`);
        }
      }
    },
  };
}
