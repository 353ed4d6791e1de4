// Creating accounts: self-service sign-up when registration is open, administrators and the CLI always.
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { assertPasswordAllowed } from './password-policy.js';
import type { Account } from '../store/index.js';
import type { Role } from '../store/schema.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { assertAdministrator } from './admin.js';
import { issueSession, type Authenticated, type IssuedSession } from './sessions.js';

export interface RegisterInput {
  email: string;
  password: string;
  displayName?: string | undefined;
  role?: Role | undefined;
}

export interface RegisterResult {
  account: Account;
  /** Present for self-service sign-up: the new person is signed in. */
  signedIn: IssuedSession | null;
}

export type Registrar = { kind: 'self' } | { kind: 'admin'; auth: Authenticated } | { kind: 'cli' };

export async function registerAccount(deps: FlowDeps, input: RegisterInput, ctx: RequestContext, by: Registrar): Promise<RegisterResult> {
  if (by.kind === 'self' && deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
  if (by.kind === 'admin') await assertAdministrator(deps, by.auth);
  const role: Role = by.kind === 'self' ? 'user' : (input.role ?? 'user');
  if (by.kind === 'self' && input.role && input.role !== 'user') throw new PassdeskError('FORBIDDEN');

  const email = input.email.trim();
  await assertPasswordAllowed(deps, input.password, 'choose', { email, displayName: input.displayName ?? null });
  const emailNormalized = normalizeEmail(email);
  const passwordHash = await deps.hasher.hash(input.password);
  const now = deps.clock.now();

  return deps.store.transaction(async (tx) => {
    // An address another account changed away from in the last 7 days is kept for it ("This wasn't me" puts it
    // back; flows/change-email.ts): taken, as far as a new account is concerned.
    if (await tx.emailChanges.findEmailReservation(emailNormalized, now)) throw new PassdeskError('EMAIL_TAKEN');
    const account = await tx.accounts.createAccount({
      id: deps.random.uuid(),
      email,
      emailNormalized,
      displayName: input.displayName?.trim() || email.split('@')[0] || email,
      role,
      passwordHash,
      now,
    });
    if (!account) throw new PassdeskError('EMAIL_TAKEN');
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'account.created',
      now,
      ip: ctx.ip,
      detail: { by: by.kind, ...(by.kind === 'admin' ? { adminId: by.auth.account.id } : {}) },
    });
    const signedIn = by.kind === 'self' ? await issueSession(tx, deps, account, ctx) : null;
    return { account, signedIn };
  });
}
