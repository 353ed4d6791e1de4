// The per-account limit on wrong passwords, shared by every place that checks the account's password: sign-in
// (flows/sign-in.ts) and a signed-in session asked for its current password (step-up, change password, security
// questions, recovery address, factor removal). One count per account in the store (store/sign-in-limits.ts), so
// NIST SP 800-63B-4 §3.2.2's "at most 100 consecutive failed attempts" holds whichever door the guesses use.
// Device trust (core/device-cookie.ts + store/trusted-devices.ts) also lives here: who may skip the lockout.
import { PassdeskError } from '../core/errors.js';
import { signInThrottledSentence } from '../core/messages.js';
import type { Authenticated, FlowDeps, RequestContext, SignInLimitSettings } from './deps.js';
import type { Account, SignInClaim, SignInLimitRule } from '../store/index.js';
import { queueNotice } from '../mail/notices.js';
import { deviceCookieSigner, type DeviceCookieSigner } from '../core/device-cookie.js';
import { DEFAULT_DELAY_SCHEDULE } from '../core/sign-in-delay.js';
import { signInAccountSubject, signInDeviceSubject } from '../core/sign-in-keys.js';
import { describeDevice } from '../core/device.js';

/** NIST SP 800-63B-4 §3.2.2: no more than 100 consecutive failed attempts on one account. */
export const SIGN_IN_ACCOUNT_LIMIT_MAX = 100;
export const DEFAULT_SIGN_IN_LIMITS: Required<SignInLimitSettings> = {
  accountLimit: SIGN_IN_ACCOUNT_LIMIT_MAX,
  deviceLimit: 10,
  coolOffMs: 86_400_000,
  delays: DEFAULT_DELAY_SCHEDULE,
};
/**
 * Browsers one account trusts at a time, the newest: bounds what a set of collected cookies is worth (each has
 * its own `deviceLimit` of guesses) even before the owner's next reset ends them.
 */
export const MAX_TRUSTED_DEVICES = 10;
/** How often one process deletes expired counter rows (on a failed sign-in, after the response). */
const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface SignInLimits {
  accountRule: SignInLimitRule;
  deviceRule: SignInLimitRule;
  /** A signed-in session's password check: the account's count and limit, without the sign-in waits. */
  sessionRule: SignInLimitRule;
  signer: DeviceCookieSigner;
  /** Store keys: an HMAC, so the table names nobody and an unknown address gets a row like a known one. */
  accountSubject(emailNormalized: string): string;
  deviceSubject(nonce: string): string;
}

const limitsCache = new WeakMap<FlowDeps, SignInLimits | null>();
const lastSweep = new WeakMap<object, number>();

/** The per-account and per-device limits, or null without a server secret (the CLI, which signs nobody in). */
export function signInLimits(deps: FlowDeps): SignInLimits | null {
  let limits = limitsCache.get(deps);
  if (limits !== undefined) return limits;
  if (!deps.secret) {
    limits = null;
  } else {
    const settings = { ...DEFAULT_SIGN_IN_LIMITS, ...deps.config.signInLimits };
    const accountLimit = Math.min(settings.accountLimit, SIGN_IN_ACCOUNT_LIMIT_MAX);
    const secret = deps.secret;
    limits = {
      accountRule: { limit: accountLimit, coolOffMs: settings.coolOffMs, delays: settings.delays },
      deviceRule: { limit: settings.deviceLimit, coolOffMs: settings.coolOffMs, delays: null },
      sessionRule: { limit: accountLimit, coolOffMs: settings.coolOffMs, delays: settings.delays, skipsWaits: true },
      signer: deviceCookieSigner(deps.secret),
      accountSubject: (email) => signInAccountSubject(secret, email),
      deviceSubject: (nonce) => signInDeviceSubject(secret, nonce),
    };
  }
  limitsCache.set(deps, limits);
  return limits;
}

export function throttled(claim: Extract<SignInClaim, { admitted: false }>, now: number): PassdeskError {
  const waitMs = Math.max(0, claim.retryAt - now);
  return new PassdeskError('SIGN_IN_THROTTLED', signInThrottledSentence({ waitMs, locked: claim.locked }), {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    locked: claim.locked,
  });
}

/**
 * True when the device cookie holds a binding for `emailNormalized` that the account still trusts (a MAC the
 * server made, and a row in trusted_devices): its nonce, else null. The store is asked only for a binding whose
 * MAC is valid for the typed login, i.e. only by a browser that completed a sign-in to it; every other caller
 * (no cookie, a made-up or another login's cookie) takes the same path for a known and an unknown address.
 */
export async function trustedDeviceNonce(
  deps: FlowDeps,
  limits: SignInLimits,
  cookie: string | null | undefined,
  emailNormalized: string,
): Promise<string | null> {
  const nonce = limits.signer.trustedNonce(cookie, emailNormalized);
  if (!nonce) return null;
  return (await deps.store.trustedDevices.isTrustedDevice(limits.deviceSubject(nonce), limits.accountSubject(emailNormalized))) ? nonce : null;
}

/**
 * A completed sign-in (a session issued: after the password, or after the second factor) makes this browser a
 * known one for the login: a fresh nonce, recorded as trusted for the account (replacing this browser's previous
 * one), and the new cookie value; undefined when device cookies are off or the session was ended meanwhile (a
 * reset that raced this sign-in).
 */
export async function issueDeviceCookie(
  deps: FlowDeps,
  o: { account: Account; sessionId: string },
  previous: string | null | undefined,
): Promise<string | undefined> {
  const limits = signInLimits(deps);
  if (!limits) return undefined;
  const login = o.account.emailNormalized;
  const old = limits.signer.trustedNonce(previous, login);
  const { value, nonce } = limits.signer.issue(previous, login, deps.random);
  const trusted = await deps.store.trustedDevices.trustDevice({
    device: limits.deviceSubject(nonce),
    login: limits.accountSubject(login),
    accountId: o.account.id,
    sessionId: o.sessionId,
    replacing: old ? limits.deviceSubject(old) : null,
    max: MAX_TRUSTED_DEVICES,
    now: deps.clock.now(),
  });
  return trusted ? value : undefined;
}

/**
 * The attempt that reached the limit tells the owner, once per lockout, in one transaction with the lockout's
 * "told" mark. After the response (deps.background), and the same store work for an unknown address, so
 * neither the time nor anything else of the answer shows whether an account was told.
 */
export function tellOwnerOfLockout(
  deps: FlowDeps,
  limits: SignInLimits,
  o: { subject: string; account: Account | null; ctx: RequestContext; now: number },
): void {
  const task = async (): Promise<void> => {
    await deps.store.transaction(async (tx) => {
      if (!(await tx.signInLimits.markSignInLockNotified(o.subject, limits.accountRule.limit, o.now))) return;
      const account = o.account;
      if (!account) return;
      const device = describeDevice(o.ctx.userAgent ?? undefined);
      await tx.events.recordEvent({
        accountId: account.id,
        type: 'signin.locked',
        now: o.now,
        ip: o.ctx.ip,
        device,
        detail: { attempts: limits.accountRule.limit },
      });
      await queueNotice(tx, deps, {
        account,
        notice: { code: 'account-locked', attempts: limits.accountRule.limit, until: o.now + limits.accountRule.coolOffMs },
        origin: { at: o.now, device, ip: o.ctx.ip },
      });
    });
  };
  if (deps.background) deps.background.run('sign-in-lockout-notice', task);
  else void task().catch(() => {});
}

/** Expired counter rows go, at most once per SWEEP_INTERVAL_MS per process and store, after the response. */
export function sweepNow(deps: FlowDeps, now: number): void {
  const last = lastSweep.get(deps.store);
  if (last !== undefined && now - last < SWEEP_INTERVAL_MS) return;
  lastSweep.set(deps.store, now);
  const task = async (): Promise<void> => {
    await deps.store.signInLimits.sweepSignInLimits(now);
  };
  if (deps.background) deps.background.run('sign-in-limits-sweep', task);
  else void task().catch(() => {});
}

/** A signed-in session's password check that was counted; the caller evaluates the password and settles it. */
export interface SessionPasswordCheck {
  /** Wrong: at the account's limit the session is ended and the owner told (once per lockout). */
  failed(): Promise<void>;
  /** Right: the run of consecutive failures ends, as after a right sign-in. */
  succeeded(): Promise<void>;
}

/**
 * Counts a password check by a signed-in session in the account's consecutive-failure count (one atomic upsert,
 * before the password is evaluated, as at sign-in). With the account locked nothing is evaluated and 429
 * SIGN_IN_THROTTLED (locked) is answered; the session stays unless its own wrong guess reached the limit.
 */
export async function admitSessionPasswordCheck(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<SessionPasswordCheck> {
  const limits = signInLimits(deps);
  if (!limits) return { failed: async () => {}, succeeded: async () => {} };
  const subject = limits.accountSubject(auth.account.emailNormalized);
  const now = deps.clock.now();
  const endSession = async (): Promise<void> => {
    await deps.store.sessions.revokeSession(auth.session.id, { accountId: auth.account.id, now, reason: 'password-locked' });
    tellOwnerOfLockout(deps, limits, { subject, account: auth.account, ctx, now });
  };
  const claim = await deps.store.signInLimits.claimSignInAttempt(subject, limits.sessionRule, now);
  // Locked by others (strangers' wrong sign-ins): refuse, but leave this session alone. Ending it here let anyone
  // who knows the address sign the owner out of a trusted browser at every password prompt for the whole cool-off.
  // Only the session whose own wrong password reaches the limit is ended (failed() below).
  if (!claim.admitted) throw throttled(claim, now);
  return {
    async failed() {
      if (claim.failures >= limits.sessionRule.limit) await endSession();
      sweepNow(deps, now);
    },
    async succeeded() {
      await deps.store.signInLimits.forgetSignInFailures(subject);
    },
  };
}
