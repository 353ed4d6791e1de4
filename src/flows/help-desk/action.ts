// Every administrative action goes through `adminAction`, so none can skip a rule: the permission matrix
// (core/admin-permissions.ts), a recent authentication with the actor's strongest method (step-up), a reason, a
// verified caller where the action needs one, one transaction for the change, its audit event naming who, whom,
// what and why, and the notice to the person. Reading actions (search, view) pass the matrix and step-up too, and
// are not audited per request.
//
// State: none of its own; per call:
//   request ──not allowed (role / self / target's role)──▶ 403 FORBIDDEN (nothing read)
//           ──stale session──▶ 403 REAUTHENTICATION_REQUIRED
//           ──no reason / caller not verified──▶ 400 / 403, nothing written
//           ──allowed──▶ in one transaction: the matrix again on the actor and target as they are now (rows
//                        locked; a role changed meanwhile → 403), the change + event (actor, reason, ticket) + notice
// An approved request (actor kind 'approval', flows/help-desk/approvals.ts) runs the requester's action: its
// transaction first claims the request (pending → approved, a guarded update, so of two racing approvers one runs
// it and the other gets 409 APPROVAL_NOT_PENDING), then re-checks the requester's and the approver's rights on the
// accounts as they are now, and records admin.approval.approve beside the action's own event.
import { sentence } from '../../core/i18n/sentence.js';
import { ADMIN_ACTIONS, type AdminAction, approvalRefusal, isActiveAdministrator, needsApproval, refusalFor, type Role } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { queueNotice } from '../../mail/notices.js';
import type { Notice } from '../../mail/templates.js';
import type { Account, AdminApproval, Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, RequestContext } from '../deps.js';
import { assertRecentAuthentication } from '../step-up.js';

/** Why the actor acts: free text the person and the auditor read, and an optional ticket reference. */
export interface AdminReason {
  reason: string;
  ticket?: string | null | undefined;
}

export const REASON_MIN_LENGTH = 3;
export const REASON_MAX_LENGTH = 500;
export const TICKET_MAX_LENGTH = 64;

/** The reason as it is stored: trimmed, within bounds (the HTTP schema says the same; the CLI comes here directly). */
export function checkedReason(r: AdminReason): { reason: string; ticket: string | null } {
  const reason = r.reason.trim();
  const ticket = r.ticket?.trim() || null;
  if (reason.length < REASON_MIN_LENGTH || reason.length > REASON_MAX_LENGTH || (ticket !== null && ticket.length > TICKET_MAX_LENGTH)) {
    throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.adminReason'));
  }
  return { reason, ticket };
}

/** Who decides a request for approval: a signed-in administrator, or the operator at the command line. */
export type Approver = { kind: 'session'; auth: Authenticated } | { kind: 'cli'; label: string };

/**
 * Who acts: a signed-in agent (console, API), the operator at the command line (no session, no step-up), or a
 * request another administrator approved (the requester's action, run at the approval; their caller check and
 * step-up were asked when they asked, the approver's step-up when they approve).
 */
export type Actor =
  | { kind: 'session'; auth: Authenticated }
  | { kind: 'cli'; label: string }
  | { kind: 'approval'; requester: Account; approver: Approver; approval: AdminApproval; decision: { reason: string; ticket: string | null } };

/** The account that answers for an action: the agent, or the one who asked for an approved request; null: the CLI. */
export function accountableId(actor: Actor): string | null {
  return actor.kind === 'session' ? actor.auth.account.id : actor.kind === 'approval' ? actor.requester.id : null;
}

/** What the permission rules read of a stored request (its action is one of the matrix's: only approvals.ts writes them). */
export function approvalOf(a: AdminApproval): { requestedBy: string; action: AdminAction } {
  return { requestedBy: a.requestedBy, action: a.action as AdminAction };
}

/** The approver's account id, or null for the operator at the command line. */
export function approverId(approver: Approver): string | null {
  return approver.kind === 'session' ? approver.auth.account.id : null;
}

/** What an action's body returns: its result, what the audit event adds, and the notice the person gets. */
export interface ActionOutcome<T> {
  result: T;
  detail?: Record<string, unknown>;
  notice?: Notice;
  /** The action deleted the target: the event names no account (the action puts a reference in `detail`). */
  accountDeleted?: boolean;
}

/**
 * An organisation must keep one active administrator: demoting, disabling or deleting the last one (from the command
 * line, where the acting operator is no account) is refused. Inside the action's transaction, after its row locks.
 */
export async function assertAnotherAdministratorRemains(tx: Repositories, target: Account): Promise<void> {
  if (!isActiveAdministrator(target)) return;
  if ((await tx.accounts.countOtherActiveAdministrators(target.id)) === 0) throw new PassdeskError('LAST_ADMINISTRATOR');
}

/** The checks every administrative action shares; returns the target account (null for untargeted actions). */
export async function admitAdminAction(deps: FlowDeps, actor: Actor, action: AdminAction, targetId: string | null): Promise<Account | null> {
  const rule = ADMIN_ACTIONS[action];
  const target = rule.targeted && targetId !== null ? await deps.store.accounts.findAccountById(targetId) : null;
  if (actor.kind === 'session') {
    const me = actor.auth.account;
    // The role is checked before anything about the target is said: a person without the role learns nothing.
    if (refusalFor(me, action) === 'role') throw new PassdeskError('FORBIDDEN');
    await assertRecentAuthentication(deps, actor.auth);
    if (rule.targeted && !target) throw new PassdeskError('NOT_FOUND');
    if (target && refusalFor(me, action, target) !== null) throw new PassdeskError('FORBIDDEN');
    // Checked last, after everything that says nothing about the caller (flows/help-desk/caller.ts records it).
    if (rule.verifiedCaller && target && (await deps.store.callerVerifications.verifiedCallerUntil(me.id, target.id, deps.clock.now())) === null) {
      throw new PassdeskError('CALLER_NOT_VERIFIED');
    }
    // The operator at the command line has no caller on the line to verify: like step-up, the check is the console's.
  } else if (rule.targeted && !target) {
    throw new PassdeskError('NOT_FOUND');
  } else if (actor.kind === 'approval') {
    // The requester must still be allowed the action on the account as it is now (else the request stays pending).
    const r = actor.requester;
    if (r.status !== 'active' || refusalFor(r, action, target) !== null) throw new PassdeskError('FORBIDDEN', sentence('error.FORBIDDEN.requesterNoLonger'));
  }
  return target;
}

/**
 * The matrix again, inside the action's transaction, on the actor and the target as they are now (their rows
 * locked until it ends): a role or status change that committed after admitAdminAction read them (an administrator
 * promoting the person, two administrators demoting or disabling each other) cannot carry the action through on
 * what was read before. Returns the target as it is now.
 */
async function readmitInTransaction(tx: Repositories, actor: Actor, action: AdminAction, target: Account | null): Promise<Account | null> {
  const actorId = accountableId(actor);
  const deciderId = actor.kind === 'approval' ? approverId(actor.approver) : null;
  const ids = [actorId, deciderId, target?.id].filter((id): id is string => typeof id === 'string');
  if (ids.length === 0) return target;
  const current = await tx.accounts.lockAccounts(ids);
  const fresh = target ? (current.find((a) => a.id === target.id) ?? null) : null;
  if (target && !fresh) throw new PassdeskError('NOT_FOUND');
  if (actorId !== null) {
    const me = current.find((a) => a.id === actorId);
    if (me?.status !== 'active' || refusalFor(me, action, fresh) !== null) throw new PassdeskError('FORBIDDEN');
  }
  if (actor.kind === 'approval' && deciderId !== null && fresh) {
    const approver = current.find((a) => a.id === deciderId);
    if (approver?.status !== 'active' || approvalRefusal(approver, 'approval.approve', approvalOf(actor.approval), fresh) !== null)
      throw new PassdeskError('FORBIDDEN');
  }
  return fresh;
}

/**
 * Writes the audit event of a read a reviewer must be able to trace (core/admin-permissions.ts `audited`: the audit
 * log, exports of account data): who read, whose data when one account's (`accountId`), and what `detail` says (the
 * filter, how many rows; never the data itself). The caller admitted the read first.
 */
export async function recordAdminRead(
  deps: FlowDeps,
  actor: Actor,
  o: { action: AdminAction; accountId: string | null; ctx: RequestContext; detail: Record<string, unknown> },
): Promise<void> {
  if (!ADMIN_ACTIONS[o.action].audited) throw new TypeError(`recordAdminRead: ${o.action} is not an audited action`);
  await deps.store.events.recordEvent({
    accountId: o.accountId,
    actorId: actor.kind === 'session' ? actor.auth.account.id : null,
    type: `admin.${o.action}`,
    now: deps.clock.now(),
    ip: o.ctx.ip,
    ...(actor.kind === 'session' ? { device: actor.auth.session.device, sessionId: actor.auth.session.id } : {}),
    detail: { ...(actor.kind === 'cli' ? { via: actor.label } : {}), ...o.detail },
  });
}

/**
 * An approved request, in the action's transaction before anything else: pending → approved (guarded: a request
 * decided, cancelled or expired meanwhile → 409 and nothing happens), and the approval's own event.
 */
async function claimApproval(tx: Repositories, actor: Extract<Actor, { kind: 'approval' }>, o: { now: number; ctx: RequestContext }): Promise<void> {
  const by = approverId(actor.approver);
  const claimed = await tx.adminApprovals.decideApproval(actor.approval.id, {
    to: 'approved',
    by,
    now: o.now,
    reason: actor.decision.reason,
    ticket: actor.decision.ticket,
  });
  if (!claimed) throw new PassdeskError('APPROVAL_NOT_PENDING');
  await tx.events.recordEvent({
    accountId: actor.approval.accountId,
    actorId: by,
    type: 'admin.approval.approve',
    now: o.now,
    ip: o.ctx.ip,
    ...(actor.approver.kind === 'session' ? { device: actor.approver.auth.session.device, sessionId: actor.approver.auth.session.id } : {}),
    detail: {
      approvalId: actor.approval.id,
      action: actor.approval.action,
      requestedBy: actor.approval.requestedBy,
      reason: actor.decision.reason,
      ...(actor.decision.ticket ? { ticket: actor.decision.ticket } : {}),
      ...(actor.approver.kind === 'cli' ? { via: actor.approver.label } : {}),
    },
  });
}

/** What the action's own event says of who acted: the agent's session, or the approver's, and how it was approved. */
function actorDetail(deps: FlowDeps, actor: Actor, o: { action: AdminAction; target: Account | null; params?: Record<string, string> | undefined }) {
  if (actor.kind === 'session') return { device: actor.auth.session.device, sessionId: actor.auth.session.id, detail: {} };
  if (actor.kind === 'approval') {
    const a = actor.approver;
    return {
      ...(a.kind === 'session' ? { device: a.auth.session.device, sessionId: a.auth.session.id } : {}),
      detail: { approvalId: actor.approval.id, approvedBy: a.kind === 'session' ? a.auth.account.id : a.label },
    };
  }
  // The command line is the break-glass path: it is not held to two-person approval, and the event says when it would have been.
  const newRole = o.params?.['role'] as Role | undefined;
  const bypassed = o.target !== null && needsApproval(deps.config.adminApproval, o.action, o.target, newRole ? { newRole } : {});
  return { detail: { via: actor.label, ...(bypassed ? { approval: 'bypassed' } : {}) } };
}

/**
 * Runs a changing action: admitted, reasoned, and performed with its audit event and notice in one transaction.
 * `perform` gets the transaction and the target; what it returns is recorded and sent.
 */
export async function adminAction<T>(
  deps: FlowDeps,
  actor: Actor,
  o: { action: AdminAction; targetId: string | null; why: AdminReason; ctx: RequestContext; params?: Record<string, string> | undefined },
  perform: (tx: Repositories, target: Account | null, now: number) => Promise<ActionOutcome<T>>,
): Promise<T> {
  const why = checkedReason(o.why);
  const target = await admitAdminAction(deps, actor, o.action, o.targetId);
  const now = deps.clock.now();
  const who = actorDetail(deps, actor, { action: o.action, target, params: o.params });
  return deps.store.transaction(async (tx) => {
    if (actor.kind === 'approval') await claimApproval(tx, actor, { now, ctx: o.ctx });
    const outcome = await perform(tx, await readmitInTransaction(tx, actor, o.action, target), now);
    const { detail: whoDetail, ...session } = who;
    await tx.events.recordEvent({
      accountId: outcome.accountDeleted ? null : (target?.id ?? null),
      actorId: accountableId(actor),
      type: `admin.${o.action}`,
      now,
      ip: o.ctx.ip,
      ...session,
      detail: { reason: why.reason, ...(why.ticket ? { ticket: why.ticket } : {}), ...whoDetail, ...outcome.detail },
    });
    if (target && outcome.notice && !outcome.accountDeleted) {
      await queueNotice(tx, deps, { account: target, notice: outcome.notice, origin: { at: now, device: null, ip: o.ctx.ip } });
    }
    if (actor.kind === 'approval') {
      await queueNotice(tx, deps, {
        account: actor.requester,
        notice: approvalDecidedNotice(actor.approval, { decision: 'approved', target, reason: actor.decision.reason, ticket: actor.decision.ticket }),
        origin: { at: now, device: null, ip: o.ctx.ip },
      });
    }
    return outcome.result;
  });
}

/** The email that tells the requester what became of their request. */
export function approvalDecidedNotice(
  approval: AdminApproval,
  o: { decision: 'approved' | 'rejected' | 'expired'; target: { email: string } | null; reason: string | null; ticket: string | null },
): Notice {
  return {
    code: 'approval-decided',
    decision: o.decision,
    action: approval.action as AdminAction,
    target: o.target?.email ?? '',
    reason: o.reason ?? '',
    ticket: o.ticket,
  };
}
