// Deleting what has served its purpose, in small batches (so a large backlog never holds a lock for long), and the
// lease that lets one node at a time do it. Each kind names its own age test; see flows/retention.ts for why.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { deleteSettledRows } from './leased-rows.js';

export type RetentionKind =
  | 'sessions'
  | 'events'
  | 'password_resets'
  | 'second_factor_flows'
  | 'not_me_tokens'
  | 'attempt_counters'
  | 'caller_verifications'
  | 'temporary_passwords'
  | 'pending_registrations'
  | 'event_deliveries'
  | 'email_changes'
  | 'account_deletions'
  | 'admin_approvals';

export interface RetentionRepository {
  /** Deletes at most `limit` rows of `kind` that ended before `before`; returns how many. */
  deleteEnded(kind: RetentionKind, before: number, limit: number): Promise<number>;
  /**
   * Takes or renews the lease `name` for `owner` until `until` when it is free, expired or already this owner's;
   * false while another owner holds it. One atomic upsert, so two nodes cannot both win.
   */
  acquireJobLease(name: string, owner: string, now: number, until: number): Promise<boolean>;
  releaseJobLease(name: string, owner: string): Promise<void>;
}

/**
 * Email changes once they can do nothing more (a pending or voided one past expires_at, a confirmed or restored one
 * past restore_until: the old address is kept no longer); cancelled deletions that long after they were cancelled.
 */
function deleteEndedAccountChanges(db: Kysely<Database>, kind: 'email_changes' | 'account_deletions', before: number, limit: number) {
  if (kind === 'account_deletions') {
    return db
      .deleteFrom('account_deletions')
      .where(
        'account_id',
        'in',
        db.selectFrom('account_deletions').select('account_id').where('state', '=', 'cancelled').where('cancelled_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
  }
  return db
    .deleteFrom('email_changes')
    .where(
      'id',
      'in',
      db
        .selectFrom('email_changes')
        .select('id')
        .where('expires_at', '<', before)
        .where((eb) => eb.or([eb('restore_until', 'is', null), eb('restore_until', '<', before)]))
        .limit(limit),
    )
    .executeTakeFirst();
}

export function retentionRepository(db: Kysely<Database>): RetentionRepository {
  return {
    async deleteEnded(kind, before, limit) {
      // Copies of events sent or failed that long ago (events out); one still to be sent stays, however old.
      if (kind === 'event_deliveries') return deleteSettledRows(db, 'event_deliveries', before, limit);
      if (kind === 'email_changes' || kind === 'account_deletions') return Number((await deleteEndedAccountChanges(db, kind, before, limit)).numDeletedRows);
      // DELETE … WHERE key IN (SELECT key … LIMIT n): one bounded statement on both SQLite and PostgreSQL.
      const result = await (() => {
        switch (kind) {
          case 'sessions':
            // Past their absolute expiry, or signed out, that long ago (new-device checks read recent ones only).
            return db
              .deleteFrom('sessions')
              .where(
                'id',
                'in',
                db
                  .selectFrom('sessions')
                  .select('id')
                  .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
                  .limit(limit),
              )
              .executeTakeFirst();
          case 'events':
            return db
              .deleteFrom('events')
              .where('id', 'in', db.selectFrom('events').select('id').where('created_at', '<', before).limit(limit))
              .executeTakeFirst();
          case 'password_resets':
            return db
              .deleteFrom('password_resets')
              .where('id', 'in', db.selectFrom('password_resets').select('id').where('expires_at', '<', before).limit(limit))
              .executeTakeFirst();
          case 'second_factor_flows':
            return db
              .deleteFrom('second_factor_flows')
              .where('id', 'in', db.selectFrom('second_factor_flows').select('id').where('expires_at', '<', before).limit(limit))
              .executeTakeFirst();
          case 'not_me_tokens':
            return db
              .deleteFrom('not_me_tokens')
              .where('id', 'in', db.selectFrom('not_me_tokens').select('id').where('expires_at', '<', before).limit(limit))
              .executeTakeFirst();
          case 'attempt_counters':
            // Composite key: delete by the same condition, bounded through the row's own identity.
            return db
              .deleteFrom('attempt_counters')
              .where(
                sql<boolean>`(account_id, purpose) in (${db.selectFrom('attempt_counters').select(['account_id', 'purpose']).where('window_start', '<', before).limit(limit)})`,
              )
              .executeTakeFirst();
          case 'caller_verifications':
            // Pending or failed checks end at expires_at; a verified one counts until valid_until (later still).
            return db
              .deleteFrom('caller_verifications')
              .where(
                'id',
                'in',
                db
                  .selectFrom('caller_verifications')
                  .select('id')
                  .where('expires_at', '<', before)
                  .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '<', before)]))
                  .limit(limit),
              )
              .executeTakeFirst();
          case 'pending_registrations':
            return db
              .deleteFrom('pending_registrations')
              .where('id', 'in', db.selectFrom('pending_registrations').select('id').where('expires_at', '<', before).limit(limit))
              .executeTakeFirst();
          case 'temporary_passwords':
            // Only once the account's password is no longer the temporary one: while it still is, the row is what
            // refuses a second or late sign-in with it (without the row that sign-in would reach the forced change).
            // At most one row per account stays (a new one replaces it).
            return db
              .deleteFrom('temporary_passwords')
              .where(
                'id',
                'in',
                db
                  .selectFrom('temporary_passwords as t')
                  .innerJoin('accounts as a', 'a.id', 't.account_id')
                  .select('t.id')
                  .where('t.expires_at', '<', before)
                  .where('a.password_changed_at', '>', (eb) => eb.ref('t.created_at'))
                  .limit(limit),
              )
              .executeTakeFirst();
          case 'admin_approvals':
            // Decided, cancelled or marked expired, and past their window that long ago (the audit log keeps the
            // story). A pending one stays until it is marked expired, which records its event.
            return db
              .deleteFrom('admin_approvals')
              .where('id', 'in', db.selectFrom('admin_approvals').select('id').where('state', '<>', 'pending').where('expires_at', '<', before).limit(limit))
              .executeTakeFirst();
        }
      })();
      return Number(result.numDeletedRows);
    },
    async acquireJobLease(name, owner, now, until) {
      const row = await db
        .insertInto('job_leases')
        .values({ name, owner, until })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ owner, until })
            .where((eb) => eb.or([eb('job_leases.until', '<', now), eb('job_leases.owner', '=', owner)])),
        )
        .returning('owner')
        .executeTakeFirst();
      return row?.owner === owner;
    },
    async releaseJobLease(name, owner) {
      await db.deleteFrom('job_leases').where('name', '=', name).where('owner', '=', owner).execute();
    },
  };
}
