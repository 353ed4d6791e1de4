// The help desk's accounts: search, look at one, and the everyday actions on it (issue 15). Every action goes
// through adminAction (./action.ts), so none skips the permission matrix, step-up, the reason, the audit event
// or the notice to the person. Reading (search, view) is admitted by the same matrix and step-up.
//
// What an agent sees: search returns only accounts the searcher may act on — a help desk agent finds people
// with the user role, an administrator everyone but themselves — so the list never shows more than opening an
// account would (refusalFor on 'account.view' decides both).
//
// Directory accounts (account.directoryId set): disable, enable and unlock act on Passdesk's side only (its
// sessions, its status, its own sign-in lock); the directory entry is not written, and the view says so.
//
// State: none of its own; each action is one transaction through adminAction:
//   reset.send               a normal reset flow + its email, as if the person had asked (no other notice)
//   password.require_change  must_change_password = 1, reason 'admin'
//   account.unlock           Passdesk's per-account sign-in count forgotten
//   account.disable          status 'disabled', every session ended ('admin'), live reset links voided
//   account.enable           status 'active'
//   sessions.revoke          every session ended ('admin')
//   role.set                 the role changed (administrators only), every session ended (a privilege change)
// With two-person approval on, each of them but sessions.revoke waits as a request when the account is privileged
// (./approval-request.ts): the answer is then an ApprovalPending, and the action runs when a second administrator
// approves it (./approvals.ts).
import { sentence } from '../../core/i18n/sentence.js';
import { mayGrantRole, refusalFor, type AdminAction, type Role } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { signInLimits } from '../../methods/account-limit.js';
import type { Notice } from '../../mail/templates.js';
import type { Account, AuditEvent, Repositories, SignInLimitState } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { prepareResetEmail, queueResetEmail } from '../reset-password.js';
import { isSessionLive } from '../sessions.js';
import { adminAction, admitAdminAction, assertAnotherAdministratorRemains, checkedReason, type Actor, type AdminReason } from './action.js';
import { adminActionOrRequest, requestApprovalIfNeeded, type ApprovalPending } from './approval-request.js';

const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];
const DAY_MS = 86_400_000;

export const STATUS_FILTERS = ['locked', 'disabled', 'must-change', 'no-second-factor', 'expiring'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const SEARCH_LIMIT_DEFAULT = 25;
export const SEARCH_LIMIT_MAX = 100;
/** Accounts locked within the cool-off that the "locked" filter looks at (newest lockouts first). */
const LOCKED_SCAN_LIMIT = 1000;
/** Recent events shown in the account view. */
const VIEW_ACTIVITY_LIMIT = 20;

export interface AccountSearchInput {
  query?: string | null | undefined;
  status?: readonly StatusFilter[] | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

/** One account as a search lists it. */
export interface AccountSummary {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: 'active' | 'disabled';
  mustChangePassword: boolean;
  passwordChangedAt: number | null;
  /** The directory entry's stable id when the account lives in a directory; null: Passdesk's own. */
  directoryId: string | null;
}

function summary(a: Account): AccountSummary {
  return {
    id: a.id,
    email: a.email,
    displayName: a.displayName,
    role: a.role,
    status: a.status,
    mustChangePassword: a.mustChangePassword,
    passwordChangedAt: a.passwordChangedAt,
    directoryId: a.directoryId,
  };
}

/** Roles an actor may open (and so find): all of them for the operator at the command line. */
function reachableRoles(actor: Actor): Role[] {
  if (actor.kind !== 'session') return [...ROLES];
  const me = actor.auth.account;
  // A stand-in target of each role (never the actor's own id), asked of the matrix.
  return ROLES.filter((role) => refusalFor(me, 'account.view', { id: `\u0000${role}`, role }) === null);
}

const cursorOf = (email: string): string => Buffer.from(email, 'utf8').toString('base64url');
const emailOfCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

/** Accounts by part of their email or name, or their id, narrowed by status filters; in email order, paged. */
export async function searchAccounts(
  deps: FlowDeps,
  actor: Actor,
  input: AccountSearchInput,
): Promise<{ accounts: AccountSummary[]; nextCursor: string | null }> {
  await admitAdminAction(deps, actor, 'accounts.search', null);
  const now = deps.clock.now();
  const limit = Math.min(Math.max(1, input.limit ?? SEARCH_LIMIT_DEFAULT), SEARCH_LIMIT_MAX);
  const status = new Set(input.status ?? []);
  const policy = deps.config.passwordPolicy;
  let passwordChangedBefore: number | null = null;
  if (status.has('expiring')) {
    // Without an expiry rule nothing expires: the filter finds nobody.
    if (policy.maxAgeMs <= 0) return { accounts: [], nextCursor: null };
    passwordChangedBefore = now - policy.maxAgeMs + policy.expiryReminderDays * DAY_MS;
  }
  const text = input.query?.trim().toLowerCase() || null;
  const found = await deps.store.accounts.searchAccounts({
    text,
    roles: reachableRoles(actor),
    excludeId: actor.kind === 'session' ? actor.auth.account.id : null,
    disabled: status.has('disabled'),
    mustChange: status.has('must-change'),
    noSecondFactor: status.has('no-second-factor'),
    passwordChangedBefore,
    ids: status.has('locked') ? await lockedAccountIds(deps, now) : null,
    afterEmail: input.cursor ? emailOfCursor(input.cursor) : null,
    limit: limit + 1,
  });
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return { accounts: page.map(summary), nextCursor: found.length > limit && last ? cursorOf(last.emailNormalized) : null };
}

/** Passdesk's own sign-in lock of an account: the run of wrong passwords counted against its address. */
export interface LockState {
  /** Wrong passwords in a row, counted against the account's address. */
  failures: number;
  /** At the limit: signing in with the password is refused (except from a trusted browser) until `until`. */
  locked: boolean;
  until: number | null;
  /** A growing wait between tries is running until then (not yet a lock). */
  waitUntil: number | null;
  /** Why: 'sign-in-failures' (Passdesk's own count) or 'disabled' (the account's status); null: not locked. */
  reason: 'sign-in-failures' | 'disabled' | null;
}

function lockState(deps: FlowDeps, account: Account, row: SignInLimitState | null, now: number): LockState {
  const limit = signInLimits(deps)?.accountRule.limit ?? Number.POSITIVE_INFINITY;
  const live = row !== null && row.expiresAt > now ? row : null;
  const locked = live !== null && live.failures >= limit;
  return {
    failures: live?.failures ?? 0,
    locked,
    until: locked ? live.expiresAt : null,
    waitUntil: live !== null && !locked && live.nextAttemptAt > now ? live.nextAttemptAt : null,
    reason: account.status === 'disabled' ? 'disabled' : locked ? 'sign-in-failures' : null,
  };
}

async function readLock(deps: FlowDeps, store: Pick<Repositories, 'signInLimits'>, account: Account): Promise<SignInLimitState | null> {
  const limits = signInLimits(deps);
  return limits ? store.signInLimits.readSignInLimit(limits.accountSubject(account.emailNormalized)) : null;
}

/** Accounts at their sign-in limit now: those that were told of a lockout within the cool-off, checked against their count. */
async function lockedAccountIds(deps: FlowDeps, now: number): Promise<string[]> {
  const limits = signInLimits(deps);
  if (!limits) return [];
  const candidates = await deps.store.events.listAccountsWithEventSince('signin.locked', {
    since: now - limits.accountRule.coolOffMs,
    limit: LOCKED_SCAN_LIMIT,
  });
  const locked: string[] = [];
  for (const id of candidates) {
    const account = await deps.store.accounts.findAccountById(id);
    if (account && lockState(deps, account, await readLock(deps, deps.store, account), now).locked) locked.push(id);
  }
  return locked;
}

/** Everything the help desk may know of an account: never a secret (no hash, seed, key or code). */
export interface AccountDetail {
  account: AccountSummary & { createdAt: number; mustChangeReason: string | null };
  password: { changedAt: number | null; expiresAt: number | null; expired: boolean; storedIn: 'passdesk' | 'directory' };
  secondFactors: Array<{ id: string; type: 'totp' | 'passkey'; name: string; createdAt: number; lastUsedAt: number | null }>;
  recoveryCodesLeft: number;
  devices: Array<{ id: string; device: string; ip: string | null; createdAt: number; lastSeenAt: number; expiresAt: number }>;
  activity: AuditEvent[];
  lock: LockState;
  /** Set for a directory account: what the help desk changes here (status, sessions, the sign-in lock) is Passdesk's side only. */
  directory: { directoryId: string; passdeskSideOnly: true } | null;
}

/** One account as the help desk sees it. */
export async function viewAccount(deps: FlowDeps, actor: Actor, accountId: string): Promise<AccountDetail> {
  const account = mustHaveTarget(await admitAdminAction(deps, actor, 'account.view', accountId));
  const now = deps.clock.now();
  const store = deps.store;
  const maxAgeMs = deps.config.passwordPolicy.maxAgeMs;
  const expiresAt = maxAgeMs > 0 && account.passwordChangedAt !== null ? account.passwordChangedAt + maxAgeMs : null;
  const apps = (await store.twoFactor.listFactors(account.id)).filter((f) => f.confirmedAt !== null);
  const passkeys = await store.passkeys.listPasskeys(account.id);
  const sessions = (await store.sessions.listSessions(account.id, { now })).filter((s) => isSessionLive(s, now, deps.config.sessionIdleTimeoutMs));
  return {
    account: { ...summary(account), createdAt: account.createdAt, mustChangeReason: account.mustChangeReason },
    password: {
      changedAt: account.passwordChangedAt,
      expiresAt,
      expired: expiresAt !== null && expiresAt <= now,
      storedIn: account.directoryId ? 'directory' : 'passdesk',
    },
    secondFactors: [
      ...apps.map((f) => ({ id: f.id, type: 'totp' as const, name: f.name, createdAt: f.createdAt, lastUsedAt: null })),
      ...passkeys.map((p) => ({ id: p.id, type: 'passkey' as const, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt })),
    ],
    recoveryCodesLeft: await store.twoFactor.countUnusedRecoveryCodes(account.id),
    devices: sessions.map((s) => ({ id: s.id, device: s.device, ip: s.ip, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt })),
    activity: await store.events.listEvents(account.id, { limit: VIEW_ACTIVITY_LIMIT }),
    lock: lockState(deps, account, await readLock(deps, store, account), now),
    directory: account.directoryId ? { directoryId: account.directoryId, passdeskSideOnly: true } : null,
  };
}

function mustHaveTarget(target: Account | null): Account {
  // adminAction/admitAdminAction return the target of every targeted action, or throw NOT_FOUND.
  if (!target) throw new TypeError('a targeted action without its target');
  return target;
}

/** What the person is told a help desk change was (the notice's `change`). */
type ChangeKind = Extract<Notice, { code: 'account-changed-by-admin' }>['change'];

function changedNotice(change: ChangeKind, why: AdminReason, role?: Role): Notice {
  const { reason, ticket } = checkedReason(why);
  return { code: 'account-changed-by-admin', change, reason, ticket, ...(role ? { role } : {}) };
}

/** What an action answers: the account as it is now, and what the action counted. */
export interface ActionResult {
  account: AccountSummary;
  sessionsEnded?: number;
  wasLocked?: boolean;
}

async function after(tx: Repositories, target: Account, extra: Omit<ActionResult, 'account'> = {}): Promise<ActionResult> {
  const now = await tx.accounts.findAccountById(target.id);
  return { account: summary(now ?? target), ...extra };
}

interface ActionInput {
  accountId: string;
  why: AdminReason;
  ctx: RequestContext;
}

/** What an action that may wait for approval answers: its result, or the request stored in its place. */
export type ActionAnswer = ActionResult | ApprovalPending;

/** The normal reset email, as if the person had asked for it (its own email is the notice). */
export async function sendResetEmail(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionAnswer> {
  checkedReason(o.why);
  const target = mustHaveTarget(await admitAdminAction(deps, actor, 'reset.send', o.accountId));
  // A disabled account gets no reset (as a request of its own would not); say so rather than pretend (or ask for approval).
  if (target.status !== 'active') throw new PassdeskError('ACCOUNT_DISABLED');
  const pending = await requestApprovalIfNeeded(deps, actor, { action: 'reset.send', target, why: o.why, ctx: o.ctx });
  if (pending) return pending;
  // Read outside the transaction (on SQLite a read outside it would wait for its connection).
  const prepared = await prepareResetEmail(deps, target);
  return adminAction(deps, actor, { action: 'reset.send', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    await queueResetEmail(tx, deps, account, prepared, o.ctx, now, 'helpDesk');
    return { result: await after(tx, account) };
  });
}

export async function requirePasswordChange(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionAnswer> {
  return adminActionOrRequest(deps, actor, { action: 'password.require_change', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    await tx.accounts.requirePasswordChange(account.id, 'admin', now);
    return { result: await after(tx, account), notice: changedNotice('requireChange', o.why) };
  });
}

/** Forgets Passdesk's count of wrong passwords for the account's address (a directory's own lockout stays). */
export async function unlockAccount(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionAnswer> {
  return adminActionOrRequest(deps, actor, { action: 'account.unlock', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    const limits = signInLimits(deps);
    const wasLocked = lockState(deps, account, await readLock(deps, tx, account), now).locked;
    if (limits) await tx.signInLimits.forgetSignInFailures(limits.accountSubject(account.emailNormalized));
    return { result: await after(tx, account, { wasLocked }), detail: { wasLocked }, notice: changedNotice('unlock', o.why) };
  });
}

export async function disableAccount(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionAnswer> {
  return adminActionOrRequest(deps, actor, { action: 'account.disable', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    await assertAnotherAdministratorRemains(tx, account);
    await tx.accounts.setStatus(account.id, 'disabled', now);
    const sessionsEnded = await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: null, now, reason: 'admin' });
    // A reset link sent before must not bring the account back into use.
    await tx.passwordResets.voidResets(account.id, now);
    const { reason, ticket } = checkedReason(o.why);
    return { result: await after(tx, account, { sessionsEnded }), detail: { sessionsEnded }, notice: { code: 'account-disabled-by-admin', reason, ticket } };
  });
}

export async function enableAccount(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionAnswer> {
  return adminActionOrRequest(deps, actor, { action: 'account.enable', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    await tx.accounts.setStatus(account.id, 'active', now);
    return { result: await after(tx, account), notice: changedNotice('enable', o.why) };
  });
}

export async function signOutEverywhere(deps: FlowDeps, actor: Actor, o: ActionInput): Promise<ActionResult> {
  return adminAction(deps, actor, { action: 'sessions.revoke', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    const sessionsEnded = await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: null, now, reason: 'admin' });
    return { result: await after(tx, account, { sessionsEnded }), detail: { sessionsEnded }, notice: changedNotice('signOut', o.why) };
  });
}

/** Administrators only (the matrix); nobody changes their own role (the matrix's self rule). */
export async function setRole(deps: FlowDeps, actor: Actor, o: ActionInput & { role: Role }): Promise<ActionAnswer> {
  // The matrix first, so a non-administrator learns nothing from the role asked for (an approved request: the requester).
  const me = actor.kind === 'session' ? actor.auth.account : actor.kind === 'approval' ? actor.requester : null;
  if (me && (refusalFor(me, 'role.set') !== null || !mayGrantRole(me, o.role))) throw new PassdeskError('FORBIDDEN');
  const unchanged = (account: Account): void => {
    if (account.role === o.role) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.roleUnchanged'));
  };
  const input = { action: 'role.set', targetId: o.accountId, why: o.why, ctx: o.ctx, params: { role: o.role }, precheck: unchanged } as const;
  return adminActionOrRequest(deps, actor, input, async (tx, t, now) => {
    const account = mustHaveTarget(t);
    unchanged(account);
    await assertAnotherAdministratorRemains(tx, account);
    await tx.accounts.setRole(account.id, o.role, now);
    // A change of privilege ends the sessions that were issued under the old role.
    const sessionsEnded = await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: null, now, reason: 'admin' });
    return {
      result: await after(tx, account, { sessionsEnded }),
      detail: { from: account.role, to: o.role, sessionsEnded },
      notice: changedNotice('role', o.why, o.role),
    };
  });
}

/** The help desk's actions by name, as the API's routes and the docs list them (each an action of the matrix). */
export const ACCOUNT_ACTIONS = {
  'reset-email': { action: 'reset.send', run: sendResetEmail },
  'require-change': { action: 'password.require_change', run: requirePasswordChange },
  unlock: { action: 'account.unlock', run: unlockAccount },
  disable: { action: 'account.disable', run: disableAccount },
  enable: { action: 'account.enable', run: enableAccount },
  'sign-out': { action: 'sessions.revoke', run: signOutEverywhere },
} as const satisfies Record<string, { action: AdminAction; run: (deps: FlowDeps, actor: Actor, o: ActionInput) => Promise<ActionAnswer> }>;
