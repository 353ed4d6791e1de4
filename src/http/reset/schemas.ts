// Inputs the reset API and the reset pages read alike.
import { z } from 'zod';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z.string().min(1, 'required').max(128, 'too long').regex(/^[A-Za-z0-9_-]+$/, 'not a reset token');
export const codeInput = z.string().trim().regex(/^\d{8}$/, 'the 8-digit code from the email');
/** A TOTP code or a recovery code, with the spaces or dashes people type. */
export const factorCodeInput = z.string().trim().min(1).max(32);
