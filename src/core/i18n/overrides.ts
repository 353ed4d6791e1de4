// An operator's own wording (PASSDESK_MESSAGES_DIR): files named <language>.json, each { "message id": "ICU message" }.
// For a language Passdesk speaks, a file replaces just the messages it names; for any other language it must
// have every English id, and adds that language. Whatever would break a page or an email is refused at start,
// naming the file and the id: an id English does not have, placeholders or tags other than English's, a message
// that is not ICU MessageFormat, a file that is not a JSON object of strings, a name that is not a language tag.
// Pure: the caller reads the files (config.ts) and registers the result (languages.ts).
import { compareCatalogs, type CatalogDifference } from './compare.js';
import { MESSAGE_IDS, type Catalog, type Locale } from './translator.js';

export interface OverrideFile {
  /** The file's name in the directory: `de.json`, `pt-BR.json`. */
  name: string;
  text: string;
}

export interface ResolvedCatalog {
  locale: Locale;
  /** The complete catalog: the registered one with the file's messages in place, or the file's own. */
  catalog: Catalog;
  /** True when the file adds a language rather than changing one. */
  added: boolean;
  file: string;
}

/** How many missing ids a refusal names before "…". */
const MISSING_SHOWN = 3;

/** The language a file name stands for (`pt-br.json` → `pt-BR`), or a problem. */
export function localeOfFileName(name: string): { locale: Locale } | { problem: string } {
  if (!name.endsWith('.json')) return { problem: `${name}: expected <language>.json (e.g. de.json, pt-BR.json)` };
  const tag = name.slice(0, -'.json'.length);
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (canonical) return { locale: canonical };
  } catch {
    // RangeError: not a BCP 47 tag; said below.
  }
  return { problem: `${name}: "${tag}" is not a language tag (BCP 47, e.g. de, fr-CA, pt-BR)` };
}

/** The file's messages, or a problem: JSON, an object, every value a string. */
function parseMessages(file: OverrideFile): { messages: Record<string, string> } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.text);
  } catch (err) {
    return { problem: `${file.name}: not valid JSON (${(err as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { problem: `${file.name}: expected a JSON object { "message id": "ICU message" }` };
  for (const [id, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') return { problem: `${file.name}: "${id}": expected a string (an ICU message), got ${JSON.stringify(value)}` };
  }
  return { messages: parsed as Record<string, string> };
}

function describe(file: string, d: CatalogDifference): string {
  switch (d.problem) {
    case 'extra':
      return `${file}: "${d.id}": no message has this id in English`;
    case 'syntax':
      return `${file}: "${d.id}": not valid ICU MessageFormat (${d.detail ?? 'syntax error'})`;
    case 'placeholders':
      return `${file}: "${d.id}": its placeholders and tags differ from English's (${d.detail ?? ''})`;
    case 'missing':
      return `${file}: "${d.id}": missing`;
  }
}

/** One file against English and the registered languages: its complete catalog, or every problem in it. */
function resolveFile(
  file: OverrideFile,
  locale: Locale,
  english: Catalog,
  registered: Readonly<Record<Locale, Catalog>>,
): { resolved: ResolvedCatalog } | { problems: string[] } {
  const parsed = parseMessages(file);
  if ('problem' in parsed) return { problems: [parsed.problem] };
  const { messages } = parsed;
  const base = Object.hasOwn(registered, locale) ? registered[locale] : undefined;
  // A change compares only the ids it names; a new language must have them all.
  const englishPart = base
    ? Object.fromEntries(Object.keys(messages).flatMap((id) => (Object.hasOwn(english, id) ? [[id, english[id as keyof Catalog]]] : [])))
    : english;
  const differences = compareCatalogs(englishPart, messages);
  const missing = differences.filter((d) => d.problem === 'missing').map((d) => `"${d.id}"`);
  const problems = differences.filter((d) => d.problem !== 'missing').map((d) => describe(file.name, d));
  if (missing.length > 0) {
    const shown = missing.slice(0, MISSING_SHOWN).join(', ') + (missing.length > MISSING_SHOWN ? ', …' : '');
    problems.push(
      `${file.name}: ${locale} is not a language Passdesk speaks, so the file must have every English id (${MESSAGE_IDS.length}); it misses ${missing.length}: ${shown}`,
    );
  }
  if (problems.length > 0) return { problems };
  const catalog = Object.fromEntries(MESSAGE_IDS.map((id) => [id, messages[id] ?? base?.[id] ?? english[id]])) as Catalog;
  return { resolved: { locale, catalog, added: !base, file: file.name } };
}

/**
 * Every file checked against English and the languages registered now; each problem is one line naming the file
 * (and the id). Nothing is resolved when anything is wrong: an operator fixes the directory, not half of it.
 */
export function resolveOverrides(
  files: readonly OverrideFile[],
  registered: Readonly<Record<Locale, Catalog>>,
  english: Catalog,
): { catalogs: ResolvedCatalog[]; problems: string[] } {
  const catalogs: ResolvedCatalog[] = [];
  const problems: string[] = [];
  const seen = new Map<Locale, string>();
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    const named = localeOfFileName(file.name);
    if ('problem' in named) {
      problems.push(named.problem);
      continue;
    }
    const earlier = seen.get(named.locale);
    if (earlier) {
      problems.push(`${earlier} and ${file.name}: both are for ${named.locale}; keep one`);
      continue;
    }
    seen.set(named.locale, file.name);
    const result = resolveFile(file, named.locale, english, registered);
    if ('problems' in result) problems.push(...result.problems);
    else catalogs.push(result.resolved);
  }
  return problems.length > 0 ? { catalogs: [], problems } : { catalogs, problems };
}
