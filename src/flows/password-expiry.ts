// The organisation option "passwords expire": a reminder email some days before (the expiry itself is
// enforced at sign-in, flows/password-policy.ts). Run periodically by the server; safe on several nodes,
// since marking the reminder sent is a guarded update and the notice is queued in the same transaction.
import type { FlowDeps } from './deps.js';
import { queueNotice } from '../mail/notices.js';

const DAY_MS = 86_400_000;
/** Accounts handled per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/** Queues "your password expires in N days" for every account now inside the reminder window. Returns how many. */
export async function sendExpiryReminders(deps: FlowDeps): Promise<number> {
  const policy = deps.config.passwordPolicy;
  if (policy.maxAgeMs <= 0 || !deps.mail) return 0;
  const now = deps.clock.now();
  const due = await deps.store.accounts.listAccountsDueForExpiryReminder({
    // Not yet expired (an expired password is handled at sign-in) …
    changedAfter: now - policy.maxAgeMs,
    // … and expiring within the reminder window.
    changedBefore: now - policy.maxAgeMs + policy.expiryReminderDays * DAY_MS,
    limit: SWEEP_LIMIT,
  });
  let sent = 0;
  for (const account of due) {
    const expiresAt = (account.passwordChangedAt ?? now) + policy.maxAgeMs;
    const queued = await deps.store.transaction(async (tx) => {
      if (!(await tx.accounts.markExpiryReminderSent(account.id, now))) return false;
      await queueNotice(tx, deps, {
        account,
        notice: { code: 'password-expiring', days: Math.max(1, Math.ceil((expiresAt - now) / DAY_MS)), expiresAt },
        origin: { at: now, device: null, ip: null },
      });
      return true;
    });
    if (queued) sent++;
  }
  return sent;
}
