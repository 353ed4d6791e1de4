// Accounts in and out in bulk (issue 15, "Migration in"): `passdesk user import FILE` and
// POST /api/v1/admin/accounts/import read a CSV file with the header `email,name,role,password_hash` or JSON Lines
// with the same keys; `passdesk user export` writes the same format.
//
// Decisions:
// - An email that already has an account is skipped, never updated: replaying a file changes nothing, and a file
//   cannot take over an account (its password) or change a role — those are the help desk's audited actions.
// - A hash is stored exactly as it came (credentials/legacy-hash-format.ts says which schemes and costs are
//   accepted) and replaced by argon2id at the person's next successful sign-in; an empty password_hash makes an
//   account without a password, which the person enters through a reset. A hash of no accepted scheme fails its
//   line (the file's owner decides: fix it, or import the line without a hash).
// - Every line is reported by its number with an outcome and a reason code; a bad line never stops the rest. No
//   hash is ever printed, logged or put in an event.
// - Rows are written in batches of IMPORT_BATCH_SIZE, one transaction each, so sign-ins (which write sessions and
//   events) interleave with a long import; each account made records `account.imported` (actor, line, scheme),
//   and the import as a whole one `admin.accounts.import` event with the counts, through adminAction.
//
// State: none of its own; per call:
//   file ──not an admin / stale session / no reason──▶ refused, nothing written
//        ──each line──▶ created | skipped (exists) | failed (reason)   ──end──▶ admin.accounts.import (counts)
import { sentence } from '../../core/i18n/sentence.js';
import { needsApproval, type Role } from '../../core/admin-permissions.js';
import { normalizeEmail } from '../../core/email.js';
import { PassdeskError } from '../../core/errors.js';
import { hasDisallowedCharacters } from '../../core/text-input.js';
import { checkImportedHash, type HashProblem, type HashScheme } from '../../credentials/legacy-hash-format.js';
import type { Account } from '../../store/index.js';
import type { FlowDeps, RequestContext } from '../deps.js';
import { adminAction, admitAdminAction, checkedReason, recordAdminRead, type Actor, type AdminReason } from './action.js';
import { approvalMayApply } from './approval-request.js';
import { csvCell } from './audit.js';

export type AccountFileFormat = 'csv' | 'jsonl';
export const ACCOUNT_FILE_COLUMNS = ['email', 'name', 'role', 'password_hash'] as const;
export const IMPORT_BATCH_SIZE = 500;
const EMAIL_MAX = 254;
const NAME_MAX = 200;
const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];

/** Why a line failed, as a stable code (the CLI prints it, the API returns it). */
export type LineProblem =
  | 'unreadable-line'
  | 'missing-header'
  | 'invalid-email'
  | 'invalid-name'
  | 'invalid-role'
  | 'unknown-field'
  | 'duplicate-in-file'
  | 'role-needs-approval'
  | HashProblem;

export interface LineOutcome {
  /** 1-based line of the file where the record starts. */
  line: number;
  outcome: 'created' | 'skipped' | 'failed';
  /** null for created; 'exists' for skipped (an account has the address, or keeps it to restore); the problem for failed. */
  reason: LineProblem | 'exists' | null;
}

export interface ImportReport {
  created: number;
  skipped: number;
  failed: number;
  /** Accounts made without a hash (they set a password through a reset). */
  withoutPassword: number;
  lines: LineOutcome[];
}

interface ImportRecord {
  line: number;
  fields: Record<string, string> | null;
}

/** The format a file name says, or null. */
export function formatFromFileName(name: string): AccountFileFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}

/** RFC 4180 records with the line each starts on (quoted fields may hold commas, quotes as "", and line breaks). */
export function* csvRecords(text: string): Generator<{ line: number; cells: string[] | null }> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let broken = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') quoted = false;
        else {
          if (c === '\n') line++;
          cell += c;
        }
      } else if (c === '"' && cell === '') quoted = true;
      else if (c === '"') broken = true;
      else if (c === ',') {
        cells.push(cell);
        cell = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else cell += c;
    }
    cells.push(cell);
    if (quoted) broken = true;
    if (cells.length === 1 && cells[0] === '') continue;
    yield { line: start, cells: broken ? null : cells };
  }
}

/** The file's records as field maps (null: the line could not be read); the CSV header is checked here. */
export function* importRecords(text: string, format: AccountFileFormat): Generator<ImportRecord> {
  if (format === 'jsonl') {
    const lines = text.split(/\r?\n/);
    for (const [index, raw] of lines.entries()) {
      if (raw.trim() === '') continue;
      let fields: Record<string, string> | null = null;
      try {
        const value: unknown = JSON.parse(raw);
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          fields = {};
          for (const [k, v] of Object.entries(value)) fields[k] = v === null || v === undefined ? '' : typeof v === 'string' ? v : '\u0000';
        }
      } catch {
        fields = null;
      }
      yield { line: index + 1, fields };
    }
    return;
  }
  let header: string[] | null = null;
  for (const { line, cells } of csvRecords(text)) {
    if (!header) {
      header = cells?.map((c) => c.trim().toLowerCase()) ?? [];
      if (!header.includes('email')) {
        yield { line, fields: null };
        return;
      }
      continue;
    }
    if (!cells || cells.length !== header.length) {
      yield { line, fields: null };
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((name, k) => {
      fields[name] = cells[k] ?? '';
    });
    yield { line, fields };
  }
}

interface CheckedRow {
  email: string;
  emailNormalized: string;
  displayName: string;
  role: Role;
  passwordHash: string | null;
  scheme: HashScheme | null;
}

/** One record's fields checked: the account to make, or why not. */
export function checkImportRow(fields: Record<string, string>): CheckedRow | LineProblem {
  for (const key of Object.keys(fields)) if (!(ACCOUNT_FILE_COLUMNS as readonly string[]).includes(key)) return 'unknown-field';
  const email = (fields['email'] ?? '').trim();
  if (email.length > EMAIL_MAX || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || hasDisallowedCharacters(email)) return 'invalid-email';
  const name = (fields['name'] ?? '').normalize('NFC').trim();
  if ([...name].length > NAME_MAX || hasDisallowedCharacters(name)) return 'invalid-name';
  const roleText = (fields['role'] ?? '').trim().toLowerCase() || 'user';
  if (!(ROLES as readonly string[]).includes(roleText)) return 'invalid-role';
  const hash = (fields['password_hash'] ?? '').trim();
  let scheme: HashScheme | null = null;
  if (hash !== '') {
    const check = checkImportedHash(hash);
    if (!check.ok) return check.problem;
    scheme = check.scheme;
  }
  return {
    email,
    emailNormalized: normalizeEmail(email),
    displayName: name || email.split('@')[0] || email,
    role: roleText as Role,
    passwordHash: hash === '' ? null : hash,
    scheme,
  };
}

export interface ImportInput {
  text: string;
  format: AccountFileFormat;
  why: AdminReason;
  ctx: RequestContext;
}

/** Imports a file's accounts (administrators only; the operator at the command line). */
export async function importAccounts(deps: FlowDeps, actor: Actor, o: ImportInput): Promise<ImportReport> {
  checkedReason(o.why);
  await admitAdminAction(deps, actor, 'accounts.import', null);
  // Accounts of a directory live in the directory: there is no password here to import.
  if (deps.directory) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.importWithDirectory'));
  const actorId = actor.kind === 'session' ? actor.auth.account.id : null;
  const report: ImportReport = { created: 0, skipped: 0, failed: 0, withoutPassword: 0, lines: [] };
  const seen = new Set<string>();
  let batch: Array<{ line: number; row: CheckedRow }> = [];
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await writeBatch(deps, { batch, actorId, ctx: o.ctx, report });
    batch = [];
    // SQLite's driver is synchronous: without a turn of the event loop between batches, no request (a sign-in, a
    // hashing thread's answer) would run until the whole file is in.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  for (const { line, fields } of importRecords(o.text, o.format)) {
    const row = fields ? checkImportRow(fields) : line === 1 && o.format === 'csv' ? 'missing-header' : 'unreadable-line';
    if (typeof row === 'string') {
      report.failed++;
      report.lines.push({ line, outcome: 'failed', reason: row });
      continue;
    }
    if (seen.has(row.emailNormalized)) {
      report.failed++;
      report.lines.push({ line, outcome: 'failed', reason: 'duplicate-in-file' });
      continue;
    }
    seen.add(row.emailNormalized);
    // Under two-person approval no one administrator gives a privileged role alone, and a file is no way around it:
    // such a line is refused (import the person as a user, then change the role, which a second one approves).
    if (approvalMayApply(deps, actor, 'role.set') && needsApproval(deps.config.adminApproval, 'role.set', { role: 'user' }, { newRole: row.role })) {
      report.failed++;
      report.lines.push({ line, outcome: 'failed', reason: 'role-needs-approval' });
      continue;
    }
    batch.push({ line, row });
    if (batch.length >= IMPORT_BATCH_SIZE) await flush();
  }
  await flush();
  report.lines.sort((a, b) => a.line - b.line);
  const { created, skipped, failed, withoutPassword } = report;
  return adminAction(deps, actor, { action: 'accounts.import', targetId: null, why: o.why, ctx: o.ctx }, async () => ({
    result: report,
    detail: { format: o.format, created, skipped, failed, withoutPassword },
  }));
}

/** One transaction: each row's account made (or found taken) and its `account.imported` event. */
async function writeBatch(
  deps: FlowDeps,
  o: { batch: Array<{ line: number; row: CheckedRow }>; actorId: string | null; ctx: RequestContext; report: ImportReport },
): Promise<void> {
  const now = deps.clock.now();
  const outcomes = await deps.store.transaction(async (tx) => {
    const made: Array<Account | null> = [];
    for (const { line, row } of o.batch) {
      // An address some account moved away from within the last 7 days is still that account's (its "This wasn't
      // me" puts it back; flows/change-email.ts): skipped as existing, as sign-up refuses it.
      if (await tx.emailChanges.findEmailReservation(row.emailNormalized, now)) {
        made.push(null);
        continue;
      }
      const account = await tx.accounts.createAccount({ id: deps.random.uuid(), ...row, now });
      made.push(account);
      if (account) {
        await tx.events.recordEvent({
          accountId: account.id,
          actorId: o.actorId,
          type: 'account.imported',
          now,
          ip: o.ctx.ip,
          detail: { line, role: row.role, password: row.scheme ?? 'none' },
        });
      }
    }
    return made;
  });
  outcomes.forEach((account, k) => {
    const entry = o.batch[k];
    if (!entry) return;
    if (account) {
      o.report.created++;
      if (!entry.row.passwordHash) o.report.withoutPassword++;
      o.report.lines.push({ line: entry.line, outcome: 'created', reason: null });
    } else {
      o.report.skipped++;
      o.report.lines.push({ line: entry.line, outcome: 'skipped', reason: 'exists' });
    }
  });
}

/**
 * Every account in the import format, page by page (administrators; the operator at the command line). Admitted and
 * recorded before the first line: `admin.accounts.export` with the reason, the format, whether hashes were asked for
 * (`withHashes`, so an export of hashes stands out in the log) and how many accounts there were. Hashes only when
 * asked for, and never of a directory account (its password is the directory's).
 */
export async function exportAccounts(
  deps: FlowDeps,
  actor: Actor,
  o: { format: AccountFileFormat; withHashes: boolean; why: AdminReason; ctx: RequestContext },
): Promise<AsyncIterable<string>> {
  const why = checkedReason(o.why);
  await admitAdminAction(deps, actor, 'accounts.export', null);
  const rows = await deps.store.accounts.countAccounts();
  await recordAdminRead(deps, actor, {
    action: 'accounts.export',
    accountId: null,
    ctx: o.ctx,
    detail: { reason: why.reason, ...(why.ticket ? { ticket: why.ticket } : {}), format: o.format, withHashes: o.withHashes, rows },
  });
  return accountLines(deps, o);
}

async function* accountLines(deps: FlowDeps, o: { format: AccountFileFormat; withHashes: boolean }): AsyncGenerator<string> {
  const PAGE = 1000;
  if (o.format === 'csv') yield `${ACCOUNT_FILE_COLUMNS.join(',')}\r\n`;
  for (let offset = 0; ; offset += PAGE) {
    const page = await deps.store.accounts.listAccounts({ limit: PAGE, offset });
    for (const a of page) {
      const hash = o.withHashes && a.directoryId === null ? (a.passwordHash ?? '') : '';
      if (o.format === 'jsonl') yield `${JSON.stringify({ email: a.email, name: a.displayName, role: a.role, password_hash: hash })}\n`;
      else yield `${[a.email, a.displayName, a.role, hash].map(csvCell).join(',')}\r\n`;
    }
    if (page.length < PAGE) return;
  }
}
