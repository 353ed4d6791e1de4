// Creating accounts as an administrator (API) or an operator (CLI). Self-service sign-up is flows/sign-up.ts: it
// makes an account only once its address is confirmed. Here the administrator chooses (`emailConfirmed`, default
// true): confirmed, the account is ready as it is; unconfirmed, the person is sent a link and a code to confirm the
// address (flows/sign-up.ts createConfirmation), and until then no password reset goes to it.
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { describeDevice } from '../core/device.js';
import { queueNotice } from '../mail/notices.js';
import { assertPasswordAllowed } from './password-policy.js';
import type { Account } from '../store/index.js';
import type { Role } from '../store/schema.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { assertAdministrator } from './admin.js';
import type { Authenticated } from './sessions.js';
import { createConfirmation, SIGN_UP_TTL_MS } from './sign-up.js';

export interface RegisterInput {
  email: string;
  password: string;
  displayName?: string | undefined;
  role?: Role | undefined;
  /** Whether the address counts as confirmed (default true); false sends the person a confirmation link and code. */
  emailConfirmed?: boolean | undefined;
}

export interface RegisterResult {
  account: Account;
}

export type Registrar = { kind: 'admin'; auth: Authenticated } | { kind: 'cli' };

export async function registerAccount(deps: FlowDeps, input: RegisterInput, ctx: RequestContext, by: Registrar): Promise<RegisterResult> {
  if (by.kind === 'admin') await assertAdministrator(deps, by.auth);
  const role: Role = input.role ?? 'user';
  const email = input.email.trim();
  await assertPasswordAllowed(deps, input.password, 'choose', { email, displayName: input.displayName ?? null });
  const emailNormalized = normalizeEmail(email);
  const passwordHash = await deps.hasher.hash(input.password);
  const now = deps.clock.now();
  const emailConfirmed = input.emailConfirmed ?? true;

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
      emailConfirmed,
    });
    if (!account) throw new PassdeskError('EMAIL_TAKEN');
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'account.created',
      now,
      ip: ctx.ip,
      detail: { by: by.kind, emailConfirmed, ...(by.kind === 'admin' ? { adminId: by.auth.account.id } : {}) },
    });
    if (!emailConfirmed) {
      const { token, code } = await createConfirmation(tx, deps, {
        email,
        emailNormalized,
        displayName: account.displayName,
        passwordHash: null,
        accountId: account.id,
        locale: account.locale,
        now,
      });
      await queueNotice(tx, deps, {
        account,
        notice: { code: 'account-email-confirmation', token, confirmationCode: code, hours: SIGN_UP_TTL_MS / 3_600_000 },
        origin: { at: now, device: ctx.userAgent ? describeDevice(ctx.userAgent) : null, ip: ctx.ip },
      });
    }
    return { account };
  });
}
