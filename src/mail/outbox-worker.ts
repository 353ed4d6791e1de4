// Delivers the outbox. Each round claims a few due messages under a short lease, hands them to the transport,
// and marks each sent only after the server accepted it; a failure is retried with exponential backoff until
// the configured number of attempts, then the message is failed. While a round runs, a heartbeat renews its
// leases, so a slow relay never lets a second worker take a message still being sent; a node that dies stops
// renewing, and its messages are free again within one lease (at once when the same node restarts: start()
// expires its own old leases). Stopping stops claiming, lets the sends in flight finish, and gives back what
// it had claimed but not started. The one duplicate no sender can avoid: the relay accepted, the process died
// before the "sent" write; the message goes again with the same Message-ID.
// Time comes from the injected clock, so tests advance it and poke the worker instead of sleeping.
// The worker is the one place a body is opened for sending (mail/sealed-body.ts); a body that does not open
// (tampered, moved to another row, unknown key) fails the message for good rather than sending garbage, and
// a settled message's body is dropped.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secret-box.js';
import type { MailTransport } from './smtp.js';
import { openBody } from './sealed-body.js';

export interface DeliveryObserver {
  attempt(outcome: 'sent' | 'retry' | 'failed', seconds: number): void;
}

export interface OutboxWorkerOptions {
  store: Pick<Store, 'outbox'>;
  transport: MailTransport;
  clock: Clock;
  /** Opens the sealed bodies (the same server secret as the processes that queue). */
  bodies: SecretBox;
  /** Identifies this worker's leases: unique among live processes, the same after a restart (mail/worker-owner.ts). */
  owner: string;
  maxAttempts: number;
  /** Delay before the first retry; doubles with every further attempt. */
  retryBaseMs: number;
  retryMaxMs?: number | undefined;
  /** How long a claim holds a message without a heartbeat: how long a dead node's messages wait. */
  leaseMs?: number | undefined;
  /** How often a round in progress renews its leases (real time; default a third of the lease). */
  heartbeatMs?: number | undefined;
  /** Messages claimed per round (default: the concurrency, so none waits under a lease unstarted). */
  batchSize?: number | undefined;
  /** Messages sent in parallel within a round. */
  concurrency?: number | undefined;
  /** How often an idle worker looks for new messages (real time, not the clock: it is only a wake-up). */
  pollIntervalMs?: number | undefined;
  logger?: Logger | undefined;
  observe?: DeliveryObserver | undefined;
}

export interface RoundResult {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
}

export interface OutboxWorker {
  readonly transport: MailTransport;
  /** One claim-and-send round. Rounds never overlap: a call during a round runs after it. */
  runOnce(): Promise<RoundResult>;
  /** Rounds until nothing due is left; the totals. */
  drain(): Promise<RoundResult>;
  /** Look now rather than at the next poll (after a commit that queued mail, or in tests after advancing the clock). */
  poke(): void;
  start(): void;
  /**
   * Stops claiming, waits for the sends in flight (not the backlog), and releases every lease it still holds;
   * the transport stays open (close it separately).
   */
  stop(): Promise<void>;
}

/** last_error of a message whose body does not open. */
export const UNOPENABLE = 'BODY_UNOPENABLE: the sealed body does not open (altered, moved to another row, or sealed under an unknown key)';

/** Short, because it is renewed while a send runs: a dead node's messages wait at most this long. */
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_RETRY_MAX_MS = 60 * 60_000;

/** Delay after the n-th failed attempt (n ≥ 1): base · 2^(n−1), capped. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number = DEFAULT_RETRY_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** An error as one line for the log, without any user:pass@ a URL in it might carry. */
export function errorText(err: unknown): string {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const text = `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`;
  // Credentials never appear in nodemailer's messages, but a URL might: cut any user:pass@.
  return text.replace(/\/\/[^/@\s]+@/g, '//[redacted]@');
}

type ClaimedMessage = Awaited<ReturnType<OutboxWorkerOptions['store']['outbox']['claimDueMessages']>>[number];
type DeliveryOutcome = 'sent' | 'retry' | 'failed';

// One claimed message: sent, to be retried later, or failed for good (every outcome marked on its row).
async function deliverMessage(o: OutboxWorkerOptions, m: ClaimedMessage): Promise<DeliveryOutcome> {
  const started = performance.now();
  const body = openBody(o.bodies, m);
  if (!body) {
    // Trying again cannot help: the ciphertext or its key will not change.
    await o.store.outbox.markMessageAttemptFailed(m.id, { owner: o.owner, now: o.clock.now(), error: UNOPENABLE, retryAt: null });
    o.observe?.attempt('failed', (performance.now() - started) / 1000);
    o.logger?.error(
      { outboxId: m.id, template: m.template },
      'mail not sent: its sealed body does not open (altered in the database, or sealed under another server secret)',
    );
    return 'failed';
  }
  try {
    await o.transport.send({ ...m, ...body });
  } catch (err) {
    const now = o.clock.now();
    const final = m.attempts >= o.maxAttempts;
    const retryAt = final ? null : now + retryDelay(m.attempts, o.retryBaseMs, o.retryMaxMs);
    await o.store.outbox.markMessageAttemptFailed(m.id, { owner: o.owner, now, error: errorText(err), retryAt });
    const outcome = final ? 'failed' : 'retry';
    o.observe?.attempt(outcome, (performance.now() - started) / 1000);
    o.logger?.[final ? 'error' : 'warn'](
      { outboxId: m.id, template: m.template, attempts: m.attempts, retryAt, err: errorText(err) },
      final ? 'mail delivery failed for good' : 'mail delivery failed; will retry',
    );
    return outcome;
  }
  await o.store.outbox.markMessageSent(m.id, { owner: o.owner, now: o.clock.now(), keepBody: o.transport.keepsBody === true });
  o.observe?.attempt('sent', (performance.now() - started) / 1000);
  return 'sent';
}

/**
 * Sends `claimed` over a few lanes at once, counting outcomes into `result`; `cursor.next` is how many were
 * started (the caller releases the rest, even when this throws).
 */
async function sendInLanes(
  claimed: ClaimedMessage[],
  o: { lanes: number; cursor: { next: number }; result: RoundResult; deliver: (m: ClaimedMessage) => Promise<DeliveryOutcome>; stopping: () => boolean },
): Promise<void> {
  const { cursor, result } = o;
  // One lane's failure (the database gone while marking a send) stops the others from starting more, and the
  // round waits until every lane has settled before it stops the heartbeat and releases what never started:
  // releasing while other lanes were still sending let those messages go out twice.
  let broken: unknown = null;
  const lanes = Array.from({ length: o.lanes }, async () => {
    // A stopping worker starts nothing new; what is left is released by the caller.
    while (cursor.next < claimed.length && !o.stopping() && broken === null) {
      const m = claimed[cursor.next++]!;
      try {
        const outcome = await o.deliver(m);
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

// Keeps this worker's leases alive while its sends run; a failure is logged, not thrown (it runs on a timer).
async function heartbeat(o: OutboxWorkerOptions, leaseMs: number): Promise<void> {
  try {
    await o.store.outbox.renewLeases({ owner: o.owner, now: o.clock.now(), leaseMs });
  } catch (err) {
    o.logger?.warn({ err: errorText(err) }, 'mail worker could not renew its leases (database unreachable?)');
  }
}

/** One round: claim a batch, send it in lanes under a heartbeat that renews the leases, give back what never started. */
async function claimAndSend(
  o: OutboxWorkerOptions,
  s: { batchSize: number; leaseMs: number; heartbeatMs: number; concurrency: number },
  isStopping: () => boolean,
): Promise<RoundResult> {
  const { batchSize, leaseMs, heartbeatMs, concurrency } = s;
  if (isStopping()) return { claimed: 0, sent: 0, retrying: 0, failed: 0 };
  const claimed = await o.store.outbox.claimDueMessages({ now: o.clock.now(), limit: batchSize, leaseMs, owner: o.owner });
  const result: RoundResult = { claimed: claimed.length, sent: 0, retrying: 0, failed: 0 };
  if (claimed.length === 0) return result;
  const beat = setInterval(() => {
    void heartbeat(o, leaseMs);
  }, heartbeatMs);
  beat.unref?.();
  const cursor = { next: 0 };
  try {
    await sendInLanes(claimed, {
      lanes: Math.min(concurrency, claimed.length),
      cursor,
      result,
      deliver: (m) => deliverMessage(o, m),
      stopping: isStopping,
    });
  } finally {
    clearInterval(beat);
    const unstarted = claimed.slice(cursor.next).map((m) => m.id);
    if (unstarted.length > 0) await o.store.outbox.releaseLeases({ owner: o.owner, now: o.clock.now(), ids: unstarted });
  }
  return result;
}

export function createOutboxWorker(o: OutboxWorkerOptions): OutboxWorker {
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = o.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const concurrency = Math.max(1, o.concurrency ?? 16);
  const batchSize = o.batchSize ?? concurrency;
  const pollIntervalMs = o.pollIntervalMs ?? 250;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let looping: Promise<void> | null = null;
  let stopping = false;
  let reclaimed = false;

  const round = (): Promise<RoundResult> => claimAndSend(o, { batchSize, leaseMs, heartbeatMs, concurrency }, () => stopping);

  const runOnce = (): Promise<RoundResult> => {
    const p = chain.then(round, round);
    chain = p.catch(() => undefined);
    return p;
  };

  async function drain(): Promise<RoundResult> {
    const total: RoundResult = { claimed: 0, sent: 0, retrying: 0, failed: 0 };
    for (;;) {
      const r = await runOnce();
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.retrying += r.retrying;
      total.failed += r.failed;
      if (r.claimed < batchSize || stopping) return total;
    }
  }

  // This owner's leases in "sending" when the worker starts belong to a run of this node that died: expire
  // them so they go now rather than after the lease (their attempt counts: the relay may have accepted).
  async function reclaimThenDrain(): Promise<RoundResult> {
    if (!reclaimed) {
      const n = await o.store.outbox.expireLeases({ owner: o.owner, now: o.clock.now() });
      reclaimed = true;
      if (n > 0)
        o.logger?.warn(
          { messages: n, owner: o.owner },
          'mail worker took back the messages its previous run was sending when it stopped; they go again now (same Message-ID)',
        );
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
            o.logger?.error({ err: errorText(err) }, 'mail worker round failed (database unreachable?)');
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
    transport: o.transport,
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
          await o.store.outbox.releaseLeases({ owner: o.owner, now: o.clock.now() });
        } catch (err) {
          o.logger?.warn({ err: errorText(err) }, 'mail worker could not release its leases; they expire on their own');
        }
      }
    },
  };
}
