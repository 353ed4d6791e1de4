// Which way a language is written. A page's <html dir> and anything that lays text out follow it; the CSS
// uses logical properties (margin-inline-start, text-align:start …), so "rtl" is all a language needs.
import type { Locale } from './translator.js';

// The languages written right to left in their usual script (CLDR's characterOrder "right-to-left").
const RTL_LANGUAGES: ReadonlySet<string> = new Set(['ar', 'ckb', 'dv', 'fa', 'he', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);
// Scripts written right to left, for a tag that names its script (az-Arab, pa-Arab).
const RTL_SCRIPTS: ReadonlySet<string> = new Set(['Adlm', 'Arab', 'Hebr', 'Nkoo', 'Rohg', 'Syrc', 'Thaa']);

/** True for Arabic, Hebrew, Persian, Urdu … and the pseudo-locale ar-XB; false for a tag that does not parse. */
export function isRightToLeft(locale: Locale): boolean {
  let parsed: Intl.Locale;
  try {
    parsed = new Intl.Locale(locale);
  } catch {
    return false;
  }
  // A named script decides: ku-Latn (Kurmanji in Latin letters) is left to right, pa-Arab right to left.
  if (parsed.script) return RTL_SCRIPTS.has(parsed.script);
  return RTL_LANGUAGES.has(parsed.language);
}

/** The value of a page's `dir` attribute for a language. */
export function textDirection(locale: Locale): 'rtl' | 'ltr' {
  return isRightToLeft(locale) ? 'rtl' : 'ltr';
}
