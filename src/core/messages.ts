// The English words of the API, pages and policy in the shapes callers have always read them. The sentences
// live in the catalog (core/i18n/catalogs/en.ts, keyed by id); this file only wraps an English Translator
// (`messages.errors.CODE` is `error.CODE`, `policyMessages.reused(n)` is `policy.reused`). Code that knows
// the reader's language formats through a Translator of that language instead.
import { MESSAGE_IDS, translator, type MessageId, type Translator } from './i18n/translator.js';
import { sentence, type Sentence } from './i18n/sentence.js';

const en = translator('en');
/**
 * English, for the specific sentences made where no reader's language is known: flows, methods, and the HTTP
 * layer (a request carries no language yet). They go into PassdeskError messages like `messages.errors`.
 */
export const english: Translator = en;

/** The codes of the one-level ids under a prefix: `error.PASSWORD_TOO_SHORT` → `PASSWORD_TOO_SHORT`. */
type CodesOf<P extends string> = MessageId extends infer K ? (K extends `${P}${infer C}` ? (C extends `${string}.${string}` ? never : C) : never) : never;
export type ErrorMessageCode = CodesOf<'error.'>;
export type NoticeMessageCode = CodesOf<'notice.'>;

function section<C extends string>(t: Translator, prefix: string, o: { nested: boolean }): Record<C, string> {
  const out: Record<string, string> = {};
  for (const id of MESSAGE_IDS) {
    if (!id.startsWith(prefix)) continue;
    const code = id.slice(prefix.length);
    // Formatted when read, so an operator's wording (PASSDESK_MESSAGES_DIR, registered at start) is what is read.
    if (o.nested || !code.includes('.')) Object.defineProperty(out, code, { get: () => t.format(id), enumerable: true });
  }
  return out as Record<C, string>;
}

export const messages = {
  errors: section<ErrorMessageCode>(en, 'error.', { nested: false }),
  notices: section<NoticeMessageCode>(en, 'notice.', { nested: false }),
} as const;

/**
 * "This wasn't me" and the activity list: what happened, per notice (the email it came in) and per audit
 * event type. Events without a label are not shown in the activity list.
 */
export const activityMessages = {
  notices: section<string>(en, 'activity.notice.', { nested: true }) as Record<string, string>,
  events: section<string>(en, 'activity.event.', { nested: true }) as Record<string, string>,
  unknownDevice: en.t('activity.unknownDevice'),
  /** What a notice without its own label is called. */
  unknownNotice: en.t('activity.unknownNotice'),
  /** "Password changed on 2026-11-23 09:00 UTC from Firefox on Linux (IP 203.0.113.10)". */
  sentence: (what: string, when: string, device: string | null, ip: string | null): string => {
    const d = device ?? en.t('activity.unknownDevice');
    return ip ? en.t('activity.sentenceWithIp', { what, when, device: d, ip }) : en.t('activity.sentence', { what, when, device: d });
  },
} as const;

/**
 * What an audit event or a notice is called in the activity list and on the "This wasn't me" page, in the reader's
 * language: `activity.event.<type>` / `activity.notice.<code>`; null for an event the list does not show.
 */
export function activityLabel(t: Translator, kind: 'event' | 'notice', type: string): string | null {
  const id = `activity.${kind}.${type}`;
  if ((MESSAGE_IDS as readonly string[]).includes(id)) return t.format(id as MessageId);
  return kind === 'notice' ? t.t('activity.unknownNotice') : null;
}

/** The "at least / at most" messages carry the configured numbers and what the person typed. */
export function passwordLengthMessage(kind: 'short' | 'long', limit: number, actual: number): string {
  return kind === 'short' ? en.t('error.passwordLength.short', { limit, actual }) : en.t('error.passwordLength.long', { limit, actual });
}

/** What the password policy engine says, with the numbers of the policy in force. */
export const policyMessages = {
  tooShort: (min: number, actual: number): string => passwordLengthMessage('short', min, actual),
  tooLong: (max: number): string => en.t('policy.tooLong', { max }),
  common: messages.errors.PASSWORD_COMMON,
  /** Our advice for what the estimator found (core/strength-advice.ts) when it found something, else a general line. */
  tooWeak: (warning: string | null, suggestions: readonly string[]): string =>
    [warning ?? en.t('policy.tooWeak.warning'), ...(suggestions.length > 0 ? suggestions : [en.t('policy.tooWeak.suggestion')])].join(' '),
  personalInfo: messages.errors.PASSWORD_PERSONAL_INFO,
  bannedTerm: messages.errors.PASSWORD_BANNED_TERM,
  breached: messages.errors.PASSWORD_BREACHED,
  breachCheckUnavailable: messages.errors.PASSWORD_BREACH_CHECK_UNAVAILABLE,
  composition: (required: number, actual: number): string => en.t('policy.composition', { required, actual }),
  unchanged: messages.errors.PASSWORD_UNCHANGED,
  reused: (count: number): string => en.t('policy.reused', { count }),
  changedTooRecently: (allowedAt: number): string => en.t('policy.changedTooRecently', { when: en.dateTime(allowedAt) }),
  /** Why a sign-in sent the person to choose a new password (stored in must_change_reason). */
  mustChangeReasons: {
    policy: en.t('policy.mustChange.policy'),
    breached: en.t('policy.mustChange.breached'),
    expired: en.t('policy.mustChange.expired'),
    admin: en.t('policy.mustChange.admin'),
    reported: en.t('policy.mustChange.reported'),
    temporary: en.t('policy.mustChange.temporary'),
    'directory-expired': en.t('policy.mustChange.directory-expired'),
    'directory-reset': en.t('policy.mustChange.directory-reset'),
  },
} as const;

/** The policy's refusals as sentences by reference (core/i18n/sentence.ts), for readers of any language. */
export const policySentences = {
  tooShort: (min: number, actual: number): Sentence => sentence('error.passwordLength.short', { limit: min, actual }),
  tooLong: (max: number): Sentence => sentence('policy.tooLong', { max }),
  common: sentence('error.PASSWORD_COMMON'),
  personalInfo: sentence('error.PASSWORD_PERSONAL_INFO'),
  bannedTerm: sentence('error.PASSWORD_BANNED_TERM'),
  breached: sentence('error.PASSWORD_BREACHED'),
  breachCheckUnavailable: sentence('error.PASSWORD_BREACH_CHECK_UNAVAILABLE'),
  composition: (required: number, actual: number): Sentence => sentence('policy.composition', { required, actual }),
  unchanged: sentence('error.PASSWORD_UNCHANGED'),
  reused: (count: number): Sentence => sentence('policy.reused', { count }),
  changedTooRecently: (allowedAt: number): Sentence => ({ id: 'policy.changedTooRecently', dates: { when: allowedAt } }),
} as const;

/** The sentence for a stored must-change reason; a reason stored as free text (older data, help desk) is shown as it is. */
export function mustChangeMessage(reason: string | null): string {
  if (reason === null) return messages.notices.MUST_CHANGE_PASSWORD;
  const known = policyMessages.mustChangeReasons as Record<string, string>;
  return known[reason] ?? reason;
}

/** "1 second", "40 seconds", "3 minutes", "2 hours" (rounded up: never earlier than the real time). */
export function formatWait(ms: number): string {
  return formatWaitIn(en, ms);
}

/** formatWait in the reader's language. */
export function formatWaitIn(t: Translator, ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const [count, unit] = seconds < 120 ? [seconds, 'second'] : seconds < 7200 ? [Math.ceil(seconds / 60), 'minute'] : [Math.ceil(seconds / 3600), 'hour'];
  return t.t('format.wait', { unit, count });
}

/** formatWait as a sentence by reference. */
export function waitSentence(ms: number): Sentence {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const [count, unit] = seconds < 120 ? [seconds, 'second'] : seconds < 7200 ? [Math.ceil(seconds / 60), 'minute'] : [Math.ceil(seconds / 3600), 'hour'];
  return sentence('format.wait', { unit, count });
}

/** signInThrottledMessage as a sentence by reference. */
export function signInThrottledSentence(o: { waitMs: number; locked: boolean }): Sentence {
  return { id: o.locked ? 'error.signInThrottled.locked' : 'error.signInThrottled.wait', nested: { wait: waitSentence(o.waitMs) } };
}

/**
 * The per-account sign-in throttle (flows/account-limit.ts), said plainly: when to try again, and that a
 * reset unlocks it. The same words for every typed address, known or not.
 */
export function signInThrottledMessage(o: { waitMs: number; locked: boolean }, t: Translator = en): string {
  const wait = formatWaitIn(t, o.waitMs);
  return o.locked ? t.t('error.signInThrottled.locked', { wait }) : t.t('error.signInThrottled.wait', { wait });
}
