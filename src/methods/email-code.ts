// An emailed code: 8 digits sent to an address the account controls (a reset's code, a recovery address's
// verification). Short, so it is kept as a MAC under the server secret bound to its account and purpose (a bare
// hash of 10^8 values is reversed offline in seconds), and checked by the flow's guarded UPDATE in the store,
// which also counts the tries of that flow (store/password-resets.ts, store/mail-preferences.ts).
import { hmac } from '../core/tokens.js';
import type { FlowDeps } from './deps.js';
import type { Method } from './method.js';

export const EMAIL_CODE_DIGITS = 8;

/** What a code was sent for; part of its MAC, so a code made for one purpose proves nothing in another. */
/** 'sign-up-code' binds to the normalised address (no account exists yet), the others to the account's id. */
export type EmailCodePurpose = 'reset-code' | 'recovery-email' | 'caller-code' | 'email-change' | 'sign-up-code';

/** A code of `digits` digits, uniform over 10^digits from the injected randomness (rejection sampling). */
export function newEmailCode(deps: Pick<FlowDeps, 'random'>, digits = EMAIL_CODE_DIGITS): string {
  const limit = 10 ** digits;
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  for (;;) {
    const b = deps.random.bytes(4);
    const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (n < ceiling) return String(n % limit).padStart(digits, '0');
  }
}

/** The stored form of a code: a MAC under the server secret, bound to its purpose and account. */
export function emailCodeDigest(deps: Pick<FlowDeps, 'secret'>, purpose: EmailCodePurpose, accountId: string, code: string): string {
  if (!deps.secret) throw new TypeError(`${purpose === 'reset-code' ? 'reset-password' : 'mail-settings'}: deps.secret is required`);
  return hmac(deps.secret, `${purpose}:${accountId}:${code}`);
}

/**
 * Proven: the digest to hand to the flow's guarded UPDATE (the store compares it with the row's and counts the try);
 * the method itself cannot tell right from wrong without the flow's row. Every active account has its address.
 */
export const emailCode: Method<{ purpose: EmailCodePurpose; code: string }, string> = {
  id: 'email_code',
  strength: 1,
  // Each flow counts its own tries (RESET_CODE_MAX_ATTEMPTS per reset; per IP in the reset throttle).
  budget: null,
  async available(deps, accountId) {
    return (await deps.store.accounts.findAccountById(accountId))?.status === 'active';
  },
  async verify(deps, account, proof) {
    return emailCodeDigest(deps, proof.purpose, account.id, proof.code);
  },
};
