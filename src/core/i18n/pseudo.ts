// Pseudo-locales, made from the English catalog at start when PASSDESK_PSEUDO_LOCALES is on (a testing aid, as
// Android's en-XA and ar-XB): every sentence still reads as English, but looks unlike it, so a page shows at a
// glance which text did not come from the catalog, and how the layout copes with longer or right-to-left text.
// Only literal text changes: the message is parsed (ICU AST), its literal runs rewritten, and it is printed back,
// so every placeholder, plural/select argument, `#` and <tag> stays exactly as in English.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';
import type { Catalog, Locale } from './translator.js';

/** Accented English, ~35 % longer, each message between ⟦ and ⟧. */
export const PSEUDO_ACCENTED: Locale = 'en-XA';
/** English inside right-to-left embeddings, laid out right to left (its language subtag is Arabic's). */
export const PSEUDO_RTL: Locale = 'ar-XB';
export const PSEUDO_LOCALES: readonly Locale[] = [PSEUDO_ACCENTED, PSEUDO_RTL];

/** The brackets around every en-XA message: text without them on an en-XA page did not come from the catalog. */
export const PSEUDO_OPEN = '⟦';
export const PSEUDO_CLOSE = '⟧';
/** U+202B RIGHT-TO-LEFT EMBEDDING … U+202C POP DIRECTIONAL FORMATTING around every literal run of ar-XB. */
export const RLE = '\u202B';
export const PDF = '\u202C';

const ACCENTED: Readonly<Record<string, string>> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][i]!]),
);
/** Words the padding is made of (Android's pseudo-locale pads the same way): they wrap like real words. */
const PADDING_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** How much longer en-XA text is than English: German and French run 30–40 % longer. */
const GROWTH = 0.35;

export function accent(text: string): string {
  return [...text].map((c) => ACCENTED[c] ?? c).join('');
}

/** Words adding at least `length` characters, each after a space. */
function padding(length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += ` ${PADDING_WORDS[i % PADDING_WORDS.length]}`;
  return out;
}

/** A copy of the AST with every literal run rewritten by `literal`; arguments, `#` and tags untouched. */
function mapLiterals(ast: MessageFormatElement[], literal: (text: string) => string): MessageFormatElement[] {
  return ast.map((el): MessageFormatElement => {
    if (el.type === TYPE.literal) return { type: TYPE.literal, value: literal(el.value) };
    if (el.type === TYPE.select || el.type === TYPE.plural) {
      const options = Object.fromEntries(Object.entries(el.options).map(([k, o]) => [k, { value: mapLiterals(o.value, literal) }]));
      return { ...el, options };
    }
    if (el.type === TYPE.tag) return { ...el, children: mapLiterals(el.children, literal) };
    return el;
  });
}

function literalLength(ast: MessageFormatElement[]): number {
  let n = 0;
  mapLiterals(ast, (text) => {
    n += text.length;
    return text;
  });
  return n;
}

/** One English message in en-XA: accented, padded, bracketed. */
export function pseudoAccented(message: string): string {
  const ast = parse(message);
  const pad = padding(Math.ceil(literalLength(ast) * GROWTH));
  const body = mapLiterals(ast, accent);
  return printAST([{ type: TYPE.literal, value: PSEUDO_OPEN }, ...body, { type: TYPE.literal, value: `${pad}${PSEUDO_CLOSE}` }]);
}

/** One English message in ar-XB: each run of literal text that is not only spaces inside an RTL embedding. */
export function pseudoRightToLeft(message: string): string {
  return printAST(mapLiterals(parse(message), (text) => (text.trim() === '' ? text : `${RLE}${text}${PDF}`)));
}

/** The pseudo catalog of `locale` (en-XA or ar-XB) made from a complete English catalog. */
export function pseudoCatalog(locale: Locale, english: Catalog): Catalog {
  const rewrite = locale === PSEUDO_RTL ? pseudoRightToLeft : pseudoAccented;
  if (!PSEUDO_LOCALES.includes(locale)) throw new TypeError(`${locale} is not a pseudo-locale (${PSEUDO_LOCALES.join(', ')})`);
  return Object.fromEntries(Object.entries(english).map(([id, message]) => [id, rewrite(message)])) as Catalog;
}
