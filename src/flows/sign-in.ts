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
import { sentence } from '../core/i18n/sentence.js';
import { deviceOf } from '../core/device.js';
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
import { releaseAll, type Reservation } from '../core/attempt-limiter.js';
import { clientKey, perIpKey } from '../core/client-key.js';
import { useTemporaryPassword } from './help-desk/temporary-password.js';
import { accountForEntry, askDirectory, checkDirectoryPassword, DIRECTORY_MUST_CHANGE, type DirectoryBackend } from '../methods/directory-account.js';

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
  /** Nothing was decided (an error): the slots taken are given back; after failed() or succeeded(), nothing. */
  abandon(): Promise<void>;
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
  const tooMany = (): PassdeskError => new PassdeskError('TOO_MANY_REQUESTS', sentence('error.TOO_MANY_REQUESTS.signIn'));
  // Both counters are taken before the password is checked, each in one step (Redis or this process), so a burst
  // spread over any number of nodes gets no more tries than the limits; a right password gives them back.
  const held: Reservation[] = [];
  const give = async (): Promise<void> => {
    await releaseAll(held.splice(0));
  };
  const pairSlot = throttle ? await throttle.perAccountAndIp.reserve(pairKey) : null;
  if (throttle && !pairSlot) {
    o.observe('throttled');
    throw tooMany();
  }
  if (pairSlot) held.push(pairSlot);
  try {
    // The per-IP limit slows, it does not lock out everyone behind one address: with bot challenges on it asks for
    // a solved one (flows/challenge.ts), and a request that brought one passes it, up to the hard cap (then 429).
    if (throttle) {
      let ipSlot = await throttle.perIp.reserve(ipKey);
      if (!ipSlot) {
        const capWait = await ipCapWaitMs(deps, 'sign-in', ctx);
        if (capWait > 0) {
          o.observe('throttled');
          throw ipCapError(capWait);
        }
        if (!o.challengeSolved) {
          o.observe('throttled');
          throw await ipLimitReached(deps, 'sign-in', ctx, tooMany());
        }
        ipSlot = await throttle.perIp.reserve(ipKey, { limit: throttle.perIp.limit * (deps.challenges?.settings.ipCapFactor ?? 1) });
        if (!ipSlot) {
          o.observe('throttled');
          throw ipCapError(await ipCapWaitMs(deps, 'sign-in', ctx));
        }
      }
      held.push(ipSlot);
    }
    return await admitByAccount(deps, o, { throttle, pairKey, held, give });
  } catch (err) {
    await give();
    throw err;
  }
}

/** The account's own limit (in the store, shared by every node), after the (email, IP) and per-IP counters. */
async function admitByAccount(
  deps: FlowDeps,
  o: { emailNormalized: string; ctx: RequestContext; deviceCookie: string | null | undefined; observe: (o: SignInOutcome) => void },
  t: { throttle: FlowDeps['signInThrottle']; pairKey: string; held: Reservation[]; give: () => Promise<void> },
): Promise<AdmittedAttempt> {
  const { emailNormalized, ctx } = o;
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
      // The slots taken before the check stay: they are this failure.
      t.held.length = 0;
      if (limits && counted) {
        if (!counted.trusted && counted.failures >= limits.accountRule.limit) tellOwnerOfLockout(deps, limits, { subject: counted.subject, account, ctx, now });
        sweepNow(deps, now);
      }
      return new PassdeskError('INVALID_CREDENTIALS');
    },
    async succeeded() {
      await t.give();
      await t.throttle?.perAccountAndIp.reset(t.pairKey);
      if (!limits || !counted) return;
      // A right password ends the run of consecutive failures this attempt was counted in.
      await deps.store.signInLimits.forgetSignInFailures(counted.subject);
    },
    abandon: t.give,
  };
}

interface CheckedSignIn {
  account: Account;
  /** null: the password lives in the directory. */
  passwordHash: string | null;
  now: number;
  /** The directory wants a new password first (expired, or set by an administrator). */
  directoryMustChange: string | null;
}

/**
 * The directory's sign-in: the typed login searched as the service account, then one bind as the person
 * (checkDirectoryPassword: within the directory's lockout). A login that matches no entry costs a bind too.
 */
async function checkInDirectory(
  deps: FlowDeps,
  backend: DirectoryBackend,
  o: { login: string; password: string; ctx: RequestContext; attempt: AdmittedAttempt; observe: (o: SignInOutcome) => void },
): Promise<CheckedSignIn> {
  const started = performance.now();
  const found = await askDirectory(() => backend.directory.findEntry(o.login));
  if (!found) {
    await askDirectory(() => backend.directory.verifyDummy(o.password));
    await holdToTypicalRefusal(backend, started);
    o.observe('unknown_account');
    throw o.attempt.failed(null);
  }
  const known = await deps.store.accounts.findAccountByDirectoryId(found.id);
  const check = await checkDirectoryPassword(deps, backend, found.id, o.password, { account: known, ctx: o.ctx });
  // No bind was made (busy, guarded, disabled, locked, gone): spend what one costs, as for a login that matches
  // nothing, so that neither the answer nor its time tells a guesser that this login exists.
  if (!check.right && !check.bound) await askDirectory(() => backend.directory.verifyDummy(o.password));
  const now = deps.clock.now();
  if (!check.right || (known !== null && known.status !== 'active')) {
    const reason = check.right ? 'disabled' : check.reason;
    if (known)
      await deps.store.events.recordEvent({
        accountId: known.id,
        type: 'signin.failed',
        now,
        ip: o.ctx.ip,
        device: deviceOf(o.ctx),
        detail: { reason, directory: true },
      });
    // A real wrong password sets the pace (the directory writes its failure count: OpenLDAP's pwdFailureTime is
    // a database write); every other refusal is held to it.
    if (!check.right && check.bound && check.reason === 'wrong') backend.refusalTimes.record(performance.now() - started);
    else await holdToTypicalRefusal(backend, started);
    o.observe(reason === 'disabled' ? 'disabled' : 'wrong_password');
    throw o.attempt.failed(known);
  }
  // The account read before the bind: linking needs no second read.
  const account = await accountForEntry(deps, backend, check.entry, known);
  await o.attempt.succeeded();
  const directoryMustChange = check.mustChange ? DIRECTORY_MUST_CHANGE[check.mustChange] : check.entry.mustChange ? DIRECTORY_MUST_CHANGE.reset : null;
  // A reported account keeps its mark: only a reset lets its password in again.
  if (directoryMustChange && !isReported(account) && account.mustChangeReason !== directoryMustChange) {
    await deps.store.accounts.requirePasswordChange(account.id, directoryMustChange, now);
  }
  return { account, passwordHash: null, now, directoryMustChange };
}

/** Waits until a refusal started at `started` has taken what a wrong password for a real entry takes lately. */
async function holdToTypicalRefusal(backend: DirectoryBackend, started: number): Promise<void> {
  const remaining = backend.refusalTimes.typical() - (performance.now() - started);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}

export async function signIn(
  deps: FlowDeps,
  input: SignInInput,
  ctx: RequestContext,
  options: { replacing?: Authenticated | null; deviceCookie?: string | null | undefined; challengeSolved?: boolean } = {},
): Promise<SignInResult> {
  const observe = (o: SignInOutcome): void => deps.observe?.signIn?.(o);
  const emailNormalized = normalizeEmail(input.email);
  // Every counter this attempt touches is taken before the password is checked (admitSignInAttempt), so a burst of
  // parallel guesses, on one node or many, cannot all pass before the first failure is counted.
  const attempt = await admitSignInAttempt(deps, {
    emailNormalized,
    ctx,
    deviceCookie: options.deviceCookie,
    challengeSolved: options.challengeSolved ?? false,
    observe,
  });
  const checked = async (): Promise<CheckedSignIn> => {
    if (deps.directory) return checkInDirectory(deps, deps.directory, { login: emailNormalized, password: input.password, ctx, attempt, observe });
    const account = await deps.store.accounts.findAccountByEmail(emailNormalized);

    if (!account?.passwordHash) {
      await deps.hasher.verifyDummy(input.password);
      observe(account ? 'no_password' : 'unknown_account');
      throw attempt.failed(account);
    }

    const passwordHash = account.passwordHash;
    const ok = await deps.hasher.verify(passwordHash, input.password);
    const now = deps.clock.now();
    if (!ok || account.status !== 'active') {
      const reason = ok ? 'disabled' : 'wrong_password';
      await deps.store.events.recordEvent({ accountId: account.id, type: 'signin.failed', now, ip: ctx.ip, device: deviceOf(ctx), detail: { reason } });
      observe(reason);
      throw attempt.failed(account);
    }
    await attempt.succeeded();
    return { account, passwordHash, now, directoryMustChange: null };
  };
  let outcome: CheckedSignIn;
  try {
    outcome = await checked();
  } catch (err) {
    // A failure the check could not decide (the database, the hasher) is not a wrong password: give the slots back.
    await attempt.abandon().catch(() => undefined);
    throw err;
  }
  const { account, passwordHash, now } = outcome;
  // The owner said "this wasn't me": the password may be someone else's now. Only a reset (which clears
  // the mark) lets a password sign in again. Told only to someone who typed the right password.
  if (isReported(account)) {
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: 'signin.failed',
      now,
      ip: ctx.ip,
      device: deviceOf(ctx),
      detail: { reason: 'reported' },
    });
    throw new PassdeskError('ACCOUNT_REPORTED');
  }

  // A help desk's temporary password signs in once, before it expires, and only into the forced change.
  const temporary = await useTemporaryPassword(deps, account, input.password, { now, ctx });

  // The plaintext is known for a moment: upgrade a hash made with older parameters.
  if (passwordHash !== null && deps.hasher.needsRehash(passwordHash)) {
    const upgraded = await deps.hasher.hash(input.password);
    if (await deps.store.accounts.replacePasswordHash(account.id, passwordHash, upgraded, now)) {
      await deps.store.events.recordEvent({ accountId: account.id, type: 'password.rehashed', now });
    }
  }

  const mustChange = temporary ?? outcome.directoryMustChange ?? (await tightenAtSignIn(deps, account, input.password, ctx));
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
