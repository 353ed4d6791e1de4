// TOTP codes computed in the test, as the person's authenticator app would.
import * as OTPAuth from 'otpauth';

/** The code of the step `stepsAhead` after `now` (the server accepts ±1 step, and each step only once). */
export function totpCode(secret: string, o: { stepsAhead?: number; now?: number } = {}): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: (o.now ?? Date.now()) + (o.stepsAhead ?? 0) * 30_000 });
}
