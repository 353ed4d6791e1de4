// Inputs the change-of-address API and pages read alike.
import { z } from 'zod';
import { english } from '../../core/messages.js';

/** The 8-digit code (spaces a person may type between groups are dropped). */
export const emailChangeCode = z
  .string()
  .max(32, english.t('error.field.tooLong'))
  .transform((v) => v.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{8}$/, english.t('error.field.emailCode')));
