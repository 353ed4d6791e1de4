// Two-person approval, the asking half (issue 15): with PASSDESK_ADMIN_APPROVAL on, an action on a privileged account
// (core/admin-permissions.ts: needsApproval) does not take effect when an agent asks for it: it is stored as a request
// (admin_approvals, migration 0027), audited (admin.approval.request), the person is told that a change of their
// account waits (with "This wasn't me", which cancels it), and every other active administrator is emailed that a
// request waits for them. The answer is an ApprovalPending (202 in the API) instead of the action's result. The
// deciding half — approve (the action runs then, once), reject, cancel, expire — is flows/help-desk/approvals.ts.
//
// Only a signed-in agent's action waits: the operator at the command line is the break-glass path (its event says
// `approval: 'bypassed'`), and an approved request runs as the requester's action without asking again.
import { APPROVER_ROLES, type AdminAction, type ApprovableAction, isApprovable, mayApprove, needsApproval, type Role } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { queueNotice } from '../../mail/notices.js';
import type { Account, AdminApproval, AdminApprovalState, Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, RequestContext } from '../deps.js';
import { type ActionOutcome, type Actor, type AdminReason, adminAction, admitAdminAction, checkedReason } from './action.js';

/** A request as the console and the API show it, with what the reader may do with it. */
export interface ApprovalView {
  id: string;
  action: ApprovableAction;
  params: Record<string, string>;
  reason: string;
  ticket: string | null;
  state: AdminApprovalState;
  createdAt: number;
  expiresAt: number;
  account: { id: string; email: string; displayName: string; role: Role };
  requestedBy: { id: string; email: string; displayName: string };
  /** Who approved, rejected or cancelled; null: still pending, expired, the command line or "This wasn't me". */
  decidedBy: { id: string; email: string; displayName: string } | null;
  decidedAt: number | null;
  decisionReason: string | null;
  decisionTicket: string | null;
  /** The reader may approve or reject it now. */
  mayDecide: boolean;
  /** The reader asked for it and may cancel it now. */
  mayCancel: boolean;
}

/** A request as ApprovalView shows it, from its row and the accounts it names. */
export function viewOf(
  a: AdminApproval,
  o: { target: Account; requester: Account; decider: Account | null; mayDecide: boolean; mayCancel: boolean },
): ApprovalView {
  const who = (x: Account) => ({ id: x.id, email: x.email, displayName: x.displayName });
  return {
    id: a.id,
    action: a.action as ApprovableAction,
    params: a.params,
    reason: a.reason,
    ticket: a.ticket,
    state: a.state,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    account: { ...who(o.target), role: o.target.role },
    requestedBy: who(o.requester),
    decidedBy: o.decider ? who(o.decider) : null,
    decidedAt: a.decidedAt,
    decisionReason: a.decisionReason,
    decisionTicket: a.decisionTicket,
    mayDecide: o.mayDecide,
    mayCancel: o.mayCancel,
  };
}

/** An action that waits for a second administrator: the request stored in its place, as the requester sees it. */
export class ApprovalPending {
  constructor(readonly approval: ApprovalView) {}
}

/** The administrators emailed about one request at most (the console lists it for all of them anyway). */
const MAX_APPROVERS_EMAILED = 100;

export interface ApprovalAsk {
  action: ApprovableAction;
  target: Account;
  why: AdminReason;
  ctx: RequestContext;
  /** What the action needs besides the account: `role` (role.set), `factorId` (factor.remove). */
  params?: Record<string, string>;
  /** Removing the last second factor on a caller proof weaker than it: only two people together (factors.ts). */
  recovery?: boolean;
}

/** Whether two-person approval could hold this agent's action at all (it is on, and a signed-in agent asks). */
export function approvalMayApply(deps: FlowDeps, actor: Actor, action: AdminAction): boolean {
  return actor.kind === 'session' && deps.config.adminApproval?.enabled === true && isApprovable(action);
}

/** When the action must wait for a second administrator, stores the request (event, emails) and returns it; else null. */
export async function requestApprovalIfNeeded(deps: FlowDeps, actor: Actor, ask: ApprovalAsk): Promise<ApprovalPending | null> {
  if (actor.kind !== 'session') return null;
  const newRole = ask.params?.['role'] as Role | undefined;
  const policy = deps.config.adminApproval;
  if (!needsApproval(policy, ask.action, ask.target, { ...(newRole ? { newRole } : {}), ...(ask.recovery ? { recovery: true } : {}) })) return null;
  const approval = await storeRequest(deps, actor.auth, ask);
  return new ApprovalPending(viewOf(approval, { target: ask.target, requester: actor.auth.account, decider: null, mayDecide: false, mayCancel: true }));
}

/**
 * adminAction, except that an action two-person approval holds becomes a request: admitted first (the matrix,
 * step-up, a verified caller where the action needs one — all asked of the requester now), then stored.
 */
export async function adminActionOrRequest<T>(
  deps: FlowDeps,
  actor: Actor,
  o: {
    action: ApprovableAction;
    targetId: string;
    why: AdminReason;
    ctx: RequestContext;
    params?: Record<string, string>;
    /** What the action would refuse on the account as it is now, refused before a request is stored for it. */
    precheck?: (target: Account) => void;
  },
  perform: (tx: Repositories, target: Account | null, now: number) => Promise<ActionOutcome<T>>,
): Promise<T | ApprovalPending> {
  if (approvalMayApply(deps, actor, o.action)) {
    checkedReason(o.why);
    const target = await admitAdminAction(deps, actor, o.action, o.targetId);
    if (target) {
      o.precheck?.(target);
      const pending = await requestApprovalIfNeeded(deps, actor, {
        action: o.action,
        target,
        why: o.why,
        ctx: o.ctx,
        ...(o.params ? { params: o.params } : {}),
      });
      if (pending) return pending;
    }
  }
  return adminAction(deps, actor, o, perform);
}

/** The request, its event, the person's notice and the approvers' emails, in one transaction. */
async function storeRequest(deps: FlowDeps, auth: Authenticated, ask: ApprovalAsk): Promise<AdminApproval> {
  const why = checkedReason(ask.why);
  const policy = deps.config.adminApproval;
  if (!policy) throw new TypeError('two-person approval without its settings');
  const now = deps.clock.now();
  const params = ask.params ?? {};
  const requester = auth.account;
  return deps.store.transaction(async (tx) => {
    const waiting = await tx.adminApprovals.listApprovals({ states: ['pending'], accountId: ask.target.id, limit: 100 });
    // One waiting request per action and parameters: asking again adds nothing but another email to every approver.
    if (waiting.some((w) => w.action === ask.action && w.expiresAt > now && JSON.stringify(w.params) === JSON.stringify(params))) {
      throw new PassdeskError('APPROVAL_ALREADY_PENDING');
    }
    const approval = await tx.adminApprovals.createApproval({
      id: deps.random.uuid(),
      action: ask.action,
      accountId: ask.target.id,
      requestedBy: requester.id,
      params,
      reason: why.reason,
      ticket: why.ticket,
      now,
      expiresAt: now + policy.windowMs,
    });
    const approvers = (
      await tx.accounts.searchAccounts({ text: null, roles: APPROVER_ROLES, excludeId: requester.id, afterEmail: null, limit: MAX_APPROVERS_EMAILED + 1 })
    ).filter((a) => a.id !== ask.target.id && mayApprove(a));
    await tx.events.recordEvent({
      accountId: ask.target.id,
      actorId: requester.id,
      type: 'admin.approval.request',
      now,
      ip: ask.ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: {
        approvalId: approval.id,
        action: ask.action,
        reason: why.reason,
        ...(why.ticket ? { ticket: why.ticket } : {}),
        ...params,
        ...(ask.recovery ? { recovery: true } : {}),
        expiresAt: approval.expiresAt,
        approversNotified: Math.min(approvers.length, MAX_APPROVERS_EMAILED),
      },
    });
    const origin = { at: now, device: auth.session.device, ip: ask.ctx.ip };
    const about = { action: ask.action, reason: why.reason, ticket: why.ticket, expiresAt: approval.expiresAt };
    await queueNotice(tx, deps, { account: ask.target, notice: { code: 'approval-pending', ...about }, origin });
    for (const approver of approvers.slice(0, MAX_APPROVERS_EMAILED)) {
      await queueNotice(tx, deps, {
        account: approver,
        notice: {
          code: 'approval-requested',
          ...about,
          accountId: ask.target.id,
          target: ask.target.email,
          requester: requester.displayName ? `${requester.displayName} (${requester.email})` : requester.email,
        },
        origin,
      });
    }
    return approval;
  });
}

/** "This wasn't me" (flows/not-me.ts): every request waiting about the account is cancelled, in the report's transaction. */
export async function cancelApprovalsOnReport(tx: Pick<Repositories, 'adminApprovals' | 'events'>, accountId: string, now: number): Promise<number> {
  const cancelled = await tx.adminApprovals.cancelApprovalsFor(accountId, now);
  for (const a of cancelled) {
    await tx.events.recordEvent({
      accountId,
      type: 'admin.approval.cancel',
      now,
      detail: { approvalId: a.id, action: a.action, requestedBy: a.requestedBy, by: 'not-me' },
    });
  }
  return cancelled.length;
}
