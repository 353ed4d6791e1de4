// Who may do what on the help desk console, in one place (issue 15): every administrative route and CLI command
// names an action here, and test/unit/admin-permissions.test.ts walks the whole matrix. Two rules on top of the
// table: nobody acts on their own account through the console (their own security pages ask for their own
// proofs), and an actor acts only on accounts of a lower role — a help desk agent only on people with the user
// role — except that administrators may act on one another (the privileged case two-person approval covers).

export type Role = 'user' | 'helpdesk' | 'admin';

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
}

const HELP_DESK: readonly Role[] = ['helpdesk', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

export const ADMIN_ACTIONS = {
  'accounts.search': { roles: HELP_DESK, targeted: false, verifiedCaller: false, changes: false, audited: false },
  'account.view': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: false, audited: false },
  'caller.verify': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: false, audited: true },
  'reset.send': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'password.require_change': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'password.temporary': { roles: HELP_DESK, targeted: true, verifiedCaller: true, changes: true, audited: true },
  'account.unlock': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'account.disable': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'account.enable': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'sessions.revoke': { roles: HELP_DESK, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'factor.remove': { roles: HELP_DESK, targeted: true, verifiedCaller: true, changes: true, audited: true },
  'role.set': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'account.delete': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: true, audited: true },
  'audit.read': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: false, audited: true },
  'accounts.import': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: true, audited: true },
  'account.export': { roles: ADMIN, targeted: true, verifiedCaller: false, changes: false, audited: true },
  'accounts.export': { roles: ADMIN, targeted: false, verifiedCaller: false, changes: false, audited: true },
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
