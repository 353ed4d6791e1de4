// Security answers (issue 5; core/security-questions.ts says why they are off by default): argon2id hashes of
// the normalised answers. Setting them is the security-questions flow's; a reset asks them when the account has
// no second factor.
import { normalizeSecurityAnswer } from '../core/security-questions.js';
import type { FlowDeps } from './deps.js';
import type { Method, MethodReadDeps } from './method.js';

export type SecurityAnswer = { questionId: string; answer: string };

export function securityQuestionsEnabled(deps: Pick<FlowDeps, 'config'>): boolean {
  return deps.config.securityQuestions?.enabled === true;
}

/** Whether a reset of this account asks security questions: the feature is on and the person set answers. */
export async function hasSecurityAnswers(
  deps: Pick<MethodReadDeps, 'config'> & { store: Pick<MethodReadDeps['store'], 'securityAnswers'> },
  accountId: string,
): Promise<boolean> {
  return securityQuestionsEnabled(deps) && (await deps.store.securityAnswers.listSecurityAnswers(accountId)).length > 0;
}

/**
 * True when every stored answer is matched. Every stored answer is verified, whatever the first result,
 * so the time does not tell how many were right.
 */
export async function answersMatch(deps: FlowDeps, accountId: string, given: ReadonlyArray<SecurityAnswer>): Promise<boolean> {
  const stored = await deps.store.securityAnswers.listSecurityAnswers(accountId);
  if (stored.length === 0) return false;
  const results = await Promise.all(
    stored.map(async (s) => {
      const answer = given.find((g) => g.questionId === s.questionId)?.answer ?? '';
      return deps.hasher.verify(s.answerHash, normalizeSecurityAnswer(answer));
    }),
  );
  return results.every(Boolean);
}

/** Weaker than any second factor (something you know), so a reset asks them only when there is none. */
export const securityAnswers: Method<ReadonlyArray<SecurityAnswer>, true> = {
  id: 'security_answers',
  strength: 1,
  // The reset flow's own counter (RESET_FACTOR_MAX_ATTEMPTS) and the account's second-factor budget bound them.
  budget: null,
  available: hasSecurityAnswers,
  async verify(deps, account, answers) {
    return (await answersMatch(deps, account.id, answers)) ? true : null;
  },
};
