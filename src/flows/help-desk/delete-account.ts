// Deleting an account (issue 15; administrators only, action 'account.delete'; the person's own deletion, issue 16,
// removes it through removeAccountData below too). In one transaction, through
// adminAction: the person's data is read into an export (returned to the administrator, never stored), the person
// is told by email, and then the account goes with every row keyed by it (the foreign keys cascade: sessions,
// factors, passkeys, recovery codes, resets, "this wasn't me" links, preferences, history, security answers,
// trusted devices, attempt windows, caller checks, temporary passwords). Queued mail for it that was not yet sent
// is dropped; the deletion notice is queued first and its outbox row (no foreign key to accounts) is detached
// from the account, so it survives and is delivered by the worker as usual.
//
// What stays, and why (retention, docs/features/help-desk.md "Deleting an account"):
//   - the event admin.account.delete: the actor, the reason, the ticket and `subject`, a keyed hash of the old id
//     (HMAC under the server secret: not reversible, and the same for every event about that account) — no email,
//     name or id;
//   - what staff did to the account (events with an actor): accountability of the help desk outlives the person's
//     account; those events lose their link to it (account_id null) and carry the same `subject`. They go with
//     PASSDESK_RETENTION_EVENTS like every event;
//   - what the person did (sign-ins, devices, IP addresses: events without an actor) is deleted with the account;
//     it is in the export.
// A directory account: only Passdesk's side goes; the directory entry stays (and could sign in again, making a
// new Passdesk account at its next sign-in), which the answer says.
import { PassdeskError } from '../../core/errors.js';
import { hmac } from '../../core/tokens.js';
import { queueNotice } from '../../mail/notices.js';
import { signInLimits } from '../../methods/account-limit.js';
import type { Notice } from '../../mail/templates.js';
import type { Account, AuditEvent, Repositories } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { type Actor, type AdminReason, admitAdminAction, assertAnotherAdministratorRemains, checkedReason, recordAdminRead } from './action.js';
import { adminActionOrRequest, type ApprovalPending } from './approval-request.js';

const EVENT_PAGE = 1000;

/**
 * Everything Passdesk kept about the person, as the administrator receives it and as the person downloads it
 * ("Download my data", flows/account-data.ts): never a secret, hash, token or code.
 */
export interface AccountExport {
  exportedAt: number;
  account: {
    id: string;
    email: string;
    displayName: string;
    role: string;
    status: string;
    createdAt: number;
    passwordChangedAt: number | null;
    mustChangePassword: boolean;
    directoryId: string | null;
  };
  mail: { recoveryEmail: string | null; antiPhishingPhraseSet: boolean };
  secondFactors: Array<{ type: 'totp' | 'passkey'; name: string; createdAt: number; confirmedAt: number | null; lastUsedAt: number | null }>;
  recoveryCodesLeft: number;
  securityQuestions: string[];
  trustedDevices: number;
  sessions: Array<{ device: string; ip: string | null; createdAt: number; lastSeenAt: number; expiresAt: number; endedAt: number | null }>;
  events: Array<Pick<AuditEvent, 'type' | 'createdAt' | 'ip' | 'device' | 'detail' | 'actorId'>>;
}

export interface DeletedAccount {
  /** The keyed hash that names the account in the audit log from now on. */
  reference: string;
  export: AccountExport;
  /** What else the deletion did: staff events kept (no longer linked to the account), queued mail dropped. */
  removed: { keptEvents: number; droppedMail: number };
  /** Set for a directory account: the entry in the directory was not touched. */
  directory: { directoryId: string; entryKept: true } | null;
}

/** The account's name in the audit log once it is gone: an HMAC of its id under the server secret. */
export function deletedAccountReference(deps: Pick<FlowDeps, 'secret'>, accountId: string): string {
  if (!deps.secret) throw new TypeError('delete-account: deps.secret is required');
  return `deleted:${hmac(deps.secret, `deleted-account:${accountId}`).slice(0, 32)}`;
}

async function allEvents(tx: Repositories, accountId: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let beforeId: number | null = null; ; ) {
    const page = await tx.events.queryEvents({ accountId, beforeId, limit: EVENT_PAGE });
    events.push(...page);
    if (page.length < EVENT_PAGE) return events;
    beforeId = page.at(-1)?.id ?? null;
  }
}

/** The export, read in the deleting transaction, so it is exactly what is deleted. */
export async function exportAccount(tx: Repositories, account: Account, now: number): Promise<AccountExport> {
  const prefs = await tx.mailPreferences.getMailPreferences(account.id);
  const apps = await tx.twoFactor.listFactors(account.id);
  const passkeys = await tx.passkeys.listPasskeys(account.id);
  const sessions = await tx.sessions.listSessions(account.id, { now: 0, includeRevokedSince: 0 });
  return {
    exportedAt: now,
    account: {
      id: account.id,
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      status: account.status,
      createdAt: account.createdAt,
      passwordChangedAt: account.passwordChangedAt,
      mustChangePassword: account.mustChangePassword,
      directoryId: account.directoryId,
    },
    mail: { recoveryEmail: prefs.recoveryEmail, antiPhishingPhraseSet: prefs.antiPhishingPhrase !== null },
    secondFactors: [
      ...apps.map((f) => ({ type: 'totp' as const, name: f.name, createdAt: f.createdAt, confirmedAt: f.confirmedAt, lastUsedAt: null })),
      ...passkeys.map((p) => ({ type: 'passkey' as const, name: p.name, createdAt: p.createdAt, confirmedAt: p.createdAt, lastUsedAt: p.lastUsedAt })),
    ],
    recoveryCodesLeft: await tx.twoFactor.countUnusedRecoveryCodes(account.id),
    securityQuestions: (await tx.securityAnswers.listSecurityAnswers(account.id)).map((a) => a.questionId),
    trustedDevices: await tx.trustedDevices.countTrustedDevices(account.id),
    sessions: sessions.map((s) => ({
      device: s.device,
      ip: s.ip,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      endedAt: s.revokedAt,
    })),
    events: (await allEvents(tx, account.id)).map((e) => ({
      type: e.type,
      createdAt: e.createdAt,
      ip: e.ip,
      device: e.device,
      detail: e.detail,
      actorId: e.actorId,
    })),
  };
}

/** How long an export of the person's data (exportAccountData) counts as "downloaded first" for the console's deletion. */
export const EXPORT_BEFORE_DELETE_MS = 30 * 60_000;

/**
 * The person's data as the deletion would export it, without deleting (administrators only, 'account.export'): the
 * console's "download their data first". Read in one transaction (a consistent picture) and recorded as
 * `admin.account.export` about the account, with what it held counted (never the data).
 */
export async function exportAccountData(deps: FlowDeps, actor: Actor, o: { accountId: string; ctx: RequestContext }): Promise<AccountExport> {
  const account = (await admitAdminAction(deps, actor, 'account.export', o.accountId)) as Account;
  const exported = await deps.store.transaction((tx) => exportAccount(tx, account, deps.clock.now()));
  await recordAdminRead(deps, actor, {
    action: 'account.export',
    accountId: account.id,
    ctx: o.ctx,
    detail: { events: exported.events.length, sessions: exported.sessions.length },
  });
  return exported;
}

/** When this administrator last exported the account's data within EXPORT_BEFORE_DELETE_MS; null if not. */
export async function recentExportBy(store: Pick<Repositories, 'events'>, o: { actorId: string; accountId: string; now: number }): Promise<number | null> {
  const [last] = await store.events.queryEvents({
    accountId: o.accountId,
    actorId: o.actorId,
    type: 'admin.account.export',
    from: o.now - EXPORT_BEFORE_DELETE_MS,
    limit: 1,
  });
  return last?.createdAt ?? null;
}

export interface RemovedAccount {
  /** The keyed hash that names the account in the audit log from now on. */
  reference: string;
  /** Events of staff about the account (and its own as staff) kept under the reference. */
  keptEvents: number;
  /** Mail queued for the account that was dropped unsent. */
  droppedMail: number;
}

/**
 * The deletion itself, in the caller's transaction — the one piece of code both the help desk's deletion and the
 * person's own (flows/account-data.ts, after its grace period) go through: the person is told (`notice`, the last
 * message, which survives the account), mail still queued for the account is dropped, its sign-in counters
 * forgotten, what staff did kept under a reference, and the account deleted with every row keyed by it.
 */
export async function removeAccountData(
  tx: Repositories,
  deps: FlowDeps,
  account: Account,
  o: { notice: Notice; now: number; ip: string | null },
): Promise<RemovedAccount> {
  const reference = deletedAccountReference(deps, account.id);
  // Told first, while the addresses are still known; then everything queued for it except this goes.
  const notice = await queueNotice(tx, deps, { account, notice: o.notice, origin: { at: o.now, device: null, ip: o.ip } });
  const droppedMail = await tx.outbox.detachAccountMail(account.id, { keepIds: notice.map((m) => m.id) });
  const limits = signInLimits(deps);
  if (limits) await tx.signInLimits.forgetSignInFailures(limits.accountSubject(account.emailNormalized));
  const keptEvents = await tx.events.pseudonymiseAccountEvents(account.id, reference);
  await tx.accounts.deleteAccount(account.id);
  return { reference, keptEvents, droppedMail };
}

/**
 * Deletes the account after exporting its data and telling the person (administrators only). `exportedFirst`: the
 * console's rule — the acting administrator must have downloaded the person's data (exportAccountData) within
 * EXPORT_BEFORE_DELETE_MS, else 409 ACCOUNT_EXPORT_REQUIRED and nothing is deleted.
 */
export async function deleteAccount(
  deps: FlowDeps,
  actor: Actor,
  o: { accountId: string; why: AdminReason; ctx: RequestContext; exportedFirst?: boolean },
): Promise<DeletedAccount | ApprovalPending> {
  const { reason, ticket } = checkedReason(o.why);
  return adminActionOrRequest(deps, actor, { action: 'account.delete', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, target, now) => {
    const account = target as Account;
    if (o.exportedFirst && actor.kind === 'session' && (await recentExportBy(tx, { actorId: actor.auth.account.id, accountId: account.id, now })) === null) {
      throw new PassdeskError('ACCOUNT_EXPORT_REQUIRED');
    }
    await assertAnotherAdministratorRemains(tx, account);
    const exported = await exportAccount(tx, account, now);
    const { reference, keptEvents, droppedMail } = await removeAccountData(tx, deps, account, {
      notice: { code: 'account-deleted-by-admin', reason, ticket },
      now,
      ip: null,
    });
    const directory = account.directoryId ? { directoryId: account.directoryId, entryKept: true as const } : null;
    return {
      result: { reference, export: exported, removed: { keptEvents, droppedMail }, directory },
      // No personal data: the reference, what was counted, and whether a directory entry was left.
      detail: { subject: reference, keptEvents, droppedMail, directoryEntryKept: directory !== null },
      accountDeleted: true,
    };
  });
}
