// What every flow and method may use. Flows and methods are plain functions of these (DESIGN.md: explicit
// dependencies); app.ts is the one place that builds them. It lives under methods/, the lower of the two layers,
// so that methods need nothing from flows/ (flows/deps.ts re-exports it).
import type { Account, Session, Store } from '../store/index.js';
import type { PasswordHasher } from '../credentials/password-hasher.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { PasswordPolicy, BreachedResult } from '../core/password-policy.js';
import type { StrengthEstimator } from '../policy/strength-estimator.js';
import type { AttemptLimiter, AttemptLimiters } from '../core/attempt-limiter.js';
import type { MailDeps } from '../mail/notices.js';
import type { SecretBox } from '../core/secret-box.js';
import type { KeyedHash } from '../core/keyed-hash.js';
import type { DelaySchedule } from '../core/sign-in-delay.js';
import type { ChallengeService } from '../core/challenge.js';
import type { Directory, DirectorySettings } from '../directory/directory.js';
import type { ApprovalPolicy } from '../core/admin-permissions.js';

export interface FlowConfig {
  registration: 'open' | 'closed';
  /** The organisation's language: emails to people who saved none (config defaultLanguage); absent: English. */
  defaultLanguage?: string;
  sessionIdleTimeoutMs: number;
  sessionAbsoluteTimeoutMs: number;
  passwordPolicy: PasswordPolicy;
  /** The organisation's and the service's names, kept out of passwords. */
  serviceNames: string[];
  /** How long a reset link/code (and then its verified flow) lives; default 30 minutes. */
  resetTokenTtlMs?: number;
  /** How recent an authentication sensitive changes need (flows/step-up.ts); default 10 minutes. */
  stepUpMaxAgeMs?: number;
  /** Optional security questions (off by default); `count` answers are set and asked. */
  securityQuestions?: { enabled: boolean; count: number };
  /** Roles that must set up a second factor before anything else once signed in (default: none). */
  requireTwoFactorRoles?: readonly string[];
  /** Two-person approval of actions on privileged accounts (flows/help-desk/approval-request.ts); absent: off. */
  adminApproval?: ApprovalPolicy & { windowMs: number };
  /** Roles whose reset needs a method besides email (default: admin). */
  resetTwoMethodRoles?: readonly string[];
  /** Passkeys: the relying party ID and name, and the page origins whose responses are accepted. Absent: passkeys are off. */
  webauthn?: { rpId: string; rpName: string; origins: readonly string[] };
  /** Told by email when someone uses "This wasn't me" (optional). */
  helpdeskEmail?: string | undefined;
  /** The person's own deletion (flows/account-data.ts): allowed at all, and its grace period. Absent: allowed, 7 days. */
  accountDeletion?: { selfService: boolean; graceMs: number };
  /** Per-account and per-device sign-in limits in the store (flows/sign-in.ts); defaults there. */
  signInLimits?: SignInLimitSettings;
  /** The monthly checkup reminder email (flows/checkup.ts), an organisation's option; off unless true. */
  checkupReminders?: boolean;
}

export interface SignInLimitSettings {
  /** Consecutive failures per typed email before untrusted clients are locked out (NIST SP 800-63B-4 §3.2.2: ≤ 100). */
  accountLimit: number;
  /** Failures per device cookie before that cookie is no longer trusted. */
  deviceLimit: number;
  /** How long a count and a lock last after the last counted attempt (unless a right password or a reset clears it). */
  coolOffMs: number;
  /** Growing waits between untrusted attempts (core/sign-in-delay.ts). */
  delays?: DelaySchedule;
}

/** Work done after the response (so its duration cannot show in it); tests wait for it with idle(). */
export interface BackgroundTasks {
  run(name: string, task: () => Promise<void>): void;
  idle(): Promise<void>;
}

/** Where breached passwords are looked up (offline set and/or the k-anonymity range API). */
export interface BreachedLookup {
  check(password: string): Promise<BreachedResult>;
  /** Whether any source is in use right now (a set imported later counts from then on). */
  active(): Promise<boolean>;
}

export type SignInOutcome = 'success' | 'unknown_account' | 'wrong_password' | 'disabled' | 'no_password' | 'throttled';

export interface FlowObservers {
  signIn?(outcome: SignInOutcome): void;
}

/** Sign-in failure counters: per (typed email, IP) and per IP. */
export interface SignInThrottle {
  perAccountAndIp: AttemptLimiter;
  perIp: AttemptLimiter;
}

export interface FlowDeps {
  store: Store;
  signInThrottle?: SignInThrottle;
  hasher: PasswordHasher;
  /** Password strength (zxcvbn-ts on a worker thread). Without it the strength rules are skipped. */
  strength?: StrengthEstimator;
  breached?: BreachedLookup;
  clock: Clock;
  random: Random;
  config: FlowConfig;
  observe?: FlowObservers;
  /** The server secret, for MACs of short codes (a bare SHA-256 of an 8-digit code is guessed offline in seconds). */
  secret?: Uint8Array;
  /** Per-IP counter of reset requests (the per-account limit is counted in the database). */
  /** perIp: reset requests; codePerIp: wrong emailed codes typed from one address (every check writes an audit row). */
  resetThrottle?: { perIp: AttemptLimiter; codePerIp?: AttemptLimiter };
  /** Per-IP counter of "This wasn't me" confirmations by link. */
  notMeThrottle?: { perIp: AttemptLimiter };
  /** Wrong codes typed to confirm a new sign-in address, and changes asked for, per account (flows/change-email.ts). */
  emailChangeThrottle?: { perAccount: AttemptLimiter; requests?: AttemptLimiter };
  /** Passwordless sign-in options per IP: each writes a challenge row, and asking needs no account. */
  passkeyOptionsThrottle?: { perIp: AttemptLimiter };
  background?: BackgroundTasks;
  /** Branding and addressing for queued mail; absent (no mail queued) in the CLI's account commands. */
  mail?: MailDeps;
  /** Seals TOTP seeds at rest (key derived from the server secret); absent in the CLI, where two-factor flows refuse. */
  secondFactorSecrets?: SecretBox;
  /** HMAC keys for recovery codes (HKDF from the server secret, purpose 'recovery-code'); derived from `secret` when absent. */
  recoveryCodeKeys?: KeyedHash;
  /** Bot challenges (flows/challenge.ts); absent: never asked (the CLI). */
  challenges?: ChallengeService;
  /**
   * perIp: self-service sign-ups per IP (past a number of them, automatic mode asks for a bot challenge);
   * mailPerAddress: confirmation (or "someone tried") emails one address receives; codePerIp: wrong sign-up codes typed from one IP.
   */
  signUpThrottle?: { perIp: AttemptLimiter; mailPerAddress?: AttemptLimiter; codePerIp?: AttemptLimiter };
  /** Challenges handed out by GET /api/v1/challenge per IP (making one costs a little CPU and asks for nothing). */
  challengeIssueThrottle?: { perIp: AttemptLimiter };
  /** Accounts and passwords in OpenLDAP or Active Directory (methods/directory-account.ts); absent: Passdesk's own hashes. */
  directory?: DirectoryBackend;
  /** Where every limiter above lives (process memory or Redis), for limiters made elsewhere (live password checks). */
  attemptLimiters?: AttemptLimiters;
}

/** What flows need of the directory (methods/directory-account.ts): the directory and the gates that keep binds within its lockout. */
export interface DirectoryBackend {
  directory: Directory;
  /** Limit 1 per entry id: one bind as a person at a time, across nodes (Redis) or in this process. */
  bindGate: AttemptLimiter;
  /** Limit 1 per entry id per hour: one "we stopped before your directory locked you out" notice. */
  noticeGate: AttemptLimiter;
  groupRoles: DirectorySettings['groupRoles'];
  /** How long sign-in refusals of a wrong password for a real entry take lately (the others are held to it). */
  refusalTimes: { record(ms: number): void; typical(): number };
}

/** Facts about the request a flow records (audit, device list). Never secrets. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

/** A signed-in request: its live session and the account (flows/sessions.ts validates it). */
export interface Authenticated {
  session: Session;
  account: Account;
}

/** A session just issued (flows/sessions.ts issueSession). */
export interface IssuedSession {
  /** The secret for the cookie. Only its hash is stored. */
  token: string;
  session: Session;
}
