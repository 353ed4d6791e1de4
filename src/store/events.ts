import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EventsTable } from './schema.js';
import type { AdminAction } from '../core/admin-permissions.js';

/** Audit event types; dotted, past tense, stable (they are read by the activity page and monitoring). */
export type EventType =
  | 'account.created'
  | 'signin.succeeded'
  | 'signin.failed'
  | 'signin.locked'
  | 'directory.entry_ended'
  | 'signout'
  | 'session.revoked'
  | 'sessions.revoked_others'
  | 'password.changed'
  | 'password.change_failed'
  | 'password.rehashed'
  | 'password.change_required'
  | 'reauth.failed'
  | 'reauth.second_factor_failed'
  | 'reauth.succeeded'
  | 'second_factor.renamed'
  | 'mail.phrase_changed'
  | 'recovery_email.requested'
  | 'recovery_email.verified'
  | 'recovery_email.removed'
  | 'second_factor.added'
  | 'second_factor.removed'
  | 'second_factor.required'
  | 'second_factor.failed'
  | 'passkey.renamed'
  | 'passkey.failed'
  | 'passkey.counter_regressed'
  | 'recovery_codes.generated'
  | 'recovery_code.used'
  | 'password.reset_requested'
  | 'password.reset_verified'
  | 'password.reset_code_failed'
  | 'password.reset_method_verified'
  | 'password.reset_method_failed'
  | 'security_questions.set'
  | 'security_questions.removed'
  | 'password.reset'
  | 'account.reported'
  /** Made by an import (flows/help-desk/import.ts): actorId, the file's line, the role and the hash's scheme (never the hash). */
  | 'account.imported'
  /** An administrative action (core/admin-permissions.ts), with actorId and detail.reason. */
  | `admin.${AdminAction}`;

export interface AuditEvent {
  id: number;
  accountId: string | null;
  type: EventType;
  createdAt: number;
  ip: string | null;
  device: string | null;
  sessionId: string | null;
  detail: Record<string, unknown> | null;
  /** The help desk agent or administrator who acted on the account; null when the owner (or Passdesk) did. */
  actorId: string | null;
}

export interface NewEvent {
  accountId: string | null;
  type: EventType;
  now: number;
  ip?: string | null;
  device?: string | null;
  sessionId?: string | null;
  /** Never a password, token or cookie. */
  detail?: Record<string, unknown>;
  /** The help desk agent or administrator acting on the account (flows/help-desk/). */
  actorId?: string | null;
}

export interface EventRepository {
  recordEvent(event: NewEvent): Promise<void>;
  listEvents(accountId: string, options: { limit: number }): Promise<AuditEvent[]>;
  countEvents(accountId: string, type: EventType, options: { since: number }): Promise<number>;
  /** One event of the account by its id; null when it is not the account's. */
  findEvent(accountId: string, id: number): Promise<AuditEvent | null>;
  /** The audit log, filtered and paged, newest first (flows/help-desk/audit.ts). */
  queryEvents(query: EventQuery): Promise<AuditEvent[]>;
  /**
   * Before an account is deleted (flows/help-desk/delete-account.ts): what staff did to it stays in the audit log,
   * no longer linked to it (account_id null, `detail.subject` = `reference`); what it did as staff names
   * `reference` as the actor. Its own events (no actor) are left for the account's deletion to take. How many
   * events were kept and relinked.
   */
  pseudonymiseAccountEvents(accountId: string, reference: string): Promise<number>;
  /** Accounts with an event of `type` at or after `since`, most recent first (the help desk's "locked" filter). */
  listAccountsWithEventSince(type: EventType, o: { since: number; limit: number }): Promise<string[]>;
}

/**
 * A filter on the audit log. Each field narrows; the indexes that serve them: events_account_idx (accountId),
 * events_actor_idx (actorId), events_type_created_idx (one type; a family such as `admin.*` is a LIKE on it), events_created_idx.
 */
export interface EventQuery {
  /** Whom the event is about. */
  accountId?: string | null;
  /** Who acted (help desk agent or administrator). */
  actorId?: string | null;
  /** One type (`admin.account.disable`), or a family ending in `.*` (`admin.*`). */
  type?: string | null;
  /** created_at >= from */
  from?: number | null;
  /** created_at < to */
  to?: number | null;
  /** Only events older than this id (the cursor of the page before). */
  beforeId?: number | null;
  limit: number;
}

function toEvent(r: Selectable<EventsTable>): AuditEvent {
  return {
    id: Number(r.id),
    accountId: r.account_id,
    type: r.type as EventType,
    createdAt: Number(r.created_at),
    ip: r.ip,
    device: r.device,
    sessionId: r.session_id,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    actorId: r.actor_id,
  };
}

export function eventRepository(db: Kysely<Database>): EventRepository {
  return {
    async recordEvent(e) {
      await db
        .insertInto('events')
        .values({
          account_id: e.accountId,
          type: e.type,
          created_at: e.now,
          ip: e.ip ?? null,
          device: e.device ?? null,
          session_id: e.sessionId ?? null,
          detail: e.detail ? JSON.stringify(e.detail) : null,
          actor_id: e.actorId ?? null,
        })
        .execute();
    },
    async listEvents(accountId, { limit }) {
      const rows = await db.selectFrom('events').selectAll().where('account_id', '=', accountId).orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toEvent);
    },
    async findEvent(accountId, id) {
      const row = await db.selectFrom('events').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      return row ? toEvent(row) : null;
    },
    async queryEvents(q) {
      let query = db.selectFrom('events').selectAll();
      if (q.accountId != null) query = query.where('account_id', '=', q.accountId);
      if (q.actorId != null) query = query.where('actor_id', '=', q.actorId);
      if (q.type?.endsWith('.*')) {
        // LIKE, not a range: under a PostgreSQL locale collation "admin.x" and "admin/" need not sort as in C.
        const prefix = q.type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
        query = query.where(sql<boolean>`type like ${`${prefix}%`} escape '\\'`);
      } else if (q.type != null) {
        query = query.where('type', '=', q.type);
      }
      if (q.from != null) query = query.where('created_at', '>=', q.from);
      if (q.to != null) query = query.where('created_at', '<', q.to);
      if (q.beforeId != null) query = query.where('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(toEvent);
    },
    async pseudonymiseAccountEvents(accountId, reference) {
      const byStaff = await db.selectFrom('events').select(['id', 'detail']).where('account_id', '=', accountId).where('actor_id', 'is not', null).execute();
      // Row by row: the detail is JSON text on both databases, rewritten here rather than in two SQL dialects.
      for (const row of byStaff) {
        const detail = row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {};
        await db
          .updateTable('events')
          .set({ account_id: null, detail: JSON.stringify({ ...detail, subject: reference }) })
          .where('id', '=', row.id)
          .execute();
      }
      const asActor = await db.updateTable('events').set({ actor_id: reference }).where('actor_id', '=', accountId).executeTakeFirst();
      return byStaff.length + Number(asActor.numUpdatedRows);
    },
    async listAccountsWithEventSince(type, { since, limit }) {
      const rows = await db
        .selectFrom('events')
        .select('account_id')
        .where('type', '=', type)
        .where('created_at', '>=', since)
        .where('account_id', 'is not', null)
        .groupBy('account_id')
        .orderBy((eb) => eb.fn.max('created_at'), 'desc')
        .limit(limit)
        .execute();
      return rows.flatMap((r) => (r.account_id === null ? [] : [r.account_id]));
    },
    async countEvents(accountId, type, { since }) {
      const row = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('type', '=', type)
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
