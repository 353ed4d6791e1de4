// Inputs the email settings API and page read alike.
import { z } from 'zod';
import { freeText, fieldMessage } from '../shared/schemas.js';

const PHRASE_MAX = 64;
export const phraseInput = freeText('phrase', { min: 1, max: PHRASE_MAX });
export const codeInput = z
  .string()
  .trim()
  .regex(/^\d{8}$/, fieldMessage('error.field.emailCode'));
