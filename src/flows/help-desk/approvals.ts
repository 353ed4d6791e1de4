// Two-person approval, the deciding half (issue 15). A request stored by ./approval-request.ts waits for a second
// administrator, who approves or rejects it with step-up and a reason; the requester may cancel it; it expires.
//
// State (admin_approvals, migration 0027):
//   pending ──approve: the requester's action runs now, in the transaction that marks it──▶ approved
//      ├──reject (an administrator)──▶ rejected        ├──cancel (the requester; the person's "This wasn't me")──▶ cancelled
//      └──expires_at passed (swept when anyone lists or decides)──▶ expired
// Who may decide (core/admin-permissions.ts: approvalRefusal): an active administrator who is neither the requester
// (two people, not one twice) nor the account's owner, and who could take the action themselves. Approving re-checks
// everything on the accounts as they are at that moment, inside the one transaction that also claims the request
// (flows/help-desk/action.ts: claimApproval), so a race of two approvers runs the action once and answers the other
// 409 APPROVAL_NOT_PENDING; a refusal there (the requester demoted meanwhile, the target's role changed) leaves the
// request pending, to be rejected. What the action makes to be shown once (a temporary password, a deleted account's
// export) goes to the approver, never to the requester: the one who asked never holds a privileged credential alone.
// Events: admin.approval.request | approve | reject | cancel | expire; the requester is emailed the outcome.
import { sentence } from '../../core/i18n/sentence.js';
import { ADMIN_ACTIONS, type AdminAction, type ApprovableAction, approvalRefusal, isRole, refusalFor } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { queueNotice } from '../../mail/notices.js';
import type { Account, AdminApproval, AdminApprovalState, Repositories } from '../../store/index.js';

export type { ApprovalView } from './approval-request.js';
import type { Authenticated, FlowDeps, RequestContext, SameUnion } from '../deps.js';
import { assertRecentAuthentication } from '../step-up.js';
import { type ActionResult, disableAccount, enableAccount, requirePasswordChange, sendResetEmail, setRole, unlockAccount } from './accounts.js';
import { type Actor, type AdminReason, type Approver, approvalDecidedNotice, approvalOf, approverId, checkedReason } from './action.js';
import { ApprovalPending, type ApprovalView, viewOf } from './approval-request.js';
import { type DeletedAccount, deleteAccount } from './delete-account.js';
import { type RemovedFactor, removeFactorForCaller } from './factors.js';
import { type IssuedTemporaryPassword, issueTemporaryPassword } from './temporary-password.js';

/** The request's states drawn at the top of this file (admin_approvals.state). */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const APPROVAL_STATES_MATCH_STORE: SameUnion<ApprovalState, AdminApprovalState> = true;

/** Requests one list shows at most (newest first). */
export const APPROVALS_LIST_LIMIT = 100;
/** Expired requests marked (and audited) per sweep. */
const EXPIRE_BATCH = 100;

/** What an approved request's action produced, by kind (the API and console show each their own way). */
export type ApprovedOutcome =
  | { kind: 'account'; result: ActionResult }
  | { kind: 'temporary-password'; result: IssuedTemporaryPassword }
  | { kind: 'factor'; result: RemovedFactor }
  | { kind: 'deleted'; result: DeletedAccount };

function ran<T>(answer: T | ApprovalPending): T {
  // An approved request runs as the requester's action (actor kind 'approval'), which never asks for approval again.
  if (answer instanceof ApprovalPending) throw new TypeError('an approved request asked for approval again');
  return answer;
}

type Runner = (deps: FlowDeps, actor: Actor, a: AdminApproval, ctx: RequestContext) => Promise<ApprovedOutcome>;
const input = (a: AdminApproval, ctx: RequestContext) => ({ accountId: a.accountId, why: { reason: a.reason, ticket: a.ticket }, ctx });
const accountRunner =
  (run: typeof disableAccount): Runner =>
  async (deps, actor, a, ctx) => ({ kind: 'account', result: ran(await run(deps, actor, input(a, ctx))) });

/** Each action that can wait, run as the flow that asked for it would have run it. */
const RUNNERS: Record<ApprovableAction, Runner> = {
  'reset.send': accountRunner(sendResetEmail),
  'password.require_change': accountRunner(requirePasswordChange),
  'account.unlock': accountRunner(unlockAccount),
  'account.disable': accountRunner(disableAccount),
  'account.enable': accountRunner(enableAccount),
  'role.set': async (deps, actor, a, ctx) => {
    const role = a.params['role'];
    if (!isRole(role)) throw new TypeError(`approval ${a.id}: role.set without a role`);
    return { kind: 'account', result: ran(await setRole(deps, actor, { ...input(a, ctx), role })) };
  },
  'password.temporary': async (deps, actor, a, ctx) => ({ kind: 'temporary-password', result: ran(await issueTemporaryPassword(deps, actor, input(a, ctx))) }),
  'factor.remove': async (deps, actor, a, ctx) => ({
    kind: 'factor',
    result: ran(await removeFactorForCaller(deps, actor, { ...input(a, ctx), factorId: a.params['factorId'] ?? '' })),
  }),
  'account.delete': async (deps, actor, a, ctx) => ({ kind: 'deleted', result: ran(await deleteAccount(deps, actor, input(a, ctx))) }),
};

/**
 * Marks every pending request past its expiry as expired: each once (a guarded update), audited, and the requester
 * told. Run when anyone lists or decides requests, so an expired request is never shown or treated as pending.
 */
export async function expireDueApprovals(deps: FlowDeps): Promise<number> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const expired = await tx.adminApprovals.expireApprovals(now, EXPIRE_BATCH);
    for (const a of expired) {
      await tx.events.recordEvent({
        accountId: a.accountId,
        type: 'admin.approval.expire',
        now,
        detail: { approvalId: a.id, action: a.action, requestedBy: a.requestedBy, expiresAt: a.expiresAt },
      });
      const [requester, target] = await Promise.all([tx.accounts.findAccountById(a.requestedBy), tx.accounts.findAccountById(a.accountId)]);
      if (requester) {
        const notice = approvalDecidedNotice(a, { decision: 'expired', target, reason: null, ticket: null });
        await queueNotice(tx, deps, { account: requester, notice, origin: { at: now, device: null, ip: null } });
      }
    }
    return expired.length;
  });
}

/** The reader's rights on a request, for the view (the flows check again when they act). */
function rightsOn(reader: Approver, a: AdminApproval, target: Account): { mayDecide: boolean; mayCancel: boolean } {
  if (a.state !== 'pending' || reader.kind !== 'session') return { mayDecide: reader.kind === 'cli' && a.state === 'pending', mayCancel: false };
  const me = reader.auth.account;
  return {
    mayDecide: approvalRefusal(me, 'approval.approve', approvalOf(a), target) === null,
    mayCancel: a.requestedBy === me.id && refusalFor(me, 'approval.cancel', target) === null,
  };
}

async function toView(store: Pick<Repositories, 'accounts'>, reader: Approver, a: AdminApproval): Promise<ApprovalView | null> {
  const [target, requester, decider] = await Promise.all([
    store.accounts.findAccountById(a.accountId),
    store.accounts.findAccountById(a.requestedBy),
    a.decidedBy ? store.accounts.findAccountById(a.decidedBy) : Promise.resolve(null),
  ]);
  // Both are foreign keys with ON DELETE CASCADE: a request without them is gone with them.
  if (!target || !requester) return null;
  return viewOf(a, { target, requester, decider, ...rightsOn(reader, a, target) });
}

/** The reader's role and a recent authentication, before anything about a request is said. */
async function admitReader(deps: FlowDeps, reader: Approver, action: AdminAction): Promise<void> {
  if (reader.kind !== 'session') return;
  if (refusalFor(reader.auth.account, action) === 'role') throw new PassdeskError('FORBIDDEN');
  await assertRecentAuthentication(deps, reader.auth);
}

/**
 * Requests, newest first: an administrator (and the command line) sees every one, a help desk agent their own.
 * `states` narrows (default: pending); `accountId` lists one account's.
 */
export async function listApprovals(
  deps: FlowDeps,
  reader: Approver,
  o: { states?: readonly AdminApprovalState[]; accountId?: string; limit?: number } = {},
): Promise<ApprovalView[]> {
  await admitReader(deps, reader, 'approvals.list');
  await expireDueApprovals(deps);
  const seesAll = reader.kind === 'cli' || refusalFor(reader.auth.account, 'approval.approve') !== 'role';
  const rows = await deps.store.adminApprovals.listApprovals({
    states: o.states ?? ['pending'],
    ...(o.accountId !== undefined ? { accountId: o.accountId } : {}),
    ...(seesAll || reader.kind !== 'session' ? {} : { requestedBy: reader.auth.account.id }),
    limit: Math.min(o.limit ?? APPROVALS_LIST_LIMIT, APPROVALS_LIST_LIMIT),
  });
  const views: ApprovalView[] = [];
  for (const a of rows) {
    const view = await toView(deps.store, reader, a);
    if (view) views.push(view);
  }
  return views;
}

/** One request: 404 for an id the reader may not see (an agent sees only their own). */
export async function getApproval(deps: FlowDeps, reader: Approver, id: string): Promise<ApprovalView> {
  await admitReader(deps, reader, 'approvals.list');
  await expireDueApprovals(deps);
  const a = await deps.store.adminApprovals.findApproval(id);
  const seesAll = reader.kind === 'cli' || refusalFor(reader.auth.account, 'approval.approve') !== 'role';
  if (!a || (!seesAll && reader.kind === 'session' && a.requestedBy !== reader.auth.account.id)) throw new PassdeskError('NOT_FOUND');
  const view = await toView(deps.store, reader, a);
  if (!view) throw new PassdeskError('NOT_FOUND');
  return view;
}

/** A request that can still be decided, with its account: 404, or 409 when decided, cancelled or expired. */
async function pendingRequest(deps: FlowDeps, id: string): Promise<{ approval: AdminApproval; target: Account }> {
  await expireDueApprovals(deps);
  const approval = await deps.store.adminApprovals.findApproval(id);
  if (!approval || !(approval.action in ADMIN_ACTIONS)) throw new PassdeskError('NOT_FOUND');
  if (approval.state === 'expired') throw new PassdeskError('APPROVAL_EXPIRED');
  if (approval.state !== 'pending') throw new PassdeskError('APPROVAL_NOT_PENDING', undefined, { state: approval.state });
  const target = await deps.store.accounts.findAccountById(approval.accountId);
  if (!target) throw new PassdeskError('NOT_FOUND');
  return { approval, target };
}

function assertMayDecide(decider: Approver, decision: 'approval.approve' | 'approval.reject', approval: AdminApproval, target: Account): void {
  if (decider.kind !== 'session') return;
  const refusal = approvalRefusal(decider.auth.account, decision, approvalOf(approval), target);
  if (refusal === 'requester') throw new PassdeskError('FORBIDDEN', sentence('error.FORBIDDEN.ownRequest'));
  if (refusal === 'self') throw new PassdeskError('FORBIDDEN', sentence('error.FORBIDDEN.aboutYou'));
  if (refusal !== null) throw new PassdeskError('FORBIDDEN');
}

/**
 * Approves a waiting request: the requester's action runs now, exactly once, with every check made again on the
 * accounts as they are (flows/help-desk/action.ts). Returns the request as it is then, and what the action produced.
 */
export async function approveRequest(
  deps: FlowDeps,
  approver: Approver,
  o: { id: string; why: AdminReason; ctx: RequestContext },
): Promise<{ approval: ApprovalView; outcome: ApprovedOutcome }> {
  const decision = checkedReason(o.why);
  await admitReader(deps, approver, 'approval.approve');
  const { approval, target } = await pendingRequest(deps, o.id);
  assertMayDecide(approver, 'approval.approve', approval, target);
  const requester = await deps.store.accounts.findAccountById(approval.requestedBy);
  if (!requester) throw new PassdeskError('NOT_FOUND');
  const actor: Actor = { kind: 'approval', requester, approver, approval, decision };
  const outcome = await RUNNERS[approval.action as ApprovableAction](deps, actor, approval, o.ctx);
  const after = await deps.store.adminApprovals.findApproval(approval.id);
  // A deleted account takes its requests with it (the audit log keeps admin.approval.approve).
  const view = after ? await toView(deps.store, approver, after) : null;
  return { approval: view ?? decidedWithoutAccount(approval, approver, decision, deps.clock.now(), target, requester), outcome };
}

/** The view of a request whose row went with its deleted account. */
function decidedWithoutAccount(
  a: AdminApproval,
  approver: Approver,
  decision: { reason: string; ticket: string | null },
  now: number,
  target: Account,
  requester: Account,
): ApprovalView {
  const decided: AdminApproval = { ...a, state: 'approved', decidedAt: now, decisionReason: decision.reason, decisionTicket: decision.ticket };
  const decider = approver.kind === 'session' ? approver.auth.account : null;
  return viewOf(decided, { target, requester, decider, mayDecide: false, mayCancel: false });
}

/** Rejects a waiting request (an administrator other than the requester and the person): nothing else changes. */
export async function rejectRequest(deps: FlowDeps, decider: Approver, o: { id: string; why: AdminReason; ctx: RequestContext }): Promise<ApprovalView> {
  const why = checkedReason(o.why);
  await admitReader(deps, decider, 'approval.reject');
  const { approval, target } = await pendingRequest(deps, o.id);
  assertMayDecide(decider, 'approval.reject', approval, target);
  await settle(deps, decider, { approval, target, to: 'rejected', why, ctx: o.ctx });
  return viewAfter(deps, decider, approval.id);
}

/** The requester withdraws their waiting request. */
export async function cancelRequest(deps: FlowDeps, auth: Authenticated, o: { id: string; why: AdminReason; ctx: RequestContext }): Promise<ApprovalView> {
  const why = checkedReason(o.why);
  const reader: Approver = { kind: 'session', auth };
  await admitReader(deps, reader, 'approval.cancel');
  const { approval, target } = await pendingRequest(deps, o.id);
  if (approval.requestedBy !== auth.account.id) throw new PassdeskError('FORBIDDEN', sentence('error.FORBIDDEN.notYourRequest'));
  if (refusalFor(auth.account, 'approval.cancel', target) !== null) throw new PassdeskError('FORBIDDEN');
  await settle(deps, reader, { approval, target, to: 'cancelled', why, ctx: o.ctx });
  return viewAfter(deps, reader, approval.id);
}

async function viewAfter(deps: FlowDeps, reader: Approver, id: string): Promise<ApprovalView> {
  const after = await deps.store.adminApprovals.findApproval(id);
  const view = after ? await toView(deps.store, reader, after) : null;
  if (!view) throw new PassdeskError('NOT_FOUND');
  return view;
}

/** Rejected or cancelled, in one transaction: the guarded move, its event, and (rejected) the requester told. */
async function settle(
  deps: FlowDeps,
  by: Approver,
  o: { approval: AdminApproval; target: Account; to: 'rejected' | 'cancelled'; why: { reason: string; ticket: string | null }; ctx: RequestContext },
): Promise<void> {
  const now = deps.clock.now();
  const byId = approverId(by);
  await deps.store.transaction(async (tx) => {
    const moved = await tx.adminApprovals.decideApproval(o.approval.id, {
      to: o.to,
      by: byId,
      now,
      reason: o.why.reason,
      ticket: o.why.ticket,
      ...(o.to === 'cancelled' && byId !== null ? { requestedBy: byId } : {}),
    });
    if (!moved) throw new PassdeskError('APPROVAL_NOT_PENDING');
    await tx.events.recordEvent({
      accountId: o.approval.accountId,
      actorId: byId,
      type: o.to === 'rejected' ? 'admin.approval.reject' : 'admin.approval.cancel',
      now,
      ip: o.ctx.ip,
      ...(by.kind === 'session' ? { device: by.auth.session.device, sessionId: by.auth.session.id } : {}),
      detail: {
        approvalId: o.approval.id,
        action: o.approval.action,
        requestedBy: o.approval.requestedBy,
        reason: o.why.reason,
        ...(o.why.ticket ? { ticket: o.why.ticket } : {}),
        ...(by.kind === 'cli' ? { via: by.label } : {}),
      },
    });
    if (o.to !== 'rejected') return;
    const requester = await tx.accounts.findAccountById(o.approval.requestedBy);
    if (!requester) return;
    const notice = approvalDecidedNotice(o.approval, { decision: 'rejected', target: o.target, reason: o.why.reason, ticket: o.why.ticket });
    await queueNotice(tx, deps, { account: requester, notice, origin: { at: now, device: null, ip: o.ctx.ip } });
  });
}
