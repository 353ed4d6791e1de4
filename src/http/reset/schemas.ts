// Inputs the reset API and the reset pages read alike.
import { fieldMessage } from '../shared/schemas.js';
import { z } from 'zod';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z
  .string()
  .min(1, fieldMessage('error.field.required'))
  .max(128, fieldMessage('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, fieldMessage('error.field.resetToken'));
export const codeInput = z
  .string()
  .trim()
  .regex(/^\d{8}$/, fieldMessage('error.field.emailCode'));
/** A TOTP code or a recovery code, with the spaces or dashes people type. */
export const factorCodeInput = z.string().trim().min(1).max(32);
