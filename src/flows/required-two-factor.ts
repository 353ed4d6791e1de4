// Two-step verification required by role (issue 15, PASSDESK_REQUIRE_TWO_FACTOR_ROLES): a person of such a role
// without an authenticator app or a passkey is signed in to set one up and nothing else. The restriction is a
// property of the session, read where a request is authenticated (http/shared/context.ts for the API,
// http/shared/pages.ts for pages), like the forced password change leads to its page:
//   signed in with the password alone, role required, no second factor ──▶ restricted: only the routes marked
//     `beforeTwoFactor` (set up an app or a passkey, step-up, change a forced password, the session, sign out)
//   a factor confirmed in this session ──▶ the session re-authenticated with it (flows/steps/factor-added.ts)
//     ──▶ unrestricted
// Cheap on the hot path: nothing is read for a role not required, or for a session that authenticated with a
// second factor; only a password-only session of a required role costs a look at its factors.
import { PassdeskError } from '../core/errors.js';
import { hasSecondFactor } from '../methods/second-factor.js';
import type { Authenticated, FlowDeps } from './deps.js';
import { methodStrength } from './step-up.js';

/** Where a restricted session is sent (pages), and what the API error points to. */
export const TWO_FACTOR_SETUP_PAGE = '/security/two-factor';

/** A second factor's strength (methods/method.ts): what a session must have authenticated with to be past the rule. */
const SECOND_FACTOR_STRENGTH = 2;

export function roleRequiresTwoFactor(deps: Pick<FlowDeps, 'config'>, role: string): boolean {
  return deps.config.requireTwoFactorRoles?.includes(role) ?? false;
}

/** Whether this session may only set up a second factor (see the top of the file). */
export async function twoFactorSetupRequired(deps: Pick<FlowDeps, 'config' | 'store'>, auth: Authenticated): Promise<boolean> {
  if (!roleRequiresTwoFactor(deps, auth.account.role)) return false;
  if (methodStrength(auth.session.authenticatedWith) >= SECOND_FACTOR_STRENGTH) return false;
  return !(await hasSecondFactor(deps, auth.account.id));
}

/** The API's refusal: 403 TWO_FACTOR_SETUP_REQUIRED, saying where to go. */
export function twoFactorSetupError(): PassdeskError {
  return new PassdeskError('TWO_FACTOR_SETUP_REQUIRED', undefined, {
    setupPage: TWO_FACTOR_SETUP_PAGE,
    setupApi: ['POST /api/v1/2fa/totp', 'POST /api/v1/2fa/totp/confirm', 'POST /api/v1/passkeys/registration/options', 'POST /api/v1/passkeys/registration'],
  });
}
