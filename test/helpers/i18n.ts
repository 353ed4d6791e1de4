// Values for formatting any catalog message in a test: one of the right kind for each argument and tag English has.
import { IntlMessageFormat } from 'intl-messageformat';
import { placeholdersOf } from '../../src/core/i18n/compare.js';

export type SampleValues = Record<string, string | number | ((chunks: unknown[]) => string)>;

/** A value of the right kind for every argument and tag of an English message. */
export function sampleValues(message: string): SampleValues {
  const values: SampleValues = {};
  const kinds = placeholdersOf(message);
  for (const p of kinds) {
    const tag = /^<(.+)>$/.exec(p)?.[1];
    if (tag) values[tag] = (chunks) => `[${tag}:${chunks.map(String).join('')}]`;
  }
  // Strings first: a name used as a number anywhere (plural, {n, number}) needs a number, which a plain {n} prints too.
  for (const p of kinds) if (p.endsWith(':argument')) values[p.split(':')[0]!] = 'Sample Value';
  for (const p of kinds) if (p.endsWith(':select')) values[p.split(':')[0]!] = 'other';
  for (const p of kinds) if (/:(number|plural)$/.test(p)) values[p.split(':')[0]!] = 3;
  for (const p of kinds) if (/:(date|time)$/.test(p)) values[p.split(':')[0]!] = Date.UTC(2026, 10, 23, 9, 0, 0);
  return values;
}

/** One message formatted in a language, parts joined. */
export function formatMessage(message: string, locale: string, values: SampleValues): string {
  const out = new IntlMessageFormat(message, locale).format(values);
  return Array.isArray(out) ? out.map(String).join('') : String(out);
}
