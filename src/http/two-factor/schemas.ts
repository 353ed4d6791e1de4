// Inputs the two-factor API and pages read alike.
import { freeText } from '../shared/schemas.js';

/** What a person calls a factor: trimmed, 1–64 characters, no control or format characters. */
export const factorNameInput = freeText('authenticatorName', { min: 1, max: 64 });
