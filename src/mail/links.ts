// Every link in an email is built here, from the configured base URL — never from a request's Host header
// (DESIGN.md security defaults), so a forged Host cannot point a reset link at someone else's site.
export interface LinkSettings {
  baseUrl: string;
  secret: Uint8Array;
}

export function securityLink(s: LinkSettings): string {
  return `${s.baseUrl}/security`;
}

export function changePasswordLink(s: LinkSettings): string {
  return `${s.baseUrl}/security/password`;
}

/** The reset page itself, where a person asks for a reset email (no token). */
export function resetPageLink(s: LinkSettings): string {
  return `${s.baseUrl}/reset`;
}

/** The reset page (built by the reset issue) takes the one-time token from the query string. */
export function resetLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/reset?token=${encodeURIComponent(token)}`;
}

/**
 * "This wasn't me": a one-time random token (stored only as a hash, bound to the account and the notice it
 * came in; store/not-me.ts). Opening the link only shows what is reported; a button confirms.
 */
export function notMeLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/not-me?token=${encodeURIComponent(token)}`;
}

/** The sign-in page (the note to an address that already has an account). */
export function signInLink(s: LinkSettings): string {
  return `${s.baseUrl}/sign-in`;
}

/**
 * Confirming an address (a sign-up, or an administrator's account): opening it only shows a button, so a mail
 * scanner that fetches it confirms nothing; the token is single use and stored only as a hash.
 */
export function confirmEmailLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/sign-up/verify?token=${encodeURIComponent(token)}`;
}

/** The person's email settings, where the monthly checkup email is turned off. */
export function checkupSettingsLink(s: LinkSettings): string {
  return `${s.baseUrl}/security/email#checkup-reminders`;
}

/** Confirms a new sign-in address (flows/change-email.ts): opening it shows a button; the POST confirms. */
export function emailChangeLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/email-change?token=${encodeURIComponent(token)}`;
}

/** Cancels an account's pending deletion (flows/account-data.ts): opening it shows a button; the POST cancels. */
export function cancelDeletionLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/account-deletion/cancel?token=${encodeURIComponent(token)}`;
}

/** An account in the help desk console, at its requests waiting for approval (sent to administrators only). */
export function consoleAccountLink(s: LinkSettings, accountId: string): string {
  return `${s.baseUrl}/admin/accounts/${encodeURIComponent(accountId)}#approvals`;
}
