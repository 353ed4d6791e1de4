// Two-factor authentication: enrol an authenticator app (TOTP), confirm it with a code, list and remove
// factors, and the second step of sign-in. The factors themselves are methods (methods/totp.ts, passkey.ts,
// recovery-code.ts), asked through methods/second-factor.ts.
//
// Enrolment (second_factors.confirmed_at):
//   start ──▶ pending (confirmed_at NULL; a new start replaces it) ──correct code──▶ confirmed
//             (the first factor also gets 10 recovery codes, shown once) ──remove──▶ gone
// Pending sign-in (second_factor_flows, SecondFactorFlowState), after a right password:
//   pending ──a correct code or passkey (completeSignIn in the same transaction)──▶ completed
//      ├──MAX_FLOW_FAILURES wrong codes──▶ failed
//      └──a report ("This wasn't me")──▶ expired
//   (past FLOW_TTL_MS, or after a password change or reset: refused on use, the row unchanged)
import { sentence } from '../core/i18n/sentence.js';
import QRCode from 'qrcode';
import { PassdeskError } from '../core/errors.js';
import { english } from '../core/messages.js';
import { generateToken, hashToken } from '../core/tokens.js';
import { reserveGuess, SECOND_FACTOR_BUDGET } from '../methods/attempt-budget.js';
import { normalizeCode, otpauthUrl, toBase32, verifyTotp, TOTP_SECRET_BYTES } from '../core/otp.js';
import { queueNotice } from '../mail/notices.js';
import type { Account, SecondFactor } from '../store/index.js';
import type { SecondFactorFlowState } from '../store/schema.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext, SameUnion } from './deps.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { assertRecentAuthentication } from './step-up.js';
import { isReported } from '../methods/password.js';
import { openSecret, sealContext, secondFactorSecrets, TOTP_METHOD_NAME } from '../methods/totp.js';
import { passkey } from '../methods/passkey.js';
import { recordRecoveryCodeUse, storeRecoveryCodes } from '../methods/recovery-code.js';
import {
  countSecondFactors,
  refusedProofCode,
  secondFactorMethods,
  verifySecondFactor,
  type SecondFactorMethod,
  type SecondFactorProof,
} from '../methods/second-factor.js';
import { assertFactorRemovalAllowed } from './steps/factor-removal.js';
import { completeSignIn } from './steps/complete-sign-in.js';
import { recordFactorAdded } from './steps/factor-added.js';

// Re-exported where callers found them before the methods moved to src/methods/.
export { RECOVERY_CODE_COUNT, RECOVERY_CODE_LENGTH, normalizeRecoveryCode } from '../methods/recovery-code.js';
export { ACCOUNT_FAILURE_WINDOW_MS, MAX_ACCOUNT_FAILURES, SECOND_FACTOR_BUDGET, TOO_MANY_WRONG_CODES } from '../methods/attempt-budget.js';
export { TOTP_METHOD_NAME } from '../methods/totp.js';
export { countSecondFactors, hasSecondFactor, secondFactorMethods, type SecondFactorMethod, type SecondFactorProof } from '../methods/second-factor.js';

/** The pending sign-in's states drawn at the top of this file (second_factor_flows.state). */
export type PendingSignInState = 'pending' | 'completed' | 'failed' | 'expired';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const PENDING_SIGN_IN_STATES_MATCH_STORE: SameUnion<PendingSignInState, SecondFactorFlowState> = true;

/** A pending second factor lives 5 minutes and tolerates 5 wrong codes. */
export const FLOW_TTL_MS = 5 * 60_000;
export const MAX_FLOW_FAILURES = 5;
export interface FactorView {
  id: string;
  type: 'totp';
  name: string;
  createdAt: number;
  confirmedAt: number;
}

export interface TotpEnrolment {
  id: string;
  /** Base32, for typing into an app. */
  secret: string;
  otpauthUrl: string;
  /** The same URI as a QR code, generated here (no third party sees the secret). */
  qrSvg: string;
}

export async function startTotpEnrolment(deps: FlowDeps, auth: Authenticated, o: { issuer: string }): Promise<TotpEnrolment> {
  await assertRecentAuthentication(deps, auth);
  const secret = deps.random.bytes(TOTP_SECRET_BYTES);
  const id = deps.random.uuid();
  const sealed = secondFactorSecrets(deps).seal(secret, sealContext(auth.account.id, id));
  await deps.store.transaction(async (tx) => {
    await tx.twoFactor.removeUnconfirmedFactors(auth.account.id);
    await tx.twoFactor.createFactor({
      id,
      accountId: auth.account.id,
      type: 'totp',
      name: english.t('page.twoFactor.defaultName'),
      secretCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
      now: deps.clock.now(),
    });
  });
  const url = otpauthUrl({ secret }, { issuer: o.issuer, label: auth.account.email });
  const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { id, secret: toBase32(secret), otpauthUrl: url, qrSvg };
}

/** The enrolment waiting for its code, shown again (after a wrong code), or null when there is none. */
export async function pendingTotpEnrolment(deps: FlowDeps, auth: Authenticated, o: { issuer: string }): Promise<TotpEnrolment | null> {
  const pending = (await deps.store.twoFactor.listFactors(auth.account.id)).filter((f) => f.confirmedAt === null).at(-1);
  const secret = pending ? openSecret(deps, pending) : null;
  if (!pending || !secret) return null;
  const url = otpauthUrl({ secret }, { issuer: o.issuer, label: auth.account.email });
  const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { id: pending.id, secret: toBase32(secret), otpauthUrl: url, qrSvg };
}

export async function confirmTotp(
  deps: FlowDeps,
  auth: Authenticated,
  input: { code: string },
  ctx: RequestContext,
): Promise<{ factor: FactorView; recoveryCodes: string[] | null; token: string }> {
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  const pending = (await deps.store.twoFactor.listFactors(auth.account.id)).filter((f) => f.confirmedAt === null).at(-1);
  if (!pending) throw new PassdeskError('SECOND_FACTOR_NOT_PENDING');
  const secret = openSecret(deps, pending);
  if (!secret) throw new PassdeskError('SECOND_FACTOR_NOT_PENDING');
  const step = verifyTotp({ secret }, normalizeCode(input.code), now);
  // The setup page has no recovery codes to offer yet: its own wording.
  if (step === null) throw new PassdeskError('SECOND_FACTOR_CODE_INVALID', sentence('error.SECOND_FACTOR_CODE_INVALID.setup'));
  const token = generateToken(deps.random);
  return deps.store.transaction(async (tx) => {
    const first = (await tx.twoFactor.countConfirmedFactors(auth.account.id)) === 0;
    if (!(await tx.twoFactor.confirmFactor(auth.account.id, pending.id, { step, now }))) throw new PassdeskError('SECOND_FACTOR_NOT_PENDING');
    const recoveryCodes = first ? await storeRecoveryCodes(tx, deps, auth.account.id) : null;
    // The person just proved the new factor with a code (flows/steps/factor-added.ts: session strength and rotation, event, notice).
    await recordFactorAdded(tx, deps, { auth, method: 'totp', token, detail: { factorId: pending.id }, methodName: TOTP_METHOD_NAME, now, ctx });
    return { factor: { id: pending.id, type: 'totp', name: pending.name, createdAt: pending.createdAt, confirmedAt: now }, recoveryCodes, token };
  });
}

export async function listFactors(deps: FlowDeps, auth: Authenticated): Promise<{ factors: FactorView[]; recoveryCodesRemaining: number }> {
  const factors = (await deps.store.twoFactor.listFactors(auth.account.id))
    .filter((f): f is SecondFactor & { confirmedAt: number } => f.confirmedAt !== null)
    .map((f) => ({ id: f.id, type: f.type, name: f.name, createdAt: f.createdAt, confirmedAt: f.confirmedAt }));
  return { factors, recoveryCodesRemaining: await deps.store.twoFactor.countUnusedRecoveryCodes(auth.account.id) };
}

/**
 * Removing a factor needs a recent authentication with the strongest method (step-up) and, in the request, the
 * current password or a current code (both counted against their failure limits). Removing the last factor
 * needs the password: without a second factor the single-factor minimum length applies (NIST SP 800-63B-4
 * §3.1.1.2: 15 characters instead of 8), and a shorter password is refused with LAST_FACTOR_PASSWORD_TOO_SHORT
 * until it is changed.
 */
export async function removeFactor(
  deps: FlowDeps,
  auth: Authenticated,
  factorId: string,
  proof: { currentPassword?: string | undefined; code?: string | undefined },
  ctx: RequestContext,
): Promise<{ remaining: number }> {
  const factor = await deps.store.twoFactor.findFactor(auth.account.id, factorId);
  if (!factor || factor.confirmedAt === null) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
  const rule = await assertFactorRemovalAllowed(deps, auth, proof, ctx, { what: 'app' });
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    await rule.assertInTransaction(tx);
    if (!(await tx.twoFactor.removeFactor(auth.account.id, factorId))) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    // Passkeys are factors too: removing the app leaves the recovery codes while one remains.
    const remaining = await countSecondFactors(tx, auth.account.id);
    // Recovery codes stand in for a factor; with none left they would be a way in of their own.
    if (remaining === 0) await tx.twoFactor.replaceRecoveryCodes(auth.account.id, [], { now, newId: () => deps.random.uuid() });
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'second_factor.removed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { type: factor.type, factorId, remaining },
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'second-factor-removed', method: TOTP_METHOD_NAME },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
    return { remaining };
  });
}

/** A new set of recovery codes (step-up needed): the old set stops working in the same transaction. Shown once. */
export async function regenerateRecoveryCodes(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<{ recoveryCodes: string[] }> {
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if ((await tx.twoFactor.countConfirmedFactors(auth.account.id)) + (await tx.passkeys.countPasskeys(auth.account.id)) === 0)
      throw new PassdeskError('TWO_FACTOR_NOT_ENABLED');
    const recoveryCodes = await storeRecoveryCodes(tx, deps, auth.account.id);
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'recovery_codes.generated',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { count: recoveryCodes.length, regenerated: true },
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'recovery-codes-regenerated' },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
    return { recoveryCodes };
  });
}

/** The name a person gives a factor ("Phone", "Work laptop"); the route's schema limits and trims it. */
export async function renameFactor(deps: FlowDeps, auth: Authenticated, factorId: string, name: string, ctx: RequestContext): Promise<FactorView> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if (!(await tx.twoFactor.renameFactor(auth.account.id, factorId, name))) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'second_factor.renamed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { factorId },
    });
    const f = await tx.twoFactor.findFactor(auth.account.id, factorId);
    if (!f || f.confirmedAt === null) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    return { id: f.id, type: f.type, name: f.name, createdAt: f.createdAt, confirmedAt: f.confirmedAt };
  });
}

export interface SecondFactorChallenge {
  /** The secret naming this pending sign-in; only its hash is stored. */
  flowId: string;
  methods: SecondFactorMethod[];
}

/** After a correct password: the pending flow, bound to this attempt. No session yet. */
export async function startSecondFactorFlow(deps: FlowDeps, account: Account, ctx: RequestContext): Promise<SecondFactorChallenge> {
  const flowId = generateToken(deps.random);
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.twoFactor.createSecondFactorFlow({ idHash: hashToken(flowId), accountId: account.id, now, expiresAt: now + FLOW_TTL_MS });
    await tx.events.recordEvent({ accountId: account.id, type: 'second_factor.required', now, ip: ctx.ip });
  });
  return { flowId, methods: await secondFactorMethods(deps, account.id) };
}

export interface SecondFactorResult extends IssuedSession {
  account: Account;
}

/** A live pending sign-in and its account, or SECOND_FACTOR_FLOW_INVALID. */
async function pendingFlow(deps: FlowDeps, flowId: string, now: number): Promise<{ idHash: string; account: Account }> {
  const idHash = hashToken(flowId);
  const flow = await deps.store.twoFactor.findSecondFactorFlow(idHash);
  if (flow?.state !== 'pending' || now >= flow.expiresAt) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  // A report ("this wasn't me") ends pending sign-ins; one that began just before it ends here too.
  if (account?.status !== 'active' || isReported(account)) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
  // The flow stands for a password that was right when it started: a change or reset since then ends it.
  if (account.passwordChangedAt !== null && account.passwordChangedAt > flow.createdAt) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
  return { idHash, account };
}

/** The methods a live pending sign-in can use (to show the page again after a wrong code), or null. */
export async function pendingSecondFactorMethods(deps: FlowDeps, flowId: string): Promise<SecondFactorMethod[] | null> {
  try {
    const { account } = await pendingFlow(deps, flowId, deps.clock.now());
    return await secondFactorMethods(deps, account.id);
  } catch {
    return null;
  }
}

/** Passkey options for a pending sign-in: the challenge is bound to this flow and its account. */
export async function startSecondFactorPasskey(deps: FlowDeps, input: { flowId: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { idHash, account } = await pendingFlow(deps, input.flowId, deps.clock.now());
  return passkey.start(deps, account.id, { purpose: 'second_factor', binding: idHash });
}

/** The second step of sign-in: a correct code or passkey completes the flow and issues the session in one transaction. */
export async function completeSecondFactor(
  deps: FlowDeps,
  input: { flowId: string } & SecondFactorProof,
  ctx: RequestContext,
  options: { replacing?: Authenticated | null } = {},
): Promise<SecondFactorResult> {
  const now = deps.clock.now();
  const { idHash, account } = await pendingFlow(deps, input.flowId, now);
  // Reserve-then-verify: one guess of this flow and one of the account's budget are taken in the store before the
  // guess is evaluated (atomic statements; holds across processes and nodes). Either refusal rolls both back.
  const { flow, slot } = await deps.store.transaction(async (tx) => {
    const reserved = await tx.twoFactor.reserveSecondFactorAttempt(idHash, { maxFailures: MAX_FLOW_FAILURES, now });
    if (!reserved) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
    return { flow: reserved, slot: await reserveGuess(tx, account.id, SECOND_FACTOR_BUDGET, now, sentence('error.TOO_MANY_REQUESTS.secondFactor')) };
  });
  const check = await verifySecondFactor(deps, account, input, { purpose: 'second_factor', binding: idHash });
  const recoveryCodeId = check.ok ? check.recoveryCodeId : null;
  const wrong = async (): Promise<never> => {
    await deps.store.twoFactor.failSecondFactorFlowAtLimit(idHash, { maxFailures: MAX_FLOW_FAILURES });
    await deps.store.events.recordEvent({ accountId: account.id, type: 'second_factor.failed', now, ip: ctx.ip, detail: { method: input.method } });
    if (flow.failures >= MAX_FLOW_FAILURES) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
    throw new PassdeskError(refusedProofCode(input, check), undefined, {
      attemptsLeft: MAX_FLOW_FAILURES - flow.failures,
    });
  };
  if (!check.ok) return wrong();
  const issued = await deps.store.transaction(async (tx) => {
    // A recovery code is used up in the transaction that records its use; a racing use of the same code loses here.
    if (recoveryCodeId !== null && !(await tx.twoFactor.useRecoveryCode(account.id, recoveryCodeId, now))) return null;
    if (!(await tx.twoFactor.completeSecondFactorFlow(idHash, now))) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
    // The right guess gives its slot back: only wrong ones use the account's budget up.
    await tx.attempts.releaseAttempt(slot);
    return completeSignIn(tx, deps, {
      account,
      ctx,
      now,
      replacing: options.replacing,
      authentication: { at: now, method: input.method },
      detail: { secondFactor: input.method },
      alsoRecord: async (issued) => {
        if (input.method === 'recovery_code')
          await recordRecoveryCodeUse(tx, deps, account, { now, ip: ctx.ip, device: issued.session.device, sessionId: issued.session.id });
      },
    });
  });
  if (!issued) return wrong();
  deps.observe?.signIn?.('success');
  return { ...issued, account };
}
