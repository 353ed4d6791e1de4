// "Your data" (issue 16): the person downloads what Passdesk keeps about them, and deletes their own account.
//
// The download is the help desk's export (flows/help-desk/delete-account.ts exportAccount, the one export function):
// profile, devices and sessions, events, factors by name and date — never a secret, hash, token or code. It needs a
// recent authentication (it holds IP addresses and devices) and is recorded as account.exported.
//
// Deleting one's own account waits out a grace period (PASSDESK_SELF_DELETION_GRACE, default 7 days) in a row of
// account_deletions (DeletionFlowState; the migration draws it):
//   (none) ─asked for (step-up)─▶ pending ─cancelled (signed in, the emailed link, or "This wasn't me")─▶ cancelled
//                                   └─due_at passed: the deletion job (runDueAccountDeletions)─▶ the account is deleted
// The job removes the data through the help desk's own deletion (removeAccountData): the last email, queued mail
// dropped, staff actions kept under a keyed reference, the account and every row keyed by it deleted; it records
// account.deleted with no account id and no personal data (the reference, counts and times only).
// An organisation can turn self-deletion off (PASSDESK_SELF_DELETION=false: SELF_DELETION_DISABLED). Directory
// accounts are refused (MANAGED_BY_DIRECTORY): the account is the organisation's, and deleting only Passdesk's side
// would come back at the next sign-in; the help desk can delete Passdesk's side (docs/features/your-data.md).
// The last active administrator cannot ask (LAST_ADMINISTRATOR); should it become the last by the due date, the job
// cancels the deletion instead and says so by email.
import { sentence } from '../core/i18n/sentence.js';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { PassdeskError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import type { Account, AccountDeletion, Repositories } from '../store/index.js';
import type { AccountDeletionState } from '../store/schema.js';
import type { Authenticated, FlowDeps, RequestContext, SameUnion } from './deps.js';
import { assertAnotherAdministratorRemains } from './help-desk/action.js';
import { type AccountExport, exportAccount, removeAccountData } from './help-desk/delete-account.js';
import { assertRecentAuthentication } from './step-up.js';

/** The row's states drawn at the top of this file (account_deletions.state); deleted is no row at all. */
export type DeletionFlowState = 'pending' | 'cancelled';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const DELETION_STATES_MATCH_STORE: SameUnion<DeletionFlowState, AccountDeletionState> = true;

export const DEFAULT_DELETION_GRACE_MS = 7 * 86_400_000;
const JOB_LEASE = 'account-deletions';
const JOB_LEASE_MS = 5 * 60_000;
const JOB_BATCH = 50;

/** Why the person may not delete their account here, or null when they may. */
export type DeletionRefusal = 'disabled' | 'directory' | null;

export interface AccountDataState {
  deletion: { requestedAt: number; dueAt: number } | null;
  refusal: DeletionRefusal;
  graceMs: number;
}

function settings(deps: Pick<FlowDeps, 'config'>): { selfService: boolean; graceMs: number } {
  return deps.config.accountDeletion ?? { selfService: true, graceMs: DEFAULT_DELETION_GRACE_MS };
}

export function deletionRefusal(deps: Pick<FlowDeps, 'config'>, account: Pick<Account, 'directoryId'>): DeletionRefusal {
  if (!settings(deps).selfService) return 'disabled';
  return account.directoryId !== null ? 'directory' : null;
}

export async function accountDataState(deps: FlowDeps, auth: Authenticated): Promise<AccountDataState> {
  const pending = await deps.store.accountDeletions.findPendingAccountDeletion(auth.account.id);
  return {
    deletion: pending ? { requestedAt: pending.requestedAt, dueAt: pending.dueAt } : null,
    refusal: deletionRefusal(deps, auth.account),
    graceMs: settings(deps).graceMs,
  };
}

/** The account's pending deletion, or null (the security page shows it first). */
export async function pendingDeletion(deps: FlowDeps, auth: Authenticated): Promise<AccountDeletion | null> {
  return deps.store.accountDeletions.findPendingAccountDeletion(auth.account.id);
}

/** "Download my data": the help desk's export of this account, read in one transaction. Needs a recent authentication. */
export async function exportMyData(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<AccountExport> {
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const exported = await exportAccount(tx, auth.account, now);
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'account.exported',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
    });
    return exported;
  });
}

/** Schedules the account's deletion after the grace period (asking again while pending changes nothing). */
export async function requestAccountDeletion(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<AccountDeletion> {
  const refusal = deletionRefusal(deps, auth.account);
  if (refusal === 'disabled') throw new PassdeskError('SELF_DELETION_DISABLED');
  if (refusal === 'directory') throw new PassdeskError('MANAGED_BY_DIRECTORY', sentence('error.MANAGED_BY_DIRECTORY.deletion'));
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  const token = generateToken(deps.random);
  return deps.store.transaction(async (tx) => {
    const [account] = await tx.accounts.lockAccounts([auth.account.id]);
    if (!account) throw new PassdeskError('AUTHENTICATION_REQUIRED');
    await assertAnotherAdministratorRemains(tx, account);
    const { deletion, scheduled } = await tx.accountDeletions.scheduleAccountDeletion({
      accountId: account.id,
      cancelTokenHash: hashToken(token),
      now,
      dueAt: now + settings(deps).graceMs,
    });
    if (!scheduled) return deletion;
    const { session } = auth;
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'account.deletion_requested',
      now,
      ip: ctx.ip,
      device: session.device,
      sessionId: session.id,
      detail: { dueAt: deletion.dueAt },
    });
    await queueNotice(tx, deps, {
      account,
      notice: { code: 'account-deletion-scheduled', cancelToken: token, dueAt: deletion.dueAt },
      origin: { at: now, device: session.device, ip: ctx.ip },
    });
    return deletion;
  });
}

/**
 * Cancels a pending deletion: by the signed-in person (nothing pending: null, nothing happens) or by the emailed
 * link (nothing pending: DELETION_LINK_INVALID). The person is told by email.
 */
export async function cancelAccountDeletion(
  deps: FlowDeps,
  by: { auth: Authenticated } | { token: string },
  ctx: RequestContext,
): Promise<AccountDeletion | null> {
  const now = deps.clock.now();
  const cancelled = await deps.store.transaction(async (tx) => {
    const done = await tx.accountDeletions.cancelAccountDeletion('auth' in by ? { accountId: by.auth.account.id } : { tokenHash: hashToken(by.token) }, now);
    const account = done ? await tx.accounts.findAccountById(done.accountId) : null;
    if (!done || !account) return null;
    const session = 'auth' in by ? by.auth.session : null;
    await recordCancellation(tx, deps, account, {
      now,
      ip: ctx.ip,
      device: session?.device ?? null,
      sessionId: session?.id ?? null,
      via: 'auth' in by ? 'signed-in' : 'email-link',
    });
    return done;
  });
  if (!cancelled && 'token' in by) throw new PassdeskError('DELETION_LINK_INVALID');
  return cancelled;
}

async function recordCancellation(
  tx: Repositories,
  deps: FlowDeps,
  account: Account,
  o: { now: number; ip: string | null; device: string | null; sessionId: string | null; via: string },
): Promise<void> {
  await tx.events.recordEvent({
    accountId: account.id,
    type: 'account.deletion_cancelled',
    now: o.now,
    ip: o.ip,
    device: o.device,
    sessionId: o.sessionId,
    detail: { via: o.via },
  });
  await queueNotice(tx, deps, { account, notice: { code: 'account-deletion-cancelled' }, origin: { at: o.now, device: o.device, ip: o.ip } });
}

/** When the deletion a live cancel link is about is due (for the page it opens), or null. Opening it changes nothing. */
export async function describeDeletionLink(deps: FlowDeps, token: string): Promise<{ dueAt: number } | null> {
  const pending = await deps.store.accountDeletions.findAccountDeletionByToken(hashToken(token));
  return pending ? { dueAt: pending.dueAt } : null;
}

/** "This wasn't me" (flows/not-me.ts), in its transaction: a pending deletion is cancelled. Whether one was. */
export async function cancelDeletionOnReport(tx: Repositories, account: Account, o: { now: number; ip: string | null }): Promise<boolean> {
  if (!(await tx.accountDeletions.cancelAccountDeletion({ accountId: account.id }, o.now))) return false;
  await tx.events.recordEvent({ accountId: account.id, type: 'account.deletion_cancelled', now: o.now, ip: o.ip, detail: { via: 'reported' } });
  return true;
}

export interface DeletionRun {
  /** False when another node holds the lease (nothing was done). */
  ran: boolean;
  deleted: number;
  /** Deletions cancelled because the account had become the last active administrator. */
  kept: number;
}

/**
 * The deletion job: every pending deletion past its due date, one account per transaction, one node at a time (a
 * lease). Started with retention on every serving node (app.ts); tests call it with a moved clock.
 */
export async function runDueAccountDeletions(deps: FlowDeps, o: { owner: string; batch?: number }): Promise<DeletionRun> {
  const run: DeletionRun = { ran: false, deleted: 0, kept: 0 };
  const lease = (): Promise<boolean> => deps.store.retention.acquireJobLease(JOB_LEASE, o.owner, deps.clock.now(), deps.clock.now() + JOB_LEASE_MS);
  if (!(await lease())) return run;
  run.ran = true;
  try {
    for (;;) {
      const due = await deps.store.accountDeletions.listDueAccountDeletions(deps.clock.now(), o.batch ?? JOB_BATCH);
      for (const d of due) {
        const outcome = await deleteDueAccount(deps, d);
        if (outcome === 'deleted') run.deleted++;
        if (outcome === 'kept') run.kept++;
      }
      if (due.length < (o.batch ?? JOB_BATCH)) return run;
      await yieldToRequests();
      if (!(await lease())) return run;
    }
  } finally {
    await deps.store.retention.releaseJobLease(JOB_LEASE, o.owner);
  }
}

async function deleteDueAccount(deps: FlowDeps, due: AccountDeletion): Promise<'deleted' | 'kept' | 'gone'> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const [account] = await tx.accounts.lockAccounts([due.accountId]);
    if (!account) return 'gone';
    const lastAdministrator = await assertAnotherAdministratorRemains(tx, account).then(
      () => false,
      (err: unknown) => {
        if (err instanceof PassdeskError && err.code === 'LAST_ADMINISTRATOR') return true;
        throw err;
      },
    );
    if (lastAdministrator) {
      if (!(await tx.accountDeletions.cancelAccountDeletion({ accountId: account.id }, now))) return 'gone';
      await recordCancellation(tx, deps, account, { now, ip: null, device: null, sessionId: null, via: 'last-administrator' });
      return 'kept';
    }
    // The guarded take: a cancellation that committed first wins, and nothing is deleted.
    const claimed = await tx.accountDeletions.claimDueAccountDeletion(account.id, now);
    if (!claimed) return 'gone';
    const removed = await removeAccountData(tx, deps, account, { notice: { code: 'account-deleted', requestedAt: claimed.requestedAt }, now, ip: null });
    // No personal data: the keyed reference (as the help desk's deletion records it), counts and times.
    await tx.events.recordEvent({
      accountId: null,
      type: 'account.deleted',
      now,
      detail: {
        subject: removed.reference,
        via: 'self-service',
        requestedAt: claimed.requestedAt,
        dueAt: claimed.dueAt,
        keptEvents: removed.keptEvents,
        droppedMail: removed.droppedMail,
      },
    });
    return 'deleted';
  });
}
