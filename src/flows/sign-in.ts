// Sign-in with email and password. Every failure looks the same from outside — status, body,
// headers and time (an unknown email still costs one argon2id verification against a dummy hash).
//
// Throttling (admitSignInAttempt, the one place every sign-in limit is checked), cheapest first:
//   per (typed email, IP) and per IP — in process memory (core/attempt-limiter.ts);
//   per account — consecutive failures for the typed email, in the store so every node shares them: growing
//     waits from the 5th, and at the limit (≤ 100, NIST SP 800-63B-4 §3.2.2) untrusted clients are locked
//     out until a reset or the cool-off, and the owner is told once by email;
//   per device — a browser with a valid device cookie for the typed login (core/device-cookie.ts) that the account
//     still trusts (methods/account-limit.ts: trust ends at a reset, "This wasn't me", a password change) is spared
//     the account's waits and lockout and has its own small limit instead (OWASP device cookies).
// Wrong current passwords from signed-in sessions count in the same per-account count (methods/account-limit.ts).
//
// State: no row of its own. A right password either completes the sign-in (completeSignIn: a session) or, with
// a second factor, hands over to the two-factor flow's pending sign-in (flows/two-factor.ts):
//   attempt ──throttled / wrong / disabled / reported──▶ refused (counted)
//           ──right, no second factor──▶ signed in      ──right, a second factor──▶ second_factor_required
import { oneAtATime } from './one-at-a-time.js';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import type { FlowDeps, RequestContext, SignInOutcome } from './deps.js';
import type { Authenticated, IssuedSession } from './deps.js';
import type { Account } from '../store/index.js';
import { tightenAtSignIn } from './password-policy.js';
import { hasSecondFactor, type SecondFactorMethod } from '../methods/second-factor.js';
import { isReported } from '../methods/password.js';
import { startSecondFactorFlow } from './two-factor.js';
import { completeSignIn } from './steps/complete-sign-in.js';
import { issueDeviceCookie, signInLimits, sweepNow, tellOwnerOfLockout, throttled, trustedDeviceNonce } from '../methods/account-limit.js';
import { ipCapError, ipCapWaitMs, ipLimitReached } from './challenge.js';
import { clientKey, perIpKey } from '../core/client-key.js';

export interface SignInInput {
  email: string;
  password: string;
}

export interface SignedIn extends IssuedSession {
  status: 'signed_in';
  account: Account;
  /** The browser's new device cookie value (a fresh binding of this login), when device cookies are on. */
  deviceCookie?: string | undefined;
}

/** The password was right and the account has a second factor: no session until completeSecondFactor. */
export interface SecondFactorRequired {
  status: 'second_factor_required';
  flowId: string;
  methods: SecondFactorMethod[];
  account: Account;
}

export type SignInResult = SignedIn | SecondFactorRequired;

export { SIGN_IN_ACCOUNT_LIMIT_MAX, DEFAULT_SIGN_IN_LIMITS, issueDeviceCookie } from '../methods/account-limit.js';

/** An attempt that passed every throttle; its password is checked next and the outcome settled here. */
interface AdmittedAttempt {
  /** The password was wrong (or the account cannot sign in). Returns the error to throw. */
  failed(account: Account | null): PassdeskError;
  /** The password was right: the counts this attempt used are forgotten. */
  succeeded(): Promise<void>;
}

/**
 * Every sign-in throttle, in one place (the per-IP semantics and a proof-of-work challenge may join here).
 * Runs before any account lookup, so what it answers cannot depend on whether the account exists.
 */
async function admitSignInAttempt(
  deps: FlowDeps,
  o: { emailNormalized: string; ctx: RequestContext; deviceCookie: string | null | undefined; challengeSolved: boolean; observe: (o: SignInOutcome) => void },
): Promise<AdmittedAttempt> {
  const { emailNormalized, ctx } = o;
  const throttle = deps.signInThrottle;
  const ipKey = perIpKey(ctx.ip);
  const pairKey = `pair:${emailNormalized}\u0000${clientKey(ctx.ip)}`;
  const tooMany = (): PassdeskError => new PassdeskError('TOO_MANY_REQUESTS', 'Too many unsuccessful sign-in attempts. Wait 15 minutes and try again, or reset your password.');
  if (throttle?.perAccountAndIp.isLimited(pairKey)) {
    o.observe('throttled');
    throw tooMany();
  }
  // The per-IP limit slows, it does not lock out everyone behind one address: with bot challenges on it asks for a
  // solved one (flows/challenge.ts), and a request that brought one passes it, up to the hard cap (then 429).
  if (throttle?.perIp.isLimited(ipKey)) {
    const capWait = ipCapWaitMs(deps, 'sign-in', ctx);
    if (capWait > 0) {
      o.observe('throttled');
      throw ipCapError(capWait);
    }
    if (!o.challengeSolved) {
      o.observe('throttled');
      throw await ipLimitReached(deps, 'sign-in', ctx, tooMany());
    }
  }

  const limits = signInLimits(deps);
  const now = deps.clock.now();
  // The attempt is counted before its password is checked (one atomic upsert): a burst gets no more tries than the limit.
  let counted: { subject: string; trusted: boolean; failures: number } | null = null;
  if (limits) {
    // A valid binding the account still trusts (revoked by a reset, "This wasn't me", a password change).
    const nonce = await trustedDeviceNonce(deps, limits, o.deviceCookie, emailNormalized);
    if (nonce) {
      const subject = limits.deviceSubject(nonce);
      const claim = await deps.store.signInLimits.claimSignInAttempt(subject, limits.deviceRule, now);
      // A device cookie past its own limit is trusted no longer: the request is an untrusted one.
      if (claim.admitted) counted = { subject, trusted: true, failures: claim.failures };
    }
    if (!counted) {
      const subject = limits.accountSubject(emailNormalized);
      const claim = await deps.store.signInLimits.claimSignInAttempt(subject, limits.accountRule, now);
      if (!claim.admitted) {
        o.observe('throttled');
        throw throttled(claim, now);
      }
      counted = { subject, trusted: false, failures: claim.failures };
    }
  }

  return {
    failed(account) {
      throttle?.perAccountAndIp.recordFailure(pairKey);
      throttle?.perIp.recordFailure(ipKey);
      if (limits && counted) {
        if (!counted.trusted && counted.failures >= limits.accountRule.limit) tellOwnerOfLockout(deps, limits, { subject: counted.subject, account, ctx, now });
        sweepNow(deps, now);
      }
      return new PassdeskError('INVALID_CREDENTIALS');
    },
    async succeeded() {
      throttle?.perAccountAndIp.reset(pairKey);
      if (!limits || !counted) return;
      // A right password ends the run of consecutive failures this attempt was counted in.
      await deps.store.signInLimits.forgetSignInFailures(counted.subject);
    },
  };
}

export async function signIn(
  deps: FlowDeps,
  input: SignInInput,
  ctx: RequestContext,
  options: { replacing?: Authenticated | null; deviceCookie?: string | null | undefined; challengeSolved?: boolean } = {},
): Promise<SignInResult> {
  const observe = (o: SignInOutcome): void => deps.observe?.signIn?.(o);
  const emailNormalized = normalizeEmail(input.email);
  // One attempt per address at a time (flows/one-at-a-time.ts): a burst of parallel guesses cannot all pass the
  // throttle before the first failure is counted. Keyed by the typed address, known or not, so it tells nothing.
  const { account, passwordHash, now } = await oneAtATime(`signin:${emailNormalized}`, async () => {
    const attempt = await admitSignInAttempt(deps, { emailNormalized, ctx, deviceCookie: options.deviceCookie, challengeSolved: options.challengeSolved ?? false, observe });

    const account = await deps.store.accounts.findAccountByEmail(emailNormalized);

    if (!account || !account.passwordHash) {
      await deps.hasher.verifyDummy(input.password);
      observe(account ? 'no_password' : 'unknown_account');
      throw attempt.failed(account);
    }

    const passwordHash = account.passwordHash;
    const ok = await deps.hasher.verify(passwordHash, input.password);
    const now = deps.clock.now();
    if (!ok || account.status !== 'active') {
      const reason = ok ? 'disabled' : 'wrong_password';
      await deps.store.events.recordEvent({ accountId: account.id, type: 'signin.failed', now, ip: ctx.ip, detail: { reason } });
      observe(reason);
      throw attempt.failed(account);
    }
    await attempt.succeeded();
    return { account, passwordHash, now };
  });
  // The owner said "this wasn't me": the password may be someone else's now. Only a reset (which clears
  // the mark) lets a password sign in again. Told only to someone who typed the right password.
  if (isReported(account)) {
    await deps.store.events.recordEvent({ accountId: account.id, type: 'signin.failed', now, ip: ctx.ip, detail: { reason: 'reported' } });
    throw new PassdeskError('ACCOUNT_REPORTED');
  }

  // The plaintext is known for a moment: upgrade a hash made with older parameters.
  if (deps.hasher.needsRehash(passwordHash)) {
    const upgraded = await deps.hasher.hash(input.password);
    if (await deps.store.accounts.replacePasswordHash(account.id, passwordHash, upgraded, now)) {
      await deps.store.events.recordEvent({ accountId: account.id, type: 'password.rehashed', now });
    }
  }

  const mustChange = await tightenAtSignIn(deps, account, input.password, ctx);
  const signedInAccount: Account = mustChange ? { ...account, mustChangePassword: true, mustChangeReason: mustChange } : account;

  if (await hasSecondFactor(deps, account.id)) {
    const challenge = await startSecondFactorFlow(deps, account, ctx);
    return { status: 'second_factor_required', ...challenge, account: signedInAccount };
  }

  // A session id the client already held is never adopted: the old one ends, a new token is issued.
  const issued = await deps.store.transaction((tx) => completeSignIn(tx, deps, { account, ctx, now, replacing: options.replacing }));
  observe('success');
  const deviceCookie = await issueDeviceCookie(deps, { account, sessionId: issued.session.id }, options.deviceCookie);
  return { status: 'signed_in', ...issued, account: signedInAccount, deviceCookie };
}
