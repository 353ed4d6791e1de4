// Changing the sign-in address (issue 16). A person with a recent authentication (step-up) enters a new address; a
// link and an 8-digit code go to it; either confirms the change (a row in email_changes, EmailChangeFlowState):
//   pending ─(the link, or the code typed by the signed-in person, before expires_at)─▶ confirmed
//      │                                   confirmed ─("This wasn't me" from the old address, before restore_until)─▶ restored
//      └──── voided (a newer change asked for; the account secured; the address taken meanwhile)
// Confirming is ONE transaction: the address changes, every session but the current one ends, trusted device cookies
// and live reset links (sent to the old address) end, the event, and a notice to the OLD address (and the recovery
// address) with a "This wasn't me" link. That link (flows/not-me.ts) secures the account as it does for every notice
// and, within EMAIL_RESTORE_WINDOW_MS of the change, puts the old address back; until then the old address stays
// reserved for the account, so nobody can register it or move another account to it.
//
// No enumeration: when the new address belongs to another account (or is reserved for one), the answer, the pending
// state and the page are exactly those of a free address; the code and link made for it are never sent, so the change
// can never be confirmed. That address gets a message that names no one ("someone asked to use this address for
// another account; nothing changed; if it was you, sign in with it"): neither the requesting account nor its address,
// device or IP. A wrong code is refused before anything about the address is looked at.
//
// Wrong codes: counted per account by the shared attempt limiter (deps.emailChangeThrottle, Redis across nodes),
// reserved before the check and given back when the code is right; requests too (each sends an email). Directory accounts: the address is the
// directory's (refused with MANAGED_BY_DIRECTORY; the pages hide the control).
import { sentence } from '../core/i18n/sentence.js';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import { emailCodeDigest, newEmailCode } from '../methods/email-code.js';
import type { Account, EmailChange, EmailChangeKey, Repositories } from '../store/index.js';
import type { EmailChangeState } from '../store/schema.js';
import type { Authenticated, FlowDeps, RequestContext, SameUnion } from './deps.js';
import { assertRecentAuthentication } from './step-up.js';
import { endAccess } from './steps/replace-password.js';

/** The row's states drawn at the top of this file (email_changes.state). */
export type EmailChangeFlowState = 'pending' | 'confirmed' | 'restored' | 'voided';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const EMAIL_CHANGE_STATES_MATCH_STORE: SameUnion<EmailChangeFlowState, EmailChangeState> = true;

/** How long the link and the code work (as a reset's). */
export const EMAIL_CHANGE_TTL_MS = 30 * 60_000;
/** How long "This wasn't me" from the old address puts it back (and the old address stays reserved). */
export const EMAIL_RESTORE_WINDOW_MS = 7 * 86_400_000;
/** Wrong codes per account in the window (OWASP: limit guessing; 8 digits leave 5 guesses a 1 in 20 million chance). */
export const EMAIL_CHANGE_MAX_WRONG_CODES = 5;
export const EMAIL_CHANGE_CODE_WINDOW_MS = 15 * 60_000;
/** Changes asked for per account in the window: each sends an email to an address the person typed. */
export const EMAIL_CHANGE_MAX_REQUESTS = 5;
export const EMAIL_CHANGE_REQUEST_WINDOW_MS = 60 * 60_000;
const CODE_DIGITS = 8;

export interface EmailAddressState {
  address: string;
  /** False for a directory account: the address is the directory's. */
  changeable: boolean;
  /** A change waiting for its link or code. */
  pending: { address: string; expiresAt: number } | null;
}

/** A directory account's address is the directory's: changing it here is refused. */
export function isAddressManagedByDirectory(account: Pick<Account, 'directoryId'>): boolean {
  return account.directoryId !== null;
}

function assertChangeable(account: Account): void {
  if (isAddressManagedByDirectory(account)) throw new PassdeskError('MANAGED_BY_DIRECTORY', sentence('error.MANAGED_BY_DIRECTORY.email'));
}

export async function emailAddressState(deps: FlowDeps, auth: Authenticated): Promise<EmailAddressState> {
  const changeable = !isAddressManagedByDirectory(auth.account);
  const pending = changeable ? await deps.store.emailChanges.findPendingEmailChange(auth.account.id, deps.clock.now()) : null;
  return { address: auth.account.email, changeable, pending: pending ? { address: pending.newEmail, expiresAt: pending.expiresAt } : null };
}

/** The account that holds an address other than `accountId`: as its sign-in address, or kept for it to restore. */
async function otherHolder(store: Repositories, emailNormalized: string, accountId: string, now: number): Promise<Account | null> {
  const owner = await store.accounts.findAccountByEmail(emailNormalized);
  if (owner) return owner.id === accountId ? null : owner;
  const reserved = await store.emailChanges.findEmailReservation(emailNormalized, now);
  if (!reserved || reserved.accountId === accountId) return null;
  return store.accounts.findAccountById(reserved.accountId);
}

/** Whether an address is kept for an account's "This wasn't me" (flows/register.ts refuses it like a taken one). */
export async function isEmailReserved(deps: Pick<FlowDeps, 'store' | 'clock'>, emailNormalized: string): Promise<boolean> {
  return (await deps.store.emailChanges.findEmailReservation(emailNormalized, deps.clock.now())) !== null;
}

/**
 * Asks for a change to `email`: the same answer whether the address is free or another account's (see the top of
 * this file). Needs a recent authentication.
 */
export async function requestEmailChange(deps: FlowDeps, auth: Authenticated, input: { email: string }, ctx: RequestContext): Promise<EmailAddressState> {
  const { account, session } = auth;
  assertChangeable(account);
  await assertRecentAuthentication(deps, auth);
  const newEmail = input.email.trim();
  const normalized = normalizeEmail(newEmail);
  const recovery = (await deps.store.mailPreferences.getMailPreferences(account.id)).recoveryEmail;
  if (normalized === account.emailNormalized || (recovery !== null && normalizeEmail(recovery) === normalized)) {
    throw new PassdeskError('EMAIL_CHANGE_SAME_ADDRESS');
  }
  // Counted alike for free and taken addresses, so the limit says nothing about them either.
  const requests = deps.emailChangeThrottle?.requests;
  if (requests && !(await requests.reserve(account.id))) throw new PassdeskError('TOO_MANY_REQUESTS');
  const now = deps.clock.now();
  const token = generateToken(deps.random);
  const code = newEmailCode(deps, CODE_DIGITS);
  await deps.store.transaction(async (tx) => {
    const holder = await otherHolder(tx, normalized, account.id, now);
    await tx.emailChanges.startEmailChange({
      id: deps.random.uuid(),
      accountId: account.id,
      newEmail,
      newEmailNormalized: normalized,
      tokenHash: hashToken(token),
      codeDigest: emailCodeDigest(deps, 'email-change', account.id, code),
      sessionId: session.id,
      now,
      expiresAt: now + EMAIL_CHANGE_TTL_MS,
    });
    // No address in the audit trail: the activity list says a change was asked for; the rows say to what.
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'email_address.change_requested',
      now,
      ip: ctx.ip,
      device: session.device,
      sessionId: session.id,
    });
    if (holder) {
      // Named by its own account (its name, its anti-phishing phrase), never by the one that asked.
      await queueNotice(tx, deps, {
        account: { id: holder.id, email: newEmail, displayName: holder.displayName, locale: holder.locale },
        notice: { code: 'email-change-address-taken' },
        origin: { at: now, device: null, ip: null },
        onlyTo: newEmail,
      });
      return;
    }
    await queueNotice(tx, deps, {
      account,
      notice: { code: 'email-change-verification', token, verificationCode: code, minutes: EMAIL_CHANGE_TTL_MS / 60_000, newEmail },
      origin: { at: now, device: session.device, ip: ctx.ip },
      onlyTo: newEmail,
    });
  });
  return emailAddressState(deps, auth);
}

export type EmailChangeProof = { code: string; auth: Authenticated } | { token: string; auth?: Authenticated | null };

/**
 * Confirms the pending change with the code (the signed-in person) or the emailed link's token (signed in or not).
 * The session kept is the confirming one when it is the account's, else the one that asked for the change.
 */
export async function confirmEmailChange(deps: FlowDeps, proof: EmailChangeProof, ctx: RequestContext): Promise<{ account: Account }> {
  const now = deps.clock.now();
  if ('code' in proof) {
    const { account } = proof.auth;
    assertChangeable(account);
    const limiter = deps.emailChangeThrottle?.perAccount;
    if (!limiter) throw new TypeError('change-email: deps.emailChangeThrottle is required');
    const slot = await limiter.reserve(account.id);
    if (!slot) throw new PassdeskError('TOO_MANY_REQUESTS', sentence('error.TOO_MANY_REQUESTS.codes'));
    const code = proof.code.trim();
    const key: EmailChangeKey = { accountId: account.id, codeDigest: emailCodeDigest(deps, 'email-change', account.id, code) };
    const pending = await deps.store.emailChanges.findPendingEmailChange(account.id, now);
    const done = pending ? await applyEmailChange(deps, { key, pending, via: 'code', auth: proof.auth }, ctx) : null;
    if (!done) {
      await deps.store.events.recordEvent({
        accountId: account.id,
        type: 'email_address.change_code_failed',
        now,
        ip: ctx.ip,
        device: proof.auth.session.device,
        sessionId: proof.auth.session.id,
      });
      throw new PassdeskError('VERIFICATION_CODE_INVALID');
    }
    await slot.release();
    return done;
  }
  const tokenHash = hashToken(proof.token);
  const pending = await deps.store.emailChanges.findPendingEmailChangeByToken(tokenHash, now);
  const done = pending ? await applyEmailChange(deps, { key: { tokenHash }, pending, via: 'link', auth: proof.auth ?? null }, ctx) : null;
  if (!done) throw new PassdeskError('EMAIL_CHANGE_LINK_INVALID');
  return done;
}

/** The new address of a live link (for the page it opens), or null. Opening the link changes nothing. */
export async function describeEmailChangeLink(deps: FlowDeps, token: string): Promise<{ address: string } | null> {
  const pending = await deps.store.emailChanges.findPendingEmailChangeByToken(hashToken(token), deps.clock.now());
  return pending ? { address: pending.newEmail } : null;
}

/** The confirmation in one transaction; null when the key does not confirm the pending change (wrong code, raced). */
async function applyEmailChange(
  deps: FlowDeps,
  o: { key: EmailChangeKey; pending: EmailChange; via: 'code' | 'link'; auth: Authenticated | null },
  ctx: RequestContext,
): Promise<{ account: Account } | null> {
  const now = deps.clock.now();
  const { pending } = o;
  try {
    return await deps.store.transaction(async (tx) => {
      const account = await tx.accounts.findAccountById(pending.accountId);
      if (!account || isAddressManagedByDirectory(account)) return null;
      // The guarded step first: a wrong code learns nothing about the address below.
      const confirmed = await tx.emailChanges.confirmEmailChange(o.key, {
        now,
        oldEmail: account.email,
        oldEmailNormalized: account.emailNormalized,
        restoreUntil: now + EMAIL_RESTORE_WINDOW_MS,
      });
      if (!confirmed) return null;
      if ((await otherHolder(tx, pending.newEmailNormalized, account.id, now)) !== null) throw new PassdeskError('EMAIL_CHANGE_UNAVAILABLE');
      if (!(await tx.accounts.changeEmail(account.id, { email: pending.newEmail, emailNormalized: pending.newEmailNormalized, now }))) {
        throw new PassdeskError('EMAIL_CHANGE_UNAVAILABLE');
      }
      const current = o.auth && o.auth.account.id === account.id ? o.auth.session : null;
      const ended = await endAccess(tx, account.id, { now, reason: 'email-changed', exceptSessionId: current?.id ?? confirmed.sessionId, voidResets: true });
      await tx.events.recordEvent({
        accountId: account.id,
        type: 'email_address.changed',
        now,
        ip: ctx.ip,
        device: current?.device ?? null,
        sessionId: current?.id ?? null,
        detail: { via: o.via, ...ended },
      });
      // To the old address (and the recovery address), with "This wasn't me", which puts the old address back.
      await queueNotice(tx, deps, {
        account,
        notice: { code: 'email-changed', newEmail: pending.newEmail, restoreDays: EMAIL_RESTORE_WINDOW_MS / 86_400_000 },
        origin: { at: now, device: current?.device ?? null, ip: ctx.ip },
      });
      return { account: { ...account, email: pending.newEmail, emailNormalized: pending.newEmailNormalized } };
    });
  } catch (err) {
    // Taken meanwhile: this change can never be confirmed; said only to whoever holds the link or the code.
    if (err instanceof PassdeskError && err.code === 'EMAIL_CHANGE_UNAVAILABLE') await deps.store.emailChanges.voidEmailChange(pending.id, now);
    throw err;
  }
}

/**
 * "This wasn't me" (flows/not-me.ts), in its transaction: pending changes end, and the address before the first change
 * confirmed at or after the reported event (within EMAIL_RESTORE_WINDOW_MS) comes back. The account as it is now.
 */
export async function restoreEmailOnReport(
  tx: Repositories,
  account: Account,
  o: { since: number; now: number; ip: string | null },
): Promise<{ account: Account; restored: boolean }> {
  await tx.emailChanges.voidPendingEmailChanges(account.id, o.now);
  const changes = await tx.emailChanges.listRestorableEmailChanges(account.id, { since: o.since, now: o.now });
  const first = changes[0];
  if (!first?.oldEmail || !first.oldEmailNormalized) return { account, restored: false };
  const holder = await tx.accounts.findAccountByEmail(first.oldEmailNormalized);
  if (holder && holder.id !== account.id) return { account, restored: false };
  // Taken between the check above and here (another transaction's sign-up): PostgreSQL has ended this transaction, so
  // the report fails as a whole and can be tried again, when the check above skips the restore.
  if (!(await tx.accounts.changeEmail(account.id, { email: first.oldEmail, emailNormalized: first.oldEmailNormalized, now: o.now }))) {
    throw new PassdeskError('SERVICE_UNAVAILABLE');
  }
  await tx.emailChanges.markEmailChangesRestored(
    account.id,
    changes.map((c) => c.id),
    o.now,
  );
  await tx.events.recordEvent({
    accountId: account.id,
    type: 'email_address.restored',
    now: o.now,
    ip: o.ip,
    detail: { reason: 'reported', changes: changes.length },
  });
  return { account: { ...account, email: first.oldEmail, emailNormalized: first.oldEmailNormalized }, restored: true };
}
