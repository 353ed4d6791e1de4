// Mail metrics for /metrics: the outbox by state (read from the database at scrape time, so every node
// reports the shared truth) and this process's delivery attempts by outcome.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/index.js';
import type { DeliveryObserver } from './outbox-worker.js';

export function registerMailMetrics(registry: Registry, store: Pick<Store, 'outbox'>): DeliveryObserver {
  new Gauge({
    name: 'passdesk_mail_outbox_messages',
    help: 'Messages in the mail outbox by state (queued, sending, retrying, sent, failed).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await store.outbox.countMessagesByState();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      } catch {
        // The database is unreachable: /readyz says so; the scrape still answers.
      }
    },
  });
  const attempts = new Counter({
    name: 'passdesk_mail_delivery_attempts_total',
    help: 'Delivery attempts made by this process, by outcome (sent, retry, failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'passdesk_mail_delivery_duration_seconds',
    help: 'Time from handing a message to the mail server until it answered.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  for (const outcome of ['sent', 'retry', 'failed'] as const) attempts.inc({ outcome }, 0);
  return {
    attempt(outcome, s) {
      attempts.inc({ outcome });
      seconds.observe(s);
    },
  };
}
