// Optional security questions (issue 5; core/security-questions.ts says why they are off by default).
// A signed-in person sets answers (proving the current password, like a password change); a reset of an
// account without a second factor then asks them after the email proof (flows/reset-password.ts), through the
// security-answers method (methods/security-answers.ts).
//
// State: the account's security_answers rows, replaced as a set:
//   none ──set (step-up + current password)──▶ set ──set again──▶ set (replaced) ──remove──▶ none
import { PassdeskError } from '../core/errors.js';
import { checkSecurityAnswers, normalizeSecurityAnswer, SECURITY_QUESTIONS, type SecurityQuestion } from '../core/security-questions.js';
import { queueNotice } from '../mail/notices.js';
import { proveCurrentPassword } from '../methods/password.js';
import { securityQuestionsEnabled } from '../methods/security-answers.js';
import type { Authenticated, FlowDeps, RequestContext } from './deps.js';
import { assertRecentAuthentication } from './step-up.js';

export { answersMatch, hasSecurityAnswers, securityQuestionsEnabled } from '../methods/security-answers.js';

export interface SecurityQuestionsView {
  enabled: boolean;
  /** How many answers a person sets (and a reset asks). */
  count: number;
  /** The questions to choose from. */
  questions: readonly SecurityQuestion[];
  /** The ids of the questions this person answered; empty when none. */
  chosen: string[];
  setAt: number | null;
}

function questionCount(deps: Pick<FlowDeps, 'config'>): number {
  return deps.config.securityQuestions?.count ?? 3;
}

export async function securityQuestionsOf(deps: FlowDeps, accountId: string): Promise<SecurityQuestionsView> {
  const answers = securityQuestionsEnabled(deps) ? await deps.store.securityAnswers.listSecurityAnswers(accountId) : [];
  return {
    enabled: securityQuestionsEnabled(deps),
    count: questionCount(deps),
    questions: SECURITY_QUESTIONS,
    chosen: answers.map((a) => a.questionId),
    setAt: answers[0]?.createdAt ?? null,
  };
}

export async function setSecurityAnswers(
  deps: FlowDeps,
  auth: Authenticated,
  input: { currentPassword: string; answers: Array<{ questionId: string; answer: string }> },
  ctx: RequestContext,
): Promise<SecurityQuestionsView> {
  if (!securityQuestionsEnabled(deps)) throw new PassdeskError('SECURITY_QUESTIONS_DISABLED');
  await assertRecentAuthentication(deps, auth);
  const problem = checkSecurityAnswers(input.answers, questionCount(deps));
  if (problem) throw new PassdeskError('SECURITY_ANSWERS_INVALID', undefined, { problem });
  // The current password guards the answers as it guards a password change. Step-up is asked as well, not
  // instead: answers are a reset credential, set like a password (PRODUCT.md: current password and a fresh factor).
  await proveCurrentPassword(deps, auth, input.currentPassword, ctx, { via: 'security-questions' });
  // argon2id like passwords: a stolen database must not give the answers away (they are low-entropy).
  const hashed = await Promise.all(
    input.answers.map(async (a) => ({
      id: deps.random.uuid(),
      questionId: a.questionId,
      answerHash: await deps.hasher.hash(normalizeSecurityAnswer(a.answer)),
    })),
  );
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.securityAnswers.replaceSecurityAnswers(auth.account.id, hashed, now);
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'security_questions.set',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { questions: hashed.map((h) => h.questionId) },
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'security-questions-changed' },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
  });
  return securityQuestionsOf(deps, auth.account.id);
}

export async function removeSecurityAnswers(
  deps: FlowDeps,
  auth: Authenticated,
  input: { currentPassword: string },
  ctx: RequestContext,
): Promise<SecurityQuestionsView> {
  await assertRecentAuthentication(deps, auth);
  await proveCurrentPassword(deps, auth, input.currentPassword, ctx, { via: 'security-questions' });
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const removed = await tx.securityAnswers.removeSecurityAnswers(auth.account.id);
    if (removed === 0) return;
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'security_questions.removed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'security-questions-changed' },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
  });
  return securityQuestionsOf(deps, auth.account.id);
}
