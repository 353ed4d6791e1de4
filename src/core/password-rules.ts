// How a password is read before any rule or hash sees it. The rules themselves are in password-policy.ts.

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
