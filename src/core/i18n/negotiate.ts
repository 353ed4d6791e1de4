// Which language a reader gets (pure): their saved preference, else the best match of what their browser asks for
// (Accept-Language, RFC 9110 §12.5.4), else the organisation's default. Matching a requested tag to a registered
// language (de-AT → de, en-GB → en) is @formatjs/intl-localematcher's ECMA-402 lookup, not ours.
import { match } from '@formatjs/intl-localematcher';
import { registeredRightToLeft, type Locale } from './translator.js';

export interface LanguageChoice {
  /** The signed-in person's saved language, or null for "automatic". */
  preference: string | null | undefined;
  /** The request's Accept-Language header, as sent. */
  acceptLanguage: string | undefined;
  /** The organisation's default (config defaultLanguage), a registered language. */
  fallback: Locale;
  /** The registered languages (availableLocales()). */
  available: readonly Locale[];
}

/** A header longer than this is not a browser's: it is ignored rather than parsed. */
const MAX_HEADER_LENGTH = 1024;
const MAX_RANGES = 32;
const RANGE = /^(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
const WEIGHT = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/** The header's language ranges, highest weight first (ties keep their order); a malformed range is dropped, q=0 too. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header || header.length > MAX_HEADER_LENGTH) return [];
  const ranges: { tag: string; q: number; at: number }[] = [];
  for (const [at, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim());
    if (!RANGE.test(range)) continue;
    const weight = params.length === 0 ? '1' : params.length === 1 ? WEIGHT.exec(params[0] ?? '')?.[1] : undefined;
    if (weight === undefined || Number(weight) === 0) continue;
    ranges.push({ tag: range, q: Number(weight), at });
  }
  return ranges.sort((a, b) => b.q - a.q || a.at - b.at).map((r) => r.tag);
}

/** The tag in canonical form, or null when Intl cannot read it. */
function canonical(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** The registered language that serves the requested tags best, or null when none does (`*` takes the fallback). */
export function bestMatch(requested: readonly string[], available: readonly Locale[], fallback: Locale): Locale | null {
  const tags = requested.map((tag) => (tag === '*' ? fallback : canonical(tag))).filter((tag): tag is string => tag !== null);
  if (tags.length === 0) return null;
  const NONE = '\u0000none';
  const found = match(tags, available, NONE, { algorithm: 'lookup' });
  return found === NONE ? null : found;
}

/** The language to answer in: the preference if it is registered, else the header's best match, else the fallback. */
export function negotiateLanguage(o: LanguageChoice): Locale {
  if (o.preference && o.available.includes(o.preference)) return o.preference;
  return bestMatch(parseAcceptLanguage(o.acceptLanguage), o.available, o.fallback) ?? o.fallback;
}

// The languages written right to left in their usual script (CLDR's characterOrder "right-to-left"), and the scripts
// that are, for a tag that names its script (pa-Arab): for a Node without Intl.Locale text info.
const RTL_LANGUAGES: ReadonlySet<string> = new Set(['ar', 'ckb', 'dv', 'fa', 'he', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);
const RTL_SCRIPTS: ReadonlySet<string> = new Set(['Adlm', 'Arab', 'Hebr', 'Nkoo', 'Rohg', 'Syrc', 'Thaa']);

/**
 * The writing direction of a language, for a page's <html dir> (the CSS uses logical properties, so this is all a
 * language needs): right to left if the registry marks it so (the pseudo-locale ar-XB), else the script a tag names, else
 * Intl's text info where Node has it, else the known right-to-left languages; a tag that does not parse is left to right.
 */
export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  if (registeredRightToLeft(locale)) return 'rtl';
  try {
    const info = new Intl.Locale(locale) as Intl.Locale & { getTextInfo?: () => { direction?: string }; textInfo?: { direction?: string } };
    // A named script decides (Node's ICU says ltr for az-Arab): pa-Arab right to left, ku-Latn left to right.
    if (info.script) return RTL_SCRIPTS.has(info.script) ? 'rtl' : 'ltr';
    const direction = info.getTextInfo?.().direction ?? info.textInfo?.direction;
    if (direction === 'rtl' || direction === 'ltr') return direction;
    return RTL_LANGUAGES.has(info.language) ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}

/** A language's own name for itself ("Deutsch", "Français"), for the language setting. */
export function nativeName(locale: Locale): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(locale);
    return name ? name.charAt(0).toLocaleUpperCase(locale) + name.slice(1) : locale;
  } catch {
    return locale;
  }
}
