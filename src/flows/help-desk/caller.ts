// Caller verification (issue 15): before a temporary password or a factor removal, the agent proves that the
// caller is the person. Either Passdesk emails the person an 8-digit code (primary and verified recovery address)
// that the caller reads back, or the caller reads the current code of their authenticator app. A verification counts
// for CALLER_VERIFICATION_TTL_MS, for that agent and that account only (flows/help-desk/action.ts asks for it).
//
// State (caller_verifications, migration 0026):
//   send code ──▶ pending ──right code──▶ verified (valid_until = now + TTL)
//                    │ ──wrong code──▶ pending (counted) ──CALLER_CODE_MAX_WRONG──▶ failed
//                    └── expires_at passed / a newer code sent: dead
//   app code (right) ──▶ verified at once
// Every wrong code also uses a slot of the account's budget (reserved in the store before the check), so several
// agents, or one agent sending new codes, get no more guesses than the budget. Events: admin.caller.verify with
// the method and the outcome, never the code.
import { sentence, type Sentence } from '../../core/i18n/sentence.js';
import { CALLER_VERIFICATION_TTL_MS } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { queueNotice } from '../../mail/notices.js';
import { reserveGuess, SECOND_FACTOR_BUDGET, TOO_MANY_WRONG_CODES } from '../../methods/attempt-budget.js';
import { emailCodeDigest, newEmailCode } from '../../methods/email-code.js';
import { totp } from '../../methods/totp.js';
import type { Account, AttemptBudget, CallerVerificationMethod, Repositories } from '../../store/index.js';
import type { Authenticated, FlowDeps, RequestContext } from '../deps.js';
import { admitAdminAction } from './action.js';

/** How long an emailed caller code can be read back. */
export const CALLER_CODE_TTL_MS = 10 * 60_000;
/** Wrong codes for one emailed code before it stops working (a new one must be sent). */
export const CALLER_CODE_MAX_WRONG = 5;
/** Wrong emailed caller codes per account in a window, across every agent and every code sent. */
export const CALLER_CODE_BUDGET: AttemptBudget = { purpose: 'caller_code', limit: 10, windowMs: CALLER_CODE_TTL_MS };

type Outcome = 'sent' | 'verified' | 'wrong' | 'no-code';

async function recordCallerEvent(
  tx: Pick<Repositories, 'events'>,
  auth: Authenticated,
  o: { target: Account; method: CallerVerificationMethod; outcome: Outcome; now: number; ctx: RequestContext },
): Promise<void> {
  await tx.events.recordEvent({
    accountId: o.target.id,
    actorId: auth.account.id,
    type: 'admin.caller.verify',
    now: o.now,
    ip: o.ctx.ip,
    device: auth.session.device,
    sessionId: auth.session.id,
    detail: { method: o.method, outcome: o.outcome },
  });
}

async function admitCallerCheck(deps: FlowDeps, auth: Authenticated, accountId: string): Promise<Account> {
  const target = await admitAdminAction(deps, { kind: 'session', auth }, 'caller.verify', accountId);
  if (!target) throw new PassdeskError('NOT_FOUND');
  return target;
}

/** Emails the person a one-time code for this agent to hear back; a code sent earlier to the same pair ends. */
export async function sendCallerCode(deps: FlowDeps, auth: Authenticated, accountId: string, ctx: RequestContext): Promise<{ expiresAt: number }> {
  const target = await admitCallerCheck(deps, auth, accountId);
  const now = deps.clock.now();
  const code = newEmailCode(deps);
  const expiresAt = now + CALLER_CODE_TTL_MS;
  await deps.store.transaction(async (tx) => {
    await tx.callerVerifications.startCallerVerification({
      id: deps.random.uuid(),
      agentId: auth.account.id,
      accountId: target.id,
      codeDigest: emailCodeDigest(deps, 'caller-code', target.id, code),
      now,
      expiresAt,
    });
    await recordCallerEvent(tx, auth, { target, method: 'email-code', outcome: 'sent', now, ctx });
    await queueNotice(tx, deps, {
      account: target,
      notice: { code: 'caller-verification-code', verificationCode: code, minutes: CALLER_CODE_TTL_MS / 60_000 },
      origin: { at: now, device: null, ip: null },
    });
  });
  return { expiresAt };
}

/**
 * What the caller read back: the emailed code (method 'email-code') or their authenticator app's current code
 * ('totp'). Right: the caller counts as verified for this agent and this account until `verifiedUntil`. Wrong:
 * 400 CALLER_CODE_INVALID, audited; past the budget 429.
 */
export async function confirmCaller(
  deps: FlowDeps,
  auth: Authenticated,
  input: { accountId: string; method: CallerVerificationMethod; code: string },
  ctx: RequestContext,
): Promise<{ verifiedUntil: number }> {
  const target = await admitCallerCheck(deps, auth, input.accountId);
  const now = deps.clock.now();
  const verifiedUntil = now + CALLER_VERIFICATION_TTL_MS;
  const refuse = async (outcome: Outcome, message?: Sentence): Promise<never> => {
    await recordCallerEvent(deps.store, auth, { target, method: input.method, outcome, now, ctx });
    throw new PassdeskError('CALLER_CODE_INVALID', message);
  };
  if (input.method === 'totp') {
    if (!(await totp.available(deps, target.id))) throw new PassdeskError('CALLER_CODE_INVALID', sentence('error.CALLER_CODE_INVALID.noApp'));
    // The person's own budget of wrong second-factor codes: a caller guessing here gets no more tries than at sign-in.
    const slot = await reserveGuess(deps.store, target.id, SECOND_FACTOR_BUDGET, now, TOO_MANY_WRONG_CODES);
    if ((await totp.verify(deps, target, input.code, { purpose: 'step_up', binding: null })) === null) return refuse('wrong');
    await deps.store.transaction(async (tx) => {
      await tx.attempts.releaseAttempt(slot);
      await tx.callerVerifications.recordVerifiedCaller({
        id: deps.random.uuid(),
        agentId: auth.account.id,
        accountId: target.id,
        method: 'totp',
        now,
        validUntil: verifiedUntil,
      });
      await recordCallerEvent(tx, auth, { target, method: 'totp', outcome: 'verified', now, ctx });
    });
    return { verifiedUntil };
  }
  const slot = await reserveGuess(deps.store, target.id, CALLER_CODE_BUDGET, now, sentence('error.TOO_MANY_REQUESTS.callerCode'));
  const digest = /^\d{8}$/.test(input.code.trim()) ? emailCodeDigest(deps, 'caller-code', target.id, input.code.trim()) : '';
  const result = await deps.store.transaction(async (tx) => {
    const r = await tx.callerVerifications.confirmCallerCode({
      agentId: auth.account.id,
      accountId: target.id,
      codeDigest: digest,
      now,
      validUntil: verifiedUntil,
      maxWrong: CALLER_CODE_MAX_WRONG,
    });
    if (r === 'verified') {
      await tx.attempts.releaseAttempt(slot);
      await recordCallerEvent(tx, auth, { target, method: 'email-code', outcome: 'verified', now, ctx });
    }
    return r;
  });
  if (result === 'none') {
    // Nothing was there to guess: the slot goes back.
    await deps.store.attempts.releaseAttempt(slot);
    return refuse('no-code', sentence('error.CALLER_CODE_INVALID.noneSent'));
  }
  if (result === 'wrong') return refuse('wrong');
  return { verifiedUntil };
}

/** Until when this agent's caller for this account counts as verified; null: not verified now (the console's forms ask). */
export async function callerVerifiedUntil(deps: FlowDeps, auth: Authenticated, accountId: string): Promise<number | null> {
  return deps.store.callerVerifications.verifiedCallerUntil(auth.account.id, accountId, deps.clock.now());
}
