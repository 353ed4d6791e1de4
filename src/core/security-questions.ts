// Optional security questions (issue 5): an organisation may turn them on as an extra check in a password
// reset, never as the only one. NIST SP 800-63B-4 §3.1.1.2 says verifiers SHALL NOT prompt for
// "knowledge-based" hints; OWASP's Forgot Password cheat sheet says they are weak. So they are off by default,
// they are asked only after the email proof, and an account's second factor, when it has one, is asked instead.
// Pure: the question list and the normalisation of answers.

export interface SecurityQuestion {
  /** Stable: answers are stored against it, so the wording may change later. */
  id: string;
  text: string;
}

/** Questions whose answers rarely change, are not on social media, and are not one of a handful of values. */
export const SECURITY_QUESTIONS: readonly SecurityQuestion[] = [
  { id: 'first-concert', text: 'What was the first concert you went to?' },
  { id: 'childhood-friend', text: 'What was the first name of your best friend as a child?' },
  { id: 'first-job-street', text: 'On which street was your first job?' },
  { id: 'childhood-hero', text: 'Who was your childhood hero?' },
  { id: 'first-car', text: 'What was the make and model of your first car?' },
  { id: 'parents-meeting', text: 'In which town did your parents meet?' },
  { id: 'oldest-cousin', text: 'What is the first name of your oldest cousin?' },
  { id: 'first-teacher', text: 'What was the surname of your first teacher?' },
];

export const SECURITY_ANSWER_MIN_LENGTH = 3;
export const SECURITY_ANSWER_MAX_LENGTH = 200;

export function findSecurityQuestion(id: string): SecurityQuestion | undefined {
  return SECURITY_QUESTIONS.find((q) => q.id === id);
}

/**
 * What is compared: "  São  Paulo! " and "sao paulo" are the same answer. Compatibility forms folded (NFKC),
 * case folded, accents dropped, and everything but letters and digits removed, so spacing and punctuation
 * typed under stress do not matter.
 */
export function normalizeSecurityAnswer(answer: string): string {
  return answer
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export type SecurityAnswersProblem =
  | { code: 'WRONG_COUNT'; expected: number }
  | { code: 'UNKNOWN_QUESTION'; questionId: string }
  | { code: 'DUPLICATE_QUESTION'; questionId: string }
  | { code: 'ANSWER_TOO_SHORT'; questionId: string }
  | { code: 'ANSWER_TOO_LONG'; questionId: string }
  | { code: 'SAME_ANSWER'; questionId: string };

/** Checks a set of answers a person wants to keep; the first problem, or null. */
export function checkSecurityAnswers(answers: ReadonlyArray<{ questionId: string; answer: string }>, count: number): SecurityAnswersProblem | null {
  if (answers.length !== count) return { code: 'WRONG_COUNT', expected: count };
  const seenQuestions = new Set<string>();
  const seenAnswers = new Set<string>();
  for (const a of answers) {
    if (!findSecurityQuestion(a.questionId)) return { code: 'UNKNOWN_QUESTION', questionId: a.questionId };
    if (seenQuestions.has(a.questionId)) return { code: 'DUPLICATE_QUESTION', questionId: a.questionId };
    seenQuestions.add(a.questionId);
    if (a.answer.length > SECURITY_ANSWER_MAX_LENGTH) return { code: 'ANSWER_TOO_LONG', questionId: a.questionId };
    const normalized = normalizeSecurityAnswer(a.answer);
    if (normalized.length < SECURITY_ANSWER_MIN_LENGTH) return { code: 'ANSWER_TOO_SHORT', questionId: a.questionId };
    // One answer for every question would make them one question.
    if (seenAnswers.has(normalized)) return { code: 'SAME_ANSWER', questionId: a.questionId };
    seenAnswers.add(normalized);
  }
  return null;
}
