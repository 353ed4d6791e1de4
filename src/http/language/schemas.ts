// The language a person may choose, read alike by the API and the page: a registered language (availableLocales(),
// which the start fixed: the shipped catalogs, pseudo-locales, an operator's own).
import { fieldMessage } from '../shared/schemas.js';
import { z } from 'zod';
import { hasLocale } from '../../core/i18n/translator.js';

export const languageInput = z
  .string()
  .max(35)
  .refine((tag) => hasLocale(tag), fieldMessage('error.field.language'))
  .meta({ description: 'A language offered (GET /api/v1/account/language lists them), e.g. `de`.' });
