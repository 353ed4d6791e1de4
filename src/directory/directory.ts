// The directory backend's contract: where accounts and passwords live when an organisation puts Passdesk in front
// of OpenLDAP (openldap.ts) or Active Directory (active-directory.ts). Flows never speak LDAP; they ask this.
// Everything that is not a password or an attribute of the person (sessions, factors, passkeys, events, the outbox)
// stays in Passdesk's SQL store, keyed by the entry's stable id (entryUUID / objectGUID), so a renamed or moved
// entry keeps its factors.
//
// Errors: a directory that cannot be reached (every URL tried) or that times out throws DirectoryUnavailableError;
// every answer about the person (wrong password, locked, refused password) is a value, never an exception.

export type DirectoryKind = 'openldap' | 'active-directory';

/** What the directory says about one person, read as the service account. */
export interface DirectoryEntry {
  /** entryUUID (OpenLDAP) or objectGUID (AD, in its usual string form): the key Passdesk's own rows use. */
  id: string;
  dn: string;
  /** The configured login attribute (uid / sAMAccountName). */
  login: string;
  /** The entry's mail attribute (notices go here), or null. */
  mail: string | null;
  displayName: string | null;
  /** DNs of the groups the entry is a member of (memberOf). */
  groups: string[];
  /** Disabled by the organisation: AD's ACCOUNTDISABLE bit or an account past accountExpires; OpenLDAP: pwdAccountLockedTime 000001010000Z (locked until an administrator unlocks). */
  disabled: boolean;
  /** Locked out now by the directory's own failure count (AD lockoutTime within the duration; OpenLDAP pwdAccountLockedTime within pwdLockoutDuration). */
  locked: boolean;
  /**
   * Wrong passwords the directory has counted that still count toward its lockout now: AD's badPwdCount when
   * badPasswordTime is within lockOutObservationWindow (else 0); OpenLDAP: pwdFailureTime values within
   * pwdFailureCountInterval (all of them when the interval is 0). Passdesk binds only while this + 1 stays below
   * the threshold, so guessing at Passdesk never locks the person out of their mailbox.
   */
  recentFailures: number;
  /** When the password was last set (pwdChangedTime / pwdLastSet), epoch ms; null if the directory does not say. */
  passwordChangedAt: number | null;
  /** The directory wants a new password at the next sign-in (OpenLDAP pwdReset TRUE; AD pwdLastSet 0). */
  mustChange: boolean;
}

/** The directory's password rules that apply to one entry, merged (AD: the domain's, or the fine-grained policy that applies; OpenLDAP: the entry's pwdPolicySubentry or the default policy). */
export interface DirectoryPolicy {
  /** 0 when the directory sets none. */
  minLength: number;
  /** How many earlier passwords the directory refuses (0: none). */
  historyLength: number;
  /** A password cannot be changed again by its owner until this long after it was set (0: any time). Resets by the service account are not bound by it. */
  minAgeMs: number;
  /** A password expires this long after it was set; null: never. */
  maxAgeMs: number | null;
  /** AD "password must meet complexity requirements" (three of four character kinds, not containing the account name). OpenLDAP: false (pwdCheckQuality checks only length without a quality module). */
  complexity: boolean;
  /** The directory locks an entry after `threshold` wrong passwords within `windowMs` (null: counted until a right password); null when it never locks. */
  lockout: { threshold: number; windowMs: number | null } | null;
}

/** The answer to one bind as the person. */
export type BindOutcome =
  | {
      ok: true;
      /** The directory's warning, when it gave one (OpenLDAP ppolicy timeBeforeExpiration / graceAuthNsRemaining). */
      warning?: { expiresInSeconds?: number; graceLoginsLeft?: number } | undefined;
      /** The password was right but must be replaced before anything else: 'expired' (in grace) or 'reset' (changeAfterReset). */
      mustChange?: 'expired' | 'reset' | undefined;
    }
  | {
      ok: false;
      /**
       * wrong: the password (or the entry) was not right — AD 52e, OpenLDAP invalidCredentials without a ppolicy error.
       * locked: the directory's lockout (AD 775, ppolicy accountLocked).
       * disabled: AD 533 (disabled), 701 (account expired), 530/531 (time or workstation restriction).
       * expired: the password was right but has expired with no grace left (AD 532, ppolicy passwordExpired).
       * must-change: the password was right but an administrator set it and the directory demands a change first (AD 773).
       */
      reason: 'wrong' | 'locked' | 'disabled' | 'expired' | 'must-change';
    };

/**
 * Why the directory refused a new password, as the checklist lines the local policy shows (never a raw LDAP
 * message). OpenLDAP ppolicy errors and AD's 0000052D constraint violations both map here.
 */
export type DirectoryRefusal =
  | 'too-short' // passwordTooShort; AD: shorter than minPwdLength
  | 'quality' // insufficientPasswordQuality; AD: complexity not met
  | 'in-history' // passwordInHistory; AD: in history
  | 'too-young' // passwordTooYoung; AD: minimum age not reached
  | 'current-password-wrong' // the old password given to a change was not right (AD: 52e/86 on delete-old)
  | 'must-supply-old' // mustSupplyOldPassword
  | 'not-allowed'; // passwordModNotAllowed, insufficient access, or a refusal the directory did not explain

export type PasswordWriteOutcome = { ok: true } | { ok: false; refusals: DirectoryRefusal[] };

export interface Directory {
  readonly kind: DirectoryKind;
  /** The one entry the login names under the user base, searched as the service account with the user filter ({login} escaped); null when none or more than one match. */
  findEntry(login: string): Promise<DirectoryEntry | null>;
  /** The entry with this stable id (for a session's account, a reset link's account); null when it is gone. */
  findEntryById(id: string): Promise<DirectoryEntry | null>;
  /** One bind as the person (with the ppolicy request control on OpenLDAP); each call costs at most one bind. */
  verifyPassword(entry: DirectoryEntry, password: string): Promise<BindOutcome>;
  /** A bind that cannot succeed and costs what a real one costs, for a login that matched no entry. */
  verifyDummy(password: string): Promise<void>;
  /**
   * The owner's change, with the old password. OpenLDAP: RFC 3062 Password Modify bound as the person, with the
   * ppolicy control (bound as the service account when the person's own bind is refused for an expired password).
   * AD: unicodePwd delete-old + add-new over TLS.
   */
  changePassword(entry: DirectoryEntry, oldPassword: string, newPassword: string): Promise<PasswordWriteOutcome>;
  /** A reset as the service account, after Passdesk's own verification. forceChange: OpenLDAP pwdReset TRUE, AD pwdLastSet 0. */
  resetPassword(entry: DirectoryEntry, newPassword: string, o: { forceChange: boolean }): Promise<PasswordWriteOutcome>;
  /** The rules that apply to this entry (the default/domain rules when entry is null). Cached for a short while. */
  policyFor(entry: DirectoryEntry | null): Promise<DirectoryPolicy>;
  /** Resolves when the service account can bind and search; for /readyz. Throws DirectoryUnavailableError otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Every configured URL failed, or the directory did not answer in time. */
export class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
}

/** Connection settings shared by both kinds (config.ts builds them from PASSDESK_DIRECTORY_*). */
export interface DirectorySettings {
  kind: DirectoryKind;
  /** ldap:// or ldaps:// URLs, tried in order. */
  urls: string[];
  startTls: boolean;
  /** PEM of the CA that signed the directory's certificate; null: the system's CAs. */
  ca: string | null;
  /** Verify the directory's certificate (default true; false only for tests). */
  tlsVerify: boolean;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** An LDAP filter with {login}, e.g. (|(mail={login})(sAMAccountName={login})). */
  userFilter: string;
  attributes: { login: string; mail: string; displayName: string; id: string };
  /** Group DN (compared case-insensitively) → Passdesk role. */
  groupRoles: Array<{ group: string; role: 'helpdesk' | 'admin' }>;
  /** Per operation. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Service-account connections kept open (searches, resets); person binds use a pool of the same size. */
  poolSize: number;
}
