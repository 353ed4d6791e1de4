// Step-up (issue 6): sensitive changes need a recent authentication with the strongest method the account
// has. Each session records when the person last proved who they are and with what (sessions.authenticated_at
// and authenticated_with); sign-in sets it, and reauthenticate() refreshes it (rotating the token).
//
// Methods plug in here: a method has a strength, and an account accepts the methods of its strongest kind.
// Today: 'password' (strength 1); 'totp', 'recovery_code' and 'passkey' (strength 2: something you have). A
// passkey proves itself against a challenge bound to this session (startStepUpPasskey).
// A new factor adds itself to ReauthenticationInput, METHOD_STRENGTH, acceptedMethods and reauthenticate.
import { oneAtATime } from './one-at-a-time.js';
import { PassdeskError } from '../core/errors.js';
import { normalizeCode } from '../core/otp.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import type { FlowDeps, RequestContext } from './deps.js';
import type { Authenticated, IssuedSession } from './sessions.js';
import { acceptTotp, hasSecondFactor, MAX_ACCOUNT_FAILURES, recentSecondFactorFailures, recoveryCodeHash, secondFactorMethods } from './two-factor.js';
import { passkeyOptionsForAccount, verifyPasskeyForAccount } from './passkeys.js';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';

/** NIST SP 800-63B-4 §2.2.3 allows longer; 10 minutes is GitHub's and Microsoft's "sudo" window. */
export const DEFAULT_STEP_UP_MAX_AGE_MS = 10 * 60_000;
/** Wrong current passwords per account in REAUTH_FAILURE_WINDOW_MS, from step-up and the forms that ask for it. */
export const REAUTH_FAILURE_LIMIT = 5;
export const REAUTH_FAILURE_WINDOW_MS = 15 * 60_000;

export type StepUpMethod = 'password' | 'totp' | 'recovery_code' | 'passkey';

export type ReauthenticationInput =
  | { method: 'password'; password: string }
  | { method: 'totp'; code: string }
  | { method: 'recovery_code'; code: string }
  | { method: 'passkey'; response: AuthenticationResponseJSON };

/** A second factor outranks the password alone; an unknown method (an old row) counts for nothing. */
const METHOD_STRENGTH: Record<StepUpMethod, number> = { password: 1, totp: 2, recovery_code: 2, passkey: 2 };

export function methodStrength(method: string): number {
  return (METHOD_STRENGTH as Record<string, number>)[method] ?? 0;
}

export function stepUpMaxAgeMs(deps: Pick<FlowDeps, 'config'>): number {
  return deps.config.stepUpMaxAgeMs ?? DEFAULT_STEP_UP_MAX_AGE_MS;
}

/** The methods this account re-authenticates with: its second factors when it has one, else its password. */
export async function acceptedMethods(deps: Pick<FlowDeps, 'store'>, accountId: string): Promise<StepUpMethod[]> {
  if (await hasSecondFactor(deps, accountId)) return secondFactorMethods(deps, accountId);
  return ['password'];
}

export interface StepUpState {
  /** True when the session's last authentication is recent and strong enough for a sensitive change. */
  recent: boolean;
  methods: StepUpMethod[];
  /** Until when the current authentication counts (ms), or null when it does not count now. */
  validUntil: number | null;
}

export async function stepUpState(deps: FlowDeps, auth: Authenticated, o: { maxAgeMs?: number } = {}): Promise<StepUpState> {
  const maxAge = o.maxAgeMs ?? stepUpMaxAgeMs(deps);
  const methods = await acceptedMethods(deps, auth.account.id);
  const required = Math.max(...methods.map(methodStrength));
  const strongEnough = methodStrength(auth.session.authenticatedWith) >= required;
  const validUntil = auth.session.authenticatedAt + maxAge;
  const recent = strongEnough && deps.clock.now() < validUntil;
  return { recent, methods, validUntil: recent ? validUntil : null };
}

/**
 * Throws 403 REAUTHENTICATION_REQUIRED unless the session authenticated within `maxAgeMs` (default: config,
 * 10 minutes) with a method as strong as the account's strongest. details.methods tells clients what to send
 * to POST /api/v1/session/reauthenticate.
 */
export async function assertRecentAuthentication(deps: FlowDeps, auth: Authenticated, o: { maxAgeMs?: number } = {}): Promise<void> {
  const state = await stepUpState(deps, auth, o);
  if (state.recent) return;
  throw new PassdeskError('REAUTHENTICATION_REQUIRED', undefined, {
    methods: state.methods,
    maxAgeSeconds: Math.floor((o.maxAgeMs ?? stepUpMaxAgeMs(deps)) / 1000),
    endpoint: '/api/v1/session/reauthenticate',
  });
}

/**
 * The current password again. Wrong ones count per account (REAUTH_FAILURE_LIMIT per 15 minutes, 'reauth.failed')
 * and in the sign-in throttle for this address and IP, so a stolen session cannot guess without limit.
 */
export async function verifyPasswordProof(deps: FlowDeps, auth: Authenticated, password: string, ctx: RequestContext): Promise<void> {
  return oneAtATime(`guess:${auth.account.id}`, async () => {
    const { account, session } = auth;
    const now = deps.clock.now();
    const throttle = deps.signInThrottle;
    const pairKey = `pair:${account.emailNormalized}\u0000${ctx.ip ?? 'unknown'}`;
    const ipKey = `ip:${ctx.ip ?? 'unknown'}`;
    if (throttle && (throttle.perAccountAndIp.isLimited(pairKey) || throttle.perIp.isLimited(ipKey))) throw new PassdeskError('TOO_MANY_REQUESTS');
    const failures = await deps.store.events.countEvents(account.id, 'reauth.failed', { since: now - REAUTH_FAILURE_WINDOW_MS });
    if (failures >= REAUTH_FAILURE_LIMIT) throw new PassdeskError('TOO_MANY_REQUESTS');
    if (!account.passwordHash || !(await deps.hasher.verify(account.passwordHash, password))) {
      throttle?.perAccountAndIp.recordFailure(pairKey);
      throttle?.perIp.recordFailure(ipKey);
      await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: 'password' } });
      throw new PassdeskError('CURRENT_PASSWORD_INCORRECT');
    }
  });
}

/**
 * A second-factor code as proof for a signed-in session. Wrong codes share the account's budget with sign-in and
 * reset (MAX_ACCOUNT_FAILURES per 15 minutes); a TOTP step is accepted once (replay refused, as at sign-in); a
 * recovery code is used up. Returns nothing; throws on a wrong code.
 */
export async function verifySecondFactorProof(
  deps: FlowDeps,
  auth: Authenticated,
  input: { method: 'totp' | 'recovery_code'; code: string },
  ctx: RequestContext,
): Promise<void> {
  return oneAtATime(`guess:${auth.account.id}`, async () => {
    const { account, session } = auth;
    const now = deps.clock.now();
    if ((await recentSecondFactorFailures(deps, account.id, now)) >= MAX_ACCOUNT_FAILURES) {
      throw new PassdeskError('TOO_MANY_REQUESTS', 'Too many wrong codes for this account. Wait 15 minutes and try again.');
    }
    const code = normalizeCode(input.code);
    const ok = input.method === 'totp'
      ? await acceptTotp(deps, account.id, code)
      : await deps.store.twoFactor.consumeRecoveryCode(account.id, recoveryCodeHash(code), now);
    if (!ok) {
      await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.second_factor_failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: input.method } });
      throw new PassdeskError('SECOND_FACTOR_CODE_INVALID');
    }
  });
}

/** Passkey options for step-up: the challenge is bound to this account and this session (its id survives rotation). */
export async function startStepUpPasskey(deps: FlowDeps, auth: Authenticated): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return passkeyOptionsForAccount(deps, auth.account.id, { purpose: 'step_up', binding: auth.session.id });
}

/** A passkey as proof for a signed-in session; failures share the account's second-factor budget. */
export async function verifyPasskeyProof(deps: FlowDeps, auth: Authenticated, response: AuthenticationResponseJSON, ctx: RequestContext): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  if ((await recentSecondFactorFailures(deps, account.id, now)) >= MAX_ACCOUNT_FAILURES) {
    throw new PassdeskError('TOO_MANY_REQUESTS', 'Too many failed tries for this account. Wait 15 minutes and try again.');
  }
  if (!(await verifyPasskeyForAccount(deps, account.id, response, { purpose: 'step_up', binding: session.id }))) {
    await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.second_factor_failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: 'passkey' } });
    throw new PassdeskError('PASSKEY_INVALID');
  }
}

export interface Reauthenticated extends IssuedSession {
  method: StepUpMethod;
  validUntil: number;
}

/**
 * "Confirm it's you": proves the strongest method the account has, then records the authentication on the
 * session and rotates its token (DESIGN.md: rotated at every privilege change), in one transaction. The
 * session keeps its id, devices entry and absolute expiry.
 */
export async function reauthenticate(deps: FlowDeps, auth: Authenticated, input: ReauthenticationInput, ctx: RequestContext): Promise<Reauthenticated> {
  const methods = await acceptedMethods(deps, auth.account.id);
  if (!methods.includes(input.method)) throw new PassdeskError('REAUTHENTICATION_METHOD_NOT_ACCEPTED', undefined, { methods });
  if (input.method === 'password') await verifyPasswordProof(deps, auth, input.password, ctx);
  else if (input.method === 'passkey') await verifyPasskeyProof(deps, auth, input.response, ctx);
  else await verifySecondFactorProof(deps, auth, input, ctx);

  const now = deps.clock.now();
  const token = generateToken(deps.random);
  await deps.store.transaction(async (tx) => {
    const updated = await tx.sessions.recordAuthentication(auth.session.id, { accountId: auth.account.id, at: now, method: input.method, newTokenHash: hashToken(token) });
    if (!updated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'reauth.succeeded', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { method: input.method } });
    if (input.method === 'recovery_code') {
      await tx.events.recordEvent({ accountId: auth.account.id, type: 'recovery_code.used', now, ip: ctx.ip, sessionId: auth.session.id });
      await queueNotice(tx, deps, { account: auth.account, notice: { code: 'recovery-code-used' }, origin: { at: now, device: auth.session.device, ip: ctx.ip } });
    }
  });
  const session = { ...auth.session, authenticatedAt: now, authenticatedWith: input.method };
  return { token, session, method: input.method, validUntil: now + stepUpMaxAgeMs(deps) };
}
