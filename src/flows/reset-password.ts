// Self-service password reset (issue 5, first increment). The flow is a row in password_resets (ResetState):
//
//   requested ──link token or emailed code──▶ verified ──second method, if required──▶ verified (satisfied += it)
//       │                                        │  ──new password (replacePassword)──▶ completed
//       └──────── voided (a completed reset, a "This wasn't me" report) / expired (its time ran out) ◀──┘
//   Wrong codes end only the code path (code_attempts at RESET_CODE_MAX_ATTEMPTS), never the link; wrong second
//   methods void the flow at RESET_FACTOR_MAX_ATTEMPTS.
//
//   request  — always the same 202, whatever the address; the account-specific work (lookup, throttle,
//              token, email) runs after the response (deps.background), so it cannot show in its timing.
//   verify   — the link token or the short code proves the mailbox; the token is exchanged for a flow id.
//   complete — the new password, in one transaction with everything a reset must undo.
// The flow records which further factors it requires (`requires`), so the second-factor step of the
// two-factor issue plugs in between verify and complete without changing this shape.
//
// Nobody can block someone else's reset (issue 11, item 6). A stranger who knows only the address can ask for
// resets and type wrong codes; the owner reads the mailbox. So:
//   · every reset email goes to the owner: a request the stranger makes hands the OWNER a working link;
//   · a link works until it is used, expires or a reset completes. A newer request does not void it, and a
//     request that sends nothing (throttled, unknown address) changes nothing at all;
//   · wrong typed codes end the CODE path only (RESET_CODE_MAX_ATTEMPTS checks per flow); the emailed link of
//     the same flow keeps working. The code is the only part a stranger can guess at, so it is the only
//     part a stranger can spend;
//   · the per-account cap (RESET_MAX_PER_ACCOUNT per RESET_THROTTLE_WINDOW_MS) counts only flows whose link
//     still works. When it refuses, the owner already has that many working links from the last quarter-hour
//     in the inbox; once they are used, expired or ended, a new request sends again.
// The cap still bounds the mail a stranger can send the owner (3 per 15 minutes). Live links are bounded by
// the cap and the TTL; each is a 256-bit token, and each code has its own small attempt budget.
import { inEnglish, sentence, withSentence } from '../core/i18n/sentence.js';
import { deviceOf } from '../core/device.js';
import type { ResetSituation } from '../mail/templates.js';
import { accountForEntry, askDirectory, inDirectory, passwordPolicyFor, writeDirectoryPassword } from '../methods/directory-account.js';
import { randomInt } from 'node:crypto';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { RESET_FACTOR_MAX_ATTEMPTS } from '../store/password-resets.js';
import { queueNotice } from '../mail/notices.js';
import { policySentences } from '../core/messages.js';
import { findSecurityQuestion } from '../core/security-questions.js';
import type { Account, PasswordReset, Repositories, ResetState } from '../store/index.js';
import { assertPasswordAllowed } from './password-policy.js';
import type { FlowDeps, RequestContext, SameUnion } from './deps.js';
import { hasSecurityAnswers, securityAnswers } from '../methods/security-answers.js';
import {
  hasSecondFactor,
  refusedProofCode,
  secondFactorMethods,
  verifySecondFactor,
  type SecondFactorCheck,
  type SecondFactorMethod,
  type SecondFactorProof,
} from '../methods/second-factor.js';
import { reserveGuess, SECOND_FACTOR_BUDGET, TOO_MANY_WRONG_CODES } from '../methods/attempt-budget.js';
import { passkey } from '../methods/passkey.js';
import { recordRecoveryCodeUse } from '../methods/recovery-code.js';
import { EMAIL_CODE_DIGITS, emailCodeDigest, newEmailCode } from '../methods/email-code.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { signInAccountSubject } from '../core/sign-in-keys.js';
import { replacePassword } from './steps/replace-password.js';
import { perIpKey } from '../core/client-key.js';
import { ipCapWaitMs } from './challenge.js';
import { resendAddressConfirmation } from './sign-up.js';

/** The states drawn at the top of this file (password_resets.state). */
export type ResetFlowState = 'requested' | 'verified' | 'completed' | 'voided' | 'expired';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const RESET_STATES_MATCH_STORE: SameUnion<ResetFlowState, ResetState> = true;

// What a verified flow may still have to prove before a new password is accepted (`requires`). The email
// proof is the first method; these are the second:
/** The account has an authenticator app or a passkey: a reset never bypasses it. A recovery code also does. */
export const SECOND_FACTOR_REQUIREMENT = 'second_factor';
/** No second factor, but the organisation uses security questions and the person answered them. */
export const SECURITY_QUESTIONS_REQUIREMENT = 'security_questions';
/** A role that needs two methods (config resetTwoMethodRoles) with no second one set up: help desk only. */
export const SECOND_METHOD_REQUIREMENT = 'second_method';
export type ResetRequirement = typeof SECOND_FACTOR_REQUIREMENT | typeof SECURITY_QUESTIONS_REQUIREMENT | typeof SECOND_METHOD_REQUIREMENT;
const RESET_REQUIREMENTS: readonly string[] = [SECOND_FACTOR_REQUIREMENT, SECURITY_QUESTIONS_REQUIREMENT, SECOND_METHOD_REQUIREMENT];
const isRequirement = (r: string): r is ResetRequirement => RESET_REQUIREMENTS.includes(r);

/** How a flow's second method is proven. */
export type ResetMethodProof = SecondFactorProof | { method: 'security_questions'; answers: Array<{ questionId: string; answer: string }> };

export const RESET_TOKEN_TTL_MS = 30 * 60_000;
/** OWASP Forgot Password cheat sheet: limit how often one account can be sent reset emails. */
export const RESET_MAX_PER_ACCOUNT = 3;
export const RESET_MAX_PER_IP = 20;
export const RESET_THROTTLE_WINDOW_MS = 15 * 60_000;
/**
 * Wrong emailed codes typed from one address in that window. Each flow's own budget (5) already makes guessing
 * hopeless; this bounds what one address can make the server do, since every check does the same store work
 * and writes an audit row whether or not the address has an account. Decided before any lookup: the same for all.
 */
export const RESET_CODE_MAX_FAILURES_PER_IP = 30;
export const RESET_CODE_DIGITS = EMAIL_CODE_DIGITS;

export interface ResetFlowView {
  flowId: string;
  /** What is still to prove before the new password is accepted; empty when the email proof suffices. */
  requires: ResetRequirement[];
  /** With `second_factor` to prove: the ways this account can. */
  secondFactorMethods?: SecondFactorMethod[];
  /** With `security_questions` to prove: the questions this person answered. */
  securityQuestions?: Array<{ id: string; text: string }>;
}

/** What a reset of this account must prove besides the mailbox, as of now. */
/** Reads only; a transaction's repositories serve as well as the store. */
type RequirementDeps = Pick<FlowDeps, 'config'> & { store: Pick<Repositories, 'twoFactor' | 'passkeys' | 'securityAnswers'> };

async function resetRequirements(deps: RequirementDeps, account: Account): Promise<ResetRequirement[]> {
  if (await hasSecondFactor(deps, account.id)) return [SECOND_FACTOR_REQUIREMENT];
  // Questions are weaker than any second factor, so they are asked only when there is none.
  if (await hasSecurityAnswers(deps, account.id)) return [SECURITY_QUESTIONS_REQUIREMENT];
  if ((deps.config.resetTwoMethodRoles ?? ['admin']).includes(account.role)) return [SECOND_METHOD_REQUIREMENT];
  return [];
}

/**
 * Still to prove: what the flow recorded at the request and what the account needs now (a factor added
 * after the email went out guards the account too), minus what this flow proved.
 */
async function remainingRequirements(deps: FlowDeps, flow: { requires: string[]; satisfied: string[] }, account: Account): Promise<ResetRequirement[]> {
  // A requirement this version does not know (written by a newer one) cannot be proven here: it stays as a second method.
  const recorded = flow.requires.map((r) => (isRequirement(r) ? r : SECOND_METHOD_REQUIREMENT));
  const needed = new Set<ResetRequirement>([...recorded, ...(await resetRequirements(deps, account))]);
  // A second factor proven in this flow is a second method too.
  if (flow.satisfied.length > 0) needed.delete(SECOND_METHOD_REQUIREMENT);
  return [...needed].filter((r) => !flow.satisfied.includes(r));
}

async function flowView(deps: FlowDeps, flowId: string, remaining: ResetRequirement[], accountId: string): Promise<ResetFlowView> {
  const view: ResetFlowView = { flowId, requires: remaining };
  if (remaining.includes(SECOND_FACTOR_REQUIREMENT)) view.secondFactorMethods = await secondFactorMethods(deps, accountId);
  if (remaining.includes(SECURITY_QUESTIONS_REQUIREMENT)) {
    view.securityQuestions = (await deps.store.securityAnswers.listSecurityAnswers(accountId)).map((a) => ({
      id: a.questionId,
      text: findSecurityQuestion(a.questionId)?.text ?? a.questionId,
    }));
  }
  return view;
}

/** The view of a flow that has just been verified (by link or code). */
async function verifiedView(deps: FlowDeps, flowId: string, flow: { accountId: string; requires: string[]; satisfied: string[] }): Promise<ResetFlowView> {
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  if (!account) throw new PassdeskError('RESET_FLOW_INVALID');
  return flowView(deps, flowId, await remainingRequirements(deps, flow, account), account.id);
}

function ttl(deps: FlowDeps): number {
  return deps.config.resetTokenTtlMs ?? RESET_TOKEN_TTL_MS;
}

/** Codes are short, so they are kept as a MAC under the server secret, bound to their account (methods/email-code.ts). */
function resetCodeHash(deps: FlowDeps, accountId: string, code: string): string {
  return emailCodeDigest(deps, 'reset-code', accountId, code);
}

/**
 * Step 1. Returns at once, having done the same work for every address; what differs runs after the
 * response. No result: the caller answers 202 with the same body whatever happened.
 */
export function requestPasswordReset(deps: FlowDeps, input: { email: string }, ctx: RequestContext, options: { challengeSolved?: boolean } = {}): void {
  const emailNormalized = normalizeEmail(input.email);
  const task = (): Promise<void> => sendResetEmail(deps, emailNormalized, ctx, options.challengeSolved ?? false);
  if (deps.background) deps.background.run('password-reset-request', task);
  else void task().catch(() => undefined);
}

async function sendResetEmail(deps: FlowDeps, emailNormalized: string, ctx: RequestContext, challengeSolved: boolean): Promise<void> {
  const now = deps.clock.now();
  const ipKey = perIpKey(ctx.ip);
  const perIp = deps.resetThrottle?.perIp;
  // A solved bot challenge (flows/challenge.ts) stands in for the per-IP limit; the per-account limit still holds.
  // ...up to the hard cap (PASSDESK_CHALLENGE_IP_CAP times the limit), past which nothing is sent whatever was solved.
  // Counted in one step whatever follows (each request is a use, never given back).
  if (perIp && !(await perIp.reserve(ipKey))) {
    if (!challengeSolved || (await ipCapWaitMs(deps, 'reset', ctx)) > 0) return;
    const cap = perIp.limit * (deps.challenges?.settings.ipCapFactor ?? 1);
    if (!(await perIp.reserve(ipKey, { limit: cap }))) return;
  }
  const account = await findAccountForReset(deps, emailNormalized);
  // Unknown and disabled addresses get nothing; the answer was the same already.
  if (account?.status !== 'active') return;
  // Nor does an address its account has not confirmed get a reset (an administrator's account made unconfirmed: a
  // typo in it must not hand the account to whoever owns the typed address); it gets a new link to confirm it.
  if (account.emailConfirmedAt === null) return resendAddressConfirmation(deps, account, ctx);
  // Only links that still work count (see the top of this file): a stranger cannot use the cap up to lock the owner out.
  if ((await deps.store.passwordResets.countLiveResetsSince(account.id, now - RESET_THROTTLE_WINDOW_MS, now)) >= RESET_MAX_PER_ACCOUNT) return;
  // Asked before the transaction: on SQLite a read outside it would wait for the transaction's connection for ever.
  const prepared = await prepareResetEmail(deps, account);
  await deps.store.transaction((tx) => queueResetEmail(tx, deps, account, prepared, ctx, now));
}

/**
 * The account a reset request names. With a directory, the directory is asked (after the response, like everything
 * here): a person who never signed in to Passdesk can still reset, and a disabled or vanished entry gets nothing.
 */
async function findAccountForReset(deps: FlowDeps, emailNormalized: string): Promise<Account | null> {
  const backend = deps.directory;
  if (!backend) return deps.store.accounts.findAccountByEmail(emailNormalized);
  const entry = await askDirectory(() => backend.directory.findEntry(emailNormalized));
  if (!entry || entry.disabled) return null;
  return accountForEntry(deps, backend, entry);
}

/** What a reset email needs that is read or made before its transaction. */
export interface PreparedResetEmail {
  requires: ResetRequirement[];
}

/** Reads what the reset of this account will require (outside any transaction: see sendResetEmail). */
export async function prepareResetEmail(deps: RequirementDeps, account: Account): Promise<PreparedResetEmail> {
  // A reset never bypasses the second factor (DESIGN.md): the flow records that it needs one.
  return { requires: await resetRequirements(deps, account) };
}

/**
 * In the caller's transaction: a new reset flow for the account (older ones stay live), its audit event, and
 * the email with the link and the code to the primary and the verified recovery address. Also used by
 * "This wasn't me", which sends a fresh reset with everything else it does.
 */
export async function queueResetEmail(
  tx: Repositories,
  deps: FlowDeps,
  account: Account,
  prepared: PreparedResetEmail,
  ctx: RequestContext,
  now: number,
  situation: ResetSituation = 'requested',
): Promise<void> {
  const token = generateToken(deps.random);
  const code = newEmailCode(deps, RESET_CODE_DIGITS);
  const expiresAt = now + ttl(deps);
  // Older links stay valid (see the top of this file); a completed reset ends them all.
  await tx.passwordResets.createReset({
    id: deps.random.uuid(),
    accountId: account.id,
    tokenHash: hashToken(token),
    codeHash: resetCodeHash(deps, account.id, code),
    requires: prepared.requires,
    now,
    expiresAt,
  });
  await tx.events.recordEvent({ accountId: account.id, type: 'password.reset_requested', now, ip: ctx.ip });
  await queueNotice(tx, deps, {
    account,
    notice: { code: 'password-reset-requested', resetToken: token, resetCode: code, minutes: Math.round(ttl(deps) / 60_000), situation },
    // The help desk's own browser is not the person's: its email names no device.
    origin: { at: now, device: situation === 'helpDesk' ? null : deviceOf(ctx), ip: ctx.ip },
  });
}

/** Step 2a: the link's token. Used, expired, superseded or never issued: the same RESET_LINK_INVALID. */
export async function verifyResetToken(deps: FlowDeps, input: { token: string }, ctx: RequestContext): Promise<ResetFlowView> {
  const now = deps.clock.now();
  const flowId = generateToken(deps.random);
  const flow = await deps.store.passwordResets.verifyResetByToken(hashToken(input.token), { flowHash: hashToken(flowId), now, expiresAt: now + ttl(deps) });
  if (!flow) throw new PassdeskError('RESET_LINK_INVALID');
  await deps.store.events.recordEvent({ accountId: flow.accountId, type: 'password.reset_verified', now, ip: ctx.ip, detail: { via: 'link' } });
  return verifiedView(deps, flowId, flow);
}

/**
 * Opening the emailed link (GET /reset?token=…): reads only, so a mail scanner that fetches it spends nothing.
 * True while the link works; the page's button (a POST) then calls verifyResetToken.
 */
export async function resetLinkIsLive(deps: FlowDeps, input: { token: string }): Promise<boolean> {
  return (await deps.store.passwordResets.findLiveResetByToken(hashToken(input.token), deps.clock.now())) !== null;
}

/**
 * Step 2b: the address and the short code typed on another device. Unknown address or wrong code: RESET_CODE_INVALID.
 * Known and unknown addresses do the same work (issue 11, item 8): one account lookup, one MAC, the guarded
 * code UPDATE (keyed, for an unknown address, by an id no account has, so it matches nothing) and the failure
 * event, the UPDATE and the INSERT in one transaction either way (one commit, one WAL flush on PostgreSQL).
 */
export async function verifyResetCode(deps: FlowDeps, input: { email: string; code: string }, ctx: RequestContext): Promise<ResetFlowView> {
  const now = deps.clock.now();
  const ipKey = perIpKey(ctx.ip);
  const perIp = deps.resetThrottle?.codePerIp;
  // Taken before the code is checked (a burst from one address cannot all pass), given back when it is right.
  const slot = perIp ? await perIp.reserve(ipKey) : null;
  if (perIp && !slot) throw new PassdeskError('TOO_MANY_REQUESTS');
  const account = await deps.store.accounts.findAccountByEmail(normalizeEmail(input.email));
  const key = account?.id ?? `none-${randomInt(1e9)}`;
  const codeHash = resetCodeHash(deps, key, input.code);
  const flowId = generateToken(deps.random);
  const flow = await deps.store.transaction(async (tx) => {
    const won = await tx.passwordResets.verifyResetByCode(key, codeHash, { flowHash: hashToken(flowId), now, expiresAt: now + ttl(deps) });
    if (won) await tx.events.recordEvent({ accountId: won.accountId, type: 'password.reset_verified', now, ip: ctx.ip, detail: { via: 'code' } });
    // For an unknown address the event carries no account (and never the address typed).
    else await tx.events.recordEvent({ accountId: account?.id ?? null, type: 'password.reset_code_failed', now, ip: ctx.ip });
    return won;
  });
  if (!flow) throw new PassdeskError('RESET_CODE_INVALID');
  await slot?.release();
  return verifiedView(deps, flowId, flow);
}

/**
 * A live, verified flow as the pages show it (what is still to prove, and for which address), or null. With the
 * account, whose rules the new-password page shows (a directory account's are the directory's merged in).
 */
export async function describeResetFlow(deps: FlowDeps, flowId: string): Promise<(ResetFlowView & { email: string; account: Account }) | null> {
  const found = await findLiveFlow(deps, flowId);
  if (!found) return null;
  const { flow, account } = found;
  return { ...(await flowView(deps, flowId, await remainingRequirements(deps, flow, account), account.id)), email: account.email, account };
}

/**
 * The account of a live, verified flow, or null: the live checklist of the new-password page judges a candidate
 * with that account's rules (a directory account's merged ones), name and email, as the submit will.
 */
export async function resetFlowAccount(deps: FlowDeps, flowId: string): Promise<Account | null> {
  return (await findLiveFlow(deps, flowId))?.account ?? null;
}

async function findLiveFlow(deps: FlowDeps, flowId: string): Promise<{ flow: PasswordReset; account: Account } | null> {
  const flow = await deps.store.passwordResets.findVerifiedReset(hashToken(flowId), deps.clock.now());
  if (!flow) return null;
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  if (account?.status !== 'active') return null;
  return { flow, account };
}

/**
 * Step 2½: the second method. A wrong code or answer counts against the flow (RESET_FACTOR_MAX_ATTEMPTS, then
 * it is voided) and, for codes, against the account's budget shared with sign-in. A recovery code is used up
 * and the person is told by email, as at sign-in.
 */
export async function proveResetMethod(deps: FlowDeps, input: { flowId: string } & ResetMethodProof, ctx: RequestContext): Promise<ResetFlowView> {
  const now = deps.clock.now();
  const flowHash = hashToken(input.flowId);
  const found = await deps.store.passwordResets.findVerifiedReset(flowHash, now);
  const account = found ? await deps.store.accounts.findAccountById(found.accountId) : null;
  if (!found || !account || account.status !== 'active') throw new PassdeskError('RESET_FLOW_INVALID');
  const remaining = await remainingRequirements(deps, found, account);
  const requirement = input.method === 'security_questions' ? SECURITY_QUESTIONS_REQUIREMENT : SECOND_FACTOR_REQUIREMENT;
  // Nothing to prove this way: say what is still needed rather than taking a code for nothing.
  if (!remaining.includes(requirement)) return flowView(deps, input.flowId, remaining, account.id);
  // Reserve-then-verify: one try of this flow and one of the account's budget are taken in the store before the
  // code or answers are evaluated (atomic statements; holds across processes and nodes). Either refusal rolls both back.
  const { flow, slot } = await deps.store.transaction(async (tx) => {
    const reserved = await tx.passwordResets.reserveResetFactorAttempt(flowHash, now);
    if (!reserved) throw new PassdeskError('RESET_FLOW_INVALID');
    return { flow: reserved, slot: await reserveGuess(tx, account.id, SECOND_FACTOR_BUDGET, now, TOO_MANY_WRONG_CODES) };
  });

  // The second method is asked of the account's methods; a passkey's challenge was issued for this reset flow
  // (startResetPasskey) and is used up by this try; a recovery code is compared here and used up below.
  const check: SecondFactorCheck =
    input.method === 'security_questions'
      ? { ok: (await securityAnswers.verify(deps, account, input.answers, { purpose: 'reset', binding: flowHash })) !== null, recoveryCodeId: null }
      : await verifySecondFactor(deps, account, input, { purpose: 'reset', binding: flowHash });
  const recoveryCodeId = check.ok ? check.recoveryCodeId : null;

  const failed = async (): Promise<never> => {
    await deps.store.passwordResets.voidResetAtFactorLimit(flowHash, now);
    await deps.store.events.recordEvent({ accountId: account.id, type: 'password.reset_method_failed', now, ip: ctx.ip, detail: { method: input.method } });
    if (flow.factorAttempts >= RESET_FACTOR_MAX_ATTEMPTS) throw new PassdeskError('RESET_FLOW_INVALID');
    const attemptsLeft = RESET_FACTOR_MAX_ATTEMPTS - flow.factorAttempts;
    throw input.method === 'security_questions'
      ? new PassdeskError('RESET_ANSWERS_INCORRECT', undefined, { attemptsLeft })
      : new PassdeskError(refusedProofCode(input, check), undefined, { attemptsLeft });
  };
  if (!check.ok) return failed();

  const done = await deps.store.transaction(async (tx) => {
    if (recoveryCodeId !== null && !(await tx.twoFactor.useRecoveryCode(account.id, recoveryCodeId, now))) return 'wrong-code' as const;
    if (!(await tx.passwordResets.satisfyResetRequirement(flowHash, requirement, now))) throw new PassdeskError('RESET_FLOW_INVALID');
    // The right try gives its slots back: only wrong ones use the budgets up.
    await tx.passwordResets.releaseResetFactorAttempt(flowHash, now);
    await tx.attempts.releaseAttempt(slot);
    await tx.events.recordEvent({ accountId: account.id, type: 'password.reset_method_verified', now, ip: ctx.ip, detail: { method: input.method } });
    if (input.method === 'recovery_code') await recordRecoveryCodeUse(tx, deps, account, { now, ip: ctx.ip, device: deviceOf(ctx), via: 'password-reset' });
    return 'proven' as const;
  });
  if (done === 'wrong-code') return failed();
  return flowView(
    deps,
    input.flowId,
    remaining.filter((r) => r !== requirement),
    account.id,
  );
}

/**
 * Passkey options for a verified reset that still has its second factor to prove: the challenge is bound to
 * the account and this flow, so it proves nothing anywhere else.
 */
export async function startResetPasskey(deps: FlowDeps, input: { flowId: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const flowHash = hashToken(input.flowId);
  const flow = await deps.store.passwordResets.findVerifiedReset(flowHash, deps.clock.now());
  const account = flow ? await deps.store.accounts.findAccountById(flow.accountId) : null;
  if (!flow || !account || account.status !== 'active') throw new PassdeskError('RESET_FLOW_INVALID');
  return passkey.start(deps, account.id, { purpose: 'reset', binding: flowHash });
}

/**
 * Step 3, in ONE transaction: the flow used, the new password (must_change_password cleared), history,
 * every session revoked, every other reset flow voided, the audit event and the notice. Then the sign-in
 * throttle of the address is cleared: a person locked out by failures (or by someone guessing) recovers.
 * No session is issued: the person signs in with the new password.
 */
export async function completePasswordReset(
  deps: FlowDeps,
  input: {
    flowId: string;
    newPassword: string;
    secondFactor?: SecondFactorProof | undefined;
    securityAnswers?: Array<{ questionId: string; answer: string }> | undefined;
  },
  ctx: RequestContext,
): Promise<void> {
  // A script may prove the second method in the same call.
  if (input.secondFactor) await proveResetMethod(deps, { flowId: input.flowId, ...input.secondFactor }, ctx);
  if (input.securityAnswers) await proveResetMethod(deps, { flowId: input.flowId, method: 'security_questions', answers: input.securityAnswers }, ctx);
  const now = deps.clock.now();
  const flowHash = hashToken(input.flowId);
  const flow = await deps.store.passwordResets.findVerifiedReset(flowHash, now);
  if (!flow) throw new PassdeskError('RESET_FLOW_INVALID');
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  if (account?.status !== 'active') throw new PassdeskError('RESET_FLOW_INVALID');
  const remaining = await remainingRequirements(deps, flow, account);
  if (remaining.includes(SECOND_METHOD_REQUIREMENT)) throw new PassdeskError('RESET_SECOND_METHOD_REQUIRED', undefined, { requires: remaining });
  if (remaining.includes(SECOND_FACTOR_REQUIREMENT))
    throw new PassdeskError('RESET_FACTOR_REQUIRED', undefined, { requires: remaining, methods: await secondFactorMethods(deps, account.id) });
  if (remaining.length > 0) throw new PassdeskError('RESET_FACTOR_REQUIRED', sentence('error.RESET_FACTOR_REQUIRED.answers'), { requires: remaining });
  await assertPasswordAllowed(deps, input.newPassword, 'choose', { account, policy: await passwordPolicyFor(deps, account) });
  await assertNotReused(deps, account, input.newPassword);
  const directory = inDirectory(deps, account) ? deps.directory : null;
  const newHash = directory ? null : await deps.hasher.hash(input.newPassword);
  await deps.store.transaction(async (tx) => {
    // The guarded update: of two racing completions only one gets past this line.
    if (!(await tx.passwordResets.completeReset(flowHash, now))) throw new PassdeskError('RESET_FLOW_INVALID');
    await replacePassword(tx, deps, { via: 'reset', account, newHash, now, ctx });
    // Last, so that a refusal rolls back the rest; the person chose it, so the directory does not ask for another.
    if (directory) await writeDirectoryPassword(directory, account, { via: 'reset', newPassword: input.newPassword, forceChange: false });
  });
  // After a completed reset, the sign-in failure counters of this address are cleared, so a person locked out by
  // failures (or by someone guessing) recovers: the (email, IP) counters from every IP (memory or Redis), and the
  // per-account counters in the store. Best effort: the password is already replaced, and a counter that could not
  // be cleared (Redis away) only runs out with its window.
  await deps.signInThrottle?.perAccountAndIp.resetPrefix(`pair:${account.emailNormalized}\u0000`).catch(() => undefined);
  if (deps.secret) await deps.store.signInLimits.forgetSignInFailures(signInAccountSubject(deps.secret, account.emailNormalized));
}

/**
 * A reset applies the whole policy, as a change does (issue 11, item 9): not the current password
 * (PASSWORD_UNCHANGED), not one of the last `historyCount` (PASSWORD_REUSED), and after "This wasn't me" none
 * that was in use at or after the reported event (PASSWORD_REUSED; flows/not-me.ts records them). Without this a
 * reset could put back the intruder's password. One argon2id verification per hash compared.
 */
async function assertNotReused(deps: FlowDeps, account: Account, candidate: string): Promise<void> {
  const historyCount = deps.config.passwordPolicy.historyCount;
  const refuse = (code: 'PASSWORD_UNCHANGED' | 'PASSWORD_REUSED'): never => {
    const said =
      code === 'PASSWORD_UNCHANGED' ? policySentences.unchanged : historyCount > 0 ? policySentences.reused(historyCount) : sentence('error.PASSWORD_REUSED');
    throw new PassdeskError(code, said, { violations: [withSentence({ code, message: inEnglish(said) }, said)] });
  };
  if (account.passwordHash !== null && (await deps.hasher.verify(account.passwordHash, candidate))) refuse('PASSWORD_UNCHANGED');
  const hashes = [
    ...(historyCount > 0 ? await deps.store.passwordHistory.recentPasswordHashes(account.id, historyCount) : []),
    ...(await deps.store.passwordResets.refusedPasswordHashes(account.id)),
  ];
  for (const hash of new Set(hashes)) if (await deps.hasher.verify(hash, candidate)) refuse('PASSWORD_REUSED');
}
