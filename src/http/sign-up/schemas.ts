// Inputs the sign-up API and the sign-up pages read alike.
import { z } from 'zod';
import { english } from '../../core/messages.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const signUpTokenInput = z
  .string()
  .min(1, english.t('error.field.required'))
  .max(128, english.t('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, english.t('error.field.confirmationToken'));
export const signUpCodeInput = z
  .string()
  .trim()
  .regex(/^\d{8}$/, english.t('error.field.emailCode'));
