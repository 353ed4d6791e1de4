// "This wasn't me" (issue 5). Every security notice carries a one-time link (mail/notices.ts issues it; a row in
// not_me_tokens, NotMeState):
//   issued ──opened: swapped for a confirmation id (NOT_ME_CONFIRM_TTL_MS), still issued──▶ issued
//      ├──confirmed (the account is secured)──▶ used
//      └──another report of the account──▶ voided        (past expires_at: refused on use, no state of its own)
// The activity list offers the same to a signed-in person. Opening the link never acts — mail scanners open
// links — it only swaps the token for a short-lived confirmation that shows what is reported. The confirmation (or an API client's token, or the signed-in
// person's report) then secures the account in ONE transaction:
//   every session revoked · reset flows, pending second-factor sign-ins and help desk caller checks ended · the password must be
//   reset (sign-in with it refused until a reset completes; that reset refuses the current password and any in
//   use since the reported event) · every other link of the account voided (but for the old address's links of a
//   change it can still undo: flows/change-email.ts) ·
//   a recovery address confirmed since the reported event removed · a sign-in address changed since then put back
//   (within 7 days, flows/change-email.ts) and pending address changes ended · a pending deletion of the account
//   cancelled (flows/account-data.ts) · the audit event · a fresh reset email to the person's addresses (the
//   restored one) · the help desk told (if configured).
// Nuisance-proof: a link acts only on the account it was sent to, once; a session of another account
// cannot use it; used, expired and unknown links look the same; confirmations are limited per IP.
import { sentence } from '../core/i18n/sentence.js';
import { deviceOf } from '../core/device.js';
import { countSecondFactors } from '../methods/second-factor.js';
import { REPORTED_REASON } from '../methods/password.js';
import { assertRecentAuthentication } from './step-up.js';
import { endAccess } from './steps/replace-password.js';
import { PassdeskError } from '../core/errors.js';
import { activityMessages } from '../core/messages.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { queueHelpDeskNotice } from '../mail/notices.js';
import { formatWhen } from '../mail/templates.js';
import type { Account, AuditEvent, EventType, NotMeKey, Repositories } from '../store/index.js';
import type { NotMeState } from '../store/schema.js';
import type { FlowDeps, RequestContext, SameUnion } from './deps.js';
import { prepareResetEmail, queueResetEmail } from './reset-password.js';
import type { Authenticated } from './deps.js';
import { perIpKey } from '../core/client-key.js';
import { restoreEmailOnReport } from './change-email.js';
import { cancelDeletionOnReport } from './account-data.js';
import { cancelApprovalsOnReport } from './help-desk/approval-request.js';

/** The link's states drawn at the top of this file (not_me_tokens.state). */
export type NotMeLinkState = 'issued' | 'used' | 'voided';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const NOT_ME_STATES_MATCH_STORE: SameUnion<NotMeLinkState, NotMeState> = true;

export { isReported, REPORTED_REASON } from '../methods/password.js';
/** How long the confirmation page a link opens stays usable. */
export const NOT_ME_CONFIRM_TTL_MS = 15 * 60_000;
/** Confirmations by link per IP in the window (OWASP: limit what a guesser or a nuisance can try). */
export const NOT_ME_MAX_PER_IP = 10;
export const NOT_ME_THROTTLE_WINDOW_MS = 15 * 60_000;

/** Events a person may report from the activity list: things that changed or used the account. */
export const REPORTABLE_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'signin.succeeded',
  'sessions.revoked_others',
  'password.changed',
  'password.reset',
  'mail.phrase_changed',
  'recovery_email.verified',
  'recovery_email.removed',
  'second_factor.added',
  'second_factor.removed',
  'recovery_codes.generated',
  'recovery_code.used',
  'security_questions.set',
  'security_questions.removed',
  'email_address.changed',
  'account.deletion_requested',
  'account.exported',
]);

/** What a link or an activity entry reports, as the confirmation page shows it. */
export interface NotMeReport {
  /** The notice's template code. */
  notice: string;
  /** "Password changed on 2026-11-23 09:00 UTC from Firefox on Linux (IP 203.0.113.10)". */
  summary: string;
  /** What happened, in words ("Password changed"), for a page that writes the time itself. */
  what: string;
  at: number;
  ip: string | null;
  device: string | null;
}

function noticeSummary(notice: string, at: number, device: string | null, ip: string | null): string {
  return activityMessages.sentence(activityMessages.notices[notice] ?? activityMessages.unknownNotice, formatWhen(at), device, ip);
}

/**
 * Opening the emailed link: a live link gets a new confirmation id (the caller redirects to it, so the
 * token leaves the address bar). Nothing is changed on the account. Null for used, expired, unknown links.
 */
export async function openNotMeLink(deps: FlowDeps, input: { token: string }): Promise<{ confirmId: string } | null> {
  const now = deps.clock.now();
  const confirmId = generateToken(deps.random);
  const row = await deps.store.notMe.startNotMeConfirmation(hashToken(input.token), {
    confirmHash: hashToken(confirmId),
    now,
    confirmExpiresAt: now + NOT_ME_CONFIRM_TTL_MS,
  });
  return row ? { confirmId } : null;
}

/** What a live confirmation reports, or null. */
export async function describeNotMeConfirmation(deps: FlowDeps, confirmId: string): Promise<NotMeReport | null> {
  const row = await deps.store.notMe.findLiveNotMe({ confirmHash: hashToken(confirmId) }, deps.clock.now());
  if (!row) return null;
  return {
    notice: row.notice,
    summary: noticeSummary(row.notice, row.eventAt, row.eventDevice, row.eventIp),
    what: activityMessages.notices[row.notice] ?? activityMessages.unknownNotice,
    at: row.eventAt,
    ip: row.eventIp,
    device: row.eventDevice,
  };
}

/**
 * Confirms a report by link: the confirmation id from the page, or the token itself (API clients).
 * Every refusal that concerns the link — used, expired, unknown, or presented with a session of another
 * account — is the same NOT_ME_LINK_INVALID.
 */
export async function confirmNotMe(
  deps: FlowDeps,
  input: { token: string } | { confirmId: string },
  ctx: RequestContext,
  o: { signedInAccountId?: string | null } = {},
): Promise<{ accountId: string }> {
  const ipKey = perIpKey(ctx.ip);
  const perIp = deps.notMeThrottle?.perIp;
  if (perIp && !(await perIp.reserve(ipKey))) throw new PassdeskError('TOO_MANY_REQUESTS');
  const now = deps.clock.now();
  const key: NotMeKey = 'token' in input ? { tokenHash: hashToken(input.token) } : { confirmHash: hashToken(input.confirmId) };
  const row = await deps.store.notMe.findLiveNotMe(key, now);
  // The link belongs to the account it was sent to: someone signed in as another account cannot use it
  // (and the owner's link stays usable).
  if (!row || (o.signedInAccountId && o.signedInAccountId !== row.accountId)) throw new PassdeskError('NOT_ME_LINK_INVALID');
  const account = await deps.store.accounts.findAccountById(row.accountId);
  if (!account) throw new PassdeskError('NOT_ME_LINK_INVALID');
  await secureAccount(deps, account, ctx, {
    summary: noticeSummary(row.notice, row.eventAt, row.eventDevice, row.eventIp),
    eventAt: row.eventAt,
    detail: { via: 'email-link', notice: row.notice, outboxId: row.outboxId, noticeAt: row.eventAt },
    // The guarded use: of two racing confirmations only one gets past it.
    use: async (tx) => (await tx.notMe.useNotMe(key, now)) !== null,
  });
  return { accountId: account.id };
}

/** The signed-in person reports one of their own activity entries. Not theirs, or not reportable: NOT_FOUND. */
export async function reportActivity(deps: FlowDeps, auth: Authenticated, input: { eventId: number }, ctx: RequestContext): Promise<void> {
  // It signs out every device and removes a recovery address: from a stolen, stale session it would be a
  // nuisance, so it needs a recent authentication like signing out other devices (the email link does not).
  await assertRecentAuthentication(deps, auth);
  const event = await deps.store.events.findEvent(auth.account.id, input.eventId);
  if (!event || !REPORTABLE_EVENTS.has(event.type)) throw new PassdeskError('NOT_FOUND', sentence('error.NOT_FOUND.activity'));
  await secureAccount(deps, auth.account, ctx, {
    summary: eventSummary(event),
    eventAt: event.createdAt,
    detail: { via: 'activity', eventId: event.id, eventType: event.type, eventAt: event.createdAt },
    use: async () => true,
  });
}

async function secureAccount(
  deps: FlowDeps,
  account: Account,
  ctx: RequestContext,
  about: { summary: string; eventAt: number; detail: Record<string, unknown>; use: (tx: Repositories) => Promise<boolean> },
): Promise<void> {
  const now = deps.clock.now();
  // A recovery address confirmed at or after what is reported may be the intruder's: the reset must not go
  // there, so it is removed with the rest (the person can add theirs again after the reset).
  const prefs = await deps.store.mailPreferences.getMailPreferences(account.id);
  const suspectRecovery = prefs.recoveryEmail !== null && (prefs.recoveryEmailVerifiedAt ?? 0) >= about.eventAt;
  const helpdesk = deps.config.helpdeskEmail;
  await deps.store.transaction(async (tx) => {
    if (!(await about.use(tx))) throw new PassdeskError('NOT_ME_LINK_INVALID');
    // The address first: the reset below goes to the one the person had before (flows/change-email.ts).
    const { account: secured, restored: restoredEmail } = await restoreEmailOnReport(tx, account, { since: about.eventAt, now, ip: ctx.ip });
    const cancelledDeletion = await cancelDeletionOnReport(tx, secured, { now, ip: ctx.ip });
    const ended = await endEverything(tx, deps, secured, { now, eventAt: about.eventAt, suspectRecovery, ip: ctx.ip });
    // What the fresh reset must prove, read after the removals and in this transaction.
    const prepared = await prepareResetEmail({ config: deps.config, store: tx }, secured);
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'account.reported',
      now,
      ip: ctx.ip,
      detail: { ...about.detail, ...ended, restoredEmail, cancelledDeletion },
    });
    // A disabled account gets no reset (as a reset request would not), but is secured all the same.
    if (account.status === 'active') await queueResetEmail(tx, deps, secured, prepared, ctx, now, 'reported');
    if (helpdesk) {
      await queueHelpDeskNotice(tx, deps, {
        to: helpdesk,
        account: secured,
        notice: { code: 'account-reported', about: about.summary },
        origin: { at: now, device: deviceOf(ctx), ip: ctx.ip },
      });
    }
  });
}

/** What securing an account ends and removes, in the report's transaction; the counts go into its audit event. */
async function endEverything(
  tx: Repositories,
  deps: FlowDeps,
  account: Account,
  o: { now: number; eventAt: number; suspectRecovery: boolean; ip: string | null },
): Promise<Record<string, unknown>> {
  const { now } = o;
  // What a password change ends, without a new password (flows/steps/replace-password.ts).
  const { signedOutSessions, untrustedDevices, voidedResets } = await endAccess(tx, account.id, {
    now,
    reason: 'reported',
    exceptSessionId: null,
    voidResets: true,
  });
  const endedSignIns = await tx.twoFactor.expireSecondFactorFlows(account.id, now);
  // A help desk's verified caller may be who is reported: no temporary password or factor removal on it now.
  await tx.callerVerifications.endCallerVerifications(account.id);
  // Nor can a change the help desk asked for still be approved over the person's report.
  await cancelApprovalsOnReport(tx, account.id, now);
  await tx.accounts.requirePasswordChange(account.id, REPORTED_REASON, now);
  // The reset that clears the report must not put back a password the intruder knows: the current one and
  // every one in use at or after the reported event are refused until a reset completes (read in this transaction).
  const refusedPasswords = await tx.passwordResets.refusePasswordsSince(account.id, {
    currentHash: (await tx.accounts.findAccountById(account.id))?.passwordHash ?? null,
    since: o.eventAt,
    now,
    newId: () => deps.random.uuid(),
  });
  // Except the old address's links of a change it can still undo: a report of something later (an intruder who changed
  // the address reporting their own sign-in) must not take from the person the one link that puts the address back.
  const restorable = await tx.emailChanges.listRestorableEmailChanges(account.id, { since: 0, now });
  const voidedLinks = await tx.notMe.voidNotMeTokens(account.id, now, {
    notice: 'email-changed',
    eventAts: restorable.flatMap((c) => (c.confirmedAt === null ? [] : [c.confirmedAt])),
  });
  const removedRecoveryEmail = o.suspectRecovery && (await tx.mailPreferences.removeRecoveryEmail(account.id, now));
  if (removedRecoveryEmail)
    await tx.events.recordEvent({ accountId: account.id, type: 'recovery_email.removed', now, ip: o.ip, detail: { reason: 'reported' } });
  // So are second factors added since then (and recovery codes made since then): an intruder's authenticator
  // would otherwise be what the person's own reset asks for. Without any factor left, no recovery code stays.
  const removedFactors = (await tx.twoFactor.removeFactorsSince(account.id, o.eventAt)) + (await tx.passkeys.removePasskeysSince(account.id, o.eventAt));
  if (removedFactors > 0) {
    if ((await countSecondFactors(tx, account.id)) === 0) await tx.twoFactor.replaceRecoveryCodes(account.id, [], { now, newId: () => deps.random.uuid() });
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'second_factor.removed',
      now,
      ip: o.ip,
      detail: { reason: 'reported', removed: removedFactors },
    });
  }
  return { signedOutSessions, untrustedDevices, voidedResets, endedSignIns, voidedLinks, removedRecoveryEmail, removedFactors, refusedPasswords };
}

function eventSummary(e: AuditEvent): string {
  return activityMessages.sentence(activityMessages.events[e.type] ?? e.type, formatWhen(e.createdAt), e.device, e.ip);
}

export interface ActivityEntry {
  id: number;
  type: EventType;
  /** What happened, in words. */
  label: string;
  at: number;
  ip: string | null;
  device: string | null;
  /** Whether "This wasn't me" is offered for it (never for the sign-in of the session reading the list). */
  reportable: boolean;
  /** The sign-in that started the session reading the list. */
  current: boolean;
  /** A failed sign-in or a lock: someone tried the password. */
  failed: boolean;
}

/** The most entries the activity list shows (the newest). */
export const ACTIVITY_LIMIT = 50;
const FAILED_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['signin.failed', 'signin.locked']);

/** The signed-in person's recent security events, newest first: their own account's only. */
export async function listActivity(deps: FlowDeps, auth: Authenticated, o: { limit?: number } = {}): Promise<ActivityEntry[]> {
  const limit = o.limit ?? ACTIVITY_LIMIT;
  const events = (await deps.store.events.listEvents(auth.account.id, { limit: limit * 4 })).filter(
    (e) => e.accountId === auth.account.id && activityMessages.events[e.type] !== undefined,
  );
  const current = currentSignInId(events, auth.session);
  return events.slice(0, limit).map((e) => ({
    id: e.id,
    type: e.type,
    label: activityMessages.events[e.type]!,
    at: e.createdAt,
    ip: e.ip,
    device: e.device,
    reportable: REPORTABLE_EVENTS.has(e.type) && e.id !== current,
    current: e.id === current,
    failed: FAILED_EVENTS.has(e.type),
  }));
}

/**
 * The sign-in that began the session reading the list: the one recorded with its id, or, when the session was
 * rotated since (a step-up, a password change, a factor added give it a new id), the newest sign-in from the same
 * device and address before it began. Reporting that one would be reporting oneself.
 */
function currentSignInId(events: readonly AuditEvent[], session: Authenticated['session']): number | null {
  const signIns = events.filter((e) => e.type === 'signin.succeeded');
  const own = signIns.find((e) => e.sessionId === session.id);
  if (own) return own.id;
  const before = signIns.find((e) => e.createdAt <= session.createdAt);
  return before && before.device === session.device && before.ip === session.ip ? before.id : null;
}
