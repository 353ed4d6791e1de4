// How a password is read before any rule or hash sees it, and the one limit checked before anything else. The
// rules themselves are in password-policy.ts.
import { PassdeskError } from './errors.js';
import { sentence } from './i18n/sentence.js';

/** Hard ceiling before any hashing happens, whatever the policy says (PASSDESK_PASSWORD_MAX_LENGTH ≤ this). */
export const PASSWORD_ABSOLUTE_MAX = 256;

/** NFC first, so "é" typed as one or two code points is the same password on every device. */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** Counts Unicode code points (not UTF-16 units) of the NFC form. */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of normalizePassword(password)) n++;
  return n;
}

/**
 * Refuses an over-long password in microseconds, before anything is hashed or estimated. The HTTP edge calls it
 * first (so the refusal comes before challenges and attempt counting); flows/password-policy.ts calls it again for
 * every new password, so the CLI and any other caller get it too.
 */
export function assertPasswordWithinLimit(...passwords: string[]): void {
  for (const p of passwords) {
    const n = passwordLength(p);
    if (n > PASSWORD_ABSOLUTE_MAX) {
      throw new PassdeskError('PASSWORD_TOO_LONG', sentence('error.passwordLength.long', { limit: PASSWORD_ABSOLUTE_MAX, actual: n }), {
        maxLength: PASSWORD_ABSOLUTE_MAX,
      });
    }
  }
}
