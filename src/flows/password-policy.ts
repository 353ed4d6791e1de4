// The policy engine (core/password-policy.ts) with its lookups bound to this deployment: the strength
// estimator, the breached-password set, and the account's current and previous hashes. Every flow that
// lets someone choose a password calls `assertPasswordAllowed`; sign-in calls `tightenAtSignIn`.
import { sentenceOf, withSentence, type Sentence } from '../core/i18n/sentence.js';
import { PassdeskError, type ErrorCode } from '../core/errors.js';
import { evaluatePassword, type EvaluationPurpose, type PasswordPolicy, type PolicyContext, type PolicyEvaluation } from '../core/password-policy.js';
import { assertPasswordWithinLimit } from '../core/password-rules.js';
import type { Translator } from '../core/i18n/translator.js';
import type { Account, Repositories } from '../store/index.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { createHash } from 'node:crypto';
import { NOT_ME_TOKEN_TTL_MS } from '../mail/notices.js';
import { hasSecondFactor } from '../methods/second-factor.js';

export { passwordPolicyFor } from '../methods/directory-account.js';

export interface PasswordSubject {
  /** The account whose password it is, when there is one yet. */
  account?: Account | null;
  /** For sign-up: the email and name being registered. */
  email?: string | null;
  displayName?: string | null;
  /** Set when the caller already knows the current password in plain text (change flow): no hash work. */
  currentPassword?: string;
  /** Skip the strength estimator (its verdict is already known for this password and policy). */
  skipStrength?: boolean;
  /** The rules to apply (a directory account's merged ones, methods/directory-account.ts); default the configured policy. */
  policy?: PasswordPolicy;
  /** The reader's language for the strength label and advice (a live check answers in the request's). */
  translator?: Translator;
}

export async function evaluateForAccount(deps: FlowDeps, candidate: string, purpose: EvaluationPurpose, subject: PasswordSubject): Promise<PolicyEvaluation> {
  const { account } = subject;
  const policy = subject.policy ?? deps.config.passwordPolicy;
  const lookups: NonNullable<PolicyContext['lookups']> = {};
  if (deps.strength && !subject.skipStrength) {
    const estimator = deps.strength;
    lookups.strength = (p, inputs) => estimator.estimate(p, inputs);
  }
  if (deps.breached) {
    const breached = deps.breached;
    lookups.breached = (p) => breached.check(p);
  }
  if (account) {
    lookups.isCurrentPassword = async (p) => {
      if (subject.currentPassword !== undefined) return p.normalize('NFC') === subject.currentPassword.normalize('NFC');
      return account.passwordHash !== null && deps.hasher.verify(account.passwordHash, p);
    };
    lookups.isRecentPassword = async (p, count) => {
      for (const hash of await deps.store.passwordHistory.recentPasswordHashes(account.id, count)) {
        if (await deps.hasher.verify(hash, p)) return true;
      }
      return false;
    };
  }
  return evaluatePassword(candidate, {
    policy,
    purpose,
    now: deps.clock.now(),
    email: account?.email ?? subject.email ?? null,
    displayName: account?.displayName ?? subject.displayName ?? null,
    serviceNames: deps.config.serviceNames,
    hasSecondFactor: await shorterMinimumApplies(deps, account ?? null),
    passwordChangedAt: account?.passwordChangedAt ?? null,
    translator: subject.translator,
    lookups,
  });
}

/**
 * Whether this account's new password is held to the shorter minimum: it has a second factor, an authenticator app or
 * a passkey (NIST SP 800-63B-4 §3.1.1.2). The one answer the submit (evaluateForAccount), the pages' checklist and
 * `passwordrules` (http/shared/pages.ts) and the live check all use; removing the last factor asks the same rule
 * (flows/steps/factor-removal.ts).
 */
export async function shorterMinimumApplies(deps: Pick<FlowDeps, 'store'>, account: Account | null): Promise<boolean> {
  return account ? hasSecondFactor(deps, account.id) : false;
}

/** Throws the first violation as a PassdeskError (its code and message), with every violation in details. */
export async function assertPasswordAllowed(
  deps: FlowDeps,
  candidate: string,
  purpose: Exclude<EvaluationPurpose, 'sign-in'>,
  subject: PasswordSubject,
): Promise<PolicyEvaluation> {
  // Before the estimator sees it: the same microsecond refusal the HTTP edge gives, for the CLI too.
  assertPasswordWithinLimit(candidate);
  let evaluation: PolicyEvaluation;
  try {
    evaluation = await evaluateForAccount(deps, candidate, purpose, subject);
  } catch {
    // The estimator or the breached-password source failed: refuse to accept an unchecked password.
    throw new PassdeskError('SERVICE_UNAVAILABLE');
  }
  const [first] = evaluation.violations;
  if (first) {
    const violations = evaluation.violations.map((v) => withSentenceOf(v, { code: v.code, message: v.message, ...v.detail }));
    throw new PassdeskError(first.code satisfies ErrorCode, first.message, { violations }, sentenceOf(first));
  }
  return evaluation;
}

/** Accounts whose current password passed the strength and context rules at sign-in (keys only, no secret). */
const passedStrengthAtSignIn = new Set<string>();
const PASSED_STRENGTH_LIMIT = 100_000;

function rememberPassed(key: string): void {
  // Oldest first out: a Set iterates in insertion order.
  if (passedStrengthAtSignIn.size >= PASSED_STRENGTH_LIMIT) passedStrengthAtSignIn.delete(passedStrengthAtSignIn.values().next().value!);
  passedStrengthAtSignIn.add(key);
}

/**
 * Changes whenever anything the verdict depends on changes: the stored hash (for a directory account, which has
 * none here, the time the directory says the password was set), the name, the email, the policy.
 */
function strengthVerdictKey(deps: FlowDeps, account: Account): string {
  const password = account.passwordHash ?? `directory:${account.directoryId}:${account.passwordChangedAt}`;
  return createHash('sha256')
    .update(JSON.stringify([account.id, password, account.email, account.displayName, deps.config.passwordPolicy, deps.config.serviceNames]))
    .digest('base64url');
}

export type MustChangeReason = 'policy' | 'breached' | 'expired';

/**
 * At a successful sign-in the plaintext is known for a moment. A password that no longer passes today's
 * policy (now breached, shorter than a raised minimum …) or has expired is flagged, and the next page the
 * person sees is the change-password page saying why. Existing users meet a stricter policy this way,
 * without forced rotation for everyone. Returns the reason, or null when the password is fine.
 */
export async function tightenAtSignIn(deps: FlowDeps, account: Account, password: string, ctx: RequestContext): Promise<MustChangeReason | null> {
  const policy = deps.config.passwordPolicy;
  const now = deps.clock.now();
  let reason: MustChangeReason | null = null;
  let codes: string[] = [];
  if (policy.maxAgeMs > 0 && account.passwordChangedAt !== null && now - account.passwordChangedAt >= policy.maxAgeMs) {
    reason = 'expired';
  } else {
    try {
      // The estimator costs tens of milliseconds of CPU; its verdict cannot change while the stored hash,
      // the name, the email and the policy stay the same, so it runs once per password and policy. The
      // breached check (a fraction of a millisecond) runs every time: sets change.
      const key = strengthVerdictKey(deps, account);
      const known = passedStrengthAtSignIn.has(key);
      const evaluation = await evaluateForAccount(deps, password, 'sign-in', { account, skipStrength: known });
      codes = evaluation.violations.map((v) => v.code);
      if (!known && codes.length === 0) rememberPassed(key);
      if (codes.length > 0) reason = codes.includes('PASSWORD_BREACHED') ? 'breached' : 'policy';
    } catch {
      // A check that cannot run is no reason to stop someone signing in; the next sign-in checks again.
      return null;
    }
  }
  if (reason === null) return null;
  if (account.mustChangePassword && account.mustChangeReason === reason) return reason;
  await deps.store.transaction(async (tx: Repositories) => {
    await tx.accounts.requirePasswordChange(account.id, reason, now);
    await tx.events.recordEvent({ accountId: account.id, type: 'password.change_required', now, ip: ctx.ip, detail: { reason, violations: codes } });
  });
  return reason;
}

/**
 * The password an account is leaving (change or reset), in its transaction. Kept for the history rule, and for
 * as long as a "This wasn't me" link can report what happened (PASSDESK_NOT_ME_TOKEN_TTL) even
 * with the history off: a report then refuses every password in use since the reported event.
 */
export async function rememberLeavingPassword(tx: Repositories, deps: FlowDeps, account: Account, now: number): Promise<void> {
  if (!account.passwordHash) return;
  await tx.passwordHistory.rememberPassword({
    id: deps.random.uuid(),
    accountId: account.id,
    passwordHash: account.passwordHash,
    now,
    keep: deps.config.passwordPolicy.historyCount,
    keepLeftSince: now - (deps.mail?.notMeTokenTtlMs ?? NOT_ME_TOKEN_TTL_MS),
  });
}

/** A copy of a violation for the API, keeping its sentence (not shown in JSON) so the answer can be translated. */
function withSentenceOf<T extends object>(from: object, o: T): T {
  const said: Sentence | undefined = sentenceOf(from);
  return said ? withSentence(o, said) : o;
}
