// Step-up (issue 6): sensitive changes need a recent authentication with the strongest method the account
// has. Each session records when the person last proved who they are and with what (sessions.authenticated_at
// and authenticated_with); sign-in sets it, and reauthenticate() refreshes it (rotating the token).
//
// Methods plug in here: a method has a strength, and an account accepts the methods of its strongest kind.
// Today: 'password' (strength 1); 'totp', 'recovery_code' and 'passkey' (strength 2: something you have). A
// passkey proves itself against a challenge bound to this session (startStepUpPasskey).
// A new factor adds itself to ReauthenticationInput, METHOD_STRENGTH, acceptedMethods and reauthenticate.
import { PassdeskError } from '../core/errors.js';
import { normalizeCode } from '../core/otp.js';
import { reserveGuess } from './attempt-budget.js';
import { admitSessionPasswordCheck } from './account-limit.js';
import type { AttemptBudget } from '../store/index.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import type { FlowDeps, RequestContext } from './deps.js';
import type { Authenticated, IssuedSession } from './sessions.js';
import { acceptTotp, findRecoveryCode, hasSecondFactor, secondFactorMethods, SECOND_FACTOR_BUDGET, TOO_MANY_WRONG_CODES } from './two-factor.js';
import { passkeyOptionsForAccount, verifyPasskeyForAccount } from './passkeys.js';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { clientKey, perIpKey } from '../core/client-key.js';

/** NIST SP 800-63B-4 §2.2.3 allows longer; 10 minutes is GitHub's and Microsoft's "sudo" window. */
export const DEFAULT_STEP_UP_MAX_AGE_MS = 10 * 60_000;
/** Wrong current passwords per account in REAUTH_FAILURE_WINDOW_MS, from step-up and the forms that ask for it. */
export const REAUTH_FAILURE_LIMIT = 5;
export const REAUTH_FAILURE_WINDOW_MS = 15 * 60_000;
/** Kept in the store (store/attempts.ts): holds across processes and nodes. */
export const REAUTH_PASSWORD_BUDGET: AttemptBudget = { purpose: 'reauth_password', limit: REAUTH_FAILURE_LIMIT, windowMs: REAUTH_FAILURE_WINDOW_MS };

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
 * The current password again. Wrong ones count per account (REAUTH_FAILURE_LIMIT per 15 minutes, a slot reserved in
 * the store before the password is checked, given back when it is right), in the account's consecutive-failure count
 * shared with sign-in (flows/account-limit.ts: at its limit the session is ended and the owner told), and in the
 * sign-in throttle for this address and IP, so a stolen session cannot guess without limit, from however many nodes.
 */
export async function verifyPasswordProof(deps: FlowDeps, auth: Authenticated, password: string, ctx: RequestContext): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  const throttle = deps.signInThrottle;
  const pairKey = `pair:${account.emailNormalized}\u0000${clientKey(ctx.ip)}`;
  const ipKey = perIpKey(ctx.ip);
  if (throttle && (throttle.perAccountAndIp.isLimited(pairKey) || throttle.perIp.isLimited(ipKey))) throw new PassdeskError('TOO_MANY_REQUESTS');
  const slot = await reserveGuess(deps.store, account.id, REAUTH_PASSWORD_BUDGET, now);
  // The account's consecutive-failure count, shared with sign-in (NIST SP 800-63B-4 §3.2.2: at most 100 per account).
  const check = await admitSessionPasswordCheck(deps, auth, ctx);
  if (!account.passwordHash || !(await deps.hasher.verify(account.passwordHash, password))) {
    throttle?.perAccountAndIp.recordFailure(pairKey);
    throttle?.perIp.recordFailure(ipKey);
    await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: 'password' } });
    await check.failed();
    throw new PassdeskError('CURRENT_PASSWORD_INCORRECT');
  }
  await deps.store.attempts.releaseAttempt(slot);
  await check.succeeded();
}

/**
 * A current authenticator code as proof for a signed-in session. Wrong codes share the account's budget with sign-in
 * and reset (SECOND_FACTOR_BUDGET: a slot reserved in the store before the code is checked, given back when it is
 * right); a TOTP step is accepted once (replay refused, as at sign-in). Returns nothing; throws on a wrong code.
 * (A recovery code is proven in reauthenticate(), which uses it up in the transaction that records it.)
 */
export async function verifySecondFactorProof(
  deps: FlowDeps,
  auth: Authenticated,
  input: { method: 'totp'; code: string },
  ctx: RequestContext,
): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  const slot = await reserveGuess(deps.store, account.id, SECOND_FACTOR_BUDGET, now, TOO_MANY_WRONG_CODES);
  if (!(await acceptTotp(deps, account.id, normalizeCode(input.code)))) {
    await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.second_factor_failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: input.method } });
    throw new PassdeskError('SECOND_FACTOR_CODE_INVALID');
  }
  await deps.store.attempts.releaseAttempt(slot);
}

/** Passkey options for step-up: the challenge is bound to this account and this session (its id survives rotation). */
export async function startStepUpPasskey(deps: FlowDeps, auth: Authenticated): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return passkeyOptionsForAccount(deps, auth.account.id, { purpose: 'step_up', binding: auth.session.id });
}

/** A passkey as proof for a signed-in session; failures share the account's second-factor budget. */
export async function verifyPasskeyProof(deps: FlowDeps, auth: Authenticated, response: AuthenticationResponseJSON, ctx: RequestContext): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  const slot = await reserveGuess(deps.store, account.id, SECOND_FACTOR_BUDGET, now, 'Too many failed tries for this account. Wait 15 minutes and try again.');
  if (!(await verifyPasskeyForAccount(deps, account.id, response, { purpose: 'step_up', binding: session.id }))) {
    await deps.store.events.recordEvent({ accountId: account.id, type: 'reauth.second_factor_failed', now, ip: ctx.ip, device: session.device, sessionId: session.id, detail: { method: 'passkey' } });
    throw new PassdeskError('PASSKEY_INVALID');
  }
  await deps.store.attempts.releaseAttempt(slot);
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
  else if (input.method === 'totp') await verifySecondFactorProof(deps, auth, input, ctx);

  const now = deps.clock.now();
  // A recovery code: a slot of the account's budget first, then the comparison; the code is used up below, in
  // the same transaction that records the authentication (a failure there leaves it unused).
  let recovery: { slot: Awaited<ReturnType<typeof reserveGuess>>; codeId: string | null } | null = null;
  if (input.method === 'recovery_code') {
    const slot = await reserveGuess(deps.store, auth.account.id, SECOND_FACTOR_BUDGET, now, TOO_MANY_WRONG_CODES);
    recovery = { slot, codeId: await findRecoveryCode(deps, deps.store, auth.account.id, input.code) };
  }
  const wrongRecoveryCode = async (): Promise<never> => {
    await deps.store.events.recordEvent({ accountId: auth.account.id, type: 'reauth.second_factor_failed', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { method: 'recovery_code' } });
    throw new PassdeskError('SECOND_FACTOR_CODE_INVALID');
  };
  if (recovery && recovery.codeId === null) return wrongRecoveryCode();
  const token = generateToken(deps.random);
  const done = await deps.store.transaction(async (tx) => {
    if (recovery?.codeId) {
      if (!(await tx.twoFactor.useRecoveryCode(auth.account.id, recovery.codeId, now))) return false;
      await tx.attempts.releaseAttempt(recovery.slot);
    }
    const updated = await tx.sessions.recordAuthentication(auth.session.id, { accountId: auth.account.id, at: now, method: input.method, newTokenHash: hashToken(token) });
    if (!updated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'reauth.succeeded', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { method: input.method } });
    if (input.method === 'recovery_code') {
      await tx.events.recordEvent({ accountId: auth.account.id, type: 'recovery_code.used', now, ip: ctx.ip, sessionId: auth.session.id });
      await queueNotice(tx, deps, { account: auth.account, notice: { code: 'recovery-code-used' }, origin: { at: now, device: auth.session.device, ip: ctx.ip } });
    }
    return true;
  });
  if (!done) return wrongRecoveryCode();
  const session = { ...auth.session, authenticatedAt: now, authenticatedWith: input.method };
  return { token, session, method: input.method, validUntil: now + stepUpMaxAgeMs(deps) };
}
