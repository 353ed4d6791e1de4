// Mail in /metrics: deliberately nothing that counts messages (issue 11 #4).
//
// A stranger can make Passdesk send mail to an address of their choice only when it has an account (a reset
// request for an unknown or disabled address sends nothing, by design, so that the answer cannot differ). Every
// per-message number therefore moves for known addresses only: the outbox by state (queued → sent, or retrying
// and failed while the mail server is down), the delivery attempts by outcome, and the delivery-time histogram's
// count. Each was such an oracle for whoever can read the metrics and was removed. The operator sees the outbox
// with `passdesk mail status` (by state, and the latest delivery problems) and delivery failures in the log.
import type { Registry } from 'prom-client';
import type { Store } from '../store/index.js';
import type { DeliveryObserver } from './outbox-worker.js';

/** Registers no mail metric (see above); the worker's observer is the caller's to add back for private use. */
export function registerMailMetrics(_registry: Registry, _store: Pick<Store, 'outbox'>): DeliveryObserver | undefined {
  return undefined;
}
