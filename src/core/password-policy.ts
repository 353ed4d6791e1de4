// The password policy engine: every place a password is chosen (sign-up, change, reset, help-desk
// temporary passwords, import) and every successful sign-in asks `evaluatePassword`. The rules are pure;
// what needs I/O (strength estimation, breached sets, old hashes) arrives as lookups in the context.
// Never log or store a candidate.
import { normalizePassword, passwordLength } from './password-rules.js';
import { english, policyMessages, policySentences } from './messages.js';
import { inEnglish, withSentence, type Sentence } from './i18n/sentence.js';
import { strengthAdvice, strengthAdviceSentence } from './strength-advice.js';
import { translator, type Translator } from './i18n/translator.js';

/** The rules in force. Defaults follow NIST SP 800-63B-4 §3.1.1.2; the organisation options are off. */
export interface PasswordPolicy {
  /** Accounts that sign in with a password alone (NIST SP 800-63B-4 §3.1.1.2: 15). */
  minLength: number;
  /** Accounts with a second factor enrolled (NIST SP 800-63B-4 §3.1.1.2: 8). */
  minLengthWithSecondFactor: number;
  /** NIST: at least 64 allowed; counted in code points after NFC, never truncated. */
  maxLength: number;
  /** Lowest acceptable zxcvbn score, 0–4. */
  minStrengthScore: number;
  /** The organisation's own banned words, matched with the same variants as names. */
  bannedTerms: readonly string[];
  /** Organisation option: at least this many of the character classes (0 = no composition rule). */
  minCharacterClasses: number;
  /** Organisation option: refuse the last N passwords (0 = off). */
  historyCount: number;
  /** Organisation option: a password cannot be changed again sooner than this (0 = off). */
  minAgeMs: number;
  /** Organisation option: passwords expire after this (0 = never, as NIST advises). */
  maxAgeMs: number;
  /** With expiry: remind this many days before. */
  expiryReminderDays: number;
}

export const defaultPasswordPolicy: PasswordPolicy = {
  minLength: 15,
  minLengthWithSecondFactor: 8,
  maxLength: 256,
  minStrengthScore: 3,
  bannedTerms: [],
  minCharacterClasses: 0,
  historyCount: 0,
  minAgeMs: 0,
  maxAgeMs: 0,
  expiryReminderDays: 14,
};

export type ViolationCode =
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_COMMON'
  | 'PASSWORD_TOO_WEAK'
  | 'PASSWORD_PERSONAL_INFO'
  | 'PASSWORD_BANNED_TERM'
  | 'PASSWORD_BREACHED'
  | 'PASSWORD_BREACH_CHECK_UNAVAILABLE'
  | 'PASSWORD_COMPOSITION'
  | 'PASSWORD_UNCHANGED'
  | 'PASSWORD_REUSED'
  | 'PASSWORD_CHANGED_TOO_RECENTLY';

export interface Violation {
  code: ViolationCode;
  message: string;
  /** Machine-readable facts for the checklist; never the candidate or a piece of it. */
  detail: Record<string, unknown>;
}

export interface Strength {
  score: number;
  label: string;
  /** Our advice for the estimator's findings (core/strength-advice.ts), in the reader's words. */
  warning: string | null;
  suggestions: string[];
}

export interface PolicyEvaluation {
  ok: boolean;
  violations: Violation[];
  strength: Strength | null;
}

export interface StrengthResult {
  score: number;
  /** The estimator's warning and suggestion keys (zxcvbn-ts translationKeys), worded by core/strength-advice.ts. */
  warning: string | null;
  suggestions: string[];
  /** Share (0…1) of the characters that are (variants of) common passwords. */
  commonShare: number;
}

export type BreachedResult = { status: 'breached'; count: number | null } | { status: 'clear' } | { status: 'unavailable'; reason: string };

/**
 * Why the password is being evaluated:
 * - `choose`: a new password (sign-up, reset, help desk, import): every rule about the candidate;
 * - `change`: as `choose`, plus the rules that compare with the account's own passwords and its change time;
 * - `sign-in`: the current password, known for a moment at sign-in, against today's policy — only the
 *   rules about the password itself, so a stricter policy reaches existing users (see flows/sign-in.ts).
 */
export type EvaluationPurpose = 'choose' | 'change' | 'sign-in';

export interface PolicyContext {
  policy: PasswordPolicy;
  purpose: EvaluationPurpose;
  now: number;
  email?: string | null;
  displayName?: string | null;
  /** The organisation's and service's names: people like to put them in passwords. */
  serviceNames?: readonly string[];
  hasSecondFactor?: boolean;
  passwordChangedAt?: number | null;
  /** The reader's language for the strength label and advice (the violations carry sentences); default English. */
  translator?: Translator | undefined;
  lookups?: {
    strength?(candidate: string, userInputs: readonly string[]): Promise<StrengthResult>;
    breached?(candidate: string): Promise<BreachedResult>;
    /** True when the candidate is the account's current password. */
    isCurrentPassword?(candidate: string): Promise<boolean>;
    /** True when the candidate matches one of the account's last `count` passwords. */
    isRecentPassword?(candidate: string, count: number): Promise<boolean>;
  };
}

/** A share of common-password characters this high means the password is one, give or take decoration. */
const COMMON_SHARE = 0.75;

/** The minimum length that applies to this account. */
export function requiredMinLength(policy: PasswordPolicy, hasSecondFactor: boolean): number {
  return hasSecondFactor ? Math.min(policy.minLength, policy.minLengthWithSecondFactor) : policy.minLength;
}

export async function evaluatePassword(candidate: string, ctx: PolicyContext): Promise<PolicyEvaluation> {
  const { policy } = ctx;
  const violations: Violation[] = [];
  // The English text is the sentence's, or for a weak password the estimator's own advice (English only).
  const add = (code: ViolationCode, said: Sentence, detail: Record<string, unknown> = {}, english = inEnglish(said)): void => {
    violations.push(withSentence({ code, message: english, detail }, said));
  };

  // Length first and before anything costly: a megabyte of input gets its answer in microseconds.
  const length = boundedLength(candidate, policy.maxLength);
  if (length > policy.maxLength) {
    add('PASSWORD_TOO_LONG', policySentences.tooLong(policy.maxLength), { maxLength: policy.maxLength });
    return { ok: false, violations, strength: null };
  }
  const minLength = requiredMinLength(policy, ctx.hasSecondFactor ?? false);
  if (length < minLength) add('PASSWORD_TOO_SHORT', policySentences.tooShort(minLength, length), { minLength, length });

  const personalTerms = contextTerms(ctx);
  let strength: Strength | null = null;
  if (ctx.lookups?.strength && length > 0) {
    const result = await ctx.lookups.strength(candidate, personalTerms);
    const advice = strengthAdvice(ctx.translator ?? english, result);
    const label = strengthLabel(result.score, ctx.translator);
    // The English message of a refusal stays English (logs); its sentence is said in the reader's language.
    const englishAdvice = ctx.translator ? strengthAdvice(english, result) : advice;
    strength = { score: result.score, label, warning: advice.warning, suggestions: advice.suggestions };
    if (result.commonShare >= COMMON_SHARE) {
      add('PASSWORD_COMMON', policySentences.common, {});
    } else if (result.score < policy.minStrengthScore) {
      const detail = {
        score: result.score,
        minScore: policy.minStrengthScore,
        // The estimator's keys, for a front end that words its own advice (core/strength-advice.ts lists them).
        warning: result.warning,
        suggestions: result.suggestions,
      };
      add('PASSWORD_TOO_WEAK', strengthAdviceSentence(result), detail, policyMessages.tooWeak(englishAdvice.warning, englishAdvice.suggestions));
    }
  }

  const banned = policy.bannedTerms.map(matchingForm).filter((t) => [...t].length >= MIN_TERM_LENGTH);
  const termGroups = matchTermGroups(candidate, { personal: personalTerms, banned });
  if (termGroups.has('personal')) add('PASSWORD_PERSONAL_INFO', policySentences.personalInfo, {});
  if (termGroups.has('banned')) add('PASSWORD_BANNED_TERM', policySentences.bannedTerm, {});

  if (ctx.lookups?.breached && length > 0) {
    const breached = await ctx.lookups.breached(candidate);
    if (breached.status === 'breached') add('PASSWORD_BREACHED', policySentences.breached, {});
    // At sign-in an unreachable breach service is no reason to demand a new password.
    else if (breached.status === 'unavailable' && ctx.purpose !== 'sign-in')
      add('PASSWORD_BREACH_CHECK_UNAVAILABLE', policySentences.breachCheckUnavailable, {});
  }

  if (policy.minCharacterClasses > 0) {
    const classes = characterClasses(candidate);
    if (classes.length < policy.minCharacterClasses) {
      add('PASSWORD_COMPOSITION', policySentences.composition(policy.minCharacterClasses, classes.length), {
        minClasses: policy.minCharacterClasses,
        classes,
      });
    }
  }

  if (ctx.purpose === 'change') {
    if (policy.minAgeMs > 0 && ctx.passwordChangedAt != null && ctx.now - ctx.passwordChangedAt < policy.minAgeMs) {
      const allowedAt = ctx.passwordChangedAt + policy.minAgeMs;
      add('PASSWORD_CHANGED_TOO_RECENTLY', policySentences.changedTooRecently(allowedAt), { allowedAt: new Date(allowedAt).toISOString() });
    }
    // Comparing with old hashes costs one argon2 verification each: only for a candidate that passes the rest.
    if (violations.length === 0 && ctx.lookups?.isCurrentPassword && (await ctx.lookups.isCurrentPassword(candidate))) {
      add('PASSWORD_UNCHANGED', policySentences.unchanged, {});
    }
    if (
      violations.length === 0 &&
      policy.historyCount > 0 &&
      ctx.lookups?.isRecentPassword &&
      (await ctx.lookups.isRecentPassword(candidate, policy.historyCount))
    ) {
      add('PASSWORD_REUSED', policySentences.reused(policy.historyCount), { historyCount: policy.historyCount });
    }
  }

  return { ok: violations.length === 0, violations, strength };
}

/** Code points of the NFC form, counting no further than just past `max`. */
function boundedLength(candidate: string, max: number): number {
  // More UTF-16 units than 2 × max means more than max code points whatever they are: no need to normalise.
  if (candidate.length > 2 * max + 2) return max + 1;
  return passwordLength(candidate);
}

const STRENGTH_LABEL_IDS = [
  'policy.strength.veryWeak',
  'policy.strength.weak',
  'policy.strength.fair',
  'policy.strength.strong',
  'policy.strength.veryStrong',
] as const;

/** The estimator's score (0…4) in words, in the reader's language (default English). */
export function strengthLabel(score: number, t: Translator = english): string {
  return t.t(STRENGTH_LABEL_IDS[Math.max(0, Math.min(4, Math.round(score)))]!);
}

// ─── Character classes (the organisation's composition option) ──────────────────────────────────────

export type CharacterClass = 'lowercase' | 'uppercase' | 'digit' | 'symbol' | 'other-letter';

/**
 * The classes Active Directory's complexity rule counts: lower- and uppercase letters, digits, symbols
 * (spaces and punctuation included), and letters without case (CJK, Arabic …).
 */
export function characterClasses(candidate: string): CharacterClass[] {
  const found = new Set<CharacterClass>();
  for (const ch of normalizePassword(candidate)) {
    if (/\p{Ll}/u.test(ch)) found.add('lowercase');
    else if (/\p{Lu}|\p{Lt}/u.test(ch)) found.add('uppercase');
    else if (/\p{Nd}/u.test(ch)) found.add('digit');
    else if (/\p{L}/u.test(ch)) found.add('other-letter');
    else found.add('symbol');
  }
  const order: CharacterClass[] = ['lowercase', 'uppercase', 'digit', 'symbol', 'other-letter'];
  return order.filter((c) => found.has(c));
}

// ─── Names, email and banned terms (Entra-style normalisation and fuzzy matching) ───────────────────────

/** Shorter terms would match by accident in too many good passwords ("al", "li", "io"). */
export const MIN_TERM_LENGTH = 3;
/** Terms this long also match with one character wrong, missing or extra. */
const FUZZY_TERM_LENGTH = 5;
/**
 * A password is "mostly terms" when, with every matched term taken out, fewer letters than this remain
 * ("JohnSmith2024!" → none left; "John hikes the misty ridge" → plenty). Digits and symbols appended to a
 * name are exactly the variants people think are clever.
 */
export const MIN_OTHER_LETTERS = 6;

/** Mailbox providers are not personal: "gmail" in a password says nothing about its owner. */
const SHARED_EMAIL_DOMAINS = new Set([
  'gmail',
  'googlemail',
  'outlook',
  'hotmail',
  'live',
  'yahoo',
  'icloud',
  'aol',
  'proton',
  'protonmail',
  'gmx',
  'mail',
  'email',
  'example',
]);

/** Lower case and compatibility-normalised, the form names, terms and candidates are compared in. */
function matchingForm(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim();
}

/** The words of the email address, display name and service names, as terms to keep out of passwords. */
export function contextTerms(ctx: Pick<PolicyContext, 'email' | 'displayName' | 'serviceNames'>): string[] {
  const terms = new Set<string>();
  const addWords = (text: string, options: { whole: boolean }): void => {
    const form = matchingForm(text);
    const words = form.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    for (const w of words) terms.add(w);
    if (options.whole && words.length > 1) terms.add(words.join(''));
  };
  if (ctx.email) {
    const at = ctx.email.lastIndexOf('@');
    const local = at === -1 ? ctx.email : ctx.email.slice(0, at);
    addWords(local, { whole: true });
    if (at !== -1) {
      const labels = matchingForm(ctx.email.slice(at + 1)).split('.');
      // Everything but the top-level domain: "mail.acme-corp.co.uk" → "mail", "acme", "corp", "acmecorp".
      for (const label of labels.slice(0, -1)) if (!SHARED_EMAIL_DOMAINS.has(label) && label.length > 2) addWords(label, { whole: true });
    }
  }
  if (ctx.displayName) addWords(ctx.displayName, { whole: true });
  for (const name of ctx.serviceNames ?? []) addWords(name, { whole: true });
  return [...terms].filter((t) => [...t].length >= MIN_TERM_LENGTH && !SHARED_EMAIL_DOMAINS.has(t));
}

/** Leetspeak read back as letters (Entra's normalisation); `1` reads as both `l` and `i`. */
const LEET: Record<string, string> = { '@': 'a', '4': 'a', '0': 'o', '3': 'e', $: 's', '5': 's', '7': 't', '!': 'i', '|': 'l', '+': 't' };

function leetVariants(form: string[]): string[][] {
  const base = form.map((ch) => LEET[ch] ?? ch);
  return [base.map((ch) => (ch === '1' ? 'l' : ch)), base.map((ch) => (ch === '1' ? 'i' : ch))];
}

/**
 * Which groups of terms the candidate is little more than, in some variant: case, leetspeak, one typo in
 * a longer term, digits or symbols around them. All groups count together ("JohnContoso2024!" is a name
 * and a banned word and a year), and each group that contributed a match is named.
 */
export function matchTermGroups<G extends string>(candidate: string, groups: Record<G, readonly string[]>): Set<G> {
  // One code point per array slot, so positions line up across the leetspeak variants.
  const form = Array.from(matchingForm(candidate));
  const isLetter = form.map((ch) => /\p{L}/u.test(ch));
  const names = Object.keys(groups) as G[];
  for (const variant of leetVariants(form)) {
    const covered = new Array<boolean>(variant.length).fill(false);
    const matched = new Set<G>();
    for (const group of names) {
      for (const term of groups[group]) {
        const termChars = Array.from(term);
        if (termChars.length < MIN_TERM_LENGTH) continue;
        const maxEdits = termChars.length >= FUZZY_TERM_LENGTH ? 1 : 0;
        for (const [start, end] of findApproximate(variant, termChars, maxEdits)) {
          matched.add(group);
          for (let i = start; i < end; i++) covered[i] = true;
        }
      }
    }
    if (matched.size === 0) continue;
    // Letters the person typed that are not part of a term. Leetspeak digits inside a term count as
    // covered; plain digits and symbols never count as letters.
    let otherLetters = 0;
    for (let i = 0; i < variant.length; i++) if (!covered[i] && isLetter[i]) otherLetters++;
    if (otherLetters < MIN_OTHER_LETTERS) return matched;
  }
  return new Set();
}

export function isMostlyTerms(candidate: string, terms: readonly string[]): boolean {
  return matchTermGroups(candidate, { terms }).size > 0;
}

/**
 * Spans [start, end) of `text` within `maxEdits` edits of `pattern` (Sellers' approximate substring
 * search: edit-distance columns where a match may start anywhere), longest span per end position.
 */
export function findApproximate(text: readonly string[], pattern: readonly string[], maxEdits: number): Array<[number, number]> {
  const m = pattern.length;
  let cost = Array.from({ length: m + 1 }, (_, i) => i);
  let start = new Array<number>(m + 1).fill(0);
  const spans: Array<[number, number]> = [];
  if (m === 0) return spans;
  for (let j = 1; j <= text.length; j++) {
    const nextCost = new Array<number>(m + 1);
    const nextStart = new Array<number>(m + 1);
    nextCost[0] = 0;
    nextStart[0] = j;
    for (let i = 1; i <= m; i++) {
      const substitute = cost[i - 1]! + (text[j - 1] === pattern[i - 1] ? 0 : 1);
      const skipText = cost[i]! + 1;
      const skipPattern = nextCost[i - 1]! + 1;
      if (substitute <= skipText && substitute <= skipPattern) {
        nextCost[i] = substitute;
        nextStart[i] = start[i - 1]!;
      } else if (skipText <= skipPattern) {
        nextCost[i] = skipText;
        nextStart[i] = start[i]!;
      } else {
        nextCost[i] = skipPattern;
        nextStart[i] = nextStart[i - 1]!;
      }
    }
    cost = nextCost;
    start = nextStart;
    if (cost[m]! <= maxEdits) spans.push([start[m]!, j]);
  }
  return spans;
}

// ─── The policy in words ─────────────────────────────────────────────────────────────────────────────

/** The rules in force as plain sentences, for the policy API, the pages and the help desk. */
export function describePolicy(policy: PasswordPolicy, options: { breachedCheck: boolean; translator?: Translator | undefined }): string[] {
  const t = options.translator ?? translator('en');
  const s: string[] = [];
  s.push(
    policy.minLengthWithSecondFactor < policy.minLength
      ? t.t('policy.rule.minLengthWithSecondFactor', { min: policy.minLength, withSecondFactor: policy.minLengthWithSecondFactor })
      : t.t('policy.rule.minLength', { min: policy.minLength }),
  );
  s.push(t.t('policy.rule.maxLength', { max: policy.maxLength }));
  s.push(t.t('policy.rule.common'));
  s.push(t.t('policy.rule.personal'));
  if (policy.bannedTerms.length > 0) s.push(t.t('policy.rule.banned'));
  if (options.breachedCheck) s.push(t.t('policy.rule.breached'));
  if (policy.minCharacterClasses > 0) s.push(t.t('policy.rule.composition', { classes: policy.minCharacterClasses }));
  if (policy.historyCount > 0) s.push(t.t('policy.rule.history', { count: policy.historyCount }));
  if (policy.minAgeMs > 0) s.push(t.t('policy.rule.minAge', { wait: humanDuration(t, policy.minAgeMs) }));
  if (policy.maxAgeMs > 0) s.push(t.t('policy.rule.maxAge', { age: humanDuration(t, policy.maxAgeMs), days: policy.expiryReminderDays }));
  return s;
}

/**
 * The `passwordrules` attribute password managers read to generate a compliant password
 * (https://developer.apple.com/password-rules/), with the minimum length of this account (requiredMinLength). Composition "N of the classes" cannot be said in it,
 * so with that option on it requires four classes outright, which satisfies any N ≤ 4.
 */
export function passwordRulesAttribute(policy: PasswordPolicy, o: { hasSecondFactor?: boolean } = {}): string {
  const parts = [`minlength: ${requiredMinLength(policy, o.hasSecondFactor ?? false)}`, `maxlength: ${policy.maxLength}`];
  if (policy.minCharacterClasses > 0) parts.push('required: lower', 'required: upper', 'required: digit', 'required: special');
  else parts.push('allowed: lower, upper, digit, special');
  return parts.join('; ') + ';';
}

function humanDuration(t: Translator, ms: number): string {
  const days = ms / 86_400_000;
  if (days >= 1 && Number.isInteger(days)) return t.t('policy.duration', { unit: 'day', count: days });
  const hours = ms / 3_600_000;
  if (hours >= 1 && Number.isInteger(hours)) return t.t('policy.duration', { unit: 'hour', count: hours });
  return t.t('policy.duration', { unit: 'minute', count: Math.round(ms / 60_000) });
}

// ─── The checklist on the pages ─────────────────────────────────────────────────────────────────────

export interface ChecklistItem {
  key: string;
  text: string;
  /** The violations that mean this item is not met. */
  codes: ViolationCode[];
  /** Checked when the form is sent, not while typing (it needs the old hashes). */
  onSubmit?: boolean;
}

/**
 * The rules as a list a person can tick off while typing, in the order the engine checks them. The length item states
 * the minimum evaluatePassword applies to the same account (requiredMinLength with the same `hasSecondFactor`), so
 * the list and the refusal never name two different numbers.
 */
export function policyChecklist(
  policy: PasswordPolicy,
  options: { breachedCheck: boolean; forChange: boolean; hasSecondFactor?: boolean; translator?: Translator | undefined },
): ChecklistItem[] {
  const t = options.translator ?? translator('en');
  const min = requiredMinLength(policy, options.hasSecondFactor ?? false);
  const items: ChecklistItem[] = [
    {
      key: 'length',
      text: t.t('policy.checklist.length', { min, max: policy.maxLength, reason: min < policy.minLength ? 'twoStep' : 'other' }),
      codes: ['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG'],
    },
    { key: 'guessable', text: t.t('policy.checklist.guessable'), codes: ['PASSWORD_COMMON', 'PASSWORD_TOO_WEAK'] },
    { key: 'personal', text: t.t('policy.checklist.personal'), codes: ['PASSWORD_PERSONAL_INFO'] },
  ];
  if (policy.bannedTerms.length > 0) items.push({ key: 'banned', text: t.t('policy.checklist.banned'), codes: ['PASSWORD_BANNED_TERM'] });
  if (options.breachedCheck)
    items.push({ key: 'breached', text: t.t('policy.checklist.breached'), codes: ['PASSWORD_BREACHED', 'PASSWORD_BREACH_CHECK_UNAVAILABLE'] });
  if (policy.minCharacterClasses > 0) {
    items.push({ key: 'composition', text: t.t('policy.checklist.composition', { classes: policy.minCharacterClasses }), codes: ['PASSWORD_COMPOSITION'] });
  }
  if (options.forChange) {
    items.push({
      key: 'reuse',
      text: policy.historyCount > 0 ? t.t('policy.checklist.history', { count: policy.historyCount }) : t.t('policy.checklist.unchanged'),
      codes: ['PASSWORD_UNCHANGED', 'PASSWORD_REUSED'],
      onSubmit: true,
    });
  }
  return items;
}
