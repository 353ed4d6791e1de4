// Who may do what on the help desk console, in one place (issue 15): every administrative route and CLI command
// names an action here, and test/unit/admin-permissions.test.ts walks the whole matrix. Two rules on top of the
// table: nobody acts on their own account through the console (their own security pages ask for their own
// proofs), and an actor acts only on accounts of a lower role — a help desk agent only on people with the user
// role — except that administrators may act on one another (the privileged case two-person approval covers:
// needsApproval and approvalRefusal below).

export type Role = 'user' | 'helpdesk' | 'admin';

export const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];

/** A stored or typed value that names a role (a request's `role` parameter). */
export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

export interface ActionRule {
  /** Roles that may take the action at all. */
  roles: readonly Role[];
  /** Whether the action is on one account (and so the target rules apply). */
  targeted: boolean;
  /** Needs a caller verified within CALLER_VERIFICATION_TTL_MS (the person read back a code sent to them). */
  verifiedCaller: boolean;
  /** Changes the account (so it needs a reason and is told to the person); false for reading. */
  changes: boolean;
  /**
   * Every use is written to the audit log: each change, and the reads a reviewer must be able to trace (the audit
   * log itself, with its filter and how many rows; exports of account data). Searching and opening an account are not.
   */
  audited: boolean;
  /**
   * With two-person approval on (PASSDESK_ADMIN_APPROVAL), on a privileged account this action waits for a second
   * administrator instead of taking effect (see needsApproval).
   */
  approval: boolean;
}

const HELP_DESK: readonly Role[] = ['helpdesk', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

export const ADMIN_ACTIONS = {
  'accounts.search': { roles: HELP_DESK, targeted: false, verifiedCaller: false, changes: false, approval: false, audited: false },
  'account.view': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: false, approval: false, audited: false },
  'caller.verify': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: false, approval: false, audited: true },
  'reset.send': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'password.require_change': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'password.temporary': { roles: HELP_DESK, targeted: true, verifiedCaller: true, changes: true, approval: true, audited: true },
  'account.unlock': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'account.disable': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'account.enable': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  // Signing a privileged person out everywhere grants nothing and is what stops an intruder at once: never waits.
  'sessions.revoke': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: false, audited: true },
  'factor.remove': { roles: HELP_DESK, targeted: true, verifiedCaller: true, changes: true, approval: true, audited: true },
  'role.set': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'account.delete': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, approval: true, audited: true },
  'audit.read': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: false, approval: false, audited: true },
  'accounts.import': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: true, approval: false, audited: true },
  // Two-person approval: requests waiting for a second administrator (flows/help-desk/approvals.ts). The list shows an
  // agent their own requests and an administrator every one; the target of approve, reject and cancel is the
  // request's account, so the matrix's self and rank rules hold for them too (nobody decides about themselves).
  'approvals.list': { roles: HELP_DESK, targeted: false, verifiedCaller: false, changes: false, approval: false, audited: false },
  'approval.approve': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, approval: false, audited: true },
  'approval.reject': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, approval: false, audited: true },
  'approval.cancel': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, approval: false, audited: true },
  'account.export': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: false, approval: false, audited: true },
  'accounts.export': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: false, approval: false, audited: true },
} as const satisfies Record<string, ActionRule>;

export type AdminAction = keyof typeof ADMIN_ACTIONS;

export const ADMIN_ACTION_NAMES = Object.keys(ADMIN_ACTIONS) as AdminAction[];

/** How long a caller verified by code counts for the sensitive actions (temporary password, factor removal). */
export const CALLER_VERIFICATION_TTL_MS = 15 * 60_000;

const RANK: Record<Role, number> = { user: 0, helpdesk: 1, admin: 2 };

export type Refusal = 'role' | 'self' | 'target-role';

/**
 * Whether `actor` may take `action` (on `target`, for targeted actions). Null when allowed, else why not: the
 * actor's role never may ('role'), the target is the actor ('self'), or the target's role is out of reach.
 */
export function refusalFor(actor: { id: string; role: Role }, action: AdminAction, target?: { id: string; role: Role } | null): Refusal | null {
  const rule: ActionRule = ADMIN_ACTIONS[action];
  if (!rule.roles.includes(actor.role)) return 'role';
  if (!rule.targeted || !target) return null;
  if (target.id === actor.id) return 'self';
  const reachable = RANK[target.role] < RANK[actor.role] || (actor.role === 'admin' && target.role === 'admin');
  return reachable ? null : 'target-role';
}

/** A role an actor may give: administrators give any role; nobody else gives roles. */
export function mayGrantRole(actor: { role: Role }, role: Role): boolean {
  return actor.role === 'admin' && RANK[role] >= 0;
}

/** An account that counts toward "the organisation keeps one active administrator" (flows/help-desk/action.ts). */
export function isActiveAdministrator(account: { role: Role; status: string }): boolean {
  return account.role === 'admin' && account.status === 'active';
}

/** Two-person approval as configured (PASSDESK_ADMIN_APPROVAL, _ROLES, _WINDOW). */
export interface ApprovalPolicy {
  enabled: boolean;
  /** Target roles that count as privileged: actions on them (or giving them) wait for a second administrator. */
  privilegedRoles: readonly Role[];
}

/** The actions that can wait for approval (ADMIN_ACTIONS[…].approval). */
export type ApprovableAction = {
  [K in AdminAction]: (typeof ADMIN_ACTIONS)[K]['approval'] extends true ? K : never;
}[AdminAction];

export const APPROVABLE_ACTIONS = ADMIN_ACTION_NAMES.filter((a): a is ApprovableAction => ADMIN_ACTIONS[a].approval);

export function isApprovable(action: AdminAction): action is ApprovableAction {
  return ADMIN_ACTIONS[action].approval;
}

/**
 * Whether `action` on `target` must wait for a second administrator: approval is on, the action is one that waits,
 * and the target is privileged — or the action gives a privileged role (`newRole`), so that nobody makes an
 * administrator alone either. `recovery`: the action would remove a person's last second factor on a caller proof
 * weaker than the factor itself (flows/help-desk/factors.ts), which only two people together may do, whatever the role.
 */
export function needsApproval(
  policy: ApprovalPolicy | undefined,
  action: AdminAction,
  target: { role: Role },
  o: { newRole?: Role; recovery?: boolean } = {},
): boolean {
  if (!policy?.enabled || !ADMIN_ACTIONS[action].approval) return false;
  if (o.recovery) return true;
  return policy.privilegedRoles.includes(target.role) || (o.newRole !== undefined && policy.privilegedRoles.includes(o.newRole));
}

export type ApprovalRefusal = Refusal | 'requester';

/**
 * Whether `decider` may approve or reject a waiting request: the matrix on the request's account (never their own),
 * never the administrator who asked (two people, not one twice), and only what the decider could do themselves.
 */
export function approvalRefusal(
  decider: { id: string; role: Role },
  decision: 'approval.approve' | 'approval.reject',
  request: { requestedBy: string; action: AdminAction },
  target: { id: string; role: Role },
): ApprovalRefusal | null {
  const refusal = refusalFor(decider, decision, target);
  if (refusal !== null) return refusal;
  if (request.requestedBy === decider.id) return 'requester';
  return refusalFor(decider, request.action, target);
}

/** Who is asked to approve (emailed when a request waits): the roles that may approve, active. */
export function mayApprove(account: { role: Role; status: string }): boolean {
  return (ADMIN_ACTIONS['approval.approve'].roles as readonly Role[]).includes(account.role) && account.status === 'active';
}

/** The roles whose holders may approve (for looking them up). */
export const APPROVER_ROLES: readonly Role[] = ADMIN_ACTIONS['approval.approve'].roles;
