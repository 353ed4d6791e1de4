// Requests for two-person approval (migration 0027 draws their states). Every move out of `pending` is one guarded
// UPDATE (… WHERE state = 'pending', and unexpired for a decision), so of two racing approvers exactly one wins: on
// PostgreSQL the second waits for the first's row lock and then finds the row no longer pending; SQLite runs one
// writer at a time.
import type { Kysely, Selectable } from 'kysely';
import type { AdminApprovalState, AdminApprovalsTable, Database } from './schema.js';

export type { AdminApprovalState };

export interface AdminApproval {
  id: string;
  action: string;
  accountId: string;
  requestedBy: string;
  /** What the action needs besides the account (the role for role.set, the factor for factor.remove). */
  params: Record<string, string>;
  reason: string;
  ticket: string | null;
  state: AdminApprovalState;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  decisionTicket: string | null;
}

export interface NewAdminApproval {
  id: string;
  action: string;
  accountId: string;
  requestedBy: string;
  params: Record<string, string>;
  reason: string;
  ticket: string | null;
  now: number;
  expiresAt: number;
}

export interface ApprovalDecision {
  to: Exclude<AdminApprovalState, 'pending' | 'expired'>;
  /** The deciding account; null for the operator at the command line or "This wasn't me". */
  by: string | null;
  now: number;
  reason: string | null;
  ticket: string | null;
  /** Only when the request is this account's own (a cancellation by the requester). */
  requestedBy?: string;
}

export interface AdminApprovalRepository {
  createApproval(a: NewAdminApproval): Promise<AdminApproval>;
  findApproval(id: string): Promise<AdminApproval | null>;
  /** Requests newest first, narrowed by state, account and requester. */
  listApprovals(o: { states?: readonly AdminApprovalState[]; accountId?: string; requestedBy?: string; limit: number }): Promise<AdminApproval[]>;
  /**
   * Moves a pending request that has not expired to `to`; false when it is no longer pending (another decision won,
   * it was cancelled) or has expired, or (with `requestedBy`) is not that account's.
   */
  decideApproval(id: string, d: ApprovalDecision): Promise<boolean>;
  /** Marks every pending request past its expiry as expired, returning those it moved (each exactly once). */
  expireApprovals(now: number, limit: number): Promise<AdminApproval[]>;
  /** Cancels every pending request about the account (the person reported "This wasn't me"); returns those it moved. */
  cancelApprovalsFor(accountId: string, now: number): Promise<AdminApproval[]>;
}

function toApproval(r: Selectable<AdminApprovalsTable>): AdminApproval {
  const num = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    id: r.id,
    action: r.action,
    accountId: r.account_id,
    requestedBy: r.requested_by,
    params: r.params ? (JSON.parse(r.params) as Record<string, string>) : {},
    reason: r.reason,
    ticket: r.ticket,
    state: r.state,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: num(r.decided_at),
    decisionReason: r.decision_reason,
    decisionTicket: r.decision_ticket,
  };
}

export function adminApprovalRepository(db: Kysely<Database>): AdminApprovalRepository {
  return {
    async createApproval(a) {
      const row = {
        id: a.id,
        action: a.action,
        account_id: a.accountId,
        requested_by: a.requestedBy,
        params: Object.keys(a.params).length > 0 ? JSON.stringify(a.params) : null,
        reason: a.reason,
        ticket: a.ticket,
        state: 'pending' as const,
        created_at: a.now,
        expires_at: a.expiresAt,
        decided_by: null,
        decided_at: null,
        decision_reason: null,
        decision_ticket: null,
      };
      await db.insertInto('admin_approvals').values(row).execute();
      return toApproval(row);
    },
    async findApproval(id) {
      const row = await db.selectFrom('admin_approvals').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toApproval(row) : null;
    },
    async listApprovals(o) {
      let query = db.selectFrom('admin_approvals').selectAll();
      if (o.states) {
        if (o.states.length === 0) return [];
        query = query.where('state', 'in', [...o.states]);
      }
      if (o.accountId !== undefined) query = query.where('account_id', '=', o.accountId);
      if (o.requestedBy !== undefined) query = query.where('requested_by', '=', o.requestedBy);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(o.limit).execute();
      return rows.map(toApproval);
    },
    async decideApproval(id, d) {
      let query = db
        .updateTable('admin_approvals')
        .set({ state: d.to, decided_by: d.by, decided_at: d.now, decision_reason: d.reason, decision_ticket: d.ticket })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('expires_at', '>', d.now);
      if (d.requestedBy !== undefined) query = query.where('requested_by', '=', d.requestedBy);
      const r = await query.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async expireApprovals(now, limit) {
      const due = await db
        .selectFrom('admin_approvals')
        .select('id')
        .where('state', '=', 'pending')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      if (due.length === 0) return [];
      const rows = await db
        .updateTable('admin_approvals')
        .set({ state: 'expired', decided_at: now })
        .where(
          'id',
          'in',
          due.map((r) => r.id),
        )
        .where('state', '=', 'pending')
        .returningAll()
        .execute();
      return rows.map(toApproval);
    },
    async cancelApprovalsFor(accountId, now) {
      const rows = await db
        .updateTable('admin_approvals')
        .set({ state: 'cancelled', decided_at: now, decided_by: null })
        .where('account_id', '=', accountId)
        .where('state', '=', 'pending')
        .returningAll()
        .execute();
      return rows.map(toApproval);
    },
  };
}
