// Reserve-then-verify against a per-account budget kept in the store (store/attempts.ts): the slot is taken in
// one atomic statement before the guess is evaluated, so the limit holds across processes and nodes.
import { PassdeskError } from '../core/errors.js';
import type { AttemptBudget, AttemptSlot, Repositories } from '../store/index.js';

/** A reserved slot of the account's budget, or 429 TOO_MANY_REQUESTS (with `message`) when it is spent. */
export async function reserveGuess(
  store: Pick<Repositories, 'attempts'>, accountId: string, budget: AttemptBudget, now: number, message?: string,
): Promise<AttemptSlot> {
  const slot = await store.attempts.reserveAttempt(accountId, budget, now);
  if (!slot) throw new PassdeskError('TOO_MANY_REQUESTS', message);
  return slot;
}
