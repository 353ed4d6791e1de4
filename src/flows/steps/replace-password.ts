// Replacing a password, the one step a change (flows/change-password.ts) and a reset (flows/reset-password.ts)
// share, in the caller's transaction: the new hash, the old one kept in the history, every way in the old
// password may have opened ended (sessions, trusted device cookies; a reset also voids the other reset links),
// the audit event and the notice (transactional outbox: no change without its email, no email without the change).
// endAccess is the part "This wasn't me" (flows/not-me.ts) uses too, without a new password.
import { deviceOf } from '../../core/device.js';
import { PassdeskError } from '../../core/errors.js';
import { queueNotice } from '../../mail/notices.js';
import type { Account, Repositories, Session } from '../../store/index.js';
import type { FlowDeps, IssuedSession, RequestContext } from '../deps.js';
import { rememberLeavingPassword } from '../password-policy.js';
import { issueSession } from '../sessions.js';

export interface EndedAccess {
  signedOutSessions: number;
  untrustedDevices: number;
  voidedResets: number;
}

/**
 * Ends what someone who knew the old password (or an intruder) may hold: the account's sessions but
 * `exceptSessionId` (unless `signOutSessions` is false), the lockout exemption of the device cookies they collected
 * (browsers earn it again at their next sign-in), and, with `voidResets`, every live reset link.
 */
export async function endAccess(
  tx: Repositories,
  accountId: string,
  o: {
    now: number;
    reason: 'password-changed' | 'password-reset' | 'reported' | 'admin' | 'email-changed';
    exceptSessionId: string | null;
    signOutSessions?: boolean;
    voidResets: boolean;
  },
): Promise<EndedAccess> {
  const signedOutSessions =
    o.signOutSessions === false ? 0 : await tx.sessions.revokeOtherSessions(accountId, { exceptSessionId: o.exceptSessionId, now: o.now, reason: o.reason });
  const untrustedDevices = await tx.trustedDevices.forgetTrustedDevices(accountId);
  const voidedResets = o.voidResets ? await tx.passwordResets.voidResets(accountId, o.now) : 0;
  return { signedOutSessions, untrustedDevices, voidedResets };
}

interface Replacement {
  account: Account;
  /** null: the password lives in the directory, which the caller writes last in the same transaction. */
  newHash: string | null;
  now: number;
  ctx: RequestContext;
}

/** A change: the session that made it goes on under a new token; other devices are signed out unless kept. */
export interface ChangeReplacement extends Replacement {
  via: 'change';
  session: Session;
  signOutOthers: boolean;
}

/** A reset: every session ends (the person signs in with the new password) and so does every other reset link. */
export interface ResetReplacement extends Replacement {
  via: 'reset';
}

export interface ReplacedPassword {
  signedOutSessions: number;
  /** The rotated session of a change; null after a reset. */
  issued: IssuedSession | null;
}

export async function replacePassword(tx: Repositories, deps: FlowDeps, o: ChangeReplacement): Promise<ReplacedPassword & { issued: IssuedSession }>;
export async function replacePassword(tx: Repositories, deps: FlowDeps, o: ResetReplacement): Promise<ReplacedPassword & { issued: null }>;
export async function replacePassword(tx: Repositories, deps: FlowDeps, o: ChangeReplacement | ResetReplacement): Promise<ReplacedPassword> {
  const { account, now, ctx } = o;
  if (o.via === 'change') {
    // Rotation: the token that was presented dies. If a racing request already used it, nothing commits.
    const rotated = await tx.sessions.revokeSession(o.session.id, { accountId: account.id, now, reason: 'rotated' });
    if (!rotated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
  }
  if (o.newHash !== null) await tx.accounts.setPassword(account.id, o.newHash, now);
  else await tx.accounts.recordPasswordSetElsewhere(account.id, now);
  await rememberLeavingPassword(tx, deps, account, now);
  if (o.via === 'reset') {
    // The passwords "This wasn't me" refused are refused until a reset completes: this one.
    await tx.passwordResets.clearRefusedPasswords(account.id);
    const ended = await endAccess(tx, account.id, { now, reason: 'password-reset', exceptSessionId: null, voidResets: true });
    await tx.events.recordEvent({
      accountId: account.id,
      type: 'password.reset',
      now,
      ip: ctx.ip,
      detail: { signedOutSessions: ended.signedOutSessions, voidedFlows: ended.voidedResets, untrustedDevices: ended.untrustedDevices },
    });
    await queueNotice(tx, deps, { account, notice: { code: 'password-reset-completed' }, origin: { at: now, device: deviceOf(ctx), ip: ctx.ip } });
    return { signedOutSessions: ended.signedOutSessions, issued: null };
  }
  const { session } = o;
  const ended = await endAccess(tx, account.id, {
    now,
    reason: 'password-changed',
    exceptSessionId: session.id,
    signOutSessions: o.signOutOthers,
    voidResets: false,
  });
  // The password was just proved; a second factor proved earlier keeps its time (step-up reads both).
  const authentication =
    session.authenticatedWith === 'password' ? { at: now, method: 'password' } : { at: session.authenticatedAt, method: session.authenticatedWith };
  const issued = await issueSession(tx, deps, account, ctx, { authentication });
  await tx.events.recordEvent({
    accountId: account.id,
    type: 'password.changed',
    now,
    ip: ctx.ip,
    device: issued.session.device,
    sessionId: issued.session.id,
    detail: { signedOutSessions: ended.signedOutSessions, via: 'change' },
  });
  await queueNotice(tx, deps, {
    account,
    notice: { code: 'password-changed', signedOutOthers: o.signOutOthers },
    origin: { at: now, device: issued.session.device, ip: ctx.ip },
  });
  return { signedOutSessions: ended.signedOutSessions, issued };
}
