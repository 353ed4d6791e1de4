// Accounts whose password lives in the organisation's directory (src/directory/). The directory answers for the
// password and the person's attributes; Passdesk keeps its own records (sessions, factors, events, mail) on an
// account row linked to the entry's stable id, made at the first sign-in and kept in step at each one.
//
// Every bind Passdesk makes as the person goes through checkDirectoryPassword, which guards the directory's own
// lockout: one bind at a time per entry (a gate shared by every node), the entry read fresh inside the gate, and
// no bind at all once one more wrong password would reach the directory's threshold. So an attacker guessing at
// Passdesk never locks the person out of their mailbox, and each attempt costs at most one bind.
import { deviceOf } from '../core/device.js';
import { PassdeskError, type ErrorCode } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { policySentences } from '../core/messages.js';
import { inEnglish, sentence, sentenceOf, withSentence, type Sentence } from '../core/i18n/sentence.js';
import type { PasswordPolicy } from '../core/password-policy.js';
import { DirectoryUnavailableError, type DirectoryEntry, type DirectoryPolicy, type DirectoryRefusal } from '../directory/directory.js';
import { queueNotice } from '../mail/notices.js';
import type { Account } from '../store/index.js';
import type { Role } from '../store/schema.js';
import type { DirectoryBackend, FlowDeps, RequestContext } from './deps.js';

export type { DirectoryBackend } from './deps.js';

/** The must_change_reason stored when the directory demands a new password. */
export const DIRECTORY_MUST_CHANGE = { expired: 'directory-expired', reset: 'directory-reset' } as const;

/** Runs a directory call; an unreachable directory becomes the 503 people read as "try again shortly". */
export async function askDirectory<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof DirectoryUnavailableError) throw new PassdeskError('DIRECTORY_UNAVAILABLE');
    throw err;
  }
}

/** The role the entry's groups give, or null when no group mapping is configured (the role stays Passdesk's). */
export function roleFromGroups(entry: DirectoryEntry, groupRoles: DirectoryBackend['groupRoles']): Role | null {
  if (groupRoles.length === 0) return null;
  const groups = new Set(entry.groups.map((g) => g.toLowerCase()));
  const roles = groupRoles.filter((m) => groups.has(m.group.toLowerCase())).map((m) => m.role);
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('helpdesk')) return 'helpdesk';
  return 'user';
}

/** The account linked to the entry, made now if this is its first sign-in, with the entry's email, name and role. */
export async function accountForEntry(deps: FlowDeps, backend: DirectoryBackend, entry: DirectoryEntry, known?: Account | null): Promise<Account> {
  // An entry without mail still gets an account; notices to it cannot be delivered (the outbox marks them failed).
  const email = entry.mail ?? `${entry.login}@no-mail.invalid`;
  const account = await deps.store.accounts.linkDirectoryAccount({
    id: deps.random.uuid(),
    directoryId: entry.id,
    email,
    emailNormalized: normalizeEmail(email),
    displayName: entry.displayName ?? entry.login,
    role: roleFromGroups(entry, backend.groupRoles),
    passwordChangedAt: entry.passwordChangedAt,
    now: deps.clock.now(),
    ...(known !== undefined ? { known } : {}),
  });
  if (!account) throw new PassdeskError('DIRECTORY_ACCOUNT_CONFLICT');
  return account;
}

export type DirectoryCheck =
  | { right: true; entry: DirectoryEntry; mustChange: 'expired' | 'reset' | null; graceLoginsLeft: number | null }
  | {
      right: false;
      entry: DirectoryEntry | null;
      /** busy: another check of this entry holds its gate (a parallel burst); nothing was asked of the directory. */
      reason: 'wrong' | 'locked' | 'disabled' | 'guarded' | 'gone' | 'busy';
      /** Whether a bind as the person was made (a caller answering strangers spends one when not, as for an unknown login). */
      bound: boolean;
    };

/**
 * One bind as the person, inside the entry's gate, and only when the directory's lockout leaves room for a wrong
 * password. A password the directory calls expired or set by an administrator is right: the person goes on to
 * the forced change. `account` (when known) is told once when Passdesk stops binding to spare the lockout.
 */
export async function checkDirectoryPassword(
  deps: FlowDeps,
  backend: DirectoryBackend,
  entryId: string,
  password: string,
  o: { account: Account | null; ctx: RequestContext },
): Promise<DirectoryCheck> {
  const gate = await backend.bindGate.reserve(entryId);
  // Another check of this entry is under way (a parallel burst): it is not let through to the directory. The
  // caller decides the answer: a stranger must not read "busy" as "this login exists".
  if (!gate) return { right: false, entry: null, reason: 'busy', bound: false };
  try {
    return await askDirectory(async () => {
      const { directory } = backend;
      const entry = await directory.findEntryById(entryId);
      if (!entry) return { right: false, entry: null, reason: 'gone', bound: false };
      if (entry.disabled) return { right: false, entry, reason: 'disabled', bound: false };
      if (entry.locked) return { right: false, entry, reason: 'locked', bound: false };
      const { lockout } = await directory.policyFor(entry);
      if (lockout && entry.recentFailures + 1 >= lockout.threshold) {
        spareTheLockout(deps, backend, entry, lockout, o);
        return { right: false, entry, reason: 'guarded', bound: false };
      }
      const outcome = await directory.verifyPassword(entry, password);
      if (outcome.ok) {
        return { right: true, entry, mustChange: outcome.mustChange ?? null, graceLoginsLeft: outcome.warning?.graceLoginsLeft ?? null };
      }
      if (outcome.reason === 'expired') return { right: true, entry, mustChange: 'expired', graceLoginsLeft: null };
      if (outcome.reason === 'must-change') return { right: true, entry, mustChange: 'reset', graceLoginsLeft: null };
      return { right: false, entry, reason: outcome.reason, bound: true };
    });
  } finally {
    await gate.release();
  }
}

/** The owner hears once an hour that Passdesk stopped passing passwords on before their directory would lock them out. */
function spareTheLockout(
  deps: FlowDeps,
  backend: DirectoryBackend,
  entry: DirectoryEntry,
  lockout: NonNullable<DirectoryPolicy['lockout']>,
  o: { account: Account | null; ctx: RequestContext },
): void {
  const account = o.account;
  if (!account) return;
  const now = deps.clock.now();
  const task = async (): Promise<void> => {
    if (!(await backend.noticeGate.reserve(entry.id))) return;
    await deps.store.transaction(async (tx) => {
      await tx.events.recordEvent({
        accountId: account.id,
        type: 'signin.locked',
        now,
        ip: o.ctx.ip,
        device: deviceOf(o.ctx),
        detail: { attempts: entry.recentFailures, by: 'directory-lockout-guard' },
      });
      await queueNotice(tx, deps, {
        account,
        notice: { code: 'account-locked', attempts: entry.recentFailures, until: now + (lockout.windowMs ?? 3_600_000) },
        origin: { at: now, device: deviceOf(o.ctx), ip: o.ctx.ip },
      });
    });
  };
  if (deps.background) deps.background.run('directory-lockout-notice', task);
  else void task().catch(() => {});
}

const REFUSAL_CODES: Record<DirectoryRefusal, ErrorCode> = {
  'too-short': 'PASSWORD_TOO_SHORT',
  quality: 'PASSWORD_COMPOSITION',
  'in-history': 'PASSWORD_REUSED',
  'too-young': 'PASSWORD_CHANGED_TOO_RECENTLY',
  'current-password-wrong': 'CURRENT_PASSWORD_INCORRECT',
  'must-supply-old': 'CURRENT_PASSWORD_INCORRECT',
  'not-allowed': 'DIRECTORY_REFUSED',
};

/** The directory's refusal as the checklist line the local policy would show (never the raw LDAP message). */
export function refusalError(
  refusals: DirectoryRefusal[],
  policy: DirectoryPolicy,
  o: { newPassword: string; passwordChangedAt: number | null },
): PassdeskError {
  const violations = refusals.map((r) => {
    const said = refusalSentence(r, policy, o);
    return withSentence({ code: REFUSAL_CODES[r], message: inEnglish(said) }, said);
  });
  const first = violations[0];
  const said = first ? sentenceOf(first) : undefined;
  return new PassdeskError(first?.code ?? 'DIRECTORY_REFUSED', said ?? sentence('error.DIRECTORY_REFUSED'), { violations, source: 'directory' });
}

function refusalSentence(r: DirectoryRefusal, policy: DirectoryPolicy, o: { newPassword: string; passwordChangedAt: number | null }): Sentence {
  switch (r) {
    case 'too-short':
      return policySentences.tooShort(policy.minLength, [...o.newPassword.normalize('NFC')].length);
    case 'quality':
      return sentence('error.PASSWORD_COMPOSITION.directory');
    case 'in-history':
      return policy.historyLength > 0 ? policySentences.reused(policy.historyLength) : sentence('error.PASSWORD_REUSED');
    case 'too-young':
      return o.passwordChangedAt !== null && policy.minAgeMs > 0
        ? policySentences.changedTooRecently(o.passwordChangedAt + policy.minAgeMs)
        : sentence('error.PASSWORD_CHANGED_TOO_RECENTLY');
    case 'current-password-wrong':
    case 'must-supply-old':
      return sentence('error.CURRENT_PASSWORD_INCORRECT');
    case 'not-allowed':
      return sentence('error.DIRECTORY_REFUSED');
  }
}

/**
 * The local policy tightened by the directory's (the stricter of each rule), so the page shows every rule before
 * the person types and most refusals never reach the directory. History is the directory's: no hashes are here.
 */
export function mergePolicies(local: PasswordPolicy, directory: DirectoryPolicy): PasswordPolicy {
  return {
    ...local,
    minLength: Math.max(local.minLength, directory.minLength),
    minLengthWithSecondFactor: Math.max(local.minLengthWithSecondFactor, directory.minLength),
    // AD's complexity: three of the four kinds (lowercase, uppercase, digits, symbols).
    minCharacterClasses: directory.complexity ? Math.max(local.minCharacterClasses, 3) : local.minCharacterClasses,
    historyCount: 0,
    minAgeMs: Math.max(local.minAgeMs, directory.minAgeMs),
    maxAgeMs: local.maxAgeMs,
  };
}

/**
 * Writes the new password to the directory: the owner's change with the old password, or a reset as the service
 * account. Called last inside the flow's transaction, so a refusal rolls back everything the flow wrote.
 */
export async function writeDirectoryPassword(
  backend: DirectoryBackend,
  account: Account,
  op: { via: 'change'; oldPassword: string; newPassword: string } | { via: 'reset'; newPassword: string; forceChange: boolean },
): Promise<void> {
  const { directory } = backend;
  await askDirectory(async () => {
    const entry = account.directoryId ? await directory.findEntryById(account.directoryId) : null;
    // Gone, or disabled by the organisation since the flow began (a reset link asked for earlier, a session
    // not yet ended by the sync): the service account must not set a password the organisation switched off.
    if (!entry || entry.disabled) throw new PassdeskError('DIRECTORY_REFUSED');
    const written =
      op.via === 'change'
        ? await directory.changePassword(entry, op.oldPassword, op.newPassword)
        : await directory.resetPassword(entry, op.newPassword, { forceChange: op.forceChange });
    if (!written.ok) {
      throw refusalError(written.refusals, await directory.policyFor(entry), { newPassword: op.newPassword, passwordChangedAt: entry.passwordChangedAt });
    }
  });
}

/** The rules a new password for this account must meet: the local policy, tightened by the directory's when the account lives there. */
export async function passwordPolicyFor(deps: FlowDeps, account: Account | null | undefined): Promise<PasswordPolicy> {
  const backend = deps.directory;
  if (!backend || (account && !account.directoryId)) return deps.config.passwordPolicy;
  const directoryPolicy = await askDirectory(async () => {
    const entry = account?.directoryId ? await backend.directory.findEntryById(account.directoryId) : null;
    return backend.directory.policyFor(entry);
  });
  return mergePolicies(deps.config.passwordPolicy, directoryPolicy);
}

/** Whether the account's password lives in the directory (and the directory backend is on). */
export function inDirectory<D extends Pick<FlowDeps, 'directory'>>(
  deps: D,
  account: Pick<Account, 'directoryId'>,
): deps is D & { directory: DirectoryBackend } {
  return deps.directory !== undefined && account.directoryId !== null;
}
