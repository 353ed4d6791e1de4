// Inputs the change-of-address API and pages read alike.
import { fieldMessage } from '../shared/schemas.js';
import { z } from 'zod';

/** The 8-digit code (spaces a person may type between groups are dropped). */
export const emailChangeCode = z
  .string()
  .max(32, fieldMessage('error.field.tooLong'))
  .transform((v) => v.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{8}$/, fieldMessage('error.field.emailCode')));
