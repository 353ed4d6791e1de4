// Changes of sign-in address (the states are drawn beside the 0031_email_change_and_deletion migration). The link's
// token and the code are stored only as a hash and a MAC; confirming is one guarded UPDATE, so two racing
// confirmations (the link and the code, two tabs) cannot both win.
import type { Kysely, Selectable } from 'kysely';
import type { Database, EmailChangeState, EmailChangesTable } from './schema.js';

export type { EmailChangeState };

export interface EmailChange {
  id: string;
  accountId: string;
  state: EmailChangeState;
  newEmail: string;
  newEmailNormalized: string;
  oldEmail: string | null;
  oldEmailNormalized: string | null;
  sessionId: string | null;
  createdAt: number;
  expiresAt: number;
  confirmedAt: number | null;
  restoreUntil: number | null;
}

export interface NewEmailChange {
  id: string;
  accountId: string;
  newEmail: string;
  newEmailNormalized: string;
  tokenHash: string;
  codeDigest: string;
  sessionId: string | null;
  now: number;
  expiresAt: number;
}

/** Which pending change: by the emailed link's token hash, or the account's with the typed code's MAC. */
export type EmailChangeKey = { tokenHash: string } | { accountId: string; codeDigest: string };

export interface EmailChangeRepository {
  /** Voids the account's pending changes and starts this one. */
  startEmailChange(c: NewEmailChange): Promise<EmailChange>;
  /** The account's live (pending, unexpired) change, or null. */
  findPendingEmailChange(accountId: string, now: number): Promise<EmailChange | null>;
  /** A live change by its link's token hash, or null. */
  findPendingEmailChangeByToken(tokenHash: string, now: number): Promise<EmailChange | null>;
  /**
   * pending → confirmed, atomically, only while live and only for the right key; the old address is kept until
   * `restoreUntil`. The row that was confirmed, or null when nothing matched (wrong code, used, expired, unknown).
   */
  confirmEmailChange(key: EmailChangeKey, o: { now: number; oldEmail: string; oldEmailNormalized: string; restoreUntil: number }): Promise<EmailChange | null>;
  /** Voids every pending change of the account; how many. */
  voidPendingEmailChanges(accountId: string, now: number): Promise<number>;
  /** Voids one change (its address was taken meanwhile). */
  voidEmailChange(id: string, now: number): Promise<void>;
  /** Confirmed changes of the account at or after `since` whose old address can still be put back, oldest first. */
  listRestorableEmailChanges(accountId: string, o: { since: number; now: number }): Promise<EmailChange[]>;
  /** confirmed → restored for these changes of the account. */
  markEmailChangesRestored(accountId: string, ids: readonly string[], now: number): Promise<void>;
  /** The account an address is kept for (its old address, within the restore window), or null. */
  findEmailReservation(emailNormalized: string, now: number): Promise<{ accountId: string } | null>;
}

function toEmailChange(row: Selectable<EmailChangesTable>): EmailChange {
  return {
    id: row.id,
    accountId: row.account_id,
    state: row.state,
    newEmail: row.new_email,
    newEmailNormalized: row.new_email_normalized,
    oldEmail: row.old_email,
    oldEmailNormalized: row.old_email_normalized,
    sessionId: row.session_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
    restoreUntil: row.restore_until === null ? null : Number(row.restore_until),
  };
}

export function emailChangeRepository(db: Kysely<Database>): EmailChangeRepository {
  const voidPending = async (accountId: string, now: number): Promise<number> => {
    const r = await db
      .updateTable('email_changes')
      .set({ state: 'voided', updated_at: now })
      .where('account_id', '=', accountId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  };
  return {
    async startEmailChange(c) {
      await voidPending(c.accountId, c.now);
      const row = await db
        .insertInto('email_changes')
        .values({
          id: c.id,
          account_id: c.accountId,
          state: 'pending',
          new_email: c.newEmail,
          new_email_normalized: c.newEmailNormalized,
          old_email: null,
          old_email_normalized: null,
          token_hash: c.tokenHash,
          code_digest: c.codeDigest,
          session_id: c.sessionId,
          created_at: c.now,
          expires_at: c.expiresAt,
          confirmed_at: null,
          restore_until: null,
          updated_at: c.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEmailChange(row);
    },
    async findPendingEmailChange(accountId, now) {
      const row = await db
        .selectFrom('email_changes')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row ? toEmailChange(row) : null;
    },
    async findPendingEmailChangeByToken(tokenHash, now) {
      const row = await db
        .selectFrom('email_changes')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toEmailChange(row) : null;
    },
    async confirmEmailChange(key, o) {
      let q = db
        .updateTable('email_changes')
        .set({
          state: 'confirmed',
          old_email: o.oldEmail,
          old_email_normalized: o.oldEmailNormalized,
          confirmed_at: o.now,
          restore_until: o.restoreUntil,
          updated_at: o.now,
        })
        .where('state', '=', 'pending')
        .where('expires_at', '>', o.now);
      q = 'tokenHash' in key ? q.where('token_hash', '=', key.tokenHash) : q.where('account_id', '=', key.accountId).where('code_digest', '=', key.codeDigest);
      const row = await q.returningAll().executeTakeFirst();
      return row ? toEmailChange(row) : null;
    },
    voidPendingEmailChanges: voidPending,
    async voidEmailChange(id, now) {
      await db.updateTable('email_changes').set({ state: 'voided', updated_at: now }).where('id', '=', id).execute();
    },
    async listRestorableEmailChanges(accountId, { since, now }) {
      const rows = await db
        .selectFrom('email_changes')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('state', '=', 'confirmed')
        .where('confirmed_at', '>=', since)
        .where('restore_until', '>', now)
        .orderBy('confirmed_at')
        .orderBy('id')
        .execute();
      return rows.map(toEmailChange);
    },
    async markEmailChangesRestored(accountId, ids, now) {
      if (ids.length === 0) return;
      await db
        .updateTable('email_changes')
        .set({ state: 'restored', updated_at: now })
        .where('account_id', '=', accountId)
        .where('id', 'in', [...ids])
        .where('state', '=', 'confirmed')
        .execute();
    },
    async findEmailReservation(emailNormalized, now) {
      const row = await db
        .selectFrom('email_changes')
        .select('account_id')
        .where('old_email_normalized', '=', emailNormalized)
        .where('state', '=', 'confirmed')
        .where('restore_until', '>', now)
        .executeTakeFirst();
      return row ? { accountId: row.account_id } : null;
    },
  };
}
