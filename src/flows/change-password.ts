// Changing a password while signed in (the seed procedure). Verify the current password, check the new
// one, then in ONE transaction: new hash, change time, the current session rotated, other devices signed
// out (default), and the audit event. A wrong current password changes nothing and counts as a failure.
import { PassdeskError } from '../core/errors.js';
import { normalizePassword } from '../core/password-rules.js';
import { assertPasswordAllowed, rememberLeavingPassword } from './password-policy.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { issueSession, type Authenticated, type IssuedSession } from './sessions.js';
import { queueNotice } from '../mail/notices.js';
import { reserveGuess } from './attempt-budget.js';
import { admitSessionPasswordCheck } from './account-limit.js';
import type { AttemptBudget } from '../store/index.js';

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
  signOutOtherSessions?: boolean | undefined;
}

export interface ChangePasswordResult extends IssuedSession {
  signedOutSessions: number;
}

/** Wrong current passwords tolerated per account in the window before the flow refuses for a while. */
export const CHANGE_FAILURE_LIMIT = 5;
export const CHANGE_FAILURE_WINDOW_MS = 15 * 60_000;
/** Kept in the store (store/attempts.ts): holds across processes and nodes. */
export const CHANGE_PASSWORD_BUDGET: AttemptBudget = { purpose: 'change_password', limit: CHANGE_FAILURE_LIMIT, windowMs: CHANGE_FAILURE_WINDOW_MS };

/**
 * The current password again, for a change made with it (this flow, security questions). Someone holding a stolen
 * session must not get unlimited guesses: a slot of CHANGE_PASSWORD_BUDGET (CHANGE_FAILURE_LIMIT in CHANGE_FAILURE_WINDOW_MS)
 * is reserved in the store before the password is checked and given back when it is right; and each check counts in
 * the account's consecutive-failure count shared with sign-in (flows/account-limit.ts: at its limit the session is
 * ended and the owner told).
 */
export async function proveCurrentPassword(
  deps: FlowDeps, auth: Authenticated, password: string, ctx: RequestContext, o: { via?: string } = {},
): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  const slot = await reserveGuess(deps.store, account.id, CHANGE_PASSWORD_BUDGET, now);
  // The account's consecutive-failure count, shared with sign-in (NIST SP 800-63B-4 §3.2.2: at most 100 per account).
  const check = await admitSessionPasswordCheck(deps, auth, ctx);
  if (!account.passwordHash || !(await deps.hasher.verify(account.passwordHash, password))) {
    await deps.store.events.recordEvent({
      accountId: account.id, type: 'password.change_failed', now, ip: ctx.ip, device: session.device, sessionId: session.id,
      ...(o.via ? { detail: { via: o.via } } : {}),
    });
    await check.failed();
    throw new PassdeskError('CURRENT_PASSWORD_INCORRECT');
  }
  await deps.store.attempts.releaseAttempt(slot);
  await check.succeeded();
}

export async function changePassword(deps: FlowDeps, auth: Authenticated, input: ChangePasswordInput, ctx: RequestContext): Promise<ChangePasswordResult> {
  const { account, session } = auth;
  const now = deps.clock.now();

  await proveCurrentPassword(deps, auth, input.currentPassword, ctx);
  if (normalizePassword(input.newPassword) === normalizePassword(input.currentPassword)) {
    throw new PassdeskError('PASSWORD_UNCHANGED');
  }
  await assertPasswordAllowed(deps, input.newPassword, 'change', { account, currentPassword: input.currentPassword });

  const newHash = await deps.hasher.hash(input.newPassword);
  const signOutOthers = input.signOutOtherSessions ?? true;

  return deps.store.transaction(async (tx) => {
    // Rotation: the token that was presented dies. If a racing request already used it, nothing commits.
    const rotated = await tx.sessions.revokeSession(session.id, { accountId: account.id, now, reason: 'rotated' });
    if (!rotated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
    await tx.accounts.setPassword(account.id, newHash, now);
    await rememberLeavingPassword(tx, deps, account, now);
    const signedOutSessions = signOutOthers
      ? await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: session.id, now, reason: 'password-changed' })
      : 0;
    // Whoever knew the old password loses the lockout exemption of the device cookies they collected (this browser
    // too: it earns it again at its next sign-in).
    await tx.trustedDevices.forgetTrustedDevices(account.id);
    // The password was just proved; a second factor proved earlier keeps its time (step-up reads both).
    const authentication = session.authenticatedWith === 'password'
      ? { at: now, method: 'password' }
      : { at: session.authenticatedAt, method: session.authenticatedWith };
    const issued = await issueSession(tx, deps, account, ctx, { authentication });
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'password.changed',
      now,
      ip: ctx.ip,
      device: issued.session.device,
      sessionId: issued.session.id,
      detail: { signedOutSessions, via: 'change' },
    });
    // The notice commits with the change (transactional outbox): no change without its email, no email without the change.
    await queueNotice(tx, deps, { account, notice: { code: 'password-changed', signedOutOthers: signOutOthers }, origin: { at: now, device: issued.session.device, ip: ctx.ip } });
    return { ...issued, signedOutSessions };
  });
}
