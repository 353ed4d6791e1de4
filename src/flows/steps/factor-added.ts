// A second factor was just added and proven in this session: an authenticator app confirmed with a code, or a
// passkey registered by using it. Written once for both. The session now counts as authenticated with the new
// factor, so the account's raised step-up requirement does not lock out the session that raised it; that raises
// the session's strength, a privilege change, so its token is rotated (DESIGN.md) and a copy of the old cookie
// does not gain it. Then the audit event and the notice (with its "This wasn't me" link).
import { PassdeskError } from '../../core/errors.js';
import { hashToken } from '../../core/tokens.js';
import { queueNotice } from '../../mail/notices.js';
import type { Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, RequestContext } from '../deps.js';

export async function recordFactorAdded(
  tx: Repositories,
  deps: FlowDeps,
  o: {
    auth: Authenticated;
    method: 'totp' | 'passkey';
    /** The session's new token (its hash replaces the old one). */
    token: string;
    /** What the event records besides the type: which factor. */
    detail: Record<string, unknown>;
    /** How the notice names it ("authenticator app", passkey “name”). */
    methodName: string;
    now: number;
    ctx: RequestContext;
  },
): Promise<void> {
  const { auth, now, ctx } = o;
  const rotated = await tx.sessions.recordAuthentication(auth.session.id, {
    accountId: auth.account.id,
    at: now,
    method: o.method,
    newTokenHash: hashToken(o.token),
  });
  if (!rotated) throw new PassdeskError('AUTHENTICATION_REQUIRED');
  await tx.events.recordEvent({
    accountId: auth.account.id,
    type: 'second_factor.added',
    now,
    ip: ctx.ip,
    device: auth.session.device,
    sessionId: auth.session.id,
    detail: { type: o.method, ...o.detail },
  });
  await queueNotice(tx, deps, {
    account: auth.account,
    notice: { code: 'second-factor-added', method: o.methodName },
    origin: { at: now, device: auth.session.device, ip: ctx.ip },
  });
}
