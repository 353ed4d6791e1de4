// Per-account mail preferences: the anti-phishing phrase shown at the top of every email, and a recovery
// address (verified by a code sent to it) that receives reset codes and security notices too.
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database, MailPreferencesTable } from './schema.js';

export interface MailPreferences {
  antiPhishingPhrase: string | null;
  /** Verified recovery address, or null. */
  recoveryEmail: string | null;
  recoveryEmailVerifiedAt: number | null;
  /** An address waiting for its code. */
  pendingRecoveryEmail: string | null;
  pendingExpiresAt: number | null;
  /** The monthly checkup reminder (when the organisation sends it): true unless the person turned it off. */
  checkupReminders: boolean;
}

export const NO_MAIL_PREFERENCES: MailPreferences = {
  antiPhishingPhrase: null,
  recoveryEmail: null,
  recoveryEmailVerifiedAt: null,
  pendingRecoveryEmail: null,
  pendingExpiresAt: null,
  checkupReminders: true,
};

/** Wrong codes tolerated per pending address before it must be requested again. */
export const RECOVERY_CODE_MAX_ATTEMPTS = 5;

export interface MailPreferencesRepository {
  getMailPreferences(accountId: string): Promise<MailPreferences>;
  setAntiPhishingPhrase(accountId: string, phrase: string | null, now: number): Promise<void>;
  /** Replaces any pending address; the code is stored only as a hash. */
  startRecoveryEmailVerification(accountId: string, o: { email: string; codeHash: string; expiresAt: number; now: number }): Promise<void>;
  /**
   * Consumes the pending code atomically (two racing requests cannot both win): on a match, not expired and
   * under the attempt limit, the pending address becomes the recovery address and is returned. Otherwise
   * the attempt is counted and null returned.
   */
  consumeRecoveryEmailCode(accountId: string, codeHash: string, now: number): Promise<string | null>;
  removeRecoveryEmail(accountId: string, now: number): Promise<boolean>;
  setCheckupReminders(accountId: string, on: boolean, now: number): Promise<void>;
}

function toPrefs(row: Selectable<MailPreferencesTable> | undefined): MailPreferences {
  if (!row) return NO_MAIL_PREFERENCES;
  return {
    antiPhishingPhrase: row.anti_phishing_phrase,
    recoveryEmail: row.recovery_email,
    recoveryEmailVerifiedAt: row.recovery_email_verified_at,
    pendingRecoveryEmail: row.pending_recovery_email,
    pendingExpiresAt: row.pending_expires_at,
    checkupReminders: row.checkup_reminders !== 0,
  };
}

export function mailPreferencesRepository(db: Kysely<Database>): MailPreferencesRepository {
  const ensureRow = async (accountId: string, now: number): Promise<void> => {
    await db
      .insertInto('mail_preferences')
      .values({
        account_id: accountId,
        anti_phishing_phrase: null,
        recovery_email: null,
        recovery_email_verified_at: null,
        pending_recovery_email: null,
        pending_code_hash: null,
        pending_expires_at: null,
        pending_attempts: 0,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
  };
  return {
    async getMailPreferences(accountId) {
      return toPrefs(await db.selectFrom('mail_preferences').selectAll().where('account_id', '=', accountId).executeTakeFirst());
    },
    async setAntiPhishingPhrase(accountId, phrase, now) {
      await ensureRow(accountId, now);
      await db.updateTable('mail_preferences').set({ anti_phishing_phrase: phrase, updated_at: now }).where('account_id', '=', accountId).execute();
    },
    async startRecoveryEmailVerification(accountId, { email, codeHash, expiresAt, now }) {
      await ensureRow(accountId, now);
      await db
        .updateTable('mail_preferences')
        .set({ pending_recovery_email: email, pending_code_hash: codeHash, pending_expires_at: expiresAt, pending_attempts: 0, updated_at: now })
        .where('account_id', '=', accountId)
        .execute();
    },
    async consumeRecoveryEmailCode(accountId, codeHash, now) {
      // ONE statement counts the guess and, when it matches, takes the address: a guess is evaluated only while
      // attempts are left, so a parallel burst (from any number of processes) gets RECOVERY_CODE_MAX_ATTEMPTS
      // evaluations at most. SET expressions read the row as it was before the update, on both backends.
      const match = sql<boolean>`pending_code_hash = ${codeHash}`;
      const row = await db
        .updateTable('mail_preferences')
        .set({
          recovery_email: sql<string | null>`case when ${match} then pending_recovery_email else recovery_email end`,
          recovery_email_verified_at: sql<number | null>`case when ${match} then ${now} else recovery_email_verified_at end`,
          pending_recovery_email: sql<string | null>`case when ${match} then null else pending_recovery_email end`,
          pending_expires_at: sql<number | null>`case when ${match} then null else pending_expires_at end`,
          pending_attempts: sql<number>`case when ${match} then 0 else pending_attempts + 1 end`,
          pending_code_hash: sql<string | null>`case when ${match} then null else pending_code_hash end`,
          updated_at: now,
        })
        .where('account_id', '=', accountId)
        .where('pending_code_hash', 'is not', null)
        .where('pending_expires_at', '>', now)
        .where('pending_attempts', '<', RECOVERY_CODE_MAX_ATTEMPTS)
        .returning(['recovery_email', 'pending_code_hash'])
        .executeTakeFirst();
      // Matched: the pending code is gone and the address moved over.
      return row && row.pending_code_hash === null ? row.recovery_email : null;
    },
    async setCheckupReminders(accountId, on, now) {
      await ensureRow(accountId, now);
      await db
        .updateTable('mail_preferences')
        .set({ checkup_reminders: on ? 1 : 0, updated_at: now })
        .where('account_id', '=', accountId)
        .execute();
    },
    async removeRecoveryEmail(accountId, now) {
      const result = await db
        .updateTable('mail_preferences')
        .set({
          recovery_email: null,
          recovery_email_verified_at: null,
          pending_recovery_email: null,
          pending_code_hash: null,
          pending_expires_at: null,
          pending_attempts: 0,
          updated_at: now,
        })
        .where('account_id', '=', accountId)
        .where((eb) => eb.or([eb('recovery_email', 'is not', null), eb('pending_recovery_email', 'is not', null)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
