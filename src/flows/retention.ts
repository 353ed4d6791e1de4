// Retention: what the service keeps only as long as it serves a purpose. One node at a time runs it (a lease in
// the store), in batches with a turn of the event loop between them, so a backlog of millions never blocks
// requests. The outbox has its own setting and sweep (mail/setup.ts, PASSDESK_MAIL_RETENTION).
//   sessions            — ended (absolute expiry or sign-out) longer ago than PASSDESK_RETENTION_SESSIONS. The
//                         device list and new-device checks read them: a device unseen for that long counts as new.
//   events              — the audit log and activity page: the organisation's choice (PASSDESK_RETENTION_EVENTS).
//   flows               — password resets, pending second steps, "this wasn't me" links and attempt windows, once
//                         they expired longer ago than PASSDESK_RETENTION_FLOWS (they can do nothing any more;
//                         the time is left for looking into something that just happened); the help desk's caller
//                         checks once they ended (a verified one counts until valid_until) that long ago, and its
//                         temporary passwords expired that long ago whose account has chosen a new password since
//                         (while the account's password is still the temporary one, its row is what refuses it).
//   sign-ups            — waiting for their address (pending_registrations): deleted at the first run after they
//                         expired, confirmed or not. An unconfirmed sign-up holds a password hash of someone who may
//                         never come back: it is kept no longer than its link works.
//                         (while the account's password is still the temporary one, its row is what refuses it);
//                         changes of sign-in address once they expired, or once their old address could no longer
//                         be put back (restore_until), that long ago; account deletions cancelled that long ago;
//                         requests for two-person approval once settled (approved, rejected, cancelled, expired) and
//                         past their window that long ago (the audit log keeps what happened).
//   event_deliveries    — copies of audit events sent out (syslog, webhooks: events/), once sent or failed longer ago
//                         than PASSDESK_RETENTION_EVENT_DELIVERIES; a copy not yet delivered stays, however old.
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { RetentionKind } from '../store/retention.js';
import type { FlowDeps } from './deps.js';

export interface RetentionSettings {
  sessionsMs: number;
  eventsMs: number;
  flowsMs: number;
  /** Sent and failed copies of events (events out); default 7 days. */
  eventDeliveriesMs?: number;
}

export const DEFAULT_EVENT_DELIVERIES_RETENTION_MS = 7 * 86_400_000;

export interface RetentionRun {
  /** False when another node holds the lease (nothing was done). */
  ran: boolean;
  deleted: Record<RetentionKind, number>;
}

const LEASE_NAME = 'retention';
/** Long enough for a large backlog; renewed between batches, so a node that dies frees it within this. */
const LEASE_MS = 5 * 60_000;
const BATCH = 500;

export async function runRetention(
  deps: Pick<FlowDeps, 'store' | 'clock'>,
  o: { owner: string; settings: RetentionSettings; batch?: number },
): Promise<RetentionRun> {
  const batch = o.batch ?? BATCH;
  const deleted: Record<RetentionKind, number> = {
    sessions: 0,
    events: 0,
    password_resets: 0,
    second_factor_flows: 0,
    not_me_tokens: 0,
    attempt_counters: 0,
    caller_verifications: 0,
    temporary_passwords: 0,
    pending_registrations: 0,
    event_deliveries: 0,
    email_changes: 0,
    account_deletions: 0,
    admin_approvals: 0,
  };
  const lease = (): Promise<boolean> => deps.store.retention.acquireJobLease(LEASE_NAME, o.owner, deps.clock.now(), deps.clock.now() + LEASE_MS);
  if (!(await lease())) return { ran: false, deleted };
  try {
    const now = deps.clock.now();
    const plan: Array<[RetentionKind, number]> = [
      ['sessions', now - o.settings.sessionsMs],
      ['events', now - o.settings.eventsMs],
      ['password_resets', now - o.settings.flowsMs],
      ['second_factor_flows', now - o.settings.flowsMs],
      ['not_me_tokens', now - o.settings.flowsMs],
      ['attempt_counters', now - o.settings.flowsMs],
      ['caller_verifications', now - o.settings.flowsMs],
      ['temporary_passwords', now - o.settings.flowsMs],
      ['pending_registrations', now],
      ['event_deliveries', now - (o.settings.eventDeliveriesMs ?? DEFAULT_EVENT_DELIVERIES_RETENTION_MS)],
      ['email_changes', now - o.settings.flowsMs],
      ['account_deletions', now - o.settings.flowsMs],
      ['admin_approvals', now - o.settings.flowsMs],
    ];
    for (const [kind, before] of plan) {
      for (;;) {
        const n = await deps.store.retention.deleteEnded(kind, before, batch);
        deleted[kind] += n;
        if (n < batch) break;
        await yieldToRequests();
        // Another node must not start while this one is still busy, nor wait on a dead one for long.
        if (!(await lease())) return { ran: true, deleted };
      }
    }
    return { ran: true, deleted };
  } finally {
    await deps.store.retention.releaseJobLease(LEASE_NAME, o.owner);
  }
}
