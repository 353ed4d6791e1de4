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
}

export const NO_MAIL_PREFERENCES: MailPreferences = {
  antiPhishingPhrase: null, recoveryEmail: null, recoveryEmailVerifiedAt: null, pendingRecoveryEmail: null, pendingExpiresAt: null,
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
}

function toPrefs(row: Selectable<MailPreferencesTable> | undefined): MailPreferences {
  if (!row) return NO_MAIL_PREFERENCES;
  return {
    antiPhishingPhrase: row.anti_phishing_phrase,
    recoveryEmail: row.recovery_email,
    recoveryEmailVerifiedAt: row.recovery_email_verified_at,
    pendingRecoveryEmail: row.pending_recovery_email,
    pendingExpiresAt: row.pending_expires_at,
  };
}

export function mailPreferencesRepository(db: Kysely<Database>): MailPreferencesRepository {
  const ensureRow = async (accountId: string, now: number): Promise<void> => {
    await db
      .insertInto('mail_preferences')
      .values({
        account_id: accountId, anti_phishing_phrase: null, recovery_email: null, recovery_email_verified_at: null,
        pending_recovery_email: null, pending_code_hash: null, pending_expires_at: null, pending_attempts: 0, updated_at: now,
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
      const won = await db
        .updateTable('mail_preferences')
        .set({
          recovery_email: sql<string>`pending_recovery_email`,
          recovery_email_verified_at: now,
          pending_recovery_email: null,
          pending_code_hash: null,
          pending_expires_at: null,
          pending_attempts: 0,
          updated_at: now,
        })
        .where('account_id', '=', accountId)
        .where('pending_code_hash', '=', codeHash)
        .where('pending_expires_at', '>', now)
        .where('pending_attempts', '<', RECOVERY_CODE_MAX_ATTEMPTS)
        .returning('recovery_email')
        .executeTakeFirst();
      if (won?.recovery_email) return won.recovery_email;
      await db
        .updateTable('mail_preferences')
        .set({ pending_attempts: sql<number>`pending_attempts + 1`, updated_at: now })
        .where('account_id', '=', accountId)
        .where('pending_code_hash', 'is not', null)
        .execute();
      return null;
    },
    async removeRecoveryEmail(accountId, now) {
      const result = await db
        .updateTable('mail_preferences')
        .set({ recovery_email: null, recovery_email_verified_at: null, pending_recovery_email: null, pending_code_hash: null, pending_expires_at: null, pending_attempts: 0, updated_at: now })
        .where('account_id', '=', accountId)
        .where((eb) => eb.or([eb('recovery_email', 'is not', null), eb('pending_recovery_email', 'is not', null)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
