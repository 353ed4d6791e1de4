// Inputs the "this wasn't me" API and pages read alike.
import { z } from 'zod';
import { english } from '../../core/messages.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z
  .string()
  .min(1, english.t('error.field.required'))
  .max(128, english.t('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, english.t('error.field.notMeToken'));
export const eventIdParam = z.string().regex(/^[1-9]\d{0,14}$/, english.t('error.field.activityId'));
