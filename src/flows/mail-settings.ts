// Email settings of the signed-in person: the anti-phishing phrase, and a recovery address verified by a
// code sent to it. Changing either needs a recent authentication (step-up) and the current password; wrong
// passwords are counted and throttled (methods/password.ts).
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { queueNotice } from '../mail/notices.js';
import type { MailPreferences } from '../store/mail-preferences.js';
import type { FlowDeps, RequestContext } from './deps.js';
import type { Authenticated } from './deps.js';
import { assertRecentAuthentication } from './step-up.js';
import { verifyPasswordProof } from '../methods/password.js';
import { emailCodeDigest, newEmailCode } from '../methods/email-code.js';

export const RECOVERY_CODE_TTL_MS = 30 * 60_000;
export { REAUTH_FAILURE_LIMIT, REAUTH_FAILURE_WINDOW_MS } from '../methods/password.js';
const CODE_DIGITS = 8;

export async function getMailSettings(deps: FlowDeps, auth: Authenticated): Promise<MailPreferences> {
  const prefs = await deps.store.mailPreferences.getMailPreferences(auth.account.id);
  // An expired pending address is as good as none.
  if (prefs.pendingExpiresAt !== null && prefs.pendingExpiresAt <= deps.clock.now()) {
    return { ...prefs, pendingRecoveryEmail: null, pendingExpiresAt: null };
  }
  return prefs;
}

/**
 * Sensitive: a recent authentication with the strongest method (step-up), and the current password again in the
 * request (PRODUCT.md: "current password, and a fresh second factor for sensitive changes"); wrong passwords are
 * counted (methods/password.ts).
 */
async function reauthenticate(deps: FlowDeps, auth: Authenticated, currentPassword: string, ctx: RequestContext): Promise<void> {
  await assertRecentAuthentication(deps, auth);
  await verifyPasswordProof(deps, auth, currentPassword, ctx);
}

export async function setAntiPhishingPhrase(
  deps: FlowDeps,
  auth: Authenticated,
  input: { currentPassword: string; phrase: string | null },
  ctx: RequestContext,
): Promise<MailPreferences> {
  await reauthenticate(deps, auth, input.currentPassword, ctx);
  const now = deps.clock.now();
  const phrase = input.phrase?.trim() || null;
  await deps.store.transaction(async (tx) => {
    await tx.mailPreferences.setAntiPhishingPhrase(auth.account.id, phrase, now);
    // The phrase itself is private: it is never written to the audit trail.
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'mail.phrase_changed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { set: phrase !== null },
    });
    // Someone who controls the phrase can make fake emails look genuine: the person hears of every change.
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'anti-phishing-phrase-changed', set: phrase !== null },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
  });
  return getMailSettings(deps, auth);
}

/** An emailed code, kept as a MAC under the server secret bound to its account (methods/email-code.ts). */
function codeHash(deps: FlowDeps, accountId: string, code: string): string {
  return emailCodeDigest(deps, 'recovery-email', accountId, code);
}

export async function addRecoveryEmail(
  deps: FlowDeps,
  auth: Authenticated,
  input: { currentPassword: string; email: string },
  ctx: RequestContext,
): Promise<MailPreferences> {
  await reauthenticate(deps, auth, input.currentPassword, ctx);
  const email = input.email.trim();
  if (normalizeEmail(email) === auth.account.emailNormalized) throw new PassdeskError('RECOVERY_EMAIL_SAME_AS_PRIMARY');
  const now = deps.clock.now();
  const code = newEmailCode(deps, CODE_DIGITS);
  await deps.store.transaction(async (tx) => {
    await tx.mailPreferences.startRecoveryEmailVerification(auth.account.id, {
      email,
      codeHash: codeHash(deps, auth.account.id, code),
      expiresAt: now + RECOVERY_CODE_TTL_MS,
      now,
    });
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'recovery_email.requested',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'recovery-email-verification', verificationCode: code, minutes: RECOVERY_CODE_TTL_MS / 60_000 },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
      onlyTo: email,
    });
  });
  return getMailSettings(deps, auth);
}

export async function verifyRecoveryEmail(deps: FlowDeps, auth: Authenticated, input: { code: string }, ctx: RequestContext): Promise<MailPreferences> {
  const now = deps.clock.now();
  const verified = await deps.store.transaction(async (tx) => {
    const address = await tx.mailPreferences.consumeRecoveryEmailCode(auth.account.id, codeHash(deps, auth.account.id, input.code), now);
    if (address) {
      await tx.events.recordEvent({
        accountId: auth.account.id,
        type: 'recovery_email.verified',
        now,
        ip: ctx.ip,
        device: auth.session.device,
        sessionId: auth.session.id,
      });
      // A recovery address receives reset emails: adding one is how a takeover is prepared, so both addresses hear of it.
      await queueNotice(tx, deps, {
        account: auth.account,
        notice: { code: 'recovery-email-added', recoveryEmail: address },
        origin: { at: now, device: auth.session.device, ip: ctx.ip },
      });
    }
    return address;
  });
  if (!verified) throw new PassdeskError('VERIFICATION_CODE_INVALID');
  return getMailSettings(deps, auth);
}

/**
 * The monthly checkup email (flows/checkup.ts), on or off for this person. It only stops or resumes a reminder, so it
 * needs no step-up or password; what the person chose is recorded.
 */
export async function setCheckupReminders(deps: FlowDeps, auth: Authenticated, input: { on: boolean }, ctx: RequestContext): Promise<MailPreferences> {
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.mailPreferences.setCheckupReminders(auth.account.id, input.on, now);
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'mail.checkup_reminders_set',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { on: input.on },
    });
  });
  return getMailSettings(deps, auth);
}

export async function removeRecoveryEmail(
  deps: FlowDeps,
  auth: Authenticated,
  input: { currentPassword: string },
  ctx: RequestContext,
): Promise<MailPreferences> {
  await reauthenticate(deps, auth, input.currentPassword, ctx);
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const removing = (await tx.mailPreferences.getMailPreferences(auth.account.id)).recoveryEmail;
    if (await tx.mailPreferences.removeRecoveryEmail(auth.account.id, now)) {
      await tx.events.recordEvent({
        accountId: auth.account.id,
        type: 'recovery_email.removed',
        now,
        ip: ctx.ip,
        device: auth.session.device,
        sessionId: auth.session.id,
      });
    }
    // Queued after the removal, so only the account's own address hears of it: the removed address (perhaps an
    // intruder's or a former partner's) must not get a "This wasn't me" link that could secure someone else's account.
    if (removing) {
      await queueNotice(tx, deps, {
        account: auth.account,
        notice: { code: 'recovery-email-removed', recoveryEmail: removing },
        origin: { at: now, device: auth.session.device, ip: ctx.ip },
      });
    }
  });
  return getMailSettings(deps, auth);
}
