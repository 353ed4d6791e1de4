// Changing a password while signed in (the seed procedure). Verify the current password (methods/password.ts),
// check the new one, then in ONE transaction (replacePassword, flows/steps/replace-password.ts): new hash, change
// time, the current session rotated, other devices signed out (default), and the audit event. A wrong current
// password changes nothing and counts as a failure.
//
// State: none of its own; the account's password and the session change together or not at all.
//   signed in ──current password right, new one allowed──▶ password replaced, session rotated
//             ──current password wrong──▶ unchanged (counted: CHANGE_PASSWORD_BUDGET and the account's limit)
import { PassdeskError } from '../core/errors.js';
import { normalizePassword } from '../core/password-rules.js';
import { assertPasswordAllowed } from './password-policy.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext } from './deps.js';
import { proveCurrentPassword } from '../methods/password.js';
import { replacePassword } from './steps/replace-password.js';
import { inDirectory, passwordPolicyFor, writeDirectoryPassword } from '../methods/directory-account.js';

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
  signOutOtherSessions?: boolean | undefined;
}

export interface ChangePasswordResult extends IssuedSession {
  signedOutSessions: number;
}

export { CHANGE_FAILURE_LIMIT, CHANGE_FAILURE_WINDOW_MS, CHANGE_PASSWORD_BUDGET, proveCurrentPassword } from '../methods/password.js';

export async function changePassword(deps: FlowDeps, auth: Authenticated, input: ChangePasswordInput, ctx: RequestContext): Promise<ChangePasswordResult> {
  const { account, session } = auth;
  const now = deps.clock.now();

  await proveCurrentPassword(deps, auth, input.currentPassword, ctx);
  if (normalizePassword(input.newPassword) === normalizePassword(input.currentPassword)) {
    throw new PassdeskError('PASSWORD_UNCHANGED');
  }
  const policy = await passwordPolicyFor(deps, account);
  await assertPasswordAllowed(deps, input.newPassword, 'change', { account, currentPassword: input.currentPassword, policy });

  const directory = inDirectory(deps, account) ? deps.directory : null;
  const newHash = directory ? null : await deps.hasher.hash(input.newPassword);
  const signOutOthers = input.signOutOtherSessions ?? true;
  return deps.store.transaction(async (tx) => {
    const { issued, signedOutSessions } = await replacePassword(tx, deps, { via: 'change', account, session, newHash, now, ctx, signOutOthers });
    // Last, so that the directory's refusal (its own history, age or quality rules) rolls back the rest.
    if (directory) await writeDirectoryPassword(directory, account, { via: 'change', oldPassword: input.currentPassword, newPassword: input.newPassword });
    return { ...issued, signedOutSessions };
  });
}
