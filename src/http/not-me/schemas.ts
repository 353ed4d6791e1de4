// Inputs the "this wasn't me" API and pages read alike.
import { fieldMessage } from '../shared/schemas.js';
import { z } from 'zod';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
export const secretInput = z
  .string()
  .min(1, fieldMessage('error.field.required'))
  .max(128, fieldMessage('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, fieldMessage('error.field.notMeToken'));
export const eventIdParam = z.string().regex(/^[1-9]\d{0,14}$/, fieldMessage('error.field.activityId'));
