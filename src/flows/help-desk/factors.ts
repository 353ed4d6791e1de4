// Second factor removal by the help desk (issue 15): for a verified caller who lost a phone or a security key, the
// agent removes one named authenticator app or passkey, or all the recovery codes. The person's own removal
// (flows/two-factor.ts, flows/passkeys.ts) asks the person's step-up and a proof; here the verified caller and the
// agent's step-up stand in for them (flows/help-desk/action.ts). As there, with no factor left the recovery codes
// go too (they would be a way in of their own). The person is told at every address (primary and recovery).
//
// The last app or passkey goes only for a caller who proved more than the mailbox (their app's code). A person who
// lost every factor cannot: with two-person approval on, such a removal on an emailed code becomes a request that a
// second administrator must approve (the recovery path, whatever the person's role), and the person is told at every
// address while it waits, with "This wasn't me" to stop it. On a privileged account every removal waits anyway.
import { PassdeskError } from '../../core/errors.js';
import { english } from '../../core/messages.js';
import { countSecondFactors } from '../../methods/second-factor.js';
import { TOTP_METHOD_NAME } from '../../methods/totp.js';
import type { Account, CallerVerificationMethod, Repositories } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { type Actor, type AdminReason, adminAction, admitAdminAction, checkedReason } from './action.js';
import { approvalMayApply, type ApprovalPending, requestApprovalIfNeeded } from './approval-request.js';

/** Caller proofs that show more than the mailbox a reset reaches: enough to remove the person's last second factor. */
const STRONG_CALLER_PROOFS: readonly CallerVerificationMethod[] = ['totp'];

/** The factor id that names every recovery code of the account at once. */
export const RECOVERY_CODES_FACTOR_ID = 'recovery-codes';

export interface RemovedFactor {
  type: 'totp' | 'passkey' | 'recovery_codes';
  /** Second factors (apps and passkeys) the person still has. */
  remaining: number;
}

/** Removes the one factor `factorId` names, in the action's transaction (with the account's factors locked). */
async function removeOne(
  tx: Repositories,
  deps: FlowDeps,
  account: Account,
  factorId: string,
  now: number,
): Promise<{ type: RemovedFactor['type']; name: string }> {
  await tx.twoFactor.lockAccountFactors(account.id);
  if (factorId === RECOVERY_CODES_FACTOR_ID) {
    if ((await tx.twoFactor.countUnusedRecoveryCodes(account.id)) === 0) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    await tx.twoFactor.replaceRecoveryCodes(account.id, [], { now, newId: () => deps.random.uuid() });
    return { type: 'recovery_codes', name: english.t('email.common.method.recoveryCodes') };
  }
  const app = await tx.twoFactor.findFactor(account.id, factorId);
  if (app && app.confirmedAt !== null && (await tx.twoFactor.removeFactor(account.id, factorId))) return { type: 'totp', name: TOTP_METHOD_NAME };
  const passkey = await tx.passkeys.findPasskey(account.id, factorId);
  if (passkey && (await tx.passkeys.removePasskey(account.id, factorId))) {
    return { type: 'passkey', name: english.t('email.common.method.passkey', { name: passkey.name }) };
  }
  throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
}

/** Whether this removal would leave the person without an app or passkey, on a caller proof weaker than one. */
async function weakLastFactorRemoval(deps: FlowDeps, agentId: string, account: Account, factorId: string): Promise<boolean> {
  if (factorId === RECOVERY_CODES_FACTOR_ID || (await countSecondFactors(deps.store, account.id)) > 1) return false;
  return (await deps.store.callerVerifications.verifiedCallerUntil(agentId, account.id, deps.clock.now(), STRONG_CALLER_PROOFS)) === null;
}

/**
 * Removes one second factor of the person (needs a verified caller). 404 SECOND_FACTOR_NOT_FOUND for an id not
 * theirs. With two-person approval, an ApprovalPending when the removal waits for a second administrator.
 */
export async function removeFactorForCaller(
  deps: FlowDeps,
  actor: Actor,
  o: { accountId: string; factorId: string; why: AdminReason; ctx: RequestContext },
): Promise<RemovedFactor | ApprovalPending> {
  if (actor.kind === 'session' && approvalMayApply(deps, actor, 'factor.remove')) {
    checkedReason(o.why);
    const target = await admitAdminAction(deps, actor, 'factor.remove', o.accountId);
    if (target) {
      const recovery = await weakLastFactorRemoval(deps, actor.auth.account.id, target, o.factorId);
      const ask = { action: 'factor.remove', target, why: o.why, ctx: o.ctx, params: { factorId: o.factorId }, recovery } as const;
      const pending = await requestApprovalIfNeeded(deps, actor, ask);
      if (pending) return pending;
    }
  }
  const input = { action: 'factor.remove', targetId: o.accountId, why: o.why, ctx: o.ctx, params: { factorId: o.factorId } } as const;
  return adminAction(deps, actor, input, async (tx, target, now) => {
    const account = target as Account;
    const removed = await removeOne(tx, deps, account, o.factorId, now);
    const remaining = await countSecondFactors(tx, account.id);
    // The last app or passkey gone, an emailed code would be all that guards the account, and the mailbox is what
    // a reset proves already: the caller must have proven more than it (issue 15: no path around the second factor).
    // An approved request passed that bar with a second administrator instead (the recovery path above).
    if (remaining === 0 && removed.type !== 'recovery_codes' && actor.kind === 'session') {
      const strong = await tx.callerVerifications.verifiedCallerUntil(actor.auth.account.id, account.id, now, STRONG_CALLER_PROOFS);
      if (strong === null) throw new PassdeskError('CALLER_VERIFICATION_TOO_WEAK');
    }
    if (remaining === 0 && removed.type !== 'recovery_codes') await tx.twoFactor.replaceRecoveryCodes(account.id, [], { now, newId: () => deps.random.uuid() });
    return {
      result: { type: removed.type, remaining },
      detail: { type: removed.type, factorId: o.factorId, remaining },
      notice: { code: 'second-factor-removed', method: removed.name },
    };
  });
}
