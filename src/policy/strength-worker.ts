// Runs on the strength estimator's thread (strength-estimator.ts): zxcvbn-ts with its common-password, diceware
// and English dictionaries, loaded once when the thread starts.
import { workerData } from 'node:worker_threads';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

export interface StrengthEstimate {
  /** zxcvbn's 0 (too guessable) … 4 (very unguessable). */
  score: 0 | 1 | 2 | 3 | 4;
  guessesLog10: number;
  /** The estimator's warning key, e.g. "common" (core/strength-advice.ts says it in our words), or null. */
  warning: string | null;
  /** Its suggestion keys, e.g. "anotherWord". */
  suggestions: string[];
  /** Share (0…1) of the characters that are (variants of) passwords on the common-passwords list. */
  commonShare: number;
}

export interface StrengthJob {
  password: string;
  userInputs: readonly string[];
}

export interface StrengthWorkerData {
  maxLength: number;
  l33tMaxSubstitutions: number;
}

const settings = workerData as StrengthWorkerData;

/** Each feedback text is its own key ("userInputs"), so what comes out is a key we word ourselves, never English. */
function keysAsTexts<T extends Record<string, Record<string, string>>>(translations: T): T {
  return Object.fromEntries(Object.entries(translations).map(([group, texts]) => [group, Object.fromEntries(Object.keys(texts).map((k) => [k, k]))])) as T;
}

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: keysAsTexts(en.translations),
  maxLength: settings.maxLength,
  l33tMaxSubstitutions: settings.l33tMaxSubstitutions,
});

export default function estimateStrength({ password, userInputs }: StrengthJob): StrengthEstimate {
  const r = zxcvbn.check(password, [...userInputs]);
  const covered = new Set<number>();
  for (const m of r.sequence) {
    if (m.pattern === 'dictionary' && m.dictionaryName === 'passwords-common') for (let i = m.i; i <= m.j; i++) covered.add(i);
  }
  const length = Math.min(password.length, settings.maxLength);
  return {
    score: r.score,
    guessesLog10: Math.round(r.guessesLog10 * 100) / 100,
    warning: r.feedback.warning || null,
    suggestions: r.feedback.suggestions,
    commonShare: length === 0 ? 0 : covered.size / length,
  };
}
