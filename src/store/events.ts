import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EventsTable } from './schema.js';
import { ADMIN_ACTION_NAMES, type AdminAction } from '../core/admin-permissions.js';
import { publicEvent } from '../core/public-event.js';
import { insertDeliveries } from './event-deliveries.js';

/** Audit event types; dotted, past tense, stable (they are read by the activity page and monitoring). */
export type EventType =
  | 'account.created'
  /** The address of an account an administrator made unconfirmed was confirmed by its link or code (flows/sign-up.ts). */
  | 'account.email_confirmed'
  /** Someone tried to sign up with the address of this account; the owner was told (flows/sign-up.ts). */
  | 'account.sign_up_attempted'
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
  /** The person turned the monthly checkup email on or off (detail.on). */
  | 'mail.checkup_reminders_set'
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
  /** A change of sign-in address (flows/change-email.ts): asked for, confirmed, a wrong code, put back by "This wasn't me". */
  | 'email_address.change_requested'
  | 'email_address.changed'
  | 'email_address.change_code_failed'
  | 'email_address.restored'
  /** The person's own data (flows/account-data.ts): exported, deletion asked for and cancelled. */
  | 'account.exported'
  | 'account.deletion_requested'
  | 'account.deletion_cancelled'
  /** The deletion job removed an account (no account id, no personal data: a keyed reference in detail.subject). */
  | 'account.deleted'
  /** Made by an import (flows/help-desk/import.ts): actorId, the file's line, the role and the hash's scheme (never the hash). */
  | 'account.imported'
  /** An administrative action (core/admin-permissions.ts), with actorId and detail.reason. */
  | `admin.${AdminAction}`
  /** Two-person approval (flows/help-desk/approval-request.ts, approvals.ts): asked for; expired unapproved. */
  | 'admin.approval.request'
  | 'admin.approval.expire';

// Every type but the administrative actions, at run time (events out checks PASSDESK_EVENTS_TYPES against them).
// A Record, so a type added to EventType and not here fails to compile.
const OWN_EVENT_TYPES: Record<Exclude<EventType, `admin.${string}`>, true> = {
  'account.created': true,
  'signin.succeeded': true,
  'signin.failed': true,
  'signin.locked': true,
  'directory.entry_ended': true,
  signout: true,
  'session.revoked': true,
  'sessions.revoked_others': true,
  'password.changed': true,
  'password.change_failed': true,
  'password.rehashed': true,
  'password.change_required': true,
  'reauth.failed': true,
  'reauth.second_factor_failed': true,
  'reauth.succeeded': true,
  'second_factor.renamed': true,
  'mail.phrase_changed': true,
  'recovery_email.requested': true,
  'recovery_email.verified': true,
  'recovery_email.removed': true,
  'second_factor.added': true,
  'second_factor.removed': true,
  'second_factor.required': true,
  'second_factor.failed': true,
  'passkey.renamed': true,
  'passkey.failed': true,
  'passkey.counter_regressed': true,
  'recovery_codes.generated': true,
  'recovery_code.used': true,
  'password.reset_requested': true,
  'password.reset_verified': true,
  'password.reset_code_failed': true,
  'password.reset_method_verified': true,
  'password.reset_method_failed': true,
  'security_questions.set': true,
  'security_questions.removed': true,
  'password.reset': true,
  'account.reported': true,
  'account.imported': true,
  'email_address.change_requested': true,
  'email_address.changed': true,
  'email_address.change_code_failed': true,
  'email_address.restored': true,
  'account.exported': true,
  'account.deletion_requested': true,
  'account.deletion_cancelled': true,
  'account.deleted': true,
  'account.email_confirmed': true,
  'account.sign_up_attempted': true,
  'mail.checkup_reminders_set': true,
};

/** Every event type, sorted. */
export const EVENT_TYPES: readonly EventType[] = [
  ...(Object.keys(OWN_EVENT_TYPES) as EventType[]),
  ...ADMIN_ACTION_NAMES.map((a): EventType => `admin.${a}`),
].sort();

/** Where recorded events are copied to (events out): set once at start from the configuration (events/setup.ts). */
export interface EventRouting {
  /** The destination of each copy ("syslog", "webhook:…"). */
  destinations: readonly string[];
  /** Whether events of this type are sent (PASSDESK_EVENTS_TYPES). */
  sends(type: string): boolean;
}

/** How the event repository of one store (or one transaction of it) copies events out. */
export interface EventFanOut {
  /** The routing now in force; null or no destinations: nothing is copied. */
  routing(): EventRouting | null;
  /** The repository writes inside a store transaction already (the copies join it); otherwise it opens one. */
  inTransaction: boolean;
  /** Told when copies were written (the store tells the workers once they are committed). */
  onQueued(): void;
}

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
  /** How many events a query matches (its filter and `beforeId`; no limit): the rows an audit-log export holds. */
  countQueriedEvents(query: Omit<EventQuery, 'limit'>): Promise<number>;
  /**
   * Before an account is deleted (flows/help-desk/delete-account.ts): what staff did to it stays in the audit log,
   * no longer linked to it (account_id null, `detail.subject` = `reference`); what it did as staff names
   * `reference` as the actor, and reads of the audit log filtered by its id as actor name `reference` in that
   * filter. Its own events (no actor) are left for the account's deletion to take. How many events were kept and
   * relinked.
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

function eventRow(e: NewEvent) {
  return {
    account_id: e.accountId,
    type: e.type,
    created_at: e.now,
    ip: e.ip ?? null,
    device: e.device ?? null,
    session_id: e.sessionId ?? null,
    detail: e.detail ? JSON.stringify(e.detail) : null,
    actor_id: e.actorId ?? null,
  };
}

/** The event and one copy of it per destination, in the transaction `trx`. */
async function recordWithCopies(trx: Kysely<Database>, e: NewEvent, destinations: readonly string[]): Promise<void> {
  const { id } = await trx.insertInto('events').values(eventRow(e)).returning('id').executeTakeFirstOrThrow();
  const payload = publicEvent({
    uid: randomUUID(),
    eventId: Number(id),
    type: e.type,
    time: e.now,
    accountId: e.accountId,
    actorId: e.actorId ?? null,
    ip: e.ip ?? null,
    device: e.device ?? null,
    sessionId: e.sessionId ?? null,
    detail: e.detail ?? null,
  });
  await insertDeliveries(
    trx,
    destinations.map((destination) => ({ id: randomUUID(), destination, payload, now: e.now })),
  );
}

/** The events a query's filter (not its limit) matches, as a query to select from. */
function filtered(db: Kysely<Database>, q: Omit<EventQuery, 'limit'>) {
  let query = db.selectFrom('events');
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
  return query;
}

/** Reads of the audit log filtered by the account as actor (`detail.filter.actor`) name the reference instead. */
async function renameActorFilter(db: Kysely<Database>, accountId: string, reference: string): Promise<number> {
  const pattern = `%${accountId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const reads = await db
    .selectFrom('events')
    .select(['id', 'detail'])
    .where('type', '=', 'admin.audit.read')
    .where(sql<boolean>`detail like ${pattern} escape '\\'`)
    .execute();
  let renamed = 0;
  for (const row of reads) {
    const detail = row.detail ? (JSON.parse(row.detail) as { filter?: Record<string, unknown> }) : {};
    if (detail.filter?.['actor'] !== accountId) continue;
    await db
      .updateTable('events')
      .set({ detail: JSON.stringify({ ...detail, filter: { ...detail.filter, actor: reference } }) })
      .where('id', '=', row.id)
      .execute();
    renamed++;
  }
  return renamed;
}

export function eventRepository(db: Kysely<Database>, fanOut?: EventFanOut): EventRepository {
  return {
    async recordEvent(e) {
      const routing = fanOut?.routing();
      if (!fanOut || !routing || routing.destinations.length === 0 || !routing.sends(e.type)) {
        await db.insertInto('events').values(eventRow(e)).execute();
        return;
      }
      // The event and its copies commit together: a copy is never lost, and never sent for an event rolled back.
      if (fanOut.inTransaction) await recordWithCopies(db, e, routing.destinations);
      else await db.transaction().execute((trx) => recordWithCopies(trx, e, routing.destinations));
      fanOut.onQueued();
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
      const rows = await filtered(db, q).selectAll().orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(toEvent);
    },
    async countQueriedEvents(q) {
      const row = await filtered(db, q)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
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
      const asFilter = await renameActorFilter(db, accountId, reference);
      return byStaff.length + Number(asActor.numUpdatedRows) + asFilter;
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
