// What a language's catalog is: every id the English catalog has, each an ICU message. Its own file so that the
// catalogs can name their type without importing the translator, which imports them.
import type { en } from './catalogs/en.js';

export type MessageId = keyof typeof en;
/** A language's catalog: every id English has (the type check fails on a missing one). */
export type Catalog = { readonly [K in MessageId]: string };
