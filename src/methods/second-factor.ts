// The account's second factors, asked by every flow that needs one: sign-in's second step (flows/two-factor.ts),
// step-up (flows/step-up.ts) and reset (flows/reset-password.ts). Authenticator apps and passkeys are factors;
// recovery codes stand in for a lost one (they count as a way to prove it, not as a factor).
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Account, Repositories } from '../store/index.js';
import type { FlowDeps } from './deps.js';
import type { ProofBinding } from './method.js';
import { passkey } from './passkey.js';
import { recoveryCode } from './recovery-code.js';
import { totp, totpCodeAlreadyUsed } from './totp.js';

export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** How a second factor is proven: a code (authenticator app, recovery code) or a passkey's assertion. */
export type SecondFactorProof = { method: 'totp' | 'recovery_code'; code: string } | { method: 'passkey'; response: AuthenticationResponseJSON };

/** In the order they are offered. Their availability reads only the factor tables. */
const SECOND_FACTORS: ReadonlyArray<{
  id: SecondFactorMethod;
  available(deps: { store: Pick<Repositories, 'twoFactor' | 'passkeys'> }, accountId: string): Promise<boolean>;
}> = [totp, passkey, recoveryCode];

/** An authenticator app or a passkey. */
export async function hasSecondFactor(deps: { store: Pick<Repositories, 'twoFactor' | 'passkeys'> }, accountId: string): Promise<boolean> {
  return (await deps.store.twoFactor.countConfirmedFactors(accountId)) > 0 || (await deps.store.passkeys.countPasskeys(accountId)) > 0;
}

/** Authenticator apps and passkeys together (recovery codes stand in for a factor; they are not one). */
export async function countSecondFactors(store: Pick<Repositories, 'twoFactor' | 'passkeys'>, accountId: string): Promise<number> {
  return (await store.twoFactor.countConfirmedFactors(accountId)) + (await store.passkeys.countPasskeys(accountId));
}

/** The ways this account can prove its second factor right now. */
export async function secondFactorMethods(deps: { store: Pick<Repositories, 'twoFactor' | 'passkeys'> }, accountId: string): Promise<SecondFactorMethod[]> {
  const methods: SecondFactorMethod[] = [];
  for (const m of SECOND_FACTORS) if (await m.available(deps, accountId)) methods.push(m.id);
  return methods;
}

/**
 * A checked second-factor proof; a recovery code's id is used up in the caller's transaction. A refused app code that
 * was right but already used (`used`) is answered SECOND_FACTOR_CODE_USED: "wait for the next one".
 */
export type SecondFactorCheck = { ok: false; used?: boolean } | { ok: true; recoveryCodeId: string | null };

/** The refusal of a wrong proof: a passkey's, an app code used already, or a wrong code. */
export function refusedProofCode(
  proof: SecondFactorProof,
  check: SecondFactorCheck,
): 'PASSKEY_INVALID' | 'SECOND_FACTOR_CODE_USED' | 'SECOND_FACTOR_CODE_INVALID' {
  if (proof.method === 'passkey') return 'PASSKEY_INVALID';
  return !check.ok && check.used ? 'SECOND_FACTOR_CODE_USED' : 'SECOND_FACTOR_CODE_INVALID';
}

/**
 * Checks a proof with the method it names; the caller has reserved the attempt (SECOND_FACTOR_BUDGET and its flow's
 * own counter) and records the outcome. A passkey's challenge must have been issued for `on`.
 */
export async function verifySecondFactor(deps: FlowDeps, account: Account, proof: SecondFactorProof, on: ProofBinding): Promise<SecondFactorCheck> {
  if (proof.method === 'passkey')
    return (await passkey.verify(deps, account, proof.response, on)) !== null ? { ok: true, recoveryCodeId: null } : { ok: false };
  if (proof.method === 'totp') {
    if ((await totp.verify(deps, account, proof.code, on)) !== null) return { ok: true, recoveryCodeId: null };
    return (await totpCodeAlreadyUsed(deps, account.id, proof.code)) ? { ok: false, used: true } : { ok: false };
  }
  const recoveryCodeId = await recoveryCode.verify(deps, account, proof.code, on);
  return recoveryCodeId !== null ? { ok: true, recoveryCodeId } : { ok: false };
}
