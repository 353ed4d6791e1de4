// A sentence by reference: a catalog id and its values, formatted later in the reader's language. Flows do not know
// who reads their errors; they say which sentence, and the HTTP layer formats it in the request's language. The
// English text (for logs, and for English readers) is made at once.
import { DEFAULT_LOCALE, translator, type ArgsOf, type MessageId, type MessageValue, type Translator } from './translator.js';

export interface Sentence {
  readonly id: MessageId;
  readonly values?: Readonly<Record<string, MessageValue>> | undefined;
  /** Values that are moments (ms since the epoch), written as the reader's language writes a date and time. */
  readonly dates?: Readonly<Record<string, number>> | undefined;
  /** Values that are sentences themselves ("try again in {wait}" with the wait in words). */
  readonly nested?: Readonly<Record<string, Sentence>> | undefined;
  /** A sentence said right after this one (a policy refusal's warning, then its advice). */
  readonly followedBy?: Sentence | undefined;
}

export function sentence<K extends MessageId>(id: K, ...values: ArgsOf<K>): Sentence {
  return { id, values: values[0] as Readonly<Record<string, MessageValue>> | undefined };
}

/** The sentence (and those that follow it) in one language. */
export function sayIn(t: Translator, s: Sentence): string {
  const dates = s.dates ? Object.fromEntries(Object.entries(s.dates).map(([name, ms]) => [name, t.dateTime(ms)])) : {};
  const nested = s.nested ? Object.fromEntries(Object.entries(s.nested).map(([name, inner]) => [name, sayIn(t, inner)])) : {};
  const text = t.format(s.id, { ...s.values, ...dates, ...nested });
  return s.followedBy ? `${text} ${sayIn(t, s.followedBy)}` : text;
}

/** The sentence in English: what logs and `.message` hold. */
export function inEnglish(s: Sentence): string {
  return sayIn(translator(DEFAULT_LOCALE), s);
}

/**
 * What a reader sees of a text made in English with its sentence beside it: English readers get the English text as
 * it was made (it may carry more, such as the strength estimator's own English advice), others the sentence.
 */
export function localizedText(t: Translator, english: string, said: Sentence | undefined): string {
  return said && t.locale !== DEFAULT_LOCALE ? sayIn(t, said) : english;
}

/** Attaches a sentence to a plain object without it showing in JSON (an API body lists the object as it is). */
export function withSentence<T extends object>(o: T, said: Sentence): T {
  Object.defineProperty(o, 'said', { value: said, enumerable: false });
  return o;
}

/** The sentence withSentence attached, if any. */
export function sentenceOf(o: unknown): Sentence | undefined {
  return typeof o === 'object' && o !== null ? ((o as { said?: Sentence }).said ?? undefined) : undefined;
}
