// The basic password rule in force until the policy engine lands (its own issue): one function
// that every place a password is chosen calls, so the engine can replace it in one spot.
import { PassdeskError } from './errors.js';
import { passwordLengthMessage } from './messages.js';

export interface BasicPasswordPolicy {
  /** NIST SP 800-63B-4 §3.1.1.2: at least 15 for single-factor password accounts. */
  minLength: number;
  /** NIST SP 800-63B-4 §3.1.1.2: verifiers SHOULD allow at least 64; we allow 256. */
  maxLength: number;
}

export const defaultPasswordPolicy: BasicPasswordPolicy = { minLength: 15, maxLength: 256 };

/** Hard ceiling before any hashing happens, whatever the policy says. */
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

/** Throws PassdeskError when `candidate` may not be chosen as a new password. */
export function assertAcceptablePassword(candidate: string, policy: BasicPasswordPolicy = defaultPasswordPolicy): void {
  const length = passwordLength(candidate);
  if (length > policy.maxLength) {
    throw new PassdeskError('PASSWORD_TOO_LONG', passwordLengthMessage('long', policy.maxLength, length), {
      maxLength: policy.maxLength,
    });
  }
  if (length < policy.minLength) {
    throw new PassdeskError('PASSWORD_TOO_SHORT', passwordLengthMessage('short', policy.minLength, length), {
      minLength: policy.minLength,
    });
  }
}
