// Temporary password (issue 15): for a verified caller, the help desk sets a random password, shown once to the
// agent, who reads it to the person. It is single use and expires: the first sign-in with it goes straight to the
// forced change (must_change_reason 'temporary'); a second sign-in with it, or one after TEMPORARY_PASSWORD_TTL_MS,
// is refused. Setting it ends every session of the person, every live reset link and trusted device, and tells
// the person by email (never the password).
//
// State (temporary_passwords, migration 0026):
//   issued ──first sign-in with it (useTemporaryPassword)──▶ used ──any later sign-in with it──▶ refused
//     └── expires_at passed: refused;  a newer one issued: forgotten (and the account's hash replaced)
// The row holds a SHA-256 digest of the account id and the password, so sign-in can tell the temporary password
// from one the person chose; the password itself is the account's argon2id hash, or the directory's.
import { deviceOf } from '../../core/device.js';
import { createHash } from 'node:crypto';
import { PassdeskError } from '../../core/errors.js';
import { inDirectory, writeDirectoryPassword } from '../../methods/directory-account.js';
import type { Account } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { rememberLeavingPassword } from '../password-policy.js';
import { endAccess } from '../steps/replace-password.js';
import { type Actor, type AdminReason, adminAction, admitAdminAction } from './action.js';
import { type ApprovalPending, requestApprovalIfNeeded } from './approval-request.js';

/** How long a temporary password works (the person is expected to call back within a day). */
export const TEMPORARY_PASSWORD_TTL_MS = 24 * 3_600_000;
/** The must_change_reason a sign-in with a temporary password leaves (core/messages.ts says why). */
export const TEMPORARY_REASON = 'temporary';

// No 0/O/o, 1/l/I: read aloud over the telephone and typed from a note. 56 symbols × 16 = 92.9 bits (≥ 80).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
const GROUPS = 4;
const GROUP_LENGTH = 4;

/** Four groups of four from the unambiguous alphabet, uniform (rejection sampling over the injected randomness). */
export function newTemporaryPassword(deps: Pick<FlowDeps, 'random'>): string {
  const ceiling = Math.floor(256 / ALPHABET.length) * ALPHABET.length;
  const chars: string[] = [];
  while (chars.length < GROUPS * GROUP_LENGTH) {
    for (const b of deps.random.bytes(32)) {
      if (b < ceiling && chars.length < GROUPS * GROUP_LENGTH) chars.push(ALPHABET[b % ALPHABET.length]!);
    }
  }
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push(chars.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join(''));
  return groups.join('-');
}

/** What identifies a temporary password in its row: ≥ 80 random bits, so a plain SHA-256 cannot be reversed. */
function temporaryDigest(accountId: string, password: string): string {
  return createHash('sha256').update(`temporary-password:${accountId}:${password}`).digest('base64url');
}

export interface IssuedTemporaryPassword {
  /** Shown once to the agent; never stored, logged or emailed. */
  temporaryPassword: string;
  expiresAt: number;
}

/**
 * Sets a temporary password for the person (needs a verified caller; the CLI's operator is exempt, see action.ts).
 * With two-person approval on a privileged account: an ApprovalPending, and the password is made when a second
 * administrator approves — and shown to that administrator, once, never to the one who asked (approvals.ts).
 */
export async function issueTemporaryPassword(
  deps: FlowDeps,
  actor: Actor,
  o: { accountId: string; why: AdminReason; ctx: RequestContext },
): Promise<IssuedTemporaryPassword | ApprovalPending> {
  // Refused before the hash is computed: an argon2id hash is not spent on a request that cannot succeed.
  const admitted = await admitAdminAction(deps, actor, 'password.temporary', o.accountId);
  if (!admitted) throw new PassdeskError('NOT_FOUND');
  const pending = await requestApprovalIfNeeded(deps, actor, { action: 'password.temporary', target: admitted, why: o.why, ctx: o.ctx });
  if (pending) return pending;
  const temporaryPassword = newTemporaryPassword(deps);
  const directory = inDirectory(deps, admitted) ? deps.directory : null;
  // A directory account's password is the directory's: never a local hash it would not sign in with.
  if (admitted.directoryId !== null && !directory) throw new PassdeskError('DIRECTORY_UNAVAILABLE');
  const newHash = directory ? null : await deps.hasher.hash(temporaryPassword);
  return adminAction(deps, actor, { action: 'password.temporary', targetId: o.accountId, why: o.why, ctx: o.ctx }, async (tx, target, now) => {
    const account = target as Account;
    const expiresAt = now + TEMPORARY_PASSWORD_TTL_MS;
    if (newHash !== null) await tx.accounts.setPassword(account.id, newHash, now);
    else await tx.accounts.recordPasswordSetElsewhere(account.id, now);
    await rememberLeavingPassword(tx, deps, account, now);
    // As after a reset: whoever held the old password (or a session) is out, and "This wasn't me" refusals end.
    await tx.passwordResets.clearRefusedPasswords(account.id);
    const ended = await endAccess(tx, account.id, { now, reason: 'admin', exceptSessionId: null, voidResets: true });
    await tx.accounts.requirePasswordChange(account.id, TEMPORARY_REASON, now);
    await tx.temporaryPasswords.issueTemporaryPassword({
      id: deps.random.uuid(),
      accountId: account.id,
      digest: temporaryDigest(account.id, temporaryPassword),
      // Who saw it: the agent, or the administrator who approved the request; null: the command line.
      issuedBy:
        actor.kind === 'session'
          ? actor.auth.account.id
          : actor.kind === 'approval' && actor.approver.kind === 'session'
            ? actor.approver.auth.account.id
            : null,
      now,
      expiresAt,
    });
    // Last, so that the directory's refusal rolls back the rest; the directory too demands a change (pwdReset).
    if (directory) await writeDirectoryPassword(directory, account, { via: 'reset', newPassword: temporaryPassword, forceChange: true });
    return {
      result: { temporaryPassword, expiresAt },
      detail: { expiresAt, signedOutSessions: ended.signedOutSessions, voidedResets: ended.voidedResets, directory: directory !== null },
      notice: { code: 'temporary-password-issued', expiresAt },
    };
  });
}

/**
 * Sign-in's one check (flows/sign-in.ts), after the password proved right: whether it was a temporary password.
 * Null: it was not. 'temporary': it was, and this first use is recorded (the caller sends the person to the forced
 * change). A temporary password used before or expired: 401 TEMPORARY_PASSWORD_SPENT, recorded.
 */
export async function useTemporaryPassword(
  deps: FlowDeps,
  account: Account,
  password: string,
  o: { now: number; ctx: RequestContext },
): Promise<typeof TEMPORARY_REASON | null> {
  const found = await deps.store.temporaryPasswords.findTemporaryPassword(account.id, temporaryDigest(account.id, password));
  if (!found) return null;
  // The guarded update decides, so two racing sign-ins with it cannot both pass.
  if (!(await deps.store.temporaryPasswords.useTemporaryPassword(found.id, o.now))) {
    const reason = found.usedAt !== null ? 'temporary-password-used' : 'temporary-password-expired';
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: 'signin.failed',
      now: o.now,
      ip: o.ctx.ip,
      device: deviceOf(o.ctx),
      detail: { reason },
    });
    throw new PassdeskError('TEMPORARY_PASSWORD_SPENT');
  }
  if (account.mustChangeReason !== TEMPORARY_REASON || !account.mustChangePassword) {
    await deps.store.accounts.requirePasswordChange(account.id, TEMPORARY_REASON, o.now);
  }
  return TEMPORARY_REASON;
}
