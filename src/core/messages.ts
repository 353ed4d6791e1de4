// User-facing text has one home (DESIGN.md convention 9): the API, pages and later emails
// say the same thing, keyed by a stable code, so translation is possible later.
export const messages = {
  errors: {
    VALIDATION_FAILED: 'Some of the information sent is not valid.',
    INVALID_JSON: 'The request body is not valid JSON.',
    PASSWORD_TOO_SHORT: 'Use at least 15 characters.',
    PASSWORD_TOO_LONG: 'Use at most 256 characters.',
    PASSWORD_UNCHANGED: 'Your new password must be different from your current one.',
    PASSWORD_CONFIRMATION_MISMATCH: 'The two new passwords don’t match. Type the same password in both boxes.',
    VERIFICATION_CODE_INVALID: 'That code is wrong or has expired. Check the latest email, or ask for a new code.',
    RECOVERY_EMAIL_SAME_AS_PRIMARY: 'Choose an address other than the one you sign in with: a recovery address helps only if it is a different mailbox.',
    INVALID_CREDENTIALS: 'The email address or password is incorrect.',
    CURRENT_PASSWORD_INCORRECT: 'Your current password is incorrect.',
    AUTHENTICATION_REQUIRED: 'Please sign in to continue.',
    FORBIDDEN: 'You don’t have permission to do that.',
    CSRF_FAILED: 'This request came from another site or an expired page. Reload the page and try again.',
    REGISTRATION_CLOSED: 'New accounts can only be created by an administrator.',
    NOT_FOUND: 'That page or resource does not exist.',
    SESSION_NOT_FOUND: 'That device session was not found or has already ended.',
    METHOD_NOT_ALLOWED: 'That method is not allowed here.',
    EMAIL_TAKEN: 'An account with this email address already exists. Sign in instead, or reset your password.',
    BODY_TOO_LARGE: 'The request is too large.',
    UNSUPPORTED_MEDIA_TYPE: 'Send the request body as JSON.',
    TOO_MANY_REQUESTS: 'Too many attempts. Wait a little and try again.',
    SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again shortly.',
    INTERNAL_ERROR: 'Something went wrong on our side. Try again, and contact support if it keeps happening.',
  },
  notices: {
    PASSWORD_CHANGED: 'Your password was changed.',
    PASSWORD_CHANGED_OTHERS_SIGNED_OUT: 'Your password was changed and your other devices were signed out.',
    SESSION_REVOKED: 'That device was signed out.',
    OTHER_SESSIONS_REVOKED: 'All your other devices were signed out.',
    SIGNED_OUT: 'You are signed out.',
    MUST_CHANGE_PASSWORD: 'You need to choose a new password before you continue.',
    ACCOUNT_CREATED: 'Your account is ready.',
  },
} as const;

/** The "at least / at most" messages carry the configured numbers and what the person typed. */
export function passwordLengthMessage(kind: 'short' | 'long', limit: number, actual: number): string {
  return kind === 'short'
    ? `Use at least ${limit} characters — you have ${actual}.`
    : `Use at most ${limit} characters — you have ${actual}.`;
}
