// One error type with stable codes (DESIGN.md convention 2). The code is the contract;
// the message is what a person reads, and it lives in core/messages.ts.
import { messages } from './messages.js';

export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
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
  PASSWORD_CONFIRMATION_MISMATCH: 400,
  VERIFICATION_CODE_INVALID: 400,
  RECOVERY_EMAIL_SAME_AS_PRIMARY: 400,
  SECOND_FACTOR_CODE_INVALID: 400,
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
  REAUTHENTICATION_METHOD_NOT_ACCEPTED: 400,
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
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SIGN_IN_THROTTLED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class PassdeskError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable facts safe to show the client (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? messages.errors[code]);
    this.name = 'PassdeskError';
    this.code = code;
    this.status = ErrorCodes[code];
    this.details = details;
  }
}

export function isPassdeskError(err: unknown): err is PassdeskError {
  return err instanceof PassdeskError;
}
