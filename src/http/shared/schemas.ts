// Zod schemas for the API: they validate requests and write the OpenAPI document.
import { z } from 'zod';
import { mustChangeMessage } from '../../core/messages.js';
import { inEnglish, localizedText, sentence, type Sentence } from '../../core/i18n/sentence.js';
import type { ArgsOf, MessageId, Translator } from '../../core/i18n/translator.js';

// Zod holds a field's message as a string (English: logs, and English readers); each is remembered with its sentence
// here, so that a refusal is said in the reader's language (plugins/errors.ts, pages that show a field's problem).
const fieldSentences = new Map<string, Sentence>();

/** A schema's field message by catalog id: the English text Zod keeps, its sentence remembered. */
export function fieldMessage<K extends MessageId>(id: K, ...values: ArgsOf<K>): string {
  const said = sentence(id, ...values);
  const text = inEnglish(said);
  fieldSentences.set(text, said);
  return text;
}

/** A Zod issue's message in the reader's language (a message not made by fieldMessage stays as it is). */
export function fieldMessageIn(t: Translator, english: string): string {
  return localizedText(t, english, fieldSentences.get(english));
}
import { hasDisallowedCharacters } from '../../core/text-input.js';
import type { Account } from '../../store/index.js';
import type { DeviceView } from '../../flows/sessions.js';

/** Generous in UTF-16 units; the 256-code-point limit is checked before any hashing with its own error code. */
export const passwordInput = z.string().min(1, fieldMessage('error.field.required')).max(1024, fieldMessage('error.field.tooLong'));

/** The `params.code` of a free-text refusal; the error handler answers it as 400 INVALID_CHARACTERS. */
export const INVALID_CHARACTERS_ISSUE = 'INVALID_CHARACTERS';
/** The free-text fields, as error.INVALID_CHARACTERS.field names them. */
export type FreeTextField = 'displayName' | 'passkeyName' | 'authenticatorName' | 'phrase';

/**
 * Free text that reaches a page or an email (a display name, a factor or passkey name, the anti-phishing
 * phrase): NFC-normalised (so one name is stored one way), trimmed, length-limited in code points, and
 * refused with INVALID_CHARACTERS when it holds a control or format character (core/text-input.ts).
 * `field` names it in the message a person reads (error.INVALID_CHARACTERS.field).
 */
export function freeText(field: FreeTextField, o: { min?: number; max: number }) {
  const min = o.min ?? 0;
  return z
    .string()
    .normalize('NFC')
    .trim()
    .refine((s) => [...s].length >= min, min === 1 ? fieldMessage('error.field.required') : fieldMessage('error.field.atLeast', { min }))
    .refine((s) => [...s].length <= o.max, fieldMessage('error.field.atMost', { max: o.max }))
    .refine((s) => !hasDisallowedCharacters(s), {
      message: fieldMessage('error.INVALID_CHARACTERS.field', { field }),
      params: { code: INVALID_CHARACTERS_ISSUE },
    });
}

/** The person-readable message of a free-text refusal among Zod issues, if there is one. */
export function invalidCharactersMessage(issues: readonly z.core.$ZodIssue[], t: Translator): string | null {
  const hit = issues.find((i) => i.code === 'custom' && (i.params as { code?: unknown } | undefined)?.code === INVALID_CHARACTERS_ISSUE);
  return hit ? fieldMessageIn(t, hit.message) : null;
}

/** The token of an emailed link (a change of address, a deletion's cancel link): 256 bits are 43 base64url characters. */
export const linkTokenInput = z
  .string()
  .min(1, fieldMessage('error.field.required'))
  .max(128, fieldMessage('error.field.tooLong'))
  .regex(/^[A-Za-z0-9_-]+$/, fieldMessage('error.field.linkToken'));

export const emailInput = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .pipe(z.email({ message: fieldMessage('error.field.email') }));

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable UPPER_SNAKE error code.' }),
      message: z.string().meta({ description: 'Plain-language explanation for a person.' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const accountView = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(['user', 'helpdesk', 'admin']),
    status: z.enum(['active', 'disabled']),
    passwordChangedAt: z.string().nullable().meta({ description: 'ISO 8601 time of the last password change.' }),
    mustChangePassword: z.boolean(),
    mustChangeReason: z.string().nullable().meta({ description: 'Why a new password is needed: policy, breached, expired or admin.' }),
    mustChangeMessage: z.string().nullable().meta({ description: 'The same, in a sentence for the person.' }),
    emailConfirmed: z.boolean().meta({
      description:
        'Whether the address is confirmed. False only for an account an administrator created unconfirmed, until the person confirms it; no password reset goes to it until then.',
    }),
    createdAt: z.string(),
  })
  .meta({ id: 'Account' });

export const sessionView = z
  .object({
    id: z.string(),
    device: z.string().meta({ description: 'Readable device, e.g. "Firefox on Windows".' }),
    ip: z.string().nullable(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    current: z.boolean().meta({ description: 'True for the session making this request.' }),
  })
  .meta({ id: 'Session' });

const twoDigits = (n: number): string => (n < 10 ? `0${n}` : String(n));
const threeDigits = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

const DAY_MS = 86_400_000;
/** 0001-01-01 and 10000-01-01 in epoch milliseconds: outside, toISOString writes a sign and six digits. */
const FOUR_DIGIT_YEARS = [-62_135_596_800_000, 253_402_300_800_000] as const;

/**
 * Date.prototype.toISOString's text for an epoch-milliseconds time. V8 formats that through a printf-style
 * stream, about 1 µs a date, and a session check writes five; integer arithmetic and a template are several
 * times faster. The civil date from a day count is H. Hinnant's days_from_civil inverse ("chrono-Compatible
 * Low-Level Date Algorithms"). Anything else (not a whole number, outside years 1–9999) goes to toISOString.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < FOUR_DIGIT_YEARS[0] || ms >= FOUR_DIGIT_YEARS[1]) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const yearText = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${yearText}-${twoDigits(month)}-${twoDigits(day)}T${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}.${threeDigits(rest - seconds * 1000)}Z`;
}
const iso = isoTime;

export function toAccountView(a: Account): z.infer<typeof accountView> {
  return {
    id: a.id,
    email: a.email,
    displayName: a.displayName,
    role: a.role,
    status: a.status,
    passwordChangedAt: a.passwordChangedAt === null ? null : iso(a.passwordChangedAt),
    mustChangePassword: a.mustChangePassword,
    mustChangeReason: a.mustChangeReason,
    mustChangeMessage: a.mustChangePassword ? mustChangeMessage(a.mustChangeReason) : null,
    emailConfirmed: a.emailConfirmedAt !== null,
    createdAt: iso(a.createdAt),
  };
}

type SessionViewSource = Pick<DeviceView, 'id' | 'device' | 'ip' | 'createdAt' | 'lastSeenAt' | 'expiresAt'>;

export function toSessionView(d: SessionViewSource & Pick<DeviceView, 'current'>): z.infer<typeof sessionView> {
  return sessionViewOf(d, d.current);
}

/**
 * The session making this request. Not `toSessionView({ ...session, current: true })`: adding a property to a
 * spread copy takes V8's slow path (about 2 µs a call on the session check).
 */
export function currentSessionView(session: SessionViewSource): z.infer<typeof sessionView> {
  return sessionViewOf(session, true);
}

function sessionViewOf(d: SessionViewSource, current: boolean): z.infer<typeof sessionView> {
  return { id: d.id, device: d.device, ip: d.ip, createdAt: iso(d.createdAt), lastSeenAt: iso(d.lastSeenAt), expiresAt: iso(d.expiresAt), current };
}

export const errors = (...statuses: number[]): Record<number, typeof errorBody> => Object.fromEntries(statuses.map((s) => [s, errorBody]));
