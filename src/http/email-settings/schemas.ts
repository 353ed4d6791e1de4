// Inputs the email settings API and page read alike.
import { z } from 'zod';
import { freeText } from '../shared/schemas.js';

const PHRASE_MAX = 64;
export const phraseInput = freeText('anti-phishing phrase', { min: 1, max: PHRASE_MAX });
export const codeInput = z.string().trim().regex(/^\d{8}$/, 'the 8-digit code from the email');
