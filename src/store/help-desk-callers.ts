// The help desk's caller checks and temporary passwords (migration 0026 draws their states). Reading back a code
// is one guarded UPDATE (pending, unexpired, same MAC), so two racing confirmations cannot both count, and every
// wrong code is counted in the same statement that refuses it.
import type { Kysely } from 'kysely';
import type { CallerVerificationMethod, CallerVerificationState, Database } from './schema.js';

export type { CallerVerificationMethod };

export interface CallerVerificationRepository {
  /** A new emailed-code check by this agent for this account; an older pending one of the same pair ends. */
  startCallerVerification(v: { id: string; agentId: string; accountId: string; codeDigest: string; now: number; expiresAt: number }): Promise<void>;
  /** A check proven at once (the person's authenticator app). */
  recordVerifiedCaller(v: { id: string; agentId: string; accountId: string; method: CallerVerificationMethod; now: number; validUntil: number }): Promise<void>;
  /**
   * The code read back: 'verified' when it matches the pair's live pending check; 'wrong' (counted; the check fails
   * at `maxWrong`) when it does not; 'none' when the pair has no live pending check.
   */
  confirmCallerCode(o: {
    agentId: string;
    accountId: string;
    codeDigest: string;
    now: number;
    validUntil: number;
    maxWrong: number;
  }): Promise<'verified' | 'wrong' | 'none'>;
  /** Ends every pending and verified caller check of the account, by any agent (the person reported "This wasn't me"). */
  endCallerVerifications(accountId: string): Promise<void>;
  /**
   * Until when this agent's verified caller for this account counts, or null when none does now; with `methods`,
   * only a caller verified by one of them counts.
   */
  verifiedCallerUntil(agentId: string, accountId: string, now: number, methods?: readonly CallerVerificationMethod[]): Promise<number | null>;
}

export interface TemporaryPassword {
  id: string;
  accountId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface TemporaryPasswordRepository {
  /** The account's temporary password; any earlier one of the account is forgotten. */
  issueTemporaryPassword(t: { id: string; accountId: string; digest: string; issuedBy: string | null; now: number; expiresAt: number }): Promise<void>;
  /** The account's temporary password with this digest (used, expired or not), or null: the password is not one. */
  findTemporaryPassword(accountId: string, digest: string): Promise<TemporaryPassword | null>;
  /** Marks it used, only while unused and unexpired; false when it was not (a second use, a racing one, expiry). */
  useTemporaryPassword(id: string, now: number): Promise<boolean>;
}

export function callerVerificationRepository(db: Kysely<Database>): CallerVerificationRepository {
  const pending = (agentId: string, accountId: string, now: number) =>
    db
      .updateTable('caller_verifications')
      .where('agent_id', '=', agentId)
      .where('account_id', '=', accountId)
      .where('state', '=', 'pending')
      .where('expires_at', '>', now);
  return {
    async startCallerVerification(v) {
      await db
        .updateTable('caller_verifications')
        .set({ state: 'failed' })
        .where('agent_id', '=', v.agentId)
        .where('account_id', '=', v.accountId)
        .where('state', '=', 'pending')
        .execute();
      await db
        .insertInto('caller_verifications')
        .values({
          id: v.id,
          agent_id: v.agentId,
          account_id: v.accountId,
          method: 'email-code',
          state: 'pending',
          code_digest: v.codeDigest,
          created_at: v.now,
          expires_at: v.expiresAt,
          verified_at: null,
          valid_until: null,
        })
        .execute();
    },
    async recordVerifiedCaller(v) {
      await db
        .insertInto('caller_verifications')
        .values({
          id: v.id,
          agent_id: v.agentId,
          account_id: v.accountId,
          method: v.method,
          state: 'verified',
          code_digest: null,
          created_at: v.now,
          expires_at: v.now,
          verified_at: v.now,
          valid_until: v.validUntil,
        })
        .execute();
    },
    async confirmCallerCode(o) {
      const right = await pending(o.agentId, o.accountId, o.now)
        .where('code_digest', '=', o.codeDigest)
        .set({ state: 'verified', verified_at: o.now, valid_until: o.validUntil })
        .executeTakeFirst();
      if (Number(right.numUpdatedRows) > 0) return 'verified';
      const wrong = await pending(o.agentId, o.accountId, o.now)
        .set((eb) => ({
          wrong_attempts: eb('wrong_attempts', '+', 1),
          state: eb
            .case()
            .when('wrong_attempts', '>=', o.maxWrong - 1)
            .then(eb.val<CallerVerificationState>('failed'))
            .else(eb.val<CallerVerificationState>('pending'))
            .end(),
        }))
        .executeTakeFirst();
      return Number(wrong.numUpdatedRows) > 0 ? 'wrong' : 'none';
    },
    async endCallerVerifications(accountId) {
      await db
        .updateTable('caller_verifications')
        .set({ state: 'failed' })
        .where('account_id', '=', accountId)
        .where('state', 'in', ['pending', 'verified'])
        .execute();
    },
    async verifiedCallerUntil(agentId, accountId, now, methods) {
      let query = db
        .selectFrom('caller_verifications')
        .select((eb) => eb.fn.max('valid_until').as('until'))
        .where('agent_id', '=', agentId)
        .where('account_id', '=', accountId)
        .where('state', '=', 'verified')
        .where('valid_until', '>', now);
      if (methods) {
        if (methods.length === 0) return null;
        query = query.where('method', 'in', [...methods]);
      }
      const row = await query.executeTakeFirst();
      return row?.until == null ? null : Number(row.until);
    },
  };
}

export function temporaryPasswordRepository(db: Kysely<Database>): TemporaryPasswordRepository {
  return {
    async issueTemporaryPassword(t) {
      await db.deleteFrom('temporary_passwords').where('account_id', '=', t.accountId).execute();
      await db
        .insertInto('temporary_passwords')
        .values({
          id: t.id,
          account_id: t.accountId,
          password_digest: t.digest,
          issued_by: t.issuedBy,
          created_at: t.now,
          expires_at: t.expiresAt,
          used_at: null,
        })
        .execute();
    },
    async findTemporaryPassword(accountId, digest) {
      const row = await db
        .selectFrom('temporary_passwords')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('password_digest', '=', digest)
        .executeTakeFirst();
      return row
        ? {
            id: row.id,
            accountId: row.account_id,
            createdAt: Number(row.created_at),
            expiresAt: Number(row.expires_at),
            usedAt: row.used_at === null ? null : Number(row.used_at),
          }
        : null;
    },
    async useTemporaryPassword(id, now) {
      const r = await db
        .updateTable('temporary_passwords')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
