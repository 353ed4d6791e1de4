// The audit log for administrators (issue 15): every event, filtered by person, actor, type and time, newest
// first, in pages; and the same as an export (CSV or JSON Lines) that the API streams page by page, so an export
// of a year's events never sits in memory at once. Reading it is the matrix's 'audit.read' (administrators
// only) with step-up, like every other administrative read.
//
// CSV cells are written against formula injection (OWASP "CSV Injection"): a cell that a spreadsheet would take
// for a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.
import { PassdeskError } from '../../core/errors.js';
import { english } from '../../core/messages.js';
import { normalizeEmail } from '../../core/email.js';
import type { AuditEvent, EventQuery } from '../../store/index.js';
import type { FlowDeps } from '../deps.js';
import { admitAdminAction, type Actor } from './action.js';

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

/** The store's query for the input, or null when the person named matches no account (so no event either). */
async function toQuery(deps: FlowDeps, input: AuditLogInput): Promise<Omit<EventQuery, 'limit' | 'beforeId'> | null> {
  let accountId: string | null = null;
  const person = input.person?.trim();
  if (person) {
    if (person.includes('@')) {
      const account = await deps.store.accounts.findAccountByEmail(normalizeEmail(person));
      if (!account) return null;
      accountId = account.id;
    } else {
      accountId = person;
    }
  }
  return { accountId, actorId: input.actorId?.trim() || null, type: input.type?.trim() || null, from: input.from ?? null, to: input.to ?? null };
}

function beforeIdOf(cursor: string | null | undefined): number | null {
  if (!cursor) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw new PassdeskError('VALIDATION_FAILED', english.t('error.VALIDATION_FAILED.auditCursor'));
  return Number(cursor);
}

/** One page of the audit log, newest first. */
export async function readAuditLog(deps: FlowDeps, actor: Actor, input: AuditLogInput): Promise<AuditLogPage> {
  await admitAdminAction(deps, actor, 'audit.read', null);
  const beforeId = beforeIdOf(input.cursor);
  const query = await toQuery(deps, input);
  if (!query) return { events: [], nextCursor: null };
  const limit = Math.min(Math.max(1, input.limit ?? AUDIT_LIMIT_DEFAULT), AUDIT_LIMIT_MAX);
  const found = await deps.store.events.queryEvents({ ...query, beforeId, limit: limit + 1 });
  const events = found.slice(0, limit);
  const last = events.at(-1);
  return { events, nextCursor: found.length > limit && last ? String(last.id) : null };
}

export type AuditExportFormat = 'csv' | 'jsonl';

/**
 * The whole filtered log as text chunks (a header, then one chunk per page of events), admitted before the first
 * chunk: a refusal is an ordinary error response, never half a file.
 */
export async function exportAuditLog(
  deps: FlowDeps,
  actor: Actor,
  input: Omit<AuditLogInput, 'limit' | 'cursor'>,
  format: AuditExportFormat,
): Promise<AsyncIterable<string>> {
  await admitAdminAction(deps, actor, 'audit.read', null);
  const query = await toQuery(deps, input);
  const line = format === 'csv' ? auditCsvRow : auditJsonLine;
  async function* chunks(): AsyncGenerator<string> {
    if (format === 'csv') yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
    if (!query) return;
    let beforeId: number | null = null;
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
