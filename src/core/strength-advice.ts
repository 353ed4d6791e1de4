// Plain-language advice about a password's strength, written by us: the estimator (zxcvbn-ts) names what it found
// by key ("userInputs", "l33t"), and each key has our own sentence in the catalog. The estimator's own English is
// never shown; a key we do not know (a newer estimator) is left out rather than shown raw.
import type { Sentence } from './i18n/sentence.js';
import type { MessageId, Translator } from './i18n/translator.js';

/** zxcvbn-ts's warning keys (translationKeys.warnings) and the sentence each one gets. */
export const STRENGTH_WARNING_IDS = {
  straightRow: 'policy.strength.warning.straightRow',
  keyPattern: 'policy.strength.warning.keyPattern',
  simpleRepeat: 'policy.strength.warning.simpleRepeat',
  extendedRepeat: 'policy.strength.warning.extendedRepeat',
  sequences: 'policy.strength.warning.sequences',
  recentYears: 'policy.strength.warning.recentYears',
  dates: 'policy.strength.warning.dates',
  topTen: 'policy.strength.warning.topTen',
  topHundred: 'policy.strength.warning.topHundred',
  common: 'policy.strength.warning.common',
  similarToCommon: 'policy.strength.warning.similarToCommon',
  wordByItself: 'policy.strength.warning.wordByItself',
  namesByThemselves: 'policy.strength.warning.namesByThemselves',
  commonNames: 'policy.strength.warning.commonNames',
  userInputs: 'policy.strength.warning.userInputs',
  pwned: 'policy.strength.warning.pwned',
} as const satisfies Record<string, MessageId>;

/** zxcvbn-ts's suggestion keys (translationKeys.suggestions) and the sentence each one gets. */
export const STRENGTH_SUGGESTION_IDS = {
  l33t: 'policy.strength.suggestion.l33t',
  reverseWords: 'policy.strength.suggestion.reverseWords',
  allUppercase: 'policy.strength.suggestion.allUppercase',
  capitalization: 'policy.strength.suggestion.capitalization',
  dates: 'policy.strength.suggestion.dates',
  recentYears: 'policy.strength.suggestion.recentYears',
  associatedYears: 'policy.strength.suggestion.associatedYears',
  sequences: 'policy.strength.suggestion.sequences',
  repeated: 'policy.strength.suggestion.repeated',
  longerKeyboardPattern: 'policy.strength.suggestion.longerKeyboardPattern',
  anotherWord: 'policy.strength.suggestion.anotherWord',
  useWords: 'policy.strength.suggestion.useWords',
  noNeed: 'policy.strength.suggestion.noNeed',
  pwned: 'policy.strength.suggestion.pwned',
} as const satisfies Record<string, MessageId>;

export type StrengthWarningKey = keyof typeof STRENGTH_WARNING_IDS;
export type StrengthSuggestionKey = keyof typeof STRENGTH_SUGGESTION_IDS;

export interface StrengthAdvice {
  /** Our sentence for the estimator's warning, or null. */
  warning: string | null;
  /** Our sentences for its suggestions, each once, in the estimator's order. */
  suggestions: string[];
}

/** Our advice for what the estimator found, in the reader's language. */
export function strengthAdvice(t: Translator, found: { warning: string | null; suggestions: readonly string[] }): StrengthAdvice {
  const warningId =
    found.warning !== null && Object.hasOwn(STRENGTH_WARNING_IDS, found.warning) ? STRENGTH_WARNING_IDS[found.warning as StrengthWarningKey] : null;
  const suggestions = new Set<string>();
  for (const key of found.suggestions) {
    if (Object.hasOwn(STRENGTH_SUGGESTION_IDS, key)) suggestions.add(t.format(STRENGTH_SUGGESTION_IDS[key as StrengthSuggestionKey]));
  }
  return { warning: warningId ? t.format(warningId) : null, suggestions: [...suggestions] };
}

/**
 * The same advice as a sentence to format later in the reader's language (a refusal's message): our warning, or the
 * general one, followed by each suggestion, or the general one.
 */
export function strengthAdviceSentence(found: { warning: string | null; suggestions: readonly string[] }): Sentence {
  const warningId =
    found.warning !== null && Object.hasOwn(STRENGTH_WARNING_IDS, found.warning)
      ? STRENGTH_WARNING_IDS[found.warning as StrengthWarningKey]
      : ('policy.tooWeak.warning' as const);
  const suggestionIds = [...new Set(found.suggestions.filter((k) => Object.hasOwn(STRENGTH_SUGGESTION_IDS, k)))].map(
    (k) => STRENGTH_SUGGESTION_IDS[k as StrengthSuggestionKey] as MessageId,
  );
  const chain = (suggestionIds.length > 0 ? suggestionIds : (['policy.tooWeak.suggestion'] as MessageId[])).reduceRight<Sentence | undefined>(
    (next, id) => ({ id, followedBy: next }),
    undefined,
  );
  return { id: warningId, followedBy: chain };
}
