// Formats catalog messages (ICU MessageFormat, through intl-messageformat) for one language. There is no
// global locale: whoever produces text holds a Translator for the language of the person who reads it
// (the request's, or the recipient's for an email), so choosing the language per request is a matter of
// choosing which Translator to pass.
import { IntlMessageFormat } from 'intl-messageformat';
import { de } from './catalogs/de.js';
import { en } from './catalogs/en.js';
import { es } from './catalogs/es.js';
import { fr } from './catalogs/fr.js';

import type { Catalog, MessageId } from './catalog.js';

export type { Catalog, MessageId };

/** A language tag (BCP 47) with a catalog in the registry below: 'en', 'de', 'en-XA'. */
export type Locale = string;
export const DEFAULT_LOCALE: Locale = 'en';

/**
 * The registry of languages Passdesk can speak: the shipped catalogs, and whatever the start adds (pseudo-locales,
 * an operator's own language). Adding a language is one `registerCatalog` call; a catalog must be complete (the
 * type says so for shipped ones; catalogs read at run time are checked with compare.ts before they are registered).
 */
export const catalogs: Record<Locale, Catalog> = { en, de, fr, es };

/** Languages registered as written right to left (a pseudo-locale, say), beyond those Intl knows to be. */
const rightToLeft = new Set<Locale>();

export function registerCatalog(locale: Locale, catalog: Catalog, o: { direction?: 'ltr' | 'rtl' } = {}): void {
  catalogs[locale] = catalog;
  if (o.direction === 'rtl') rightToLeft.add(locale);
  else rightToLeft.delete(locale);
  translators.delete(locale);
}

/** Whether the registry marks this language as written right to left. */
export function registeredRightToLeft(locale: Locale): boolean {
  return rightToLeft.has(locale);
}

/** The registered languages, English first. */
export function availableLocales(): readonly Locale[] {
  return Object.keys(catalogs);
}

export function hasLocale(locale: string): boolean {
  return Object.hasOwn(catalogs, locale);
}

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
type NotName = ' ' | '{' | '#' | '.' | '’' | '(' | ')' | ':' | ';' | '“' | '”' | '?' | '!' | '/';
type AsName<S extends string> = S extends '' ? never : S extends `${string}${NotName}${string}` ? never : S;
/**
 * The argument names of an ICU message, read from its text by the type checker: `{name}`, `{count, plural, …}`.
 * Option bodies of plural/select are skipped when they hold more than one word (they always do in these
 * catalogs); a one-word body would be taken for an argument, which the type check then reports.
 */
export type ArgNames<S extends string> = S extends `${string}{${infer Body}`
  ? (Body extends `${infer Head}}${string}` ? AsName<Trim<Head extends `${infer N},${string}` ? N : Head>> : never) | ArgNames<Body>
  : never;
export type MessageValue = string | number;
export type ValuesOf<K extends MessageId> = { [N in ArgNames<(typeof en)[K]>]: MessageValue };
export type ArgsOf<K extends MessageId> = [ArgNames<(typeof en)[K]>] extends [never] ? [] : [values: ValuesOf<K>];

/** A value placed into markup as it is (already safe in the output format). */
export interface Markup {
  readonly markup: string;
}
/** Wraps the (formatted, escaped) text between a message's <tag>…</tag>. */
export type TagFormatter = (inner: string) => string;

export interface Translator {
  readonly locale: Locale;
  /** One message, its placeholders filled (names and types checked where the id is a literal). */
  t<K extends MessageId>(id: K, ...values: ArgsOf<K>): string;
  /** The same with values not checked by type (ids chosen at run time, e.g. per notice); a missing value throws. */
  format(id: MessageId, values?: Readonly<Record<string, MessageValue>>): string;
  /**
   * For markup (HTML): the message's own text and every string value pass through `escapeText`; Markup values
   * are placed as they are; each <tag>…</tag> of the message is built by the TagFormatter of that name.
   */
  markup(id: MessageId, values: Readonly<Record<string, MessageValue | Markup | TagFormatter>>, escapeText: (text: string) => string): string;
  number(n: number): string;
  /** A moment in UTC, as the language writes it (format.dateTime). */
  dateTime(ms: number, o?: { seconds?: boolean }): string;
}

type Ast = ReturnType<IntlMessageFormat['getAst']>;
// Element kinds of the ICU parser's AST (@formatjs/icu-messageformat-parser TYPE): literal, plural/select, tag.
const LITERAL = 0;
const SELECT = 5;
const PLURAL = 6;
const TAG = 8;

/** A copy of the AST with every literal run of text escaped, so only values and tags carry markup. */
function escapeLiterals(ast: Ast, escapeText: (text: string) => string): Ast {
  return ast.map((el) => {
    if (el.type === LITERAL) return { ...el, value: escapeText(el.value) };
    if (el.type === SELECT || el.type === PLURAL) {
      const options = Object.fromEntries(Object.entries(el.options).map(([k, o]) => [k, { ...o, value: escapeLiterals(o.value, escapeText) }]));
      return { ...el, options } as typeof el;
    }
    if (el.type === TAG) return { ...el, children: escapeLiterals(el.children, escapeText) };
    return el;
  }) as Ast;
}

function joinParts(out: unknown): string {
  return Array.isArray(out) ? out.map(String).join('') : String(out);
}

const translators = new Map<Locale, Translator>();

/** The Translator of a registered language (an unknown tag gets English: the caller negotiated it already). */
export function translator(requested: Locale = DEFAULT_LOCALE): Translator {
  const locale = hasLocale(requested) ? requested : DEFAULT_LOCALE;
  const existing = translators.get(locale);
  if (existing) return existing;
  let catalog = catalogs[locale] as Catalog;
  const compiled = new Map<MessageId, IntlMessageFormat>();
  let escapedByFn = new WeakMap<(text: string) => string, Map<MessageId, IntlMessageFormat>>();
  const compile = (id: MessageId): IntlMessageFormat => {
    // A Translator kept from before the start registered the operator's wording (core/messages.ts holds English
    // from import on) follows the catalog registered now.
    const current = catalogs[locale];
    if (current && current !== catalog) {
      catalog = current;
      compiled.clear();
      escapedByFn = new WeakMap();
    }
    let f = compiled.get(id);
    if (!f) {
      const text = catalog[id] as string | undefined;
      if (text === undefined) throw new TypeError(`No message "${id}" in the ${locale} catalog`);
      f = new IntlMessageFormat(text, locale);
      compiled.set(id, f);
    }
    return f;
  };
  const numberFormat = new Intl.NumberFormat(locale);
  const dateParts = new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const self: Translator = {
    locale,
    t(id, ...values) {
      return joinParts(compile(id).format(values[0] as Record<string, MessageValue> | undefined));
    },
    format(id, values) {
      return joinParts(compile(id).format(values));
    },
    markup(id, values, escapeText) {
      const plain = compile(id); // first: it notices a newly registered catalog
      let cache = escapedByFn.get(escapeText);
      if (!cache) {
        cache = new Map();
        escapedByFn.set(escapeText, cache);
      }
      let f = cache.get(id);
      if (!f) {
        f = new IntlMessageFormat(escapeLiterals(plain.getAst(), escapeText), locale);
        cache.set(id, f);
      }
      const prepared: Record<string, MessageValue | ((chunks: unknown[]) => string)> = {};
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === 'string') prepared[name] = escapeText(value);
        else if (typeof value === 'function') prepared[name] = (chunks) => value(chunks.map(String).join(''));
        else if (typeof value === 'number') prepared[name] = value;
        else prepared[name] = value.markup;
      }
      return joinParts(f.format(prepared));
    },
    number(n) {
      return numberFormat.format(n);
    },
    dateTime(ms, o = {}) {
      const parts = Object.fromEntries(dateParts.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
      return self.format(o.seconds ? 'format.dateTimeSeconds' : 'format.dateTime', parts);
    },
  };
  translators.set(locale, self);
  return self;
}

/** Every id of the catalog, in the English file's order. */
export const MESSAGE_IDS: readonly MessageId[] = Object.keys(en) as MessageId[];
