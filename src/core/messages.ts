// User-facing text has one home (DESIGN.md convention 9): the API, pages and later emails
// say the same thing, keyed by a stable code, so translation is possible later.
export const messages = {
  errors: {
    VALIDATION_FAILED: 'Some of the information sent is not valid.',
    INVALID_JSON: 'The request body is not valid JSON.',
    INVALID_CHARACTERS: 'Remove line breaks, control characters and invisible formatting characters.',
    PASSWORD_TOO_SHORT: 'Use at least 15 characters.',
    PASSWORD_TOO_LONG: 'Use at most 256 characters.',
    PASSWORD_UNCHANGED: 'Your new password must be different from your current one.',
    PASSWORD_COMMON: 'This is a commonly used password. Choose something less predictable.',
    PASSWORD_TOO_WEAK: 'This password would be easy to guess. Add more words that are less common.',
    PASSWORD_PERSONAL_INFO: 'Don’t use your name or email address.',
    PASSWORD_BANNED_TERM: 'This password uses a word your organisation doesn’t allow.',
    PASSWORD_BREACHED: 'This password appears in known data breaches. Choose one you haven’t used anywhere else.',
    PASSWORD_BREACH_CHECK_UNAVAILABLE: 'We can’t check passwords against known breaches right now. Try again in a minute.',
    PASSWORD_COMPOSITION: 'Your organisation requires more kinds of characters.',
    PASSWORD_REUSED: 'You used this password recently. Choose a new one.',
    PASSWORD_CHANGED_TOO_RECENTLY: 'Your password was changed recently. You can change it again later.',
    PASSWORD_CONFIRMATION_MISMATCH: 'The two new passwords don’t match. Type the same password in both boxes.',
    VERIFICATION_CODE_INVALID: 'That code is wrong or has expired. Check the latest email, or ask for a new code.',
    RECOVERY_EMAIL_SAME_AS_PRIMARY: 'Choose an address other than the one you sign in with: a recovery address helps only if it is a different mailbox.',
    SECOND_FACTOR_CODE_INVALID: 'That code is not right. Enter the current code from your authenticator app, or one of your recovery codes.',
    SECOND_FACTOR_FLOW_INVALID: 'This sign-in has expired or had too many wrong codes. Sign in again with your password.',
    SECOND_FACTOR_PROOF_REQUIRED: 'Enter your current password or a current code from your authenticator app to remove it.',
    SECOND_FACTOR_NOT_PENDING: 'There is no authenticator app waiting to be confirmed. Start the setup again.',
    SECOND_FACTOR_NOT_FOUND: 'That second factor was not found.',
    PASSKEY_CHALLENGE_INVALID: 'This passkey request has expired or was already used. Start again.',
    PASSKEY_REGISTRATION_FAILED: 'The passkey could not be added: your browser’s answer was not valid for this site. Try again.',
    PASSKEY_ALREADY_REGISTERED: 'This passkey is already registered.',
    PASSKEY_NOT_FOUND: 'That passkey was not found.',
    PASSKEY_INVALID: 'The passkey could not be verified. Try again, or use another way to confirm it’s you.',
    PASSKEY_SIGN_IN_FAILED: 'Signing in with that passkey didn’t work. Try again, or sign in with your email and password.',
    PASSKEY_NAME_INVALID: 'Give the passkey a name of 1 to 64 characters.',
    TWO_FACTOR_NOT_ENABLED: 'Two-step verification is not on for this account. Set up an authenticator app first.',
    LAST_FACTOR_PASSWORD_TOO_SHORT: 'Without two-step verification your password must be longer. Change your password first, then remove the app.',
    REAUTHENTICATION_REQUIRED: 'For your security, confirm it’s you before making this change.',
    REAUTHENTICATION_METHOD_NOT_ACCEPTED: 'Confirm it’s you with the strongest method your account has.',
    RESET_LINK_INVALID: 'This reset link has already been used, has expired or was replaced by a newer one. Ask for a new reset email.',
    RESET_CODE_INVALID: 'That code is wrong, has expired or was replaced by a newer one. Check the latest reset email, or ask for a new one.',
    RESET_FLOW_INVALID: 'This password reset has ended: it was completed, expired or replaced by a newer one. Start again to get a new email.',
    RESET_FACTOR_REQUIRED: 'This account uses two-step verification: confirm it’s you with a code from your authenticator app, a passkey or a recovery code before choosing a new password.',
    RESET_SECOND_METHOD_REQUIRED: 'Accounts with administrator rights need a second way to confirm it’s you (two-step verification) before a password can be reset here. Contact the help desk to reset it.',
    RESET_ANSWERS_INCORRECT: 'One or more answers are not right. Check them and try again; after a few wrong tries this reset ends.',
    SECURITY_QUESTIONS_DISABLED: 'Security questions are not used by this organisation.',
    NOT_ME_LINK_INVALID: 'This link can’t be used: it was used already, has expired, or is not complete. If you think someone else is using your account, reset your password now, or contact the help desk.',
    ACCOUNT_REPORTED: 'This account was secured after you reported activity you didn’t recognise. Choose a new password with the reset email we sent (or ask for a new one) before you sign in.',
    SECURITY_ANSWERS_INVALID: 'Those answers can’t be used. Choose different questions and answer each one.',
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
    SIGN_IN_THROTTLED: 'Too many unsuccessful sign-ins to this account. Wait a little and try again, or reset your password.',
    CHALLENGE_REQUIRED: 'To keep automated attempts out, this request needs a solved challenge. Your browser solves it by itself in a moment; without JavaScript, wait a few seconds and press the button again.',
    CHALLENGE_INVALID: 'The anti-robot check did not pass (it was used already, expired or was for another form). Press the button again.',
    CHALLENGE_TOO_EARLY: 'Wait a few more seconds, then press the button again. This short wait keeps automated attempts out.',
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
    PASSWORD_RESET: 'Password changed — sign in with your new password.',
    NOT_ME_REPORTED: 'Your account is secured: every device was signed out and the old password no longer works. We sent a password reset email to your addresses — choose a new password from it.',
    RESET_REQUESTED: 'If an account uses that address, we have sent it an email with a link and a code. It can take a minute to arrive.',
    PASSKEY_ADDED: 'Your passkey was added. Next time, sign in with it.',
    PASSKEY_RENAMED: 'The passkey was renamed.',
    PASSKEY_REMOVED: 'The passkey was removed. It can no longer sign in to your account.',
  },
} as const;

/**
 * "This wasn't me" and the activity list: what happened, per notice (the email it came in) and per audit
 * event type. Events without a label are not shown in the activity list.
 */
export const activityMessages = {
  notices: {
    'password-changed': 'Password changed',
    'password-reset-completed': 'Password reset',
    'new-device-sign-in': 'Sign-in from a new device',
    'second-factor-added': 'Two-step verification added',
    'second-factor-removed': 'Two-step verification removed',
    'recovery-codes-regenerated': 'New recovery codes created',
    'recovery-code-used': 'Recovery code used',
    'security-questions-changed': 'Security questions changed',
    'email-changed-old-address': 'Email address changed',
    'email-changed-new-address': 'Email address changed',
    'recovery-email-added': 'Recovery address added',
    'recovery-email-removed': 'Recovery address removed',
    'anti-phishing-phrase-changed': 'Anti-phishing phrase changed',
  } as Record<string, string>,
  events: {
    'account.created': 'Account created',
    'signin.succeeded': 'Signed in',
    'signin.failed': 'Failed sign-in attempt',
    'signout': 'Signed out',
    'session.revoked': 'A device was signed out',
    'sessions.revoked_others': 'All other devices signed out',
    'password.changed': 'Password changed',
    'password.change_required': 'A new password was required',
    'password.reset_requested': 'Password reset requested',
    'password.reset': 'Password reset',
    'mail.phrase_changed': 'Anti-phishing phrase changed',
    'recovery_email.verified': 'Recovery address added',
    'recovery_email.removed': 'Recovery address removed',
    'second_factor.added': 'Two-step verification added',
    'second_factor.removed': 'Two-step verification removed',
    'recovery_codes.generated': 'Recovery codes created',
    'recovery_code.used': 'Recovery code used',
    'security_questions.set': 'Security questions changed',
    'security_questions.removed': 'Security questions removed',
    'account.reported': 'You reported activity you didn’t recognise',
  } as Record<string, string>,
  unknownDevice: 'an unknown device',
  /** "Password changed on 2026-11-23 09:00 UTC from Firefox on Linux (IP 203.0.113.10)". */
  sentence: (what: string, when: string, device: string | null, ip: string | null): string =>
    `${what} on ${when} from ${device ?? 'an unknown device'}${ip ? ` (IP ${ip})` : ''}`,
} as const;

/** The "at least / at most" messages carry the configured numbers and what the person typed. */
export function passwordLengthMessage(kind: 'short' | 'long', limit: number, actual: number): string {
  return kind === 'short'
    ? `Use at least ${limit} characters — you have ${actual}.`
    : `Use at most ${limit} characters — you have ${actual}.`;
}

/** What the password policy engine says, with the numbers of the policy in force. */
export const policyMessages = {
  tooShort: (min: number, actual: number): string => passwordLengthMessage('short', min, actual),
  tooLong: (max: number): string => `Use at most ${max} characters.`,
  common: messages.errors.PASSWORD_COMMON,
  tooWeak: (warning: string | null, suggestions: readonly string[]): string =>
    [warning ?? 'This password would be easy to guess.', ...(suggestions.length > 0 ? suggestions : ['Add more words that are less common.'])].join(' '),
  personalInfo: messages.errors.PASSWORD_PERSONAL_INFO,
  bannedTerm: messages.errors.PASSWORD_BANNED_TERM,
  breached: messages.errors.PASSWORD_BREACHED,
  breachCheckUnavailable: messages.errors.PASSWORD_BREACH_CHECK_UNAVAILABLE,
  composition: (required: number, actual: number): string =>
    `Use at least ${required} kinds of characters (lowercase, uppercase, digits, symbols, letters without case) — you have ${actual}.`,
  unchanged: messages.errors.PASSWORD_UNCHANGED,
  reused: (count: number): string => `You used this password recently. Choose one that isn’t among your last ${count}.`,
  changedTooRecently: (allowedAt: number): string =>
    `Your password was changed recently. You can change it again after ${new Date(allowedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  strengthLabels: ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const,
  /** Why a sign-in sent the person to choose a new password (stored in must_change_reason). */
  mustChangeReasons: {
    policy: 'Your password no longer meets the password rules. Choose a new one to continue.',
    breached: 'Your password has appeared in a data breach. Choose a new one to continue.',
    expired: 'Your password has expired. Choose a new one to continue.',
    admin: 'An administrator asked you to choose a new password.',
    reported: 'You reported activity you didn’t recognise. Choose a new password with the reset email we sent.',
  },
} as const;

/** The sentence for a stored must-change reason; a reason stored as free text (older data, help desk) is shown as it is. */
export function mustChangeMessage(reason: string | null): string {
  if (reason === null) return messages.notices.MUST_CHANGE_PASSWORD;
  const known = policyMessages.mustChangeReasons as Record<string, string>;
  return known[reason] ?? reason;
}

/** "1 second", "40 seconds", "3 minutes", "2 hours" (rounded up: never earlier than the real time). */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const [n, unit] = seconds < 120 ? [seconds, 'second'] : seconds < 7200 ? [Math.ceil(seconds / 60), 'minute'] : [Math.ceil(seconds / 3600), 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * The per-account sign-in throttle (flows/sign-in.ts), said plainly: when to try again, and that a reset
 * unlocks it. The same words for every typed address, known or not.
 */
export function signInThrottledMessage(o: { waitMs: number; locked: boolean }): string {
  const wait = formatWait(o.waitMs);
  return o.locked
    ? `Sign-in to this account is locked after too many unsuccessful attempts. To unlock it now, reset your password (“Forgot your password?”, at /reset). A browser you signed in with before can still sign in. Otherwise try again in ${wait}.`
    : `Too many unsuccessful sign-ins to this account. Try again in ${wait}. Resetting your password (“Forgot your password?”, at /reset) unlocks it at once.`;
}
