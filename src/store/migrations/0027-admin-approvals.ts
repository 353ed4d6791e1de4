// Two-person approval (issue 15): an administrative action on a privileged account waits here as a request until a
// second administrator decides it (flows/help-desk/approvals.ts draws the states; store/admin-approvals.ts moves
// them with guarded updates, so two racing approvers cannot both win).
//   pending ──approved (the action ran in the same transaction)──▶ approved
//      ├──rejected by an administrator──▶ rejected
//      ├──cancelled by the requester, or by the person's "This wasn't me"──▶ cancelled
//      └──expires_at passed──▶ expired
// The row names the account (its deletion takes the row with it; the audit events stay) and who asked.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from './dialect.js';

export function adminApprovals(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('admin_approvals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('requested_by', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('params', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('ticket', 'text')
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'approved', 'rejected', 'cancelled', 'expired')`))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', time)
        .addColumn('decision_reason', 'text')
        .addColumn('decision_ticket', 'text')
        .execute();
      await db.schema.createIndex('admin_approvals_state_idx').on('admin_approvals').columns(['state', 'expires_at']).execute();
      await db.schema.createIndex('admin_approvals_account_idx').on('admin_approvals').column('account_id').execute();
      await db.schema.createIndex('admin_approvals_requested_by_idx').on('admin_approvals').column('requested_by').execute();
    },
  };
}
