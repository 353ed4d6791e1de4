// The last step of every sign-in (password, second factor, passkey), in the caller's transaction: the session
// the client held ends (a session id is never adopted; DESIGN.md: rotated at every privilege change), a new one is
// issued, the sign-in is recorded, and the owner is told when the device is new to the account.
import { isNewDevice } from '../../core/new-device.js';
import { queueNotice } from '../../mail/notices.js';
import type { Account, Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext } from '../deps.js';
import { issueSession } from '../sessions.js';

/** Earlier sessions compared with a sign-in to tell whether its device is new (core/new-device.ts). */
export const NEW_DEVICE_HISTORY = 200;

export interface SignInCompletion {
  account: Account;
  ctx: RequestContext;
  now: number;
  /** The session the client presented, if any: it ends ('rotated') as the new one begins. */
  replacing?: Authenticated | null | undefined;
  /** What was proven (step-up reads it); absent: the password, now. */
  authentication?: { at: number; method: string } | undefined;
  /** Extra detail of the signin.succeeded event (how the person signed in). */
  detail?: Record<string, unknown> | undefined;
  /** What the method used records with the sign-in (e.g. a recovery code's use), before the new-device notice. */
  alsoRecord?: ((issued: IssuedSession) => Promise<void>) | undefined;
}

export async function completeSignIn(tx: Repositories, deps: FlowDeps, o: SignInCompletion): Promise<IssuedSession> {
  const { account, ctx, now } = o;
  if (o.replacing) {
    await tx.sessions.revokeSession(o.replacing.session.id, { accountId: o.replacing.account.id, now, reason: 'rotated' });
  }
  const earlier = await tx.sessions.listSessionOrigins(account.id, { limit: NEW_DEVICE_HISTORY });
  const issued = await issueSession(tx, deps, account, ctx, o.authentication ? { authentication: o.authentication } : {});
  await tx.events.recordEvent({
    accountId: account.id,
    type: 'signin.succeeded',
    now,
    ip: ctx.ip,
    device: issued.session.device,
    sessionId: issued.session.id,
    ...(o.detail ? { detail: o.detail } : {}),
  });
  await o.alsoRecord?.(issued);
  if (isNewDevice(earlier, { device: issued.session.device, ip: ctx.ip }, now)) {
    await queueNotice(tx, deps, { account, notice: { code: 'new-device-sign-in' }, origin: { at: now, device: issued.session.device, ip: ctx.ip } });
  }
  return issued;
}
