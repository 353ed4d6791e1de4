// Step-up (issue 6): sensitive changes need a recent authentication with the strongest method the account
// has. Each session records when the person last proved who they are and with what (sessions.authenticated_at
// and authenticated_with); sign-in sets it, and reauthenticate() refreshes it (rotating the token).
//
// The methods are asked (src/methods/): each has a strength, and an account accepts the methods of its strongest
// kind. Today: 'password' (strength 1); 'totp', 'recovery_code' and 'passkey' (strength 2: something you have). A
// passkey proves itself against a challenge bound to this session (startStepUpPasskey).
// A new factor adds itself to methods/, ReauthenticationInput, METHOD_STRENGTH and reauthenticate.
//
// State: on the session (authenticated_at, authenticated_with), no table of its own:
//   stale ──reauthenticate (the strongest method the account has)──▶ recent (token rotated) ──stepUpMaxAgeMs──▶ stale
import { sentence } from '../core/i18n/sentence.js';
import { PassdeskError } from '../core/errors.js';
import { reserveGuess, SECOND_FACTOR_BUDGET, TOO_MANY_WRONG_CODES } from '../methods/attempt-budget.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext } from './deps.js';
import { hasSecondFactor, secondFactorMethods } from '../methods/second-factor.js';
import { password, verifyPasswordProof } from '../methods/password.js';
import { totp, totpCodeAlreadyUsed } from '../methods/totp.js';
import { passkey } from '../methods/passkey.js';
import { recordRecoveryCodeUse, recoveryCode } from '../methods/recovery-code.js';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';

/** NIST SP 800-63B-4 §2.2.3 allows longer; 10 minutes is GitHub's and Microsoft's "sudo" window. */
export const DEFAULT_STEP_UP_MAX_AGE_MS = 10 * 60_000;
export { REAUTH_FAILURE_LIMIT, REAUTH_FAILURE_WINDOW_MS, REAUTH_PASSWORD_BUDGET, verifyPasswordProof } from '../methods/password.js';

export type StepUpMethod = 'password' | 'totp' | 'recovery_code' | 'passkey';

export type ReauthenticationInput =
  | { method: 'password'; password: string }
  | { method: 'totp'; code: string }
  | { method: 'recovery_code'; code: string }
  | { method: 'passkey'; response: AuthenticationResponseJSON };

/** A second factor outranks the password alone; an unknown method (an old row) counts for nothing. */
const METHOD_STRENGTH: Record<StepUpMethod, number> = {
  password: password.strength,
  totp: totp.strength,
  recovery_code: recoveryCode.strength,
  passkey: passkey.strength,
};

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
  if ((await totp.verify(deps, account, input.code, { purpose: 'step_up', binding: session.id })) === null) {
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: 'reauth.second_factor_failed',
      now,
      ip: ctx.ip,
      device: session.device,
      sessionId: session.id,
      detail: { method: input.method },
    });
    throw new PassdeskError((await totpCodeAlreadyUsed(deps, account.id, input.code)) ? 'SECOND_FACTOR_CODE_USED' : 'SECOND_FACTOR_CODE_INVALID');
  }
  await deps.store.attempts.releaseAttempt(slot);
}

/** Passkey options for step-up: the challenge is bound to this account and this session (its id survives rotation). */
export async function startStepUpPasskey(deps: FlowDeps, auth: Authenticated): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return passkey.start(deps, auth.account.id, { purpose: 'step_up', binding: auth.session.id });
}

/** A passkey as proof for a signed-in session; failures share the account's second-factor budget. */
export async function verifyPasskeyProof(deps: FlowDeps, auth: Authenticated, response: AuthenticationResponseJSON, ctx: RequestContext): Promise<void> {
  const { account, session } = auth;
  const now = deps.clock.now();
  const slot = await reserveGuess(deps.store, account.id, SECOND_FACTOR_BUDGET, now, sentence('error.TOO_MANY_REQUESTS.stepUp'));
  if (!(await passkey.verify(deps, account, response, { purpose: 'step_up', binding: session.id }))) {
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: 'reauth.second_factor_failed',
      now,
      ip: ctx.ip,
      device: session.device,
      sessionId: session.id,
      detail: { method: 'passkey' },
    });
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
    recovery = { slot, codeId: await recoveryCode.verify(deps, auth.account, input.code, { purpose: 'step_up', binding: auth.session.id }) };
  }
  const wrongRecoveryCode = async (): Promise<never> => {
    await deps.store.events.recordEvent({
      accountId: auth.account.id,
      type: 'reauth.second_factor_failed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { method: 'recovery_code' },
    });
    throw new PassdeskError('SECOND_FACTOR_CODE_INVALID');
  };
  if (recovery && recovery.codeId === null) return wrongRecoveryCode();
  const token = generateToken(deps.random);
  const done = await deps.store.transaction(async (tx) => {
    if (recovery?.codeId) {
      if (!(await tx.twoFactor.useRecoveryCode(auth.account.id, recovery.codeId, now))) return false;
      await tx.attempts.releaseAttempt(recovery.slot);
    }
    const updated = await tx.sessions.recordAuthentication(auth.session.id, {
      accountId: auth.account.id,
      at: now,
      method: input.method,
      newTokenHash: hashToken(token),
    });
    if (!updated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'reauth.succeeded',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { method: input.method },
    });
    if (input.method === 'recovery_code') {
      await recordRecoveryCodeUse(tx, deps, auth.account, { now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id });
    }
    return true;
  });
  if (!done) return wrongRecoveryCode();
  const session = { ...auth.session, authenticatedAt: now, authenticatedWith: input.method };
  return { token, session, method: input.method, validUntil: now + stepUpMaxAgeMs(deps) };
}
