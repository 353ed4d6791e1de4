// Compares a translation with English: the same ids, and in each message the same arguments (name and
// kind: plain, number, plural, select…) and the same tags. A translation may reorder them and choose its
// own plural categories; it may not drop, add or rename one. For issue 17's catalog test, and for tools.
import { IntlMessageFormat } from 'intl-messageformat';

type Ast = ReturnType<IntlMessageFormat['getAst']>;
const KIND = ['literal', 'argument', 'number', 'date', 'time', 'select', 'plural', 'pound', 'tag'] as const;

/** "name:kind" for every argument and "<tag>" for every tag of a message, sorted, nested ones included. */
export function placeholdersOf(message: string): string[] {
  const out = new Set<string>();
  const walk = (ast: Ast): void => {
    for (const el of ast) {
      const kind = KIND[el.type] ?? 'unknown';
      if (kind === 'literal' || kind === 'pound') continue;
      if (el.type === 8) {
        out.add(`<${el.value}>`);
        walk(el.children);
        continue;
      }
      out.add(`${(el as { value: string }).value}:${kind}`);
      if (el.type === 5 || el.type === 6) for (const option of Object.values(el.options)) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, 'en').getAst());
  return [...out].sort();
}

export interface CatalogDifference {
  id: string;
  problem: 'missing' | 'extra' | 'placeholders' | 'syntax';
  detail?: string;
}

/** Every way `other` differs from `english` that would break a page or an email. Empty when it is complete. */
export function compareCatalogs(english: Readonly<Record<string, string>>, other: Readonly<Record<string, string>>): CatalogDifference[] {
  const out: CatalogDifference[] = [];
  for (const [id, source] of Object.entries(english)) {
    const text = other[id];
    if (text === undefined) {
      out.push({ id, problem: 'missing' });
      continue;
    }
    let theirs: string[];
    try {
      theirs = placeholdersOf(text);
    } catch (err) {
      out.push({ id, problem: 'syntax', detail: (err as Error).message });
      continue;
    }
    const ours = placeholdersOf(source);
    if (ours.join() !== theirs.join())
      out.push({ id, problem: 'placeholders', detail: `English has ${ours.join(' ') || 'none'}; this has ${theirs.join(' ') || 'none'}` });
  }
  for (const id of Object.keys(other)) if (!(id in english)) out.push({ id, problem: 'extra' });
  return out;
}

/** The messages of a catalog that are not valid ICU MessageFormat. */
export function syntaxErrors(catalog: Readonly<Record<string, string>>): CatalogDifference[] {
  const out: CatalogDifference[] = [];
  for (const [id, text] of Object.entries(catalog)) {
    try {
      new IntlMessageFormat(text, 'en');
    } catch (err) {
      out.push({ id, problem: 'syntax', detail: (err as Error).message });
    }
  }
  return out;
}
