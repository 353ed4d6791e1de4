// The languages a process speaks, set once at start from the configuration (config.ts): the shipped catalogs,
// the pseudo-locales when PASSDESK_PSEUDO_LOCALES is on, and the operator's files of PASSDESK_MESSAGES_DIR.
// Setting them again (a test loading another configuration) starts from the shipped catalogs, not from the last set.
import { PSEUDO_LOCALES, pseudoCatalog } from './pseudo.js';
import { resolveOverrides, type OverrideFile } from './overrides.js';
import { catalogs, DEFAULT_LOCALE, registerCatalog, type Catalog, type Locale } from './translator.js';

export interface LanguageSettings {
  pseudoLocales: boolean;
  overrideFiles: readonly OverrideFile[];
}

/** The catalogs registered before the first set-up: the ones Passdesk ships. */
let shipped: Readonly<Record<Locale, Catalog>> | null = null;

/**
 * Registers exactly the languages these settings give, or nothing when a file is refused: then the problems,
 * one line each, naming the file and the id.
 */
export function setUpLanguages(settings: LanguageSettings): string[] {
  shipped ??= { ...catalogs };
  const english = shipped[DEFAULT_LOCALE] as Catalog;
  const wanted: Record<Locale, Catalog> = { ...shipped };
  // From shipped English, so the pseudo text never depends on an operator's wording.
  if (settings.pseudoLocales) for (const locale of PSEUDO_LOCALES) wanted[locale] = pseudoCatalog(locale, english);
  const { catalogs: resolved, problems } = resolveOverrides(settings.overrideFiles, wanted, english);
  if (problems.length > 0) return problems;
  for (const r of resolved) wanted[r.locale] = r.catalog;
  for (const locale of Object.keys(catalogs)) if (!Object.hasOwn(wanted, locale)) delete catalogs[locale];
  for (const [locale, catalog] of Object.entries(wanted)) if (catalogs[locale] !== catalog) registerCatalog(locale, catalog);
  return [];
}
