// An authenticator app (TOTP, RFC 6238): a seed sealed at rest (core/secret-box.ts), bound to its row. Enrolment
// (start, confirm, remove) is the two-factor flow's; this file opens seeds and accepts a current code.
import { PassdeskError } from '../core/errors.js';
import { english } from '../core/messages.js';
import { normalizeCode, verifyTotp } from '../core/otp.js';
import type { SecondFactor } from '../store/index.js';
import { SECOND_FACTOR_BUDGET } from './attempt-budget.js';
import type { FlowDeps } from './deps.js';
import type { Method } from './method.js';

/** What the person sees in lists and emails. */
export const TOTP_METHOD_NAME = english.t('email.common.method.totp');

export function secondFactorSecrets(deps: Pick<FlowDeps, 'secondFactorSecrets'>): NonNullable<FlowDeps['secondFactorSecrets']> {
  if (!deps.secondFactorSecrets) throw new PassdeskError('SERVICE_UNAVAILABLE');
  return deps.secondFactorSecrets;
}

/** Associated data binding a sealed seed to its row. */
export const sealContext = (accountId: string, factorId: string): string => `totp:${accountId}:${factorId}`;

export function openSecret(deps: Pick<FlowDeps, 'secondFactorSecrets'>, f: SecondFactor): Uint8Array | null {
  return secondFactorSecrets(deps).open({ keyId: f.keyId, ciphertext: f.secretCiphertext }, sealContext(f.accountId, f.id));
}

/** Accepts a TOTP code from any confirmed factor of the account, once per time step (replay refused). */
export async function acceptTotp(deps: FlowDeps, accountId: string, code: string): Promise<boolean> {
  const now = deps.clock.now();
  for (const f of await deps.store.twoFactor.listFactors(accountId)) {
    if (f.confirmedAt === null || f.type !== 'totp') continue;
    const secret = openSecret(deps, f);
    if (!secret) continue;
    const step = verifyTotp({ secret }, code, now, { afterStep: f.lastUsedStep });
    if (step !== null && (await deps.store.twoFactor.useFactorStep(f.id, step))) return true;
  }
  return false;
}

/**
 * Whether a code refused by acceptTotp would have been right but for the replay rule: it belongs to a time step at or
 * before one already used (the code that just confirmed an app or signed in, typed again within its 30 seconds). The
 * person is then told to wait for the next code instead of hearing that the code is wrong. Asked only after a refusal,
 * whose attempt was already counted, so it tells an attacker nothing a right guess would not.
 */
export async function totpCodeAlreadyUsed(deps: FlowDeps, accountId: string, code: string): Promise<boolean> {
  const now = deps.clock.now();
  const normalized = normalizeCode(code);
  for (const f of await deps.store.twoFactor.listFactors(accountId)) {
    if (f.confirmedAt === null || f.type !== 'totp' || f.lastUsedStep === null) continue;
    const secret = openSecret(deps, f);
    const step = secret ? verifyTotp({ secret }, normalized, now) : null;
    if (step !== null && step <= f.lastUsedStep) return true;
  }
  return false;
}

export const totp: Method<string, true, 'totp'> = {
  id: 'totp',
  strength: 2,
  budget: SECOND_FACTOR_BUDGET,
  async available(deps, accountId) {
    return (await deps.store.twoFactor.countConfirmedFactors(accountId)) > 0;
  },
  async verify(deps, account, code) {
    return (await acceptTotp(deps, account.id, normalizeCode(code))) ? true : null;
  },
};
