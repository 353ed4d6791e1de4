// Administrative actions. Each one passes here first: the administrator role, and a recent authentication with
// the account's strongest method (step-up, flows/step-up.ts), since a stale or stolen admin session must not
// create administrators or change other people's accounts (issue 11 #5; NIST SP 800-63B-4 §2.2.3 reauthentication).
import { PassdeskError } from '../core/errors.js';
import type { FlowDeps } from './deps.js';
import type { Authenticated } from './sessions.js';
import { assertRecentAuthentication } from './step-up.js';

/** 403 FORBIDDEN for anyone but an administrator; 403 REAUTHENTICATION_REQUIRED for an administrator's stale session. */
export async function assertAdministrator(deps: FlowDeps, auth: Authenticated): Promise<void> {
  if (auth.account.role !== 'admin') throw new PassdeskError('FORBIDDEN');
  await assertRecentAuthentication(deps, auth);
}
