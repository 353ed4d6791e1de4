// What removing a second factor (an authenticator app in flows/two-factor.ts, a passkey in flows/passkeys.ts)
// asks first, written once for both.
import { sentence } from '../../core/i18n/sentence.js';
import { PassdeskError } from '../../core/errors.js';
import { requiredMinLength } from '../../core/password-policy.js';
import { passwordLength } from '../../core/password-rules.js';
import { verifyPasswordProof } from '../../methods/password.js';
import { countSecondFactors } from '../../methods/second-factor.js';
import type { Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, RequestContext } from '../deps.js';
import { roleRequiresTwoFactor } from '../required-two-factor.js';
import { assertRecentAuthentication, verifySecondFactorProof } from '../step-up.js';

/**
 * What removing any second factor asks first (an app or a passkey alike): a recent authentication (step-up), then
 * the current password or a current code in the request, each counted against its failure limit. Removing the
 * last factor needs the password: without a second factor the single-factor minimum length applies (NIST SP
 * 800-63B-4 §3.1.1.2: 15 characters instead of 8), and a shorter one is refused with LAST_FACTOR_PASSWORD_TOO_SHORT
 * until it is changed. `what` says which kind of factor that message names.
 */
export async function assertFactorRemovalAllowed(
  deps: FlowDeps,
  auth: Authenticated,
  proof: { currentPassword?: string | undefined; code?: string | undefined },
  ctx: RequestContext,
  o: { what: 'app' | 'passkey' },
): Promise<LastFactorRule> {
  await assertRecentAuthentication(deps, auth);
  const policy = deps.config.passwordPolicy;
  const singleFactorMin = requiredMinLength(policy, false);
  const policyMatters = singleFactorMin > requiredMinLength(policy, true);
  const lengthMatters = policyMatters && (await countSecondFactors(deps.store, auth.account.id)) === 1;
  const noPassword = (): PassdeskError => new PassdeskError('SECOND_FACTOR_PROOF_REQUIRED', sentence('error.SECOND_FACTOR_PROOF_REQUIRED.lastFactor'));
  if (!proof.code && !proof.currentPassword) throw new PassdeskError('SECOND_FACTOR_PROOF_REQUIRED');
  if (lengthMatters && !proof.currentPassword) throw noPassword();
  if (proof.code) await verifySecondFactorProof(deps, auth, { method: 'totp', code: proof.code }, ctx);
  let ifLast: PassdeskError | null = policyMatters && !proof.currentPassword ? noPassword() : null;
  if (proof.currentPassword) {
    await verifyPasswordProof(deps, auth, proof.currentPassword, ctx);
    const length = passwordLength(proof.currentPassword);
    if (policyMatters && length < singleFactorMin) {
      ifLast = new PassdeskError(
        'LAST_FACTOR_PASSWORD_TOO_SHORT',
        sentence('error.LAST_FACTOR_PASSWORD_TOO_SHORT.detail', { min: singleFactorMin, length, factor: o.what }),
        { minLength: singleFactorMin, length },
      );
      if (lengthMatters) throw ifLast;
    }
  }
  return {
    // The count above was read before the proofs: a racing removal may have made this factor the last since.
    async assertInTransaction(tx) {
      await tx.twoFactor.lockAccountFactors(auth.account.id);
      const last = (await countSecondFactors(tx, auth.account.id)) === 1;
      // A role that must use two-step verification keeps at least one factor (PASSDESK_REQUIRE_TWO_FACTOR_ROLES).
      if (last && roleRequiresTwoFactor(deps, auth.account.role)) throw new PassdeskError('TWO_FACTOR_REQUIRED_BY_ROLE');
      if (ifLast && last) throw ifLast;
    },
  };
}

/** The last-factor rule again, inside the removal's transaction, with the account's row locked. */
export interface LastFactorRule {
  assertInTransaction(tx: Repositories): Promise<void>;
}
