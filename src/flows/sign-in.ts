// Sign-in with email and password. Every failure looks the same from outside — status, body,
// headers and time (an unknown email still costs one argon2id verification against a dummy hash).
import { oneAtATime } from './one-at-a-time.js';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import type { FlowDeps, RequestContext, SignInOutcome } from './deps.js';
import { issueSession, type Authenticated, type IssuedSession } from './sessions.js';
import type { Account } from '../store/index.js';
import { tightenAtSignIn } from './password-policy.js';
import { queueNotice } from '../mail/notices.js';
import { isNewDevice } from '../core/new-device.js';
import { hasSecondFactor, startSecondFactorFlow, type SecondFactorMethod } from './two-factor.js';
import { isReported } from './not-me.js';

export interface SignInInput {
  email: string;
  password: string;
}

export interface SignedIn extends IssuedSession {
  status: 'signed_in';
  account: Account;
}

/** The password was right and the account has a second factor: no session until completeSecondFactor. */
export interface SecondFactorRequired {
  status: 'second_factor_required';
  flowId: string;
  methods: SecondFactorMethod[];
  account: Account;
}

export type SignInResult = SignedIn | SecondFactorRequired;

/** Earlier sessions compared with a sign-in to tell whether its device is new (core/new-device.ts). */
const NEW_DEVICE_HISTORY = 200;

export async function signIn(
  deps: FlowDeps,
  input: SignInInput,
  ctx: RequestContext,
  options: { replacing?: Authenticated | null } = {},
): Promise<SignInResult> {
  const observe = (o: SignInOutcome): void => deps.observe?.signIn?.(o);
  const emailNormalized = normalizeEmail(input.email);
  const throttle = deps.signInThrottle;
  const ipKey = `ip:${ctx.ip ?? 'unknown'}`;
  const pairKey = `pair:${emailNormalized}\u0000${ctx.ip ?? 'unknown'}`;
  // One attempt per address at a time (flows/one-at-a-time.ts): a burst of parallel guesses cannot all pass the
  // throttle before the first failure is counted. Keyed by the typed address, known or not, so it tells nothing.
  const { account, passwordHash, now } = await oneAtATime(`signin:${emailNormalized}`, async () => {
    // Checked before any lookup, so the answer cannot depend on whether the account exists.
    if (throttle && (throttle.perAccountAndIp.isLimited(pairKey) || throttle.perIp.isLimited(ipKey))) {
      observe('throttled');
      throw new PassdeskError('TOO_MANY_REQUESTS', 'Too many unsuccessful sign-in attempts. Wait 15 minutes and try again, or reset your password.');
    }
    const failed = (): PassdeskError => {
      throttle?.perAccountAndIp.recordFailure(pairKey);
      throttle?.perIp.recordFailure(ipKey);
      return new PassdeskError('INVALID_CREDENTIALS');
    };

    const account = await deps.store.accounts.findAccountByEmail(emailNormalized);

    if (!account || !account.passwordHash) {
      await deps.hasher.verifyDummy(input.password);
      observe(account ? 'no_password' : 'unknown_account');
      throw failed();
    }

    const passwordHash = account.passwordHash;
    const ok = await deps.hasher.verify(passwordHash, input.password);
    const now = deps.clock.now();
    if (!ok || account.status !== 'active') {
      const reason = ok ? 'disabled' : 'wrong_password';
      await deps.store.events.recordEvent({ accountId: account.id, type: 'signin.failed', now, ip: ctx.ip, detail: { reason } });
      observe(reason);
      throw failed();
    }
    throttle?.perAccountAndIp.reset(pairKey);
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

  const issued = await deps.store.transaction(async (tx) => {
    // A session id the client already held is never adopted: the old one ends, a new token is issued.
    if (options.replacing) {
      await tx.sessions.revokeSession(options.replacing.session.id, { accountId: options.replacing.account.id, now, reason: 'rotated' });
    }
    const earlier = await tx.sessions.listSessionOrigins(account.id, { limit: NEW_DEVICE_HISTORY });
    const session = await issueSession(tx, deps, account, ctx);
    await tx.events.recordEvent({ accountId: account.id, type: 'signin.succeeded', now, ip: ctx.ip, device: session.session.device, sessionId: session.session.id });
    if (isNewDevice(earlier, { device: session.session.device, ip: ctx.ip }, now)) {
      await queueNotice(tx, deps, { account, notice: { code: 'new-device-sign-in' }, origin: { at: now, device: session.session.device, ip: ctx.ip } });
    }
    return session;
  });
  observe('success');
  return { status: 'signed_in', ...issued, account: signedInAccount };
}
