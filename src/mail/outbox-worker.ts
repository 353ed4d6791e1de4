// Delivers the mail outbox: the outbox loop (outbox/worker.ts: leases, heartbeat, reclaim at start, release at
// stop — shared with events out) with a send that opens the message's sealed body and hands it to the transport.
// A failure is retried with exponential backoff until the configured number of attempts, then the message is
// failed. The one duplicate no sender can avoid: the relay accepted, the process died before the "sent" write; the
// message goes again with the same Message-ID.
// The worker is the one place a body is opened for sending (mail/sealed-body.ts); a body that does not open
// (tampered, moved to another row, unknown key) fails the message for good rather than sending garbage, and
// a settled message's body is dropped.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secret-box.js';
import type { MailTransport } from './smtp.js';
import { openBody } from './sealed-body.js';
import { createLeasedWorker, nextAttemptAt, errorText, type DeliveryOutcome, type LeasedWorker } from '../outbox/worker.js';

export { DEFAULT_LEASE_MS, DEFAULT_RETRY_MAX_MS, errorText, retryDelay, type RoundResult } from '../outbox/worker.js';

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

export interface OutboxWorker extends LeasedWorker {
  readonly transport: MailTransport;
}

/** last_error of a message whose body does not open. */
export const UNOPENABLE = 'BODY_UNOPENABLE: the sealed body does not open (altered, moved to another row, or sealed under an unknown key)';

type ClaimedMessage = Awaited<ReturnType<OutboxWorkerOptions['store']['outbox']['claimDueMessages']>>[number];

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
    const retryAt = nextAttemptAt(m.attempts, { now, maxAttempts: o.maxAttempts, retryBaseMs: o.retryBaseMs, retryMaxMs: o.retryMaxMs });
    const final = retryAt === null;
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

export function createOutboxWorker(o: OutboxWorkerOptions): OutboxWorker {
  const worker = createLeasedWorker<ClaimedMessage>({
    queue: {
      claim: (c) => o.store.outbox.claimDueMessages(c),
      renewLeases: (c) => o.store.outbox.renewLeases(c),
      releaseLeases: (c) => o.store.outbox.releaseLeases(c),
      expireLeases: (c) => o.store.outbox.expireLeases(c),
    },
    deliver: (m) => deliverMessage(o, m),
    clock: o.clock,
    owner: o.owner,
    name: 'mail worker',
    reclaimedNote: 'those messages go again now (same Message-ID)',
    leaseMs: o.leaseMs,
    heartbeatMs: o.heartbeatMs,
    batchSize: o.batchSize,
    concurrency: o.concurrency,
    pollIntervalMs: o.pollIntervalMs,
    logger: o.logger,
  });
  return { ...worker, transport: o.transport };
}
