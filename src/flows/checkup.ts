// The security checkup (issue 16, item 1): the facts of one account gathered for the pure rules in core/checkup.ts,
// for the security page, GET /api/v1/security/checkup, and the monthly reminder email an organisation can turn on
// (PASSDESK_CHECKUP_REMINDERS).
//
// The reminder: every serving node sweeps hourly (app.ts). An active account is due when the reminder has not looked
// at it for CHECKUP_REMINDER_INTERVAL_MS (and it is at least that old). Looking at it is one guarded UPDATE of
// accounts.checkup_reminder_at, in the same transaction as the notice it may queue, so two nodes never both mail a
// person and nobody is mailed twice in a month. The email goes only when something needs attention and the person
// has not turned it off (mail_preferences.checkup_reminders).
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { needingAttention, recentNewDeviceSignIns, securityCheckup, type CheckupItem } from '../core/checkup.js';
import { queueNotice } from '../mail/notices.js';
import type { Account } from '../store/index.js';
import type { Authenticated, FlowDeps } from './deps.js';
import { NEW_DEVICE_HISTORY } from './steps/complete-sign-in.js';

/** "Monthly": an account is looked at, and mailed, at most once in this long. */
export const CHECKUP_REMINDER_INTERVAL_MS = 30 * 86_400_000;
/** Accounts read per page of the sweep, and looked at per sweep at most (the next sweep, an hour later, goes on). */
const PAGE = 200;
const SWEEP_LIMIT = 5_000;

/** The checkup of an account; `current` (the device asking) is left out of the new-device count. */
export async function checkupFor(deps: FlowDeps, account: Account, current: { device: string; ip: string | null } | null): Promise<CheckupItem[]> {
  const now = deps.clock.now();
  const [appFactors, passkeys, unusedRecoveryCodes, prefs, origins] = await Promise.all([
    deps.store.twoFactor.countConfirmedFactors(account.id),
    deps.store.passkeys.countPasskeys(account.id),
    deps.store.twoFactor.countUnusedRecoveryCodes(account.id),
    deps.store.mailPreferences.getMailPreferences(account.id),
    deps.store.sessions.listSessionOrigins(account.id, { limit: NEW_DEVICE_HISTORY }),
  ]);
  const policy = deps.config.passwordPolicy;
  return securityCheckup({
    now,
    appFactors,
    passkeys,
    unusedRecoveryCodes,
    recoveryAddressConfirmed: prefs.recoveryEmail !== null,
    antiPhishingPhrase: prefs.antiPhishingPhrase !== null,
    password: {
      mustChange: account.mustChangePassword,
      mustChangeReason: account.mustChangeReason,
      changedAt: account.passwordChangedAt,
      maxAgeMs: policy.maxAgeMs,
      reminderDays: policy.expiryReminderDays,
    },
    newDeviceSignIns: recentNewDeviceSignIns(origins, current, now),
  });
}

/** The signed-in person's own checkup (the security page and the API). */
export function myCheckup(deps: FlowDeps, auth: Authenticated): Promise<CheckupItem[]> {
  return checkupFor(deps, auth.account, { device: auth.session.device, ip: auth.session.ip });
}

/** Whether the organisation sends the monthly reminder (the email settings page offers the person's switch then). */
export function checkupRemindersOn(deps: Pick<FlowDeps, 'config' | 'mail'>): boolean {
  return deps.config.checkupReminders === true && deps.mail !== undefined;
}

/** One sweep of the monthly reminder: looks at the accounts due and queues the emails. Returns how many were queued. */
export async function sendCheckupReminders(deps: FlowDeps, o: { limit?: number } = {}): Promise<number> {
  if (!checkupRemindersOn(deps)) return 0;
  const limit = o.limit ?? SWEEP_LIMIT;
  const now = deps.clock.now();
  const dueBefore = now - CHECKUP_REMINDER_INTERVAL_MS;
  let afterId: string | null = null;
  let looked = 0;
  let sent = 0;
  while (looked < limit) {
    const due = await deps.store.accounts.listAccountsDueForCheckup({ dueBefore, afterId, limit: Math.min(PAGE, limit - looked) });
    for (const account of due) {
      afterId = account.id;
      looked++;
      if (await remindOne(deps, account, { now, dueBefore })) sent++;
    }
    if (due.length < PAGE) break;
    await yieldToRequests();
  }
  return sent;
}

async function remindOne(deps: FlowDeps, account: Account, o: { now: number; dueBefore: number }): Promise<boolean> {
  // Read before the transaction (on SQLite a read outside it would wait for the transaction's connection).
  const wanted = (await deps.store.mailPreferences.getMailPreferences(account.id)).checkupReminders;
  const attention = wanted ? needingAttention(await checkupFor(deps, account, null)) : [];
  return deps.store.transaction(async (tx) => {
    // Looked at this month, sent or not: another node that read the same page now finds nothing to do.
    if (!(await tx.accounts.claimCheckupReminder(account.id, o))) return false;
    if (attention.length === 0) return false;
    await queueNotice(tx, deps, {
      account,
      notice: { code: 'security-checkup-reminder', items: attention.map((i) => ({ id: i.id, reason: i.reason, count: i.count })) },
      origin: { at: o.now, device: null, ip: null },
    });
    return true;
  });
}
