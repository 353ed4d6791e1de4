// Sessions on every device: issue, validate (idle + absolute timeouts), list, revoke.
//
// A session row (store/sessions.ts):
//   issued ──seen (last_seen_at, at most every TOUCH_INTERVAL_MS)──▶ live ──idle or absolute timeout──▶ expired
//      └──sign-out, revoked by the person, rotated (sign-in, password change, step-up rotates the token only),
//         password changed/reset, reported, password-locked, admin──▶ revoked (revoked_reason)
import { generateToken, hashToken } from '../core/tokens.js';
import { describeDevice } from '../core/device.js';
import { PassdeskError } from '../core/errors.js';
import type { Account, Session } from '../store/index.js';
import type { Repositories } from '../store/index.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext } from './deps.js';
import { assertRecentAuthentication } from './step-up.js';

/** A signed-in request and a session just issued; the types live one layer down (methods/deps.ts). */
export type { Authenticated, IssuedSession } from './deps.js';

/** last_seen_at is written at most this often, so session checks stay reads (idle timeout slack ≤ 1 min). */
export const TOUCH_INTERVAL_MS = 60_000;

const MAX_USER_AGENT = 512;

export async function issueSession(
  tx: Repositories,
  deps: Pick<FlowDeps, 'clock' | 'random' | 'config'>,
  account: Account,
  ctx: RequestContext,
  options: { authentication?: { at: number; method: string } } = {},
): Promise<IssuedSession> {
  const token = generateToken(deps.random);
  const now = deps.clock.now();
  const userAgent = ctx.userAgent ? ctx.userAgent.slice(0, MAX_USER_AGENT) : null;
  const session = await tx.sessions.createSession({
    id: deps.random.uuid(),
    tokenHash: hashToken(token),
    accountId: account.id,
    now,
    expiresAt: now + deps.config.sessionAbsoluteTimeoutMs,
    ip: ctx.ip,
    userAgent,
    device: describeDevice(userAgent ?? undefined),
    // What the person proved to get this session; step-up (flows/step-up.ts) reads it.
    authentication: options.authentication ?? { at: now, method: 'password' },
  });
  return { token, session };
}

export function isSessionLive(session: Session, now: number, idleTimeoutMs: number): boolean {
  return session.revokedAt === null && now < session.expiresAt && now - session.lastSeenAt < idleTimeoutMs;
}

/** The account behind a session token, or null when the token is unknown, revoked, expired or idle too long. */
export async function validateSessionToken(deps: FlowDeps, token: string): Promise<Authenticated | null> {
  if (token.length < 16 || token.length > 128) return null;
  const found = await deps.store.sessions.findSessionByTokenHash(hashToken(token));
  if (!found) return null;
  const now = deps.clock.now();
  if (!isSessionLive(found.session, now, deps.config.sessionIdleTimeoutMs)) return null;
  if (found.account.status !== 'active') return null;
  if (now - found.session.lastSeenAt >= TOUCH_INTERVAL_MS) {
    await deps.store.sessions.touchSession(found.session.id, now);
    found.session.lastSeenAt = now;
  }
  return found;
}

export interface DeviceView {
  id: string;
  device: string;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  current: boolean;
  /** Set for sessions ended in the last day, so a person sees which devices a change signed out. */
  revokedAt: number | null;
  revokedReason: string | null;
}

const RECENTLY_ENDED_MS = 86_400_000;

export async function listDevices(deps: FlowDeps, auth: Authenticated, options: { includeRecentlyEnded?: boolean } = {}): Promise<DeviceView[]> {
  const now = deps.clock.now();
  const sessions = await deps.store.sessions.listSessions(auth.account.id, {
    now,
    ...(options.includeRecentlyEnded ? { includeRevokedSince: now - RECENTLY_ENDED_MS } : {}),
  });
  return sessions
    .filter((s) => s.revokedAt !== null || isSessionLive(s, now, deps.config.sessionIdleTimeoutMs))
    .filter((s) => !(s.revokedAt !== null && s.revokedReason === 'rotated'))
    .map((s) => ({
      id: s.id,
      device: s.device,
      ip: s.ip,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      current: s.id === auth.session.id,
      revokedAt: s.revokedAt,
      revokedReason: s.revokedReason,
    }));
}

export async function signOut(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.sessions.revokeSession(auth.session.id, { accountId: auth.account.id, now, reason: 'sign-out' });
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'signout', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id });
  });
}

/** Signs out one of the person's devices. Returns whether it was the current one. */
export async function revokeDevice(deps: FlowDeps, auth: Authenticated, sessionId: string, ctx: RequestContext): Promise<{ current: boolean }> {
  const now = deps.clock.now();
  const current = sessionId === auth.session.id;
  // Signing out one's own device is always allowed; another device needs step-up, as "sign out every other
  // device" does (else a stale, stolen session could sign the owner out device by device).
  if (!current) await assertRecentAuthentication(deps, auth);
  await deps.store.transaction(async (tx) => {
    const revoked = await tx.sessions.revokeSession(sessionId, {
      accountId: auth.account.id,
      now,
      reason: current ? 'sign-out' : 'revoked-by-user',
    });
    // Same answer for "not yours" and "does not exist": ids of other people's sessions reveal nothing.
    if (!revoked) throw new PassdeskError('SESSION_NOT_FOUND');
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: current ? 'signout' : 'session.revoked',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { revokedSessionId: sessionId },
    });
  });
  return { current };
}

export async function revokeOtherDevices(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<{ revoked: number }> {
  // Signing out every other device is sensitive (issue 6): it needs a recent authentication.
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const revoked = await tx.sessions.revokeOtherSessions(auth.account.id, {
      exceptSessionId: auth.session.id,
      now,
      reason: 'signed-out-elsewhere',
    });
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'sessions.revoked_others',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { revoked },
    });
    return { revoked };
  });
}
