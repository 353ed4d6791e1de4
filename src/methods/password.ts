// The password, as a signed-in session proves it again (step-up, change password, security questions, recovery
// address, factor removal). Sign-in checks it in its own flow (flows/sign-in.ts) behind the sign-in throttles;
// a reported account ("This wasn't me") cannot use it until a reset.
//
// Attempt limits of a session's password check: a slot of the caller's budget (REAUTH_PASSWORD_BUDGET or
// CHANGE_PASSWORD_BUDGET, per account in the store) reserved before the password is checked and given back when it
// is right, and the account's consecutive-failure count shared with sign-in (account-limit.ts: at its limit the
// session is ended and the owner told). Step-up's check also counts in the sign-in throttle for this address and IP.
import { PassdeskError } from '../core/errors.js';
import { releaseAll, reserveEach } from '../core/attempt-limiter.js';
import { clientKey, perIpKey } from '../core/client-key.js';
import type { Account, AttemptBudget, EventType } from '../store/index.js';
import { admitSessionPasswordCheck } from './account-limit.js';
import { reserveGuess } from './attempt-budget.js';
import type { Authenticated, FlowDeps, RequestContext } from './deps.js';
import type { Method } from './method.js';
import { checkDirectoryPassword, inDirectory } from './directory-account.js';

/** The must_change_reason of a reported account: password sign-in is refused until a reset clears it. */
export const REPORTED_REASON = 'reported';

export function isReported(account: Pick<Account, 'mustChangePassword' | 'mustChangeReason'>): boolean {
  return account.mustChangePassword && account.mustChangeReason === REPORTED_REASON;
}

/** Wrong current passwords per account in REAUTH_FAILURE_WINDOW_MS, from step-up and the forms that ask for it. */
export const REAUTH_FAILURE_LIMIT = 5;
export const REAUTH_FAILURE_WINDOW_MS = 15 * 60_000;
/** Kept in the store (store/attempts.ts): holds across processes and nodes. */
export const REAUTH_PASSWORD_BUDGET: AttemptBudget = { purpose: 'reauth_password', limit: REAUTH_FAILURE_LIMIT, windowMs: REAUTH_FAILURE_WINDOW_MS };

/** Wrong current passwords tolerated per account in the window before a change made with it refuses for a while. */
export const CHANGE_FAILURE_LIMIT = 5;
export const CHANGE_FAILURE_WINDOW_MS = 15 * 60_000;
/** Kept in the store (store/attempts.ts): holds across processes and nodes. */
export const CHANGE_PASSWORD_BUDGET: AttemptBudget = { purpose: 'change_password', limit: CHANGE_FAILURE_LIMIT, windowMs: CHANGE_FAILURE_WINDOW_MS };

/** How one caller's wrong passwords are counted and recorded. */
interface SessionPasswordRules {
  budget: AttemptBudget;
  /** Whether a wrong password also counts in the sign-in throttle for this address and IP (step-up's rule). */
  signInThrottle: boolean;
  failure: { type: EventType; detail?: Record<string, unknown> | undefined };
}

async function proveSessionPassword(deps: FlowDeps, auth: Authenticated, password: string, ctx: RequestContext, rules: SessionPasswordRules): Promise<void> {
  const { account } = auth;
  const now = deps.clock.now();
  const throttle = rules.signInThrottle ? deps.signInThrottle : undefined;
  const pairKey = `pair:${account.emailNormalized}\u0000${clientKey(ctx.ip)}`;
  const ipKey = perIpKey(ctx.ip);
  // Both counters are taken before the password is checked (a burst cannot all pass), and given back if it is right.
  const held = throttle
    ? await reserveEach([
        [throttle.perAccountAndIp, pairKey],
        [throttle.perIp, ipKey],
      ])
    : [];
  if (!held) throw new PassdeskError('TOO_MANY_REQUESTS');
  let wrong = false;
  try {
    await provePasswordWithBudget(deps, auth, password, ctx, rules, now, () => {
      wrong = true;
    });
  } finally {
    if (!wrong) await releaseAll(held);
  }
}

async function provePasswordWithBudget(
  deps: FlowDeps,
  auth: Authenticated,
  password: string,
  ctx: RequestContext,
  rules: SessionPasswordRules,
  now: number,
  onWrong: () => void,
): Promise<void> {
  const { account, session } = auth;
  const slot = await reserveGuess(deps.store, account.id, rules.budget, now);
  // The account's consecutive-failure count, shared with sign-in (NIST SP 800-63B-4 §3.2.2: at most 100 per account).
  const check = await admitSessionPasswordCheck(deps, auth, ctx);
  if ((await password_.verify(deps, account, password, { purpose: 'step_up', binding: null })) === null) {
    onWrong();
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: rules.failure.type,
      now,
      ip: ctx.ip,
      device: session.device,
      sessionId: session.id,
      ...(rules.failure.detail ? { detail: rules.failure.detail } : {}),
    });
    await check.failed();
    throw new PassdeskError('CURRENT_PASSWORD_INCORRECT');
  }
  await deps.store.attempts.releaseAttempt(slot);
  await check.succeeded();
}

/**
 * The current password again, for step-up and the forms that ask for it: REAUTH_FAILURE_LIMIT wrong ones per 15
 * minutes per account, and the sign-in throttle, so a stolen session cannot guess without limit, from however many nodes.
 */
export async function verifyPasswordProof(deps: FlowDeps, auth: Authenticated, password: string, ctx: RequestContext): Promise<void> {
  return proveSessionPassword(deps, auth, password, ctx, {
    budget: REAUTH_PASSWORD_BUDGET,
    signInThrottle: true,
    failure: { type: 'reauth.failed', detail: { method: 'password' } },
  });
}

/**
 * The current password again, for a change made with it (change password, security questions): CHANGE_FAILURE_LIMIT
 * wrong ones in CHANGE_FAILURE_WINDOW_MS per account. `via` names the form in the failure event.
 */
export async function proveCurrentPassword(
  deps: FlowDeps,
  auth: Authenticated,
  password: string,
  ctx: RequestContext,
  o: { via?: string } = {},
): Promise<void> {
  return proveSessionPassword(deps, auth, password, ctx, {
    budget: CHANGE_PASSWORD_BUDGET,
    signInThrottle: false,
    failure: { type: 'password.change_failed', detail: o.via ? { via: o.via } : undefined },
  });
}

/** The bare comparison (one argon2id verification); the limits are the callers' (above, and flows/sign-in.ts). */
const password_: Method<string, true> = {
  id: 'password',
  strength: 1,
  budget: REAUTH_PASSWORD_BUDGET,
  async available(deps, accountId) {
    const account = await deps.store.accounts.findAccountById(accountId);
    return account !== null && (account.passwordHash !== null || inDirectory(deps, account)) && !isReported(account);
  },
  async verify(deps, account, password) {
    if (inDirectory(deps, account) && account.directoryId) {
      // One bind, within the directory's lockout; an expired password is still the right one.
      const check = await checkDirectoryPassword(deps, deps.directory, account.directoryId, password, { account, ctx: { ip: null, userAgent: null } });
      // A signed-in person's own parallel checks: "wait", never counted as a wrong password.
      if (!check.right && check.reason === 'busy') throw new PassdeskError('TOO_MANY_REQUESTS');
      return check.right ? true : null;
    }
    return account.passwordHash !== null && (await deps.hasher.verify(account.passwordHash, password)) ? true : null;
  },
};
export { password_ as password };
