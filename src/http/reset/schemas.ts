// Inputs the reset API and the reset pages read alike.
import { z } from 'zod';
import { english } from '../../core/messages.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z
  .string()
  .min(1, english.t('error.field.required'))
  .max(128, english.t('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, english.t('error.field.resetToken'));
export const codeInput = z
  .string()
  .trim()
  .regex(/^\d{8}$/, english.t('error.field.emailCode'));
/** A TOTP code or a recovery code, with the spaces or dashes people type. */
export const factorCodeInput = z.string().trim().min(1).max(32);
