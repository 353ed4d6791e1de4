// Self-service password reset (issue 5, first increment). The flow is a row in password_resets
// (states drawn beside the 0005 migration):
//   request  — always the same 202, whatever the address; the account-specific work (lookup, throttle,
//              token, email) runs after the response (deps.background), so it cannot show in its timing.
//   verify   — the link token or the short code proves the mailbox; the token is exchanged for a flow id.
//   complete — the new password, in one transaction with everything a reset must undo.
// The flow records which further factors it requires (`requires`), so the second-factor step of the
// two-factor issue plugs in between verify and complete without changing this shape.
import { randomInt } from 'node:crypto';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { generateToken, hashToken, hmac } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import { assertPasswordAllowed } from './password-policy.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { hasSecondFactor } from './two-factor.js';

/** What a reset flow of an account with an authenticator app or recovery codes must also prove. */
export const SECOND_FACTOR_REQUIREMENT = 'second_factor';

export const RESET_TOKEN_TTL_MS = 30 * 60_000;
/** OWASP Forgot Password cheat sheet: limit how often one account can be sent reset emails. */
export const RESET_MAX_PER_ACCOUNT = 3;
export const RESET_MAX_PER_IP = 20;
export const RESET_THROTTLE_WINDOW_MS = 15 * 60_000;
export const RESET_CODE_DIGITS = 8;

export interface ResetFlowView {
  flowId: string;
  /** Further factors to prove before the new password is accepted; empty until two-factor lands. */
  requires: string[];
}

function ttl(deps: FlowDeps): number {
  return deps.config.resetTokenTtlMs ?? RESET_TOKEN_TTL_MS;
}

function secretOf(deps: FlowDeps): Uint8Array {
  if (!deps.secret) throw new TypeError('reset-password: deps.secret is required');
  return deps.secret;
}

/** Codes are short, so they are kept as a MAC under the server secret, bound to their account. */
function resetCodeHash(deps: FlowDeps, accountId: string, code: string): string {
  return hmac(secretOf(deps), `reset-code:${accountId}:${code}`);
}

function randomCode(deps: FlowDeps): string {
  // Uniform over 10^8 from the injected randomness (rejection sampling, like the recovery-email code).
  const limit = 10 ** RESET_CODE_DIGITS;
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  for (;;) {
    const b = deps.random.bytes(4);
    const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (n < ceiling) return String(n % limit).padStart(RESET_CODE_DIGITS, '0');
  }
}

/**
 * Step 1. Returns at once, having done the same work for every address; what differs runs after the
 * response. No result: the caller answers 202 with the same body whatever happened.
 */
export function requestPasswordReset(deps: FlowDeps, input: { email: string }, ctx: RequestContext): void {
  const emailNormalized = normalizeEmail(input.email);
  const task = (): Promise<void> => sendResetEmail(deps, emailNormalized, ctx);
  if (deps.background) deps.background.run('password-reset-request', task);
  else void task().catch(() => undefined);
}

async function sendResetEmail(deps: FlowDeps, emailNormalized: string, ctx: RequestContext): Promise<void> {
  const now = deps.clock.now();
  const ipKey = `ip:${ctx.ip ?? 'unknown'}`;
  const perIp = deps.resetThrottle?.perIp;
  if (perIp?.isLimited(ipKey)) return;
  perIp?.recordFailure(ipKey);
  const account = await deps.store.accounts.findAccountByEmail(emailNormalized);
  // Unknown and disabled addresses get nothing; the answer was the same already.
  if (!account || account.status !== 'active') return;
  if ((await deps.store.passwordResets.countResetsSince(account.id, now - RESET_THROTTLE_WINDOW_MS)) >= RESET_MAX_PER_ACCOUNT) return;
  const token = generateToken(deps.random);
  const code = randomCode(deps);
  const expiresAt = now + ttl(deps);
  // A reset never bypasses the second factor (DESIGN.md): the flow records that it needs one. Asked before
  // the transaction: on SQLite a read outside it would wait for the transaction's connection for ever.
  const requires = (await hasSecondFactor(deps, account.id)) ? [SECOND_FACTOR_REQUIREMENT] : [];
  await deps.store.transaction(async (tx) => {
    // A newer request voids the older ones (createReset does it in this transaction).
    await tx.passwordResets.createReset({
      id: deps.random.uuid(), accountId: account.id, tokenHash: hashToken(token), codeHash: resetCodeHash(deps, account.id, code),
      requires, now, expiresAt,
    });
    await tx.events.recordEvent({ accountId: account.id, type: 'password.reset_requested', now, ip: ctx.ip });
    await queueNotice(tx, deps, {
      account,
      notice: { code: 'password-reset-requested', resetToken: token, resetCode: code, minutes: Math.round(ttl(deps) / 60_000) },
      origin: { at: now, device: null, ip: ctx.ip },
    });
  });
}

/** Step 2a: the link's token. Used, expired, superseded or never issued: the same RESET_LINK_INVALID. */
export async function verifyResetToken(deps: FlowDeps, input: { token: string }, ctx: RequestContext): Promise<ResetFlowView> {
  const now = deps.clock.now();
  const flowId = generateToken(deps.random);
  const flow = await deps.store.passwordResets.verifyResetByToken(hashToken(input.token), { flowHash: hashToken(flowId), now, expiresAt: now + ttl(deps) });
  if (!flow) throw new PassdeskError('RESET_LINK_INVALID');
  await deps.store.events.recordEvent({ accountId: flow.accountId, type: 'password.reset_verified', now, ip: ctx.ip, detail: { via: 'link' } });
  return { flowId, requires: flow.requires };
}

/** Step 2b: the address and the short code typed on another device. Unknown address or wrong code: RESET_CODE_INVALID. */
export async function verifyResetCode(deps: FlowDeps, input: { email: string; code: string }, ctx: RequestContext): Promise<ResetFlowView> {
  const now = deps.clock.now();
  const account = await deps.store.accounts.findAccountByEmail(normalizeEmail(input.email));
  // The MAC is computed for unknown addresses too, so both cost the same.
  const codeHash = resetCodeHash(deps, account?.id ?? `none-${randomInt(1e9)}`, input.code);
  if (!account) throw new PassdeskError('RESET_CODE_INVALID');
  const flowId = generateToken(deps.random);
  const flow = await deps.store.passwordResets.verifyResetByCode(account.id, codeHash, { flowHash: hashToken(flowId), now, expiresAt: now + ttl(deps) });
  if (!flow) {
    await deps.store.events.recordEvent({ accountId: account.id, type: 'password.reset_code_failed', now, ip: ctx.ip });
    throw new PassdeskError('RESET_CODE_INVALID');
  }
  await deps.store.events.recordEvent({ accountId: account.id, type: 'password.reset_verified', now, ip: ctx.ip, detail: { via: 'code' } });
  return { flowId, requires: flow.requires };
}

/** Whether a flow id names a live, verified flow (the new-password page checks before showing the form). */
export async function describeResetFlow(deps: FlowDeps, flowId: string): Promise<{ requires: string[]; email: string } | null> {
  const flow = await deps.store.passwordResets.findVerifiedReset(hashToken(flowId), deps.clock.now());
  if (!flow) return null;
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  return account ? { requires: flow.requires, email: account.email } : null;
}

/**
 * Step 3, in ONE transaction: the flow used, the new password (must_change_password cleared), history,
 * every session revoked, every other reset flow voided, the audit event and the notice. Then the sign-in
 * throttle of the address is cleared: a person locked out by failures (or by someone guessing) recovers.
 * No session is issued: the person signs in with the new password.
 */
export async function completePasswordReset(deps: FlowDeps, input: { flowId: string; newPassword: string }, ctx: RequestContext): Promise<void> {
  const now = deps.clock.now();
  const flowHash = hashToken(input.flowId);
  const flow = await deps.store.passwordResets.findVerifiedReset(flowHash, now);
  if (!flow) throw new PassdeskError('RESET_FLOW_INVALID');
  if (flow.requires.some((f) => !flow.satisfied.includes(f))) throw new PassdeskError('RESET_FACTOR_REQUIRED');
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  if (!account || account.status !== 'active') throw new PassdeskError('RESET_FLOW_INVALID');
  // Checked again now: a factor added after the email went out still guards the account.
  if (!flow.satisfied.includes(SECOND_FACTOR_REQUIREMENT) && (await hasSecondFactor(deps, account.id))) throw new PassdeskError('RESET_FACTOR_REQUIRED');
  await assertPasswordAllowed(deps, input.newPassword, 'choose', { account });
  const newHash = await deps.hasher.hash(input.newPassword);
  await deps.store.transaction(async (tx) => {
    // The guarded update: of two racing completions only one gets past this line.
    if (!(await tx.passwordResets.completeReset(flowHash, now))) throw new PassdeskError('RESET_FLOW_INVALID');
    await tx.accounts.setPassword(account.id, newHash, now);
    const historyCount = deps.config.passwordPolicy.historyCount;
    if (historyCount > 0 && account.passwordHash) {
      await tx.passwordHistory.rememberPassword({ id: deps.random.uuid(), accountId: account.id, passwordHash: account.passwordHash, now, keep: historyCount });
    }
    const signedOutSessions = await tx.sessions.revokeOtherSessions(account.id, { exceptSessionId: null, now, reason: 'password-reset' });
    const voidedFlows = await tx.passwordResets.voidResets(account.id, now);
    await tx.events.recordEvent({ accountId: account.id, type: 'password.reset', now, ip: ctx.ip, detail: { signedOutSessions, voidedFlows } });
    await queueNotice(tx, deps, { account, notice: { code: 'password-reset-completed' }, origin: { at: now, device: null, ip: ctx.ip } });
  });
  // In memory (attempt-limiter.ts): the (email, IP) failure counters of this address, from every IP.
  deps.signInThrottle?.perAccountAndIp.resetPrefix(`pair:${account.emailNormalized}\u0000`);
}
