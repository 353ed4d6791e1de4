// Table types for Kysely. Times are integer milliseconds since the epoch on both backends
// (PostgreSQL bigint is parsed back to number); booleans are 0/1 integers on both.
import type { Generated } from 'kysely';

export type { Role } from '../core/admin-permissions.js';
import type { Role } from '../core/admin-permissions.js';
export type AccountStatus = 'active' | 'disabled';

export interface AccountsTable {
  id: string;
  email: string;
  email_normalized: string;
  display_name: string;
  role: Role;
  status: AccountStatus;
  password_hash: string | null;
  password_changed_at: number | null;
  must_change_password: number;
  must_change_reason: string | null;
  created_at: number;
  updated_at: number;
  expiry_reminder_sent_at: number | null;
  /** The directory entry's stable id (entryUUID / objectGUID) when the password lives in a directory. */
  directory_id: string | null;
  /** When the address was confirmed (0030_sign_up_confirmation); null: an administrator's account not confirmed yet. */
  email_confirmed_at: number | null;
  /** When the monthly checkup reminder last looked at the account (flows/checkup.ts). */
  checkup_reminder_at: number | null;
  /** The language the person chose (0035_account_language); null: automatic (browser, else the organisation's). */
  locale: string | null;
}

export interface PasswordHistoryTable {
  id: string;
  account_id: string;
  password_hash: string;
  created_at: number;
}

/** Hashes a reset must refuse after "This wasn't me" (0015_reset_hardening). */
export interface ResetRefusedPasswordsTable {
  id: string;
  account_id: string;
  password_hash: string;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  account_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  device: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  authenticated_at: number;
  authenticated_with: string;
}

export interface EventsTable {
  id: Generated<number>;
  account_id: string | null;
  type: string;
  created_at: number;
  ip: string | null;
  device: string | null;
  session_id: string | null;
  detail: string | null;
  /** Who acted, when it was not the account's owner (a help desk agent or an administrator). */
  actor_id: string | null;
}

export type OutboxState = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed';

export interface OutboxTable {
  id: string;
  message_id: string;
  account_id: string | null;
  template: string;
  to_address: string;
  subject: string;
  /** Plaintext of a message queued before 0017_outbox_sealed (legacy; never written now). */
  text_body: string | null;
  html_body: string | null;
  /** The sealed text and HTML (mail/sealed-body.ts); NULL once the message is sent or failed. */
  body_ciphertext: string | null;
  body_key_id: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** One event on its way to one destination (events out; migration 0028 draws the states, the outbox's). */
export interface EventDeliveriesTable {
  id: string;
  /** events.id of the event (not a foreign key: retention may delete the event before its copy is settled). */
  event_id: number;
  event_type: string;
  /** "syslog", or "webhook:" and a digest of the URL (events/webhook.ts webhookDestination). */
  destination: string;
  /** The event's public fields as JSON (core/public-event.ts): never a password, token, hash or cookie. */
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

export interface MailPreferencesTable {
  account_id: string;
  anti_phishing_phrase: string | null;
  recovery_email: string | null;
  recovery_email_verified_at: number | null;
  pending_recovery_email: string | null;
  pending_code_hash: string | null;
  pending_expires_at: number | null;
  pending_attempts: number;
  updated_at: number;
  /** 1: the monthly checkup reminder may be sent (when the organisation sends it); 0: the person turned it off. */
  checkup_reminders: Generated<number>;
}

export interface SecondFactorsTable {
  id: string;
  account_id: string;
  type: 'totp';
  name: string;
  /** Sealed seed (core/secret-box.ts), never the plain secret. */
  secret_ciphertext: string;
  key_id: string;
  confirmed_at: number | null;
  last_used_step: number | null;
  created_at: number;
}

export interface RecoveryCodesTable {
  id: string;
  account_id: string;
  /** HMAC-SHA-256 of the normalised code under the key `key_id` names; SHA-256 when key_id is null (older rows). */
  code_hash: string;
  key_id: string | null;
  created_at: number;
  used_at: number | null;
}

export interface AttemptCountersTable {
  account_id: string;
  /** What is being guessed ('second_factor', 'reauth_password', …): each purpose has its own budget. */
  purpose: string;
  window_start: number;
  /** Reserved slots in the window: failures plus guesses being evaluated right now. */
  failures: number;
}

export type SecondFactorFlowState = 'pending' | 'completed' | 'failed' | 'expired';

export interface SecondFactorFlowsTable {
  /** SHA-256 of the flow id the client holds. */
  id: string;
  account_id: string;
  state: SecondFactorFlowState;
  failures: number;
  created_at: number;
  expires_at: number;
}

export type PasskeyChallengePurpose = 'registration' | 'second_factor' | 'passwordless' | 'reset' | 'step_up';

export interface PasskeysTable {
  id: string;
  account_id: string;
  /** base64url, as the browser reports it. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of transport hints. */
  transports: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: number;
  aaguid: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface PasskeyChallengesTable {
  /** SHA-256 of the challenge. */
  id: string;
  purpose: PasskeyChallengePurpose;
  account_id: string | null;
  /** SHA-256 of the flow id it belongs to (second-factor sign-in, reset), or null. */
  binding: string | null;
  /** The challenge itself, base64url (the verifier compares the signed client data with it). */
  challenge: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export type ResetState = 'requested' | 'verified' | 'completed' | 'voided' | 'expired';

export interface PasswordResetsTable {
  id: string;
  account_id: string;
  token_hash: string;
  code_hash: string;
  state: ResetState;
  /** JSON array of the further factors the flow needs (e.g. ["totp"]); "[]" when email alone suffices. */
  requires: string;
  /** JSON array of the factors already proven in this flow. */
  satisfied: string;
  code_attempts: number;
  /** Wrong second-factor codes or security answers in this flow. */
  factor_attempts: number;
  flow_hash: string | null;
  created_at: number;
  expires_at: number;
  verified_at: number | null;
  used_at: number | null;
  updated_at: number;
}

export interface SecurityAnswersTable {
  id: string;
  account_id: string;
  /** An id from core/security-questions.ts (the wording can change without losing the answer). */
  question_id: string;
  /** argon2id of the normalised answer. */
  answer_hash: string;
  created_at: number;
}

export type NotMeState = 'issued' | 'used' | 'voided';

export interface NotMeTokensTable {
  id: string;
  account_id: string;
  /** SHA-256 of the emailed token. */
  token_hash: string;
  /** The outbox message the link was sent in. */
  outbox_id: string | null;
  /** The notice's template code (what the email said happened). */
  notice: string;
  event_at: number;
  event_ip: string | null;
  event_device: string | null;
  state: NotMeState;
  /** SHA-256 of the short-lived confirmation id the link was swapped for. */
  confirm_hash: string | null;
  confirm_expires_at: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  updated_at: number;
}

export interface PassdeskInstanceTable {
  name: string;
  value: string;
  created_at: number;
}

/**
 * Consecutive failed sign-ins per subject (store/sign-in-limits.ts): `a:` + HMAC of a typed email (known or
 * not), or `d:` + HMAC of a device cookie's nonce. Never an address or an account id.
 */
export interface SignInLimitsTable {
  subject: string;
  /** Attempts counted (each is counted before its password is checked; a success forgets the row). */
  failures: number;
  /** An untrusted try before this time is refused (the growing delay). */
  next_attempt_at: number;
  /** When the owner was told of this lockout (once per lockout). */
  notified_at: number | null;
  /** The row is forgotten after this (the cool-off after the last counted attempt). */
  expires_at: number;
  updated_at: number;
}

/** Who runs a once-per-cluster job (retention) until when (store/retention.ts). */
export interface JobLeasesTable {
  name: string;
  owner: string;
  until: number;
}

/**
 * Device cookies that still exempt a browser from the account's lockout (store/trusted-devices.ts). `device` is
 * the device counter's key (an HMAC of the cookie's nonce), `login` the account counter's key (an HMAC of the
 * address the cookie was issued for): neither the nonce nor the address is stored.
 */
export interface TrustedDevicesTable {
  device: string;
  account_id: string;
  login: string;
  created_at: number;
}

export type PendingRegistrationState = 'pending' | 'confirmed' | 'voided';

/** A sign-up (or an administrator's unconfirmed account) waiting for its address (migration 0030 draws its states). */
export interface PendingRegistrationsTable {
  id: string;
  email: string;
  email_normalized: string;
  display_name: string;
  /** argon2id of the password chosen at sign-up; null for an existing account's confirmation, and once confirmed. */
  password_hash: string | null;
  /** Set when the address of an existing account (made by an administrator) is being confirmed. */
  account_id: string | null;
  /** SHA-256 of the emailed link's token. */
  token_hash: string;
  /** MAC of the emailed code under the server secret, bound to the address (methods/email-code.ts). */
  code_digest: string;
  code_attempts: Generated<number>;
  state: PendingRegistrationState;
  /** The language the sign-up was made in (0035_account_language), given to the account it creates. */
  locale: string | null;
  created_at: number;
  expires_at: number;
  confirmed_at: number | null;
}

export interface Database {
  pending_registrations: PendingRegistrationsTable;
  job_leases: JobLeasesTable;
  trusted_devices: TrustedDevicesTable;
  passdesk_instance: PassdeskInstanceTable;
  sign_in_limits: SignInLimitsTable;
  not_me_tokens: NotMeTokensTable;
  attempt_counters: AttemptCountersTable;
  password_resets: PasswordResetsTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  events: EventsTable;
  password_history: PasswordHistoryTable;
  reset_refused_passwords: ResetRefusedPasswordsTable;
  outbox: OutboxTable;
  event_deliveries: EventDeliveriesTable;
  mail_preferences: MailPreferencesTable;
  second_factors: SecondFactorsTable;
  recovery_codes: RecoveryCodesTable;
  second_factor_flows: SecondFactorFlowsTable;
  security_answers: SecurityAnswersTable;
  passkeys: PasskeysTable;
  passkey_challenges: PasskeyChallengesTable;
  used_challenges: UsedChallengesTable;
  caller_verifications: CallerVerificationsTable;
  temporary_passwords: TemporaryPasswordsTable;
  email_changes: EmailChangesTable;
  account_deletions: AccountDeletionsTable;
  admin_approvals: AdminApprovalsTable;
}

/** A help desk agent's check that a caller is the person (migration 0026 draws its states). */
export type CallerVerificationState = 'pending' | 'verified' | 'failed';
export type CallerVerificationMethod = 'email-code' | 'totp';
export interface CallerVerificationsTable {
  id: string;
  agent_id: string;
  account_id: string;
  method: CallerVerificationMethod;
  state: CallerVerificationState;
  /** MAC of the emailed code under the server secret (methods/email-code.ts); null for the app's code. */
  code_digest: string | null;
  wrong_attempts: Generated<number>;
  created_at: number;
  /** Until when the emailed code can be read back. */
  expires_at: number;
  verified_at: number | null;
  /** Until when the verified caller counts for this agent and this account. */
  valid_until: number | null;
}

/** A temporary password a help desk agent set: single use, until expires_at. */
export interface TemporaryPasswordsTable {
  id: string;
  account_id: string;
  /** SHA-256 of the account id and the password (it has ≥ 80 random bits); the usable hash is the account's. */
  password_digest: string;
  issued_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A request for two-person approval (migration 0027 draws its states). */
export type AdminApprovalState = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';
export interface AdminApprovalsTable {
  id: string;
  /** The administrative action (core/admin-permissions.ts) that waits. */
  action: string;
  account_id: string;
  requested_by: string;
  /** JSON of what the action needs besides the account: the role for role.set, the factor for factor.remove. */
  params: string | null;
  reason: string;
  ticket: string | null;
  state: AdminApprovalState;
  created_at: number;
  expires_at: number;
  /** The administrator who approved or rejected, or the requester who cancelled; null: the command line, "This wasn't me" or expiry. */
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
  decision_ticket: string | null;
}

/** A bot challenge (proof of work or no-JavaScript ticket) that has been used; kept until it would have expired. */
export interface UsedChallengesTable {
  id: string;
  expires_at: number;
}

/** A change of sign-in address (migration 0031 draws its states). */
export type EmailChangeState = 'pending' | 'confirmed' | 'restored' | 'voided';
export interface EmailChangesTable {
  id: string;
  account_id: string;
  state: EmailChangeState;
  new_email: string;
  new_email_normalized: string;
  /** The address before the change; set when it is confirmed, kept until restore_until. */
  old_email: string | null;
  old_email_normalized: string | null;
  /** SHA-256 of the emailed link's token. */
  token_hash: string;
  /** MAC of the emailed code under the server secret (methods/email-code.ts). */
  code_digest: string;
  /** The session that asked for the change (it stays signed in when the change is confirmed). */
  session_id: string | null;
  created_at: number;
  expires_at: number;
  confirmed_at: number | null;
  /** Until when "This wasn't me" puts the old address back (and nobody else can take it). */
  restore_until: number | null;
  updated_at: number;
}

/** An account's own deletion, waiting out its grace period (migration 0031 draws its states). */
export type AccountDeletionState = 'pending' | 'cancelled';
export interface AccountDeletionsTable {
  account_id: string;
  state: AccountDeletionState;
  /** SHA-256 of the emailed cancel link's token. */
  cancel_token_hash: string;
  requested_at: number;
  due_at: number;
  cancelled_at: number | null;
  updated_at: number;
}
