// TOTP (RFC 6238) over the `otpauth` package: pure rules, no I/O. The clock is the caller's (`now` in ms).
import { HOTP, Secret, TOTP } from 'otpauth';

/** RFC 6238 §4: X = 30 seconds; 6 digits as every authenticator app expects. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 4226 §4 R6: shared secrets of at least 128 bits, 160 recommended; we use 160 (SHA-1 block of keys). */
export const TOTP_SECRET_BYTES = 20;
/** RFC 6238 §5.2: at most one time step of network delay/clock drift either way. */
export const TOTP_WINDOW = 1;

export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpParams {
  secret: Uint8Array;
  algorithm?: OtpAlgorithm;
  digits?: number;
}

function totpOf(p: TotpParams): TOTP {
  return new TOTP({
    secret: new Secret({ buffer: Uint8Array.from(p.secret).buffer }),
    algorithm: p.algorithm ?? 'SHA1',
    digits: p.digits ?? TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** The time step (RFC 6238 T) of an instant. */
export function totpStep(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for an instant (tests and enrolment checks). */
export function totpCode(p: TotpParams, now: number): string {
  return totpOf(p).generate({ timestamp: now });
}

/** The HOTP value for a counter (RFC 4226). */
export function hotpCode(p: TotpParams, counter: number): string {
  return new HOTP({
    secret: new Secret({ buffer: Uint8Array.from(p.secret).buffer }),
    algorithm: p.algorithm ?? 'SHA1',
    digits: p.digits ?? TOTP_DIGITS,
  }).generate({ counter });
}

/**
 * The time step a code belongs to when it is valid within ±TOTP_WINDOW steps of `now`, else null.
 * `afterStep`: steps at or before it were used already (replay refusal, RFC 6238 §5.2), so they never match.
 */
export function verifyTotp(p: TotpParams, code: string, now: number, options: { afterStep?: number | null } = {}): number | null {
  const digits = p.digits ?? TOTP_DIGITS;
  if (code.length !== digits || !/^[0-9]+$/.test(code)) return null;
  const delta = totpOf(p).validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = totpStep(now) + delta;
  if (options.afterStep !== undefined && options.afterStep !== null && step <= options.afterStep) return null;
  return step;
}

export function toBase32(secret: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(secret).buffer }).base32;
}

/** The otpauth:// URI authenticator apps read from the QR code (Key Uri Format). */
export function otpauthUrl(p: TotpParams, o: { issuer: string; label: string }): string {
  return new TOTP({
    issuer: o.issuer,
    label: o.label,
    secret: new Secret({ buffer: Uint8Array.from(p.secret).buffer }),
    algorithm: p.algorithm ?? 'SHA1',
    digits: p.digits ?? TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** What a person types: spaces and dashes removed. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}
