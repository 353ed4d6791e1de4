// An account's own deletion waiting out its grace period (the states are drawn beside the
// 0031_email_change_and_deletion migration). One row per account; the cancel link's token is stored only as its
// SHA-256; cancelling is one guarded UPDATE. The row goes with the account (ON DELETE CASCADE).
import type { Kysely, Selectable } from 'kysely';
import type { AccountDeletionState, AccountDeletionsTable, Database } from './schema.js';

export type { AccountDeletionState };

export interface AccountDeletion {
  accountId: string;
  state: AccountDeletionState;
  requestedAt: number;
  dueAt: number;
  cancelledAt: number | null;
}

export interface AccountDeletionRepository {
  /**
   * Schedules the account's deletion at `dueAt`, unless one is pending already (then that one stands, unchanged:
   * asking twice does not move the date). `scheduled` says whether this call scheduled it.
   */
  scheduleAccountDeletion(o: {
    accountId: string;
    cancelTokenHash: string;
    now: number;
    dueAt: number;
  }): Promise<{ deletion: AccountDeletion; scheduled: boolean }>;
  /** The account's pending deletion, or null. */
  findPendingAccountDeletion(accountId: string): Promise<AccountDeletion | null>;
  /** A pending deletion by its cancel link's token hash; null otherwise. */
  findAccountDeletionByToken(tokenHash: string): Promise<AccountDeletion | null>;
  /**
   * pending → cancelled, atomically, by the account or by the cancel link; null when nothing was pending. Also past
   * `due_at` until the deletion job has taken the row (claimDueAccountDeletion): whichever commits first wins.
   */
  cancelAccountDeletion(key: { accountId: string } | { tokenHash: string }, now: number): Promise<AccountDeletion | null>;
  /** Pending deletions whose grace period has ended, oldest first. */
  listDueAccountDeletions(now: number, limit: number): Promise<AccountDeletion[]>;
  /** The deletion job takes a due, still pending row (deletes it, guarded); null when it was cancelled meanwhile. */
  claimDueAccountDeletion(accountId: string, now: number): Promise<AccountDeletion | null>;
}

function toDeletion(row: Selectable<AccountDeletionsTable>): AccountDeletion {
  return {
    accountId: row.account_id,
    state: row.state,
    requestedAt: Number(row.requested_at),
    dueAt: Number(row.due_at),
    cancelledAt: row.cancelled_at === null ? null : Number(row.cancelled_at),
  };
}

export function accountDeletionRepository(db: Kysely<Database>): AccountDeletionRepository {
  const pending = async (accountId: string): Promise<AccountDeletion | null> => {
    const row = await db.selectFrom('account_deletions').selectAll().where('account_id', '=', accountId).where('state', '=', 'pending').executeTakeFirst();
    return row ? toDeletion(row) : null;
  };
  return {
    async scheduleAccountDeletion(o) {
      const row = await db
        .insertInto('account_deletions')
        .values({
          account_id: o.accountId,
          state: 'pending',
          cancel_token_hash: o.cancelTokenHash,
          requested_at: o.now,
          due_at: o.dueAt,
          cancelled_at: null,
          updated_at: o.now,
        })
        .onConflict((oc) =>
          oc
            .column('account_id')
            .doUpdateSet({
              state: 'pending',
              cancel_token_hash: o.cancelTokenHash,
              requested_at: o.now,
              due_at: o.dueAt,
              cancelled_at: null,
              updated_at: o.now,
            })
            // A pending one stands: nothing is updated and no row returns.
            .where('account_deletions.state', '=', 'cancelled'),
        )
        .returningAll()
        .executeTakeFirst();
      if (row) return { deletion: toDeletion(row), scheduled: true };
      const existing = await pending(o.accountId);
      if (!existing) throw new TypeError('account-deletions: neither scheduled nor pending');
      return { deletion: existing, scheduled: false };
    },
    findPendingAccountDeletion: pending,
    async findAccountDeletionByToken(tokenHash) {
      const row = await db
        .selectFrom('account_deletions')
        .selectAll()
        .where('cancel_token_hash', '=', tokenHash)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return row ? toDeletion(row) : null;
    },
    async cancelAccountDeletion(key, now) {
      let q = db.updateTable('account_deletions').set({ state: 'cancelled', cancelled_at: now, updated_at: now }).where('state', '=', 'pending');
      q = 'accountId' in key ? q.where('account_id', '=', key.accountId) : q.where('cancel_token_hash', '=', key.tokenHash);
      const row = await q.returningAll().executeTakeFirst();
      return row ? toDeletion(row) : null;
    },
    async listDueAccountDeletions(now, limit) {
      const rows = await db
        .selectFrom('account_deletions')
        .selectAll()
        .where('state', '=', 'pending')
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .orderBy('account_id')
        .limit(limit)
        .execute();
      return rows.map(toDeletion);
    },
    async claimDueAccountDeletion(accountId, now) {
      const row = await db
        .deleteFrom('account_deletions')
        .where('account_id', '=', accountId)
        .where('state', '=', 'pending')
        .where('due_at', '<=', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toDeletion(row) : null;
    },
  };
}
