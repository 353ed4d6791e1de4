// One error type with stable codes (DESIGN.md convention 2). The code is the contract;
// the message is what a person reads, and it lives in the catalog (core/i18n/catalogs/en.ts, `error.<CODE>`).
import { messages } from './messages.js';
import { inEnglish, type Sentence } from './i18n/sentence.js';
import { MESSAGE_IDS, type MessageId } from './i18n/translator.js';

const KNOWN_IDS = new Set<string>(MESSAGE_IDS);

export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_CHARACTERS: 400,
  PASSWORD_TOO_SHORT: 400,
  PASSWORD_TOO_LONG: 400,
  PASSWORD_UNCHANGED: 400,
  PASSWORD_COMMON: 400,
  PASSWORD_TOO_WEAK: 400,
  PASSWORD_PERSONAL_INFO: 400,
  PASSWORD_BANNED_TERM: 400,
  PASSWORD_BREACHED: 400,
  PASSWORD_BREACH_CHECK_UNAVAILABLE: 503,
  PASSWORD_COMPOSITION: 400,
  PASSWORD_REUSED: 400,
  PASSWORD_CHANGED_TOO_RECENTLY: 400,
  DIRECTORY_REFUSED: 400,
  PASSWORD_CONFIRMATION_MISMATCH: 400,
  VERIFICATION_CODE_INVALID: 400,
  RECOVERY_EMAIL_SAME_AS_PRIMARY: 400,
  SECOND_FACTOR_CODE_INVALID: 400,
  SECOND_FACTOR_CODE_USED: 400,
  SECOND_FACTOR_FLOW_INVALID: 400,
  SECOND_FACTOR_PROOF_REQUIRED: 400,
  SECOND_FACTOR_NOT_PENDING: 409,
  SECOND_FACTOR_NOT_FOUND: 404,
  PASSKEY_CHALLENGE_INVALID: 400,
  PASSKEY_REGISTRATION_FAILED: 400,
  PASSKEY_ALREADY_REGISTERED: 409,
  PASSKEY_NOT_FOUND: 404,
  PASSKEY_INVALID: 400,
  PASSKEY_SIGN_IN_FAILED: 401,
  PASSKEY_NAME_INVALID: 400,
  TWO_FACTOR_NOT_ENABLED: 409,
  LAST_FACTOR_PASSWORD_TOO_SHORT: 409,
  REAUTHENTICATION_REQUIRED: 403,
  TWO_FACTOR_SETUP_REQUIRED: 403,
  TWO_FACTOR_REQUIRED_BY_ROLE: 409,
  REAUTHENTICATION_METHOD_NOT_ACCEPTED: 400,
  SIGN_UP_LINK_INVALID: 400,
  SIGN_UP_CODE_INVALID: 400,
  RESET_LINK_INVALID: 400,
  RESET_CODE_INVALID: 400,
  RESET_FLOW_INVALID: 400,
  RESET_FACTOR_REQUIRED: 403,
  RESET_SECOND_METHOD_REQUIRED: 403,
  RESET_ANSWERS_INCORRECT: 400,
  SECURITY_QUESTIONS_DISABLED: 404,
  NOT_ME_LINK_INVALID: 400,
  ACCOUNT_REPORTED: 403,
  SECURITY_ANSWERS_INVALID: 400,
  INVALID_CREDENTIALS: 401,
  CURRENT_PASSWORD_INCORRECT: 400,
  AUTHENTICATION_REQUIRED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  REGISTRATION_CLOSED: 403,
  NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  ACCOUNT_DISABLED: 409,
  DIRECTORY_ACCOUNT_CONFLICT: 409,
  LAST_ADMINISTRATOR: 409,
  ACCOUNT_EXPORT_REQUIRED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SIGN_IN_THROTTLED: 429,
  CHALLENGE_REQUIRED: 428,
  CHALLENGE_INVALID: 403,
  CHALLENGE_TOO_EARLY: 428,
  SERVICE_UNAVAILABLE: 503,
  DIRECTORY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  // Help desk: caller verification, temporary passwords (flows/help-desk/caller.ts, temporary-password.ts).
  CALLER_NOT_VERIFIED: 403,
  CALLER_VERIFICATION_TOO_WEAK: 403,
  CALLER_CODE_INVALID: 400,
  TEMPORARY_PASSWORD_SPENT: 401,
  // A change of sign-in address and the person's own data (flows/change-email.ts, flows/account-data.ts).
  EMAIL_CHANGE_SAME_ADDRESS: 400,
  EMAIL_CHANGE_LINK_INVALID: 400,
  EMAIL_CHANGE_UNAVAILABLE: 409,
  MANAGED_BY_DIRECTORY: 403,
  SELF_DELETION_DISABLED: 403,
  DELETION_LINK_INVALID: 400,
  // Two-person approval (flows/help-desk/approvals.ts).
  APPROVAL_NOT_PENDING: 409,
  APPROVAL_EXPIRED: 409,
  APPROVAL_ALREADY_PENDING: 409,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class PassdeskError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable facts safe to show the client (never secrets). */
  readonly details: Record<string, unknown> | undefined;
  /**
   * The sentence of `message` by reference, for readers of other languages (http/plugins/errors.ts and pages format
   * it in the request's language); `message` stays English, for logs. Absent: a text with no catalog sentence.
   */
  readonly said: Sentence | undefined;

  /**
   * `message`: a sentence of the catalog (preferred), or a text made elsewhere (a directory's own words, the strength
   * estimator's English advice), then with `englishSaid` the sentence other languages read instead.
   */
  constructor(code: ErrorCode, message?: string | Sentence, details?: Record<string, unknown>, englishSaid?: Sentence) {
    const said = typeof message === 'object' ? message : message === undefined ? defaultSentence(code) : englishSaid;
    super(typeof message === 'string' ? message : said ? inEnglish(said) : messages.errors[code]);
    this.name = 'PassdeskError';
    this.code = code;
    this.status = ErrorCodes[code];
    this.details = details;
    this.said = said;
  }
}

function defaultSentence(code: ErrorCode): Sentence | undefined {
  const id = `error.${code}`;
  return KNOWN_IDS.has(id) ? { id: id as MessageId } : undefined;
}

export function isPassdeskError(err: unknown): err is PassdeskError {
  return err instanceof PassdeskError;
}
