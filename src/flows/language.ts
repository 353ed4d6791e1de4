// The person's language (issue 17): saved on the account (accounts.locale), it comes before the browser's
// Accept-Language for every page, API message and email they get. null is "automatic": the browser decides.
import { PassdeskError } from '../core/errors.js';
import { english } from '../core/messages.js';
import { hasLocale, type Locale } from '../core/i18n/translator.js';
import type { FlowDeps } from './deps.js';
import type { Authenticated } from './deps.js';

/** Saves the language (a registered one, or null for automatic); a language not registered is refused. */
export async function setLanguage(deps: FlowDeps, auth: Authenticated, locale: Locale | null): Promise<Locale | null> {
  if (locale !== null && !hasLocale(locale)) throw new PassdeskError('VALIDATION_FAILED', english.t('error.field.language'));
  await deps.store.accounts.setAccountLocale(auth.account.id, locale, deps.clock.now());
  return locale;
}
