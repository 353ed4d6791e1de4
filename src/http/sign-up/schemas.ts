// Inputs the sign-up API and the sign-up pages read alike.
import { fieldMessage } from '../shared/schemas.js';
import { z } from 'zod';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const signUpTokenInput = z
  .string()
  .min(1, fieldMessage('error.field.required'))
  .max(128, fieldMessage('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, fieldMessage('error.field.confirmationToken'));
export const signUpCodeInput = z
  .string()
  .trim()
  .regex(/^\d{8}$/, fieldMessage('error.field.emailCode'));
