// Reserve-then-verify against a per-account budget kept in the store (store/attempts.ts): the slot is taken in
// one atomic statement before the guess is evaluated, so the limit holds across processes and nodes.
import { sentence, type Sentence } from '../core/i18n/sentence.js';
import { PassdeskError } from '../core/errors.js';
import type { AttemptBudget, AttemptSlot, Repositories } from '../store/index.js';

/** A reserved slot of the account's budget, or 429 TOO_MANY_REQUESTS (with `message`) when it is spent. */
export async function reserveGuess(
  store: Pick<Repositories, 'attempts'>,
  accountId: string,
  budget: AttemptBudget,
  now: number,
  message?: Sentence,
): Promise<AttemptSlot> {
  const slot = await store.attempts.reserveAttempt(accountId, budget, now);
  if (!slot) throw new PassdeskError('TOO_MANY_REQUESTS', message);
  return slot;
}

/** Wrong second-factor guesses per account across all its flows in this window (a new password step does not reset it). */
export const ACCOUNT_FAILURE_WINDOW_MS = 15 * 60_000;
export const MAX_ACCOUNT_FAILURES = 10;
/**
 * The account's one budget of wrong second-factor guesses (codes, passkeys, security answers) at sign-in, in resets
 * and from signed-in sessions: someone with the password and the mailbox gets one budget, not one per door. Kept in
 * the store (store/attempts.ts), so it holds across processes and nodes.
 */
export const SECOND_FACTOR_BUDGET: AttemptBudget = { purpose: 'second_factor', limit: MAX_ACCOUNT_FAILURES, windowMs: ACCOUNT_FAILURE_WINDOW_MS };
export const TOO_MANY_WRONG_CODES = sentence('error.TOO_MANY_REQUESTS.codes');
