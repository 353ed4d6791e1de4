// Two-factor authentication: enrol an authenticator app (TOTP), confirm it with a code, list and remove
// factors, and the second step of sign-in.
//
// Enrolment: start → a factor row with confirmed_at NULL (pending; a new start replaces it) → confirm with a
// correct code → confirmed (first factor: 10 recovery codes, shown once).
// Passkeys (flows/passkeys.ts) are second factors too: they count in hasSecondFactor and can complete a
// pending sign-in with an assertion instead of a code.
// Pending sign-in (second_factor_flows): pending → completed (a correct code or passkey; the session is issued in the
// same transaction) | failed (MAX_FLOW_FAILURES wrong codes) | expired (FLOW_TTL_MS, checked on use).
import QRCode from 'qrcode';
import { PassdeskError } from '../core/errors.js';
import { generateToken, hashToken, safeEqual } from '../core/tokens.js';
import { createKeyedHash, type KeyedHash } from '../core/keyed-hash.js';
import { reserveGuess } from './attempt-budget.js';
import { normalizeCode, otpauthUrl, toBase32, verifyTotp, TOTP_SECRET_BYTES } from '../core/otp.js';
import { isNewDevice } from '../core/new-device.js';
import { queueNotice } from '../mail/notices.js';
import type { Account, AttemptBudget, Repositories, SecondFactor } from '../store/index.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { issueSession, type Authenticated, type IssuedSession } from './sessions.js';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { passkeyOptionsForAccount, verifyPasskeyForAccount } from './passkeys.js';
import { assertRecentAuthentication, verifyPasswordProof, verifySecondFactorProof } from './step-up.js';
import { requiredMinLength } from '../core/password-policy.js';
import { passwordLength } from '../core/password-rules.js';
import { isReported } from './not-me.js';

export const RECOVERY_CODE_COUNT = 10;
/** A pending second factor lives 5 minutes and tolerates 5 wrong codes. */
export const FLOW_TTL_MS = 5 * 60_000;
export const MAX_FLOW_FAILURES = 5;
/** Wrong codes per account across all its pending sign-ins in this window (a new password step does not reset it). */
export const ACCOUNT_FAILURE_WINDOW_MS = 15 * 60_000;
export const MAX_ACCOUNT_FAILURES = 10;
/**
 * The account's one budget of wrong second-factor guesses (codes, passkeys, security answers) at sign-in, in resets
 * and from signed-in sessions: someone with the password and the mailbox gets one budget, not one per door. Kept in
 * the store (store/attempts.ts), so it holds across processes and nodes.
 */
export const SECOND_FACTOR_BUDGET: AttemptBudget = { purpose: 'second_factor', limit: MAX_ACCOUNT_FAILURES, windowMs: ACCOUNT_FAILURE_WINDOW_MS };
export const TOO_MANY_WRONG_CODES = 'Too many wrong codes for this account. Wait 15 minutes and try again.';
/** What the person sees in lists and emails. */
export const TOTP_METHOD_NAME = 'authenticator app';
const NEW_DEVICE_HISTORY = 200;

export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** How a second factor is proven: a code (authenticator app, recovery code) or a passkey's assertion. */
export type SecondFactorProof =
  | { method: 'totp' | 'recovery_code'; code: string }
  | { method: 'passkey'; response: AuthenticationResponseJSON };

export interface FactorView {
  id: string;
  type: 'totp';
  name: string;
  createdAt: number;
  confirmedAt: number;
}

function box(deps: FlowDeps): NonNullable<FlowDeps['secondFactorSecrets']> {
  if (!deps.secondFactorSecrets) throw new PassdeskError('SERVICE_UNAVAILABLE');
  return deps.secondFactorSecrets;
}

/** Associated data binding a sealed seed to its row. */
const sealContext = (accountId: string, factorId: string): string => `totp:${accountId}:${factorId}`;

function openSecret(deps: FlowDeps, f: SecondFactor): Uint8Array | null {
  return box(deps).open({ keyId: f.keyId, ciphertext: f.secretCiphertext }, sealContext(f.accountId, f.id));
}

/** An authenticator app or a passkey. */
export async function hasSecondFactor(deps: { store: Pick<Repositories, 'twoFactor' | 'passkeys'> }, accountId: string): Promise<boolean> {
  return (await deps.store.twoFactor.countConfirmedFactors(accountId)) > 0 || (await deps.store.passkeys.countPasskeys(accountId)) > 0;
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
  const sealed = box(deps).seal(secret, sealContext(auth.account.id, id));
  await deps.store.transaction(async (tx) => {
    await tx.twoFactor.removeUnconfirmedFactors(auth.account.id);
    await tx.twoFactor.createFactor({ id, accountId: auth.account.id, type: 'totp', name: 'Authenticator app', secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, now: deps.clock.now() });
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

/** 32 symbols without 0/o and 1/l, so 5 bits per character and nothing to misread. */
const RECOVERY_CODE_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
/** 16 characters: 80 bits each (ASVS 6.5.2 asks at least 20 bits for lookup secrets; 80 keeps them strong even keyed-hash leaks). */
export const RECOVERY_CODE_LENGTH = 16;

/** Ten codes of 16 characters (80 bits each), shown in groups of four: xxxx-xxxx-xxxx-xxxx. */
function newRecoveryCodes(deps: FlowDeps): string[] {
  const codes: string[] = [];
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    // 256 is a multiple of 32: every byte maps to one symbol with no bias.
    const s = [...deps.random.bytes(RECOVERY_CODE_LENGTH)].map((b) => RECOVERY_CODE_ALPHABET[b % 32]).join('');
    codes.push(s.match(/.{4}/g)!.join('-'));
  }
  return codes;
}

/** What people add or change while typing a code (spaces, dashes, capitals) is removed. */
export function normalizeRecoveryCode(code: string): string {
  return normalizeCode(code).toLowerCase();
}

let fallbackKeys: { secret: Uint8Array; keys: KeyedHash } | null = null;

/** The HMAC keys of recovery codes (HKDF from the server secret, purpose 'recovery-code'). */
function recoveryCodeKeys(deps: Pick<FlowDeps, 'recoveryCodeKeys' | 'secret'>): KeyedHash {
  if (deps.recoveryCodeKeys) return deps.recoveryCodeKeys;
  if (!deps.secret) throw new PassdeskError('SERVICE_UNAVAILABLE');
  if (fallbackKeys?.secret !== deps.secret) fallbackKeys = { secret: deps.secret, keys: createKeyedHash({ serverSecrets: [deps.secret], purpose: 'recovery-code' }) };
  return fallbackKeys.keys;
}

export async function storeRecoveryCodes(tx: Repositories, deps: FlowDeps, accountId: string): Promise<string[]> {
  const codes = newRecoveryCodes(deps);
  const keys = recoveryCodeKeys(deps);
  await tx.twoFactor.replaceRecoveryCodes(accountId, codes.map((c) => keys.hash(normalizeRecoveryCode(c))!), {
    now: deps.clock.now(), newId: () => deps.random.uuid(), keyId: keys.currentKeyId,
  });
  return codes;
}

/**
 * The id of the account's unused recovery code matching `code`, or null. Every unused code is compared in constant
 * time, whatever matched before. Codes stored before keyed hashes (key_id null: unsalted SHA-256 of the normalised
 * code) are still accepted until the person regenerates the set: a migration cannot rehash codes it never saw.
 * Does not use the code up (useRecoveryCode does, in the caller's transaction).
 */
export async function findRecoveryCode(deps: FlowDeps, store: Pick<Repositories, 'twoFactor'>, accountId: string, code: string): Promise<string | null> {
  const typed = normalizeRecoveryCode(code);
  const keys = recoveryCodeKeys(deps);
  let found: string | null = null;
  for (const row of await store.twoFactor.listUnusedRecoveryCodes(accountId)) {
    const expected = row.keyId === null ? hashToken(typed) : keys.hash(typed, row.keyId);
    if (expected !== null && safeEqual(expected, row.codeHash) && found === null) found = row.id;
  }
  return found;
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
  if (step === null) throw new PassdeskError('SECOND_FACTOR_CODE_INVALID');
  const token = generateToken(deps.random);
  return deps.store.transaction(async (tx) => {
    const first = (await tx.twoFactor.countConfirmedFactors(auth.account.id)) === 0;
    if (!(await tx.twoFactor.confirmFactor(auth.account.id, pending.id, { step, now }))) throw new PassdeskError('SECOND_FACTOR_NOT_PENDING');
    const recoveryCodes = first ? await storeRecoveryCodes(tx, deps, auth.account.id) : null;
    // The person just proved the new factor with a code: this session now counts as authenticated with it, so
    // the account's raised step-up requirement does not lock out the session that raised it. That raises the
    // session's strength, a privilege change: its token is rotated (DESIGN.md), as reauthenticate() does.
    if (!(await tx.sessions.recordAuthentication(auth.session.id, { accountId: auth.account.id, at: now, method: 'totp', newTokenHash: hashToken(token) }))) {
      throw new PassdeskError('AUTHENTICATION_REQUIRED');
    }
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'second_factor.added', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { type: 'totp', factorId: pending.id } });
    await queueNotice(tx, deps, { account: auth.account, notice: { code: 'second-factor-added', method: TOTP_METHOD_NAME }, origin: { at: now, device: auth.session.device, ip: ctx.ip } });
    return { factor: { id: pending.id, type: 'totp', name: pending.name, createdAt: pending.createdAt, confirmedAt: now }, recoveryCodes, token };
  });
}

export async function listFactors(deps: FlowDeps, auth: Authenticated): Promise<{ factors: FactorView[]; recoveryCodesRemaining: number }> {
  const factors = (await deps.store.twoFactor.listFactors(auth.account.id))
    .filter((f): f is SecondFactor & { confirmedAt: number } => f.confirmedAt !== null)
    .map((f) => ({ id: f.id, type: f.type, name: f.name, createdAt: f.createdAt, confirmedAt: f.confirmedAt }));
  return { factors, recoveryCodesRemaining: await deps.store.twoFactor.countUnusedRecoveryCodes(auth.account.id) };
}

/** Accepts a TOTP code from any confirmed factor of the account, once per time step (replay refused). */
export async function acceptTotp(deps: FlowDeps, accountId: string, code: string): Promise<boolean> {
  const now = deps.clock.now();
  for (const f of await deps.store.twoFactor.listFactors(accountId)) {
    if (f.confirmedAt === null || f.type !== 'totp') continue;
    const secret = openSecret(deps, f);
    if (!secret) continue;
    const step = verifyTotp({ secret }, code, now, { afterStep: f.lastUsedStep });
    if (step !== null && (await deps.store.twoFactor.useFactorStep(f.id, step))) return true;
  }
  return false;
}

/** Authenticator apps and passkeys together (recovery codes stand in for a factor; they are not one). */
export async function countSecondFactors(store: Pick<Repositories, 'twoFactor' | 'passkeys'>, accountId: string): Promise<number> {
  return (await store.twoFactor.countConfirmedFactors(accountId)) + (await store.passkeys.countPasskeys(accountId));
}

/**
 * What removing any second factor asks first (an app or a passkey alike): a recent authentication (step-up), then
 * the current password or a current code in the request, each counted against its failure limit. Removing the
 * last factor needs the password: without a second factor the single-factor minimum length applies (NIST SP
 * 800-63B-4 §3.1.1.2: 15 characters instead of 8), and a shorter one is refused with LAST_FACTOR_PASSWORD_TOO_SHORT
 * until it is changed. `what` names the factor in that message ("the app", "the passkey").
 */
export async function assertFactorRemovalAllowed(
  deps: FlowDeps,
  auth: Authenticated,
  proof: { currentPassword?: string | undefined; code?: string | undefined },
  ctx: RequestContext,
  o: { what: string },
): Promise<LastFactorRule> {
  await assertRecentAuthentication(deps, auth);
  const policy = deps.config.passwordPolicy;
  const singleFactorMin = requiredMinLength(policy, false);
  const policyMatters = singleFactorMin > requiredMinLength(policy, true);
  const lengthMatters = policyMatters && (await countSecondFactors(deps.store, auth.account.id)) === 1;
  const noPassword = (): PassdeskError => new PassdeskError('SECOND_FACTOR_PROOF_REQUIRED', 'Enter your current password to remove your last second factor: without it, your password must be long enough on its own.');
  if (!proof.code && !proof.currentPassword) throw new PassdeskError('SECOND_FACTOR_PROOF_REQUIRED');
  if (lengthMatters && !proof.currentPassword) throw noPassword();
  if (proof.code) await verifySecondFactorProof(deps, auth, { method: 'totp', code: proof.code }, ctx);
  let ifLast: PassdeskError | null = policyMatters && !proof.currentPassword ? noPassword() : null;
  if (proof.currentPassword) {
    await verifyPasswordProof(deps, auth, proof.currentPassword, ctx);
    const length = passwordLength(proof.currentPassword);
    if (policyMatters && length < singleFactorMin) {
      ifLast = new PassdeskError('LAST_FACTOR_PASSWORD_TOO_SHORT',
        `Without two-step verification your password needs at least ${singleFactorMin} characters; it has ${length}. Change your password first, then remove ${o.what}.`,
        { minLength: singleFactorMin, length });
      if (lengthMatters) throw ifLast;
    }
  }
  return {
    // The count above was read before the proofs: a racing removal may have made this factor the last since.
    async assertInTransaction(tx) {
      await tx.twoFactor.lockAccountFactors(auth.account.id);
      if (ifLast && (await countSecondFactors(tx, auth.account.id)) === 1) throw ifLast;
    },
  };
}

/** The last-factor rule again, inside the removal's transaction, with the account's row locked. */
export interface LastFactorRule {
  assertInTransaction(tx: Repositories): Promise<void>;
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
  const rule = await assertFactorRemovalAllowed(deps, auth, proof, ctx, { what: 'the app' });
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    await rule.assertInTransaction(tx);
    if (!(await tx.twoFactor.removeFactor(auth.account.id, factorId))) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    // Passkeys are factors too: removing the app leaves the recovery codes while one remains.
    const remaining = await countSecondFactors(tx, auth.account.id);
    // Recovery codes stand in for a factor; with none left they would be a way in of their own.
    if (remaining === 0) await tx.twoFactor.replaceRecoveryCodes(auth.account.id, [], { now, newId: () => deps.random.uuid() });
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'second_factor.removed', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { type: factor.type, factorId, remaining } });
    await queueNotice(tx, deps, { account: auth.account, notice: { code: 'second-factor-removed', method: TOTP_METHOD_NAME }, origin: { at: now, device: auth.session.device, ip: ctx.ip } });
    return { remaining };
  });
}

/** A new set of recovery codes (step-up needed): the old set stops working in the same transaction. Shown once. */
export async function regenerateRecoveryCodes(deps: FlowDeps, auth: Authenticated, ctx: RequestContext): Promise<{ recoveryCodes: string[] }> {
  await assertRecentAuthentication(deps, auth);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if ((await tx.twoFactor.countConfirmedFactors(auth.account.id)) + (await tx.passkeys.countPasskeys(auth.account.id)) === 0) throw new PassdeskError('TWO_FACTOR_NOT_ENABLED');
    const recoveryCodes = await storeRecoveryCodes(tx, deps, auth.account.id);
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'recovery_codes.generated', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { count: recoveryCodes.length, regenerated: true } });
    await queueNotice(tx, deps, { account: auth.account, notice: { code: 'recovery-codes-regenerated' }, origin: { at: now, device: auth.session.device, ip: ctx.ip } });
    return { recoveryCodes };
  });
}

/** The name a person gives a factor ("Phone", "Work laptop"); the route's schema limits and trims it. */
export async function renameFactor(deps: FlowDeps, auth: Authenticated, factorId: string, name: string, ctx: RequestContext): Promise<FactorView> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if (!(await tx.twoFactor.renameFactor(auth.account.id, factorId, name))) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
    await tx.events.recordEvent({ accountId: auth.account.id, type: 'second_factor.renamed', now, ip: ctx.ip, device: auth.session.device, sessionId: auth.session.id, detail: { factorId } });
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

/** The ways this account can prove its second factor right now. */
export async function secondFactorMethods(deps: Pick<FlowDeps, 'store'>, accountId: string): Promise<SecondFactorMethod[]> {
  const methods: SecondFactorMethod[] = [];
  if ((await deps.store.twoFactor.countConfirmedFactors(accountId)) > 0) methods.push('totp');
  if ((await deps.store.passkeys.countPasskeys(accountId)) > 0) methods.push('passkey');
  if ((await deps.store.twoFactor.countUnusedRecoveryCodes(accountId)) > 0) methods.push('recovery_code');
  return methods;
}

export interface SecondFactorResult extends IssuedSession {
  account: Account;
}

/** A live pending sign-in and its account, or SECOND_FACTOR_FLOW_INVALID. */
async function pendingFlow(deps: FlowDeps, flowId: string, now: number): Promise<{ idHash: string; account: Account }> {
  const idHash = hashToken(flowId);
  const flow = await deps.store.twoFactor.findSecondFactorFlow(idHash);
  if (!flow || flow.state !== 'pending' || now >= flow.expiresAt) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
  const account = await deps.store.accounts.findAccountById(flow.accountId);
  // A report ("this wasn't me") ends pending sign-ins; one that began just before it ends here too.
  if (!account || account.status !== 'active' || isReported(account)) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
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
  return passkeyOptionsForAccount(deps, account.id, { purpose: 'second_factor', binding: idHash });
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
    return { flow: reserved, slot: await reserveGuess(tx, account.id, SECOND_FACTOR_BUDGET, now, 'Too many wrong codes for this account. Wait 15 minutes and sign in again.') };
  });
  let recoveryCodeId: string | null = null;
  const ok = input.method === 'passkey'
    ? (await verifyPasskeyForAccount(deps, account.id, input.response, { purpose: 'second_factor', binding: idHash })) !== null
    : input.method === 'totp'
      ? await acceptTotp(deps, account.id, normalizeCode(input.code))
      : (recoveryCodeId = await findRecoveryCode(deps, deps.store, account.id, input.code)) !== null;
  const wrong = async (): Promise<never> => {
    await deps.store.twoFactor.failSecondFactorFlowAtLimit(idHash, { maxFailures: MAX_FLOW_FAILURES });
    await deps.store.events.recordEvent({ accountId: account.id, type: 'second_factor.failed', now, ip: ctx.ip, detail: { method: input.method } });
    if (flow.failures >= MAX_FLOW_FAILURES) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
    throw new PassdeskError(input.method === 'passkey' ? 'PASSKEY_INVALID' : 'SECOND_FACTOR_CODE_INVALID', undefined, { attemptsLeft: MAX_FLOW_FAILURES - flow.failures });
  };
  if (!ok) return wrong();
  const issued = await deps.store.transaction(async (tx) => {
    // A recovery code is used up in the transaction that records its use; a racing use of the same code loses here.
    if (recoveryCodeId !== null && !(await tx.twoFactor.useRecoveryCode(account.id, recoveryCodeId, now))) return null;
    if (!(await tx.twoFactor.completeSecondFactorFlow(idHash, now))) throw new PassdeskError('SECOND_FACTOR_FLOW_INVALID');
    // The right guess gives its slot back: only wrong ones use the account's budget up.
    await tx.attempts.releaseAttempt(slot);
    if (options.replacing) {
      await tx.sessions.revokeSession(options.replacing.session.id, { accountId: options.replacing.account.id, now, reason: 'rotated' });
    }
    const earlier = await tx.sessions.listSessionOrigins(account.id, { limit: NEW_DEVICE_HISTORY });
    const session = await issueSession(tx, deps, account, ctx, { authentication: { at: now, method: input.method } });
    await tx.events.recordEvent({ accountId: account.id, type: 'signin.succeeded', now, ip: ctx.ip, device: session.session.device, sessionId: session.session.id, detail: { secondFactor: input.method } });
    const origin = { at: now, device: session.session.device, ip: ctx.ip };
    if (input.method === 'recovery_code') {
      await tx.events.recordEvent({ accountId: account.id, type: 'recovery_code.used', now, ip: ctx.ip, sessionId: session.session.id });
      await queueNotice(tx, deps, { account, notice: { code: 'recovery-code-used' }, origin });
    }
    if (isNewDevice(earlier, { device: session.session.device, ip: ctx.ip }, now)) {
      await queueNotice(tx, deps, { account, notice: { code: 'new-device-sign-in' }, origin });
    }
    return session;
  });
  if (!issued) return wrong();
  deps.observe?.signIn?.('success');
  return { ...issued, account };
}
