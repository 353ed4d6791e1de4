// The audit log for administrators (issue 15): every event, filtered by person, actor, type and time, newest
// first, in pages; and the same as an export (CSV or JSON Lines) that the API streams page by page, so an export
// of a year's events never sits in memory at once. Reading it is the matrix's 'audit.read' (administrators
// only) with step-up, like every other administrative read, and every read is itself recorded: an
// `admin.audit.read` event with the reader, the filter (`detail.filter`), the format and how many rows it held; when
// the filter names one account, the event is about that account, so a reviewer filtering by a person sees who read
// that person's trail.
//
// CSV cells are written against formula injection (OWASP "CSV Injection"): a cell that a spreadsheet would take
// for a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.
import { sentence } from '../../core/i18n/sentence.js';
import { PassdeskError } from '../../core/errors.js';
import { normalizeEmail } from '../../core/email.js';
import type { AuditEvent, EventQuery } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { admitAdminAction, recordAdminRead, type Actor } from './action.js';

export const AUDIT_LIMIT_DEFAULT = 100;
export const AUDIT_LIMIT_MAX = 1000;
/** Events read per page of an export. */
const EXPORT_PAGE = 500;

export interface AuditLogInput {
  /** Whom the events are about: an account id, or an email address. */
  person?: string | null | undefined;
  /** Who acted: the agent's or administrator's account id. */
  actorId?: string | null | undefined;
  /** One event type, or a family ending in `.*` (`admin.*`). */
  type?: string | null | undefined;
  from?: number | null | undefined;
  to?: number | null | undefined;
  limit?: number | undefined;
  /** The `nextCursor` of the page before. */
  cursor?: string | null | undefined;
}

export interface AuditLogPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

/** What a filter comes to: the store's query, the account it names, and the filter as the read's event records it. */
interface ResolvedFilter {
  /** Null when the person named matches no account (so no event either). */
  query: Omit<EventQuery, 'limit' | 'beforeId'> | null;
  /** The account the filter names: the read's audit event is about it (a reviewer filtering by that person sees it). */
  personId: string | null;
  /** The filter as recorded: a person that is an account is the event's account instead, never repeated here. */
  recorded: Record<string, string>;
}

async function resolveFilter(deps: FlowDeps, input: AuditLogInput): Promise<ResolvedFilter> {
  const person = input.person?.trim() || null;
  const found = person
    ? await (person.includes('@') ? deps.store.accounts.findAccountByEmail(normalizeEmail(person)) : deps.store.accounts.findAccountById(person))
    : null;
  const actorId = input.actorId?.trim() || null;
  const type = input.type?.trim() || null;
  const recorded: Record<string, string> = {};
  if (person && !found) recorded['person'] = person;
  if (actorId) recorded['actor'] = actorId;
  if (type) recorded['type'] = type;
  if (input.from != null) recorded['from'] = new Date(input.from).toISOString();
  if (input.to != null) recorded['to'] = new Date(input.to).toISOString();
  // An email that names no account matches no event; an id that names none is still looked for (and finds none).
  const accountId = found?.id ?? (person && !person.includes('@') ? person : null);
  const query = person?.includes('@') && !found ? null : { accountId, actorId, type, from: input.from ?? null, to: input.to ?? null };
  return { query, personId: found?.id ?? null, recorded };
}

function beforeIdOf(cursor: string | null | undefined): number | null {
  if (!cursor) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.auditCursor'));
  return Number(cursor);
}

/** One page of the audit log, newest first; the read itself is recorded (who, the filter, how many rows). */
export async function readAuditLog(deps: FlowDeps, actor: Actor, input: AuditLogInput, ctx: RequestContext): Promise<AuditLogPage> {
  await admitAdminAction(deps, actor, 'audit.read', null);
  const beforeId = beforeIdOf(input.cursor);
  const filter = await resolveFilter(deps, input);
  const limit = Math.min(Math.max(1, input.limit ?? AUDIT_LIMIT_DEFAULT), AUDIT_LIMIT_MAX);
  const found = filter.query ? await deps.store.events.queryEvents({ ...filter.query, beforeId, limit: limit + 1 }) : [];
  const events = found.slice(0, limit);
  const last = events.at(-1);
  // Recorded after the read (so a page never lists its own read) and before anything is answered.
  await recordAdminRead(deps, actor, {
    action: 'audit.read',
    accountId: filter.personId,
    ctx,
    detail: { format: 'json', filter: filter.recorded, rows: events.length, ...(beforeId !== null ? { cursor: String(beforeId) } : {}) },
  });
  return { events, nextCursor: found.length > limit && last ? String(last.id) : null };
}

export type AuditExportFormat = 'csv' | 'jsonl';

/**
 * The whole filtered log as text chunks (a header, then one chunk per page of events), admitted and recorded before
 * the first chunk: a refusal is an ordinary error response, never half a file, and an export is in the log even if
 * it is never finished. It holds the events up to the newest one matching when it began (so the count recorded is
 * the count sent, and the export's own event is not in it).
 */
export async function exportAuditLog(
  deps: FlowDeps,
  actor: Actor,
  o: { filter: Omit<AuditLogInput, 'limit' | 'cursor'>; format: AuditExportFormat; ctx: RequestContext },
): Promise<AsyncIterable<string>> {
  await admitAdminAction(deps, actor, 'audit.read', null);
  const filter = await resolveFilter(deps, o.filter);
  const query = filter.query;
  const newest = query ? (await deps.store.events.queryEvents({ ...query, limit: 1 }))[0] : undefined;
  const bound = newest ? newest.id + 1 : null;
  const rows = query && bound !== null ? await deps.store.events.countQueriedEvents({ ...query, beforeId: bound }) : 0;
  await recordAdminRead(deps, actor, {
    action: 'audit.read',
    accountId: filter.personId,
    ctx: o.ctx,
    detail: { format: o.format, filter: filter.recorded, rows },
  });
  const line = o.format === 'csv' ? auditCsvRow : auditJsonLine;
  const csv = o.format === 'csv';
  async function* chunks(): AsyncGenerator<string> {
    if (csv) yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
    if (!query || bound === null) return;
    let beforeId = bound;
    for (;;) {
      const page = await deps.store.events.queryEvents({ ...query, beforeId, limit: EXPORT_PAGE });
      if (page.length > 0) yield page.map(line).join('');
      const last = page.at(-1);
      if (page.length < EXPORT_PAGE || !last) return;
      beforeId = last.id;
    }
  }
  return chunks();
}

export const AUDIT_CSV_COLUMNS = ['id', 'time', 'type', 'account_id', 'actor_id', 'ip', 'device', 'session_id', 'detail'] as const;

/** A CSV cell (RFC 4180 quoting), defused when a spreadsheet would read it as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsvRow(e: AuditEvent): string {
  const cells = [
    e.id,
    new Date(e.createdAt).toISOString(),
    e.type,
    e.accountId,
    e.actorId,
    e.ip,
    e.device,
    e.sessionId,
    e.detail ? JSON.stringify(e.detail) : null,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** One event as a JSON object on its own line (JSON Lines), the fields named as the API names them. */
export function auditJsonLine(e: AuditEvent): string {
  return `${JSON.stringify(auditEventJson(e))}\n`;
}

export function auditEventJson(e: AuditEvent): {
  id: number;
  time: string;
  type: string;
  accountId: string | null;
  actorId: string | null;
  ip: string | null;
  device: string | null;
  sessionId: string | null;
  detail: Record<string, unknown> | null;
} {
  return {
    id: e.id,
    time: new Date(e.createdAt).toISOString(),
    type: e.type,
    accountId: e.accountId,
    actorId: e.actorId,
    ip: e.ip,
    device: e.device,
    sessionId: e.sessionId,
    detail: e.detail,
  };
}
