// Events out, built from configuration: the routing the store copies events by (in the event's transaction), one
// sender per destination (syslog, each webhook URL), and one outbox worker per destination (outbox/worker.ts, the
// mail worker's loop), so a receiver that is down only delays its own copies. Rows of a destination no longer
// configured stay queued (`passdesk events status` lists them) until it is configured again.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { eventTypeMatcher } from '../core/public-event.js';
import type { EventDelivery, EventRouting, Store } from '../store/index.js';
import { claimWorkerOwner, type WorkerOwner } from '../mail/worker-owner.js';
import { createLeasedWorker, errorText, nextAttemptAt, type DeliveryOutcome, type LeasedWorker, type RoundResult } from '../outbox/worker.js';
import type { EventsOutSettings } from './settings.js';
import type { EventSender } from './sender.js';
import { createSyslogSender } from './syslog.js';
import { createWebhookSender, webhookDestination } from './webhook.js';

export interface EventsSystem {
  /** What the store copies events by; null when nothing is configured. */
  routing: EventRouting | null;
  senders: readonly EventSender[];
  /** One per destination, started by start(). */
  workers: ReadonlyMap<string, LeasedWorker>;
  start(): void;
  /** Look now (after a commit that copied events, or in tests after advancing the clock). */
  poke(): void;
  /** Every worker's rounds until nothing due is left; the totals. */
  drain(): Promise<RoundResult>;
  /** One line for the start-up log. */
  describe(): string;
  /** Stops the workers (their leases released), closes the connections, gives back the owner slot. */
  close(): Promise<void>;
}

/** The routing the settings name (what `passdesk` commands that record events give their store). */
export function eventRouting(settings: EventsOutSettings | null): EventRouting | null {
  if (!settings) return null;
  const destinations = [...(settings.syslog ? ['syslog'] : []), ...settings.webhookUrls.map(webhookDestination)];
  return { destinations, sends: eventTypeMatcher(settings.types) };
}

export interface CreateEventsSystemOptions {
  settings: EventsOutSettings | null;
  store: Pick<Store, 'eventDeliveries'>;
  clock: Clock;
  logger?: Logger | undefined;
  /** Where the owner slot is kept (mail/worker-owner.ts); without it the owner id is new at every start. */
  dataDir?: string | undefined;
  role?: 'serve' | 'worker' | undefined;
  pollIntervalMs?: number | undefined;
  /** Lease length (tests of a dead node). */
  leaseMs?: number | undefined;
  /** Replaces the senders the settings name (tests). */
  senders?: EventSender[] | undefined;
  /** An owner id of its own (tests of two workers in one process). */
  owner?: string | undefined;
}

/** The senders the settings name, in a stable order: syslog first, then the webhooks as listed. */
export function eventSenders(settings: EventsOutSettings, clock: Clock): EventSender[] {
  const senders: EventSender[] = [];
  if (settings.syslog) senders.push(createSyslogSender(settings.syslog, { timeoutMs: settings.timeoutMs }));
  for (const url of settings.webhookUrls) {
    if (!settings.webhookKey) throw new TypeError('webhook URLs without a key');
    senders.push(createWebhookSender({ url, key: settings.webhookKey, clock, timeoutMs: settings.timeoutMs }));
  }
  return senders;
}

interface DeliverContext {
  store: Pick<Store, 'eventDeliveries'>;
  clock: Clock;
  settings: Pick<EventsOutSettings, 'maxAttempts' | 'retryBaseMs'>;
  logger?: Logger | undefined;
}

// One claimed copy: sent, to be retried later, or failed for good (every outcome marked on its row).
async function deliverCopy(c: DeliverContext, sender: EventSender, owner: string, row: EventDelivery): Promise<DeliveryOutcome> {
  try {
    await sender.send(row.payload);
  } catch (err) {
    const now = c.clock.now();
    const retryAt = nextAttemptAt(row.attempts, { now, maxAttempts: c.settings.maxAttempts, retryBaseMs: c.settings.retryBaseMs });
    await c.store.eventDeliveries.markDeliveryAttemptFailed(row.id, { owner, now, error: errorText(err), retryAt });
    c.logger?.[retryAt === null ? 'error' : 'warn'](
      { destination: sender.description, eventId: row.eventId, type: row.eventType, attempts: row.attempts, retryAt, err: errorText(err) },
      retryAt === null ? 'event not delivered, for good (`passdesk events retry` queues it again)' : 'event not delivered; will retry',
    );
    return retryAt === null ? 'failed' : 'retry';
  }
  await c.store.eventDeliveries.markDeliverySent(row.id, { owner, now: c.clock.now() });
  return 'sent';
}

function workerFor(o: CreateEventsSystemOptions, settings: EventsOutSettings, sender: EventSender, owner: string): LeasedWorker {
  const rows = o.store.eventDeliveries;
  const destination = sender.destination;
  // Syslog keeps the events in order on its one connection; webhooks go a few at a time.
  const concurrency = destination === 'syslog' ? 1 : 8;
  return createLeasedWorker<EventDelivery>({
    queue: {
      claim: (c) => rows.claimDueDeliveries({ ...c, destination }),
      renewLeases: (c) => rows.renewLeases(c),
      releaseLeases: (c) => rows.releaseLeases(c),
      expireLeases: (c) => rows.expireLeases(c),
    },
    deliver: (row) => deliverCopy({ store: o.store, clock: o.clock, settings, logger: o.logger }, sender, owner, row),
    clock: o.clock,
    owner,
    name: `events worker for ${sender.description}`,
    reclaimedNote: 'those events go again now (same uid)',
    concurrency,
    batchSize: destination === 'syslog' ? 64 : concurrency,
    leaseMs: o.leaseMs,
    pollIntervalMs: o.pollIntervalMs,
    logger: o.logger,
  });
}

export function createEventsSystem(o: CreateEventsSystemOptions): EventsSystem {
  const settings = o.settings;
  if (!settings) {
    return {
      routing: null,
      senders: [],
      workers: new Map(),
      start() {},
      poke() {},
      drain: async () => ({ claimed: 0, sent: 0, retrying: 0, failed: 0 }),
      describe: () => 'events out: off (no PASSDESK_EVENTS_SYSLOG_URL or PASSDESK_EVENTS_WEBHOOK_URL)',
      async close() {},
    };
  }
  const senders = o.senders ?? eventSenders(settings, o.clock);
  const fallback = (): string => `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  // Stable across restarts of this node, distinct between live processes: a restart takes back its own leases.
  const slot: WorkerOwner = o.owner
    ? { id: o.owner, release() {} }
    : o.dataDir
      ? claimWorkerOwner(o.dataDir, `events-${o.role ?? 'serve'}`, fallback)
      : { id: fallback(), release() {} };
  const workers = new Map(senders.map((s) => [s.destination, workerFor(o, settings, s, `${slot.id}/${s.destination}`)] as const));
  return {
    routing: { destinations: senders.map((s) => s.destination), sends: eventTypeMatcher(settings.types) },
    senders,
    workers,
    start() {
      for (const w of workers.values()) w.start();
    },
    poke() {
      for (const w of workers.values()) w.poke();
    },
    async drain() {
      const total: RoundResult = { claimed: 0, sent: 0, retrying: 0, failed: 0 };
      for (const w of workers.values()) {
        const r = await w.drain();
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
      }
      return total;
    },
    describe: () => `events out: ${senders.map((s) => s.description).join(', ')} (types: ${settings.types.join(', ')})`,
    async close() {
      await Promise.all([...workers.values()].map((w) => w.stop()));
      await Promise.all(senders.map((s) => s.close()));
      slot.release();
    },
  };
}
