// The one store contract. A Kysely implementation serves both SQLite and PostgreSQL;
// the shared repository suite (test/store) runs against both.
import { sql, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from './schema.js';
import { accountRepository, type AccountRepository } from './accounts.js';
import { sessionRepository, type SessionRepository } from './sessions.js';
import { eventRepository, type EventRepository, type EventRouting } from './events.js';
import { eventDeliveryRepository, type EventDeliveryRepository } from './event-deliveries.js';
import { passwordHistoryRepository, type PasswordHistoryRepository } from './password-history.js';
import { outboxRepository, type OutboxRepository } from './outbox.js';
import { mailPreferencesRepository, type MailPreferencesRepository } from './mail-preferences.js';
import { twoFactorRepository, type TwoFactorRepository } from './two-factor.js';
import { passwordResetRepository, type PasswordResetRepository } from './password-resets.js';
import { securityAnswerRepository, type SecurityAnswerRepository } from './security-answers.js';
import { passkeyRepository, type PasskeyRepository } from './passkeys.js';
import { notMeRepository, type NotMeRepository } from './not-me.js';
import { instanceRepository, type InstanceRepository } from './instance.js';
import { retentionRepository, type RetentionRepository } from './retention.js';
import { attemptCounterRepository, type AttemptCounterRepository } from './attempts.js';
import { migrateToLatest, openDatabase, type MigrationOutcome, type OpenDatabaseOptions, type OpenedDatabase } from './db.js';
import { signInLimitRepository, type SignInLimitRepository } from './sign-in-limits.js';
import { trustedDeviceRepository, type TrustedDeviceRepository } from './trusted-devices.js';
import { challengeRepository, type ChallengeRepository } from './challenges.js';
import { emailChangeRepository, type EmailChangeRepository } from './email-changes.js';
import { accountDeletionRepository, type AccountDeletionRepository } from './account-deletions.js';
import type { Dialect } from './migrations/index.js';
import { adminApprovalRepository, type AdminApprovalRepository } from './admin-approvals.js';
import { pendingRegistrationRepository, type PendingRegistrationRepository } from './registrations.js';
import {
  callerVerificationRepository,
  temporaryPasswordRepository,
  type CallerVerificationRepository,
  type TemporaryPasswordRepository,
} from './help-desk-callers.js';

export interface Repositories {
  accounts: AccountRepository;
  sessions: SessionRepository;
  events: EventRepository;
  eventDeliveries: EventDeliveryRepository;
  passwordHistory: PasswordHistoryRepository;
  outbox: OutboxRepository;
  mailPreferences: MailPreferencesRepository;
  twoFactor: TwoFactorRepository;
  passwordResets: PasswordResetRepository;
  securityAnswers: SecurityAnswerRepository;
  passkeys: PasskeyRepository;
  notMe: NotMeRepository;
  instance: InstanceRepository;
  retention: RetentionRepository;
  attempts: AttemptCounterRepository;
  signInLimits: SignInLimitRepository;
  trustedDevices: TrustedDeviceRepository;
  challenges: ChallengeRepository;
  callerVerifications: CallerVerificationRepository;
  temporaryPasswords: TemporaryPasswordRepository;
  pendingRegistrations: PendingRegistrationRepository;
  emailChanges: EmailChangeRepository;
  accountDeletions: AccountDeletionRepository;
  adminApprovals: AdminApprovalRepository;
}

export interface Store extends Repositories {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: everything in it commits together or not at all. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  migrate(): Promise<MigrationOutcome>;
  /**
   * Throws when the database cannot answer, or when writes failed for lack of space and a small write that
   * needs new pages still fails (so a node whose disk is full leaves the load balancer and comes back by itself).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Called after mail was committed to the outbox (so the worker can start at once, not at its next poll). */
  onMailCommitted(listener: () => void): void;
  /**
   * Events out: from now on every recorded event that `routing` sends is copied, in the event's transaction, to
   * each of its destinations (store/event-deliveries.ts); null stops it. Set once at start (events/setup.ts).
   */
  routeEvents(routing: EventRouting | null): void;
  /** Called after copies of events were committed (so the events workers start at once). */
  onEventsCommitted(listener: () => void): void;
}

/** What the repositories of one store, or of one of its transactions, tell it. */
interface RepositoryHooks {
  onMailQueued(): void;
  onEventsQueued(): void;
  routing(): EventRouting | null;
  inTransaction: boolean;
  /** SQLite's reading connection for the session lookup; null in a transaction (store/db.ts). */
  reader: SQLite.Database | null;
}

function repositories(db: Kysely<Database>, dialect: Dialect, hooks: RepositoryHooks): Repositories {
  return {
    accounts: accountRepository(db, dialect),
    sessions: sessionRepository(db, hooks.reader),
    events: eventRepository(db, { routing: hooks.routing, inTransaction: hooks.inTransaction, onQueued: hooks.onEventsQueued }),
    eventDeliveries: eventDeliveryRepository(db, dialect),
    passwordHistory: passwordHistoryRepository(db),
    outbox: outboxRepository(db, dialect, hooks.onMailQueued),
    mailPreferences: mailPreferencesRepository(db),
    twoFactor: twoFactorRepository(db, dialect),
    passwordResets: passwordResetRepository(db),
    securityAnswers: securityAnswerRepository(db),
    passkeys: passkeyRepository(db),
    notMe: notMeRepository(db),
    instance: instanceRepository(db),
    retention: retentionRepository(db),
    attempts: attemptCounterRepository(db),
    signInLimits: signInLimitRepository(db),
    trustedDevices: trustedDeviceRepository(db),
    challenges: challengeRepository(db),
    callerVerifications: callerVerificationRepository(db),
    temporaryPasswords: temporaryPasswordRepository(db),
    pendingRegistrations: pendingRegistrationRepository(db),
    emailChanges: emailChangeRepository(db),
    accountDeletions: accountDeletionRepository(db),
    adminApprovals: adminApprovalRepository(db),
  };
}

/** The store over an opened database; in a transaction, reads go through the transaction (never the reader). */
export function createStore({ db, dialect, close, writeHealth, reader }: OpenedDatabase): Store {
  const mailListeners: Array<() => void> = [];
  const eventListeners: Array<() => void> = [];
  const tell = (listeners: Array<() => void>) => (): void => {
    for (const l of listeners) l();
  };
  let routing: EventRouting | null = null;
  const currentRouting = (): EventRouting | null => routing;
  return {
    dialect,
    ...repositories(db, dialect, {
      onMailQueued: tell(mailListeners),
      onEventsQueued: tell(eventListeners),
      routing: currentRouting,
      inTransaction: false,
      reader,
    }),
    async transaction(fn) {
      let queuedMail = false;
      let queuedEvents = false;
      const hooks: RepositoryHooks = {
        onMailQueued: () => {
          queuedMail = true;
        },
        onEventsQueued: () => {
          queuedEvents = true;
        },
        routing: currentRouting,
        inTransaction: true,
        reader: null,
      };
      const result = await db.transaction().execute((trx) => fn(repositories(trx, dialect, hooks)));
      if (queuedMail) tell(mailListeners)();
      if (queuedEvents) tell(eventListeners)();
      return result;
    },
    onMailCommitted(listener) {
      mailListeners.push(listener);
    },
    routeEvents(next) {
      routing = next;
    },
    onEventsCommitted(listener) {
      eventListeners.push(listener);
    },
    migrate: () => migrateToLatest(db, dialect),
    async ping() {
      await sql`select 1`.execute(db);
      if (writeHealth.failure) {
        await probeWrite(db, dialect);
        writeHealth.failure = null;
        // Space is back: let the WAL grown before the failure shrink again.
        if (dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      }
    },
    close,
  };
}

export function openStore(databaseUrl: string, options: OpenDatabaseOptions = {}): Store {
  const opened = openDatabase(databaseUrl, options);
  return createStore(opened);
}

/** A committed write that needs fresh pages (16 KiB in, then out again): it fails while the disk is full. */
async function probeWrite(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const blob = dialect === 'sqlite' ? sql`zeroblob(16384)` : sql`decode(repeat('00', 16384), 'hex')`;
  await db.transaction().execute(async (trx) => {
    await sql`insert into passdesk_write_probe (id, filler) values (1, ${blob})`.execute(trx);
    await sql`delete from passdesk_write_probe where id = 1`.execute(trx);
  });
}

export { isDatabaseUnavailable, isOutOfSpace } from './db.js';
export type { Account, AccountSearch } from './accounts.js';
export type { Session, RevokeReason } from './sessions.js';
export type { AuditEvent, EventQuery, EventType, EventRouting } from './events.js';
export type { EventDelivery, DeliveryCount } from './event-deliveries.js';
export type { OutboxMessage, OutboxState, OutboxCounts, NewOutboxMessage } from './outbox.js';
export type { MailPreferences } from './mail-preferences.js';
export type { SecondFactor, SecondFactorFlow, StoredRecoveryCode } from './two-factor.js';
export type { PasswordReset, ResetState } from './password-resets.js';
export type { SecurityAnswer } from './security-answers.js';
export type { Passkey, PasskeyChallenge } from './passkeys.js';
export type { NotMeToken, NotMeKey } from './not-me.js';
export type { AttemptBudget, AttemptSlot } from './attempts.js';
export type { SignInClaim, SignInLimitRule, SignInLimitState } from './sign-in-limits.js';
export type { CallerVerificationMethod, TemporaryPassword } from './help-desk-callers.js';
export type { PendingRegistration } from './registrations.js';
export type { EmailChange, EmailChangeKey } from './email-changes.js';
export type { AccountDeletion } from './account-deletions.js';
export type { AdminApproval, AdminApprovalState, ApprovalDecision } from './admin-approvals.js';
