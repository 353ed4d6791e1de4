// The help desk and administration API (issue 15): search accounts, open one, act on it, read the audit log.
// Cookie-authenticated like the rest; every route's permission, step-up, reason, audit event and notice are the
// flows' (flows/help-desk/), which all go through adminAction / admitAdminAction and the permission matrix
// (core/admin-permissions.ts). Unsafe methods pass the origin check every unsafe request passes (plugins/security.ts).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { REASON_MAX_LENGTH, REASON_MIN_LENGTH, TICKET_MAX_LENGTH } from '../../flows/help-desk/action.js';
import {
  ACCOUNT_ACTIONS,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_LIMIT_MAX,
  STATUS_FILTERS,
  searchAccounts,
  setRole,
  viewAccount,
  type AccountDetail,
  type AccountSummary,
  type ActionResult,
  type StatusFilter,
} from '../../flows/help-desk/accounts.js';
import type { Actor } from '../../flows/help-desk/action.js';
import type { Authenticated } from '../../flows/sessions.js';
import { AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, auditEventJson, exportAuditLog, readAuditLog } from '../../flows/help-desk/audit.js';
import { importAccounts } from '../../flows/help-desk/import.js';
import { refusalFor } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { hasDisallowedCharacters } from '../../core/text-input.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors, fieldMessage } from '../shared/schemas.js';
import { APPROVAL_NOTE, approvalAccepted, sendPending } from './approval-json.js';
import { ApprovalPending } from '../../flows/help-desk/approval-request.js';

const cookieAuth = [{ sessionCookie: [] }];
const TAGS = ['admin'];
/** What every route's OpenAPI description ends with. */
const STEP_UP_NOTE = {
  description:
    'Needs the help desk or administrator role (the permission matrix in the README) and a recent authentication with the account’s strongest method: otherwise 403 REAUTHENTICATION_REQUIRED (see POST /api/v1/session/reauthenticate).',
};
const STEP_UP = STEP_UP_NOTE.description;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const role = z.enum(['user', 'helpdesk', 'admin']);

/** Why the agent acts: one line that reaches the audit log and the person's email (no line breaks or invisible characters). */
function oneLine(max: number, min: number) {
  return z
    .string()
    .normalize('NFC')
    .trim()
    .refine((s) => [...s].length >= min, fieldMessage('error.field.atLeast', { min }))
    .refine((s) => [...s].length <= max, fieldMessage('error.field.atMost', { max }))
    .refine((s) => !hasDisallowedCharacters(s), fieldMessage('error.INVALID_CHARACTERS'));
}

/** The body every action takes; exported for the other help desk routes. */
export const adminReasonBody = z.strictObject({
  reason: oneLine(REASON_MAX_LENGTH, REASON_MIN_LENGTH).meta({ description: 'Why: shown to the person in their email and kept in the audit log.' }),
  ticket: oneLine(TICKET_MAX_LENGTH, 1).optional().meta({ description: 'A ticket reference, kept with the reason.' }),
});

const accountSummary = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role,
    status: z.enum(['active', 'disabled']),
    mustChangePassword: z.boolean(),
    passwordChangedAt: z.string().nullable(),
    directoryId: z.string().nullable().meta({ description: 'The directory entry’s stable id when the account lives in a directory.' }),
  })
  .meta({ id: 'AdminAccountSummary' });

function toSummary(a: AccountSummary): z.infer<typeof accountSummary> {
  return { ...a, passwordChangedAt: iso(a.passwordChangedAt) };
}

const auditEvent = z
  .object({
    id: z.number().int(),
    time: z.string(),
    type: z.string(),
    accountId: z.string().nullable(),
    actorId: z.string().nullable().meta({ description: 'The agent or administrator who acted; null when the person (or Passdesk) did.' }),
    ip: z.string().nullable(),
    device: z.string().nullable(),
    sessionId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });

const accountDetail = z
  .object({
    account: accountSummary.extend({ createdAt: z.string(), mustChangeReason: z.string().nullable() }),
    password: z.object({
      changedAt: z.string().nullable(),
      expiresAt: z.string().nullable().meta({ description: 'Under the expiry rule (PASSDESK_PASSWORD_MAX_AGE); null without one.' }),
      expired: z.boolean(),
      storedIn: z.enum(['passdesk', 'directory']),
    }),
    secondFactors: z.array(
      z.object({ id: z.string(), type: z.enum(['totp', 'passkey']), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() }),
    ),
    recoveryCodesLeft: z.number().int(),
    devices: z.array(
      z.object({ id: z.string(), device: z.string(), ip: z.string().nullable(), createdAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string() }),
    ),
    activity: z.array(auditEvent),
    lock: z.object({
      failures: z.number().int(),
      locked: z.boolean(),
      until: z.string().nullable(),
      waitUntil: z.string().nullable(),
      reason: z.enum(['sign-in-failures', 'disabled']).nullable(),
    }),
    directory: z
      .object({ directoryId: z.string(), passdeskSideOnly: z.literal(true) })
      .nullable()
      .meta({ description: 'Set for a directory account: disable, enable and unlock act on Passdesk’s side only; the directory entry is not changed.' }),
  })
  .meta({ id: 'AdminAccount' });

function toDetail(d: AccountDetail): z.infer<typeof accountDetail> {
  return {
    account: { ...toSummary(d.account), createdAt: new Date(d.account.createdAt).toISOString(), mustChangeReason: d.account.mustChangeReason },
    password: { changedAt: iso(d.password.changedAt), expiresAt: iso(d.password.expiresAt), expired: d.password.expired, storedIn: d.password.storedIn },
    secondFactors: d.secondFactors.map((f) => ({ ...f, createdAt: new Date(f.createdAt).toISOString(), lastUsedAt: iso(f.lastUsedAt) })),
    recoveryCodesLeft: d.recoveryCodesLeft,
    devices: d.devices.map((s) => ({
      ...s,
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeenAt).toISOString(),
      expiresAt: new Date(s.expiresAt).toISOString(),
    })),
    activity: d.activity.map(auditEventJson),
    lock: { ...d.lock, until: iso(d.lock.until), waitUntil: iso(d.lock.waitUntil) },
    directory: d.directory,
  };
}

export const actionResult = z
  .object({
    account: accountSummary,
    sessionsEnded: z.number().int().optional().meta({ description: 'Sessions the action ended (disable, sign-out, role).' }),
    wasLocked: z.boolean().optional().meta({ description: 'Whether Passdesk’s sign-in lock was on before the unlock.' }),
  })
  .meta({ id: 'AdminActionResult' });

export const toResult = (r: ActionResult): z.infer<typeof actionResult> => ({ ...r, account: toSummary(r.account) });

const accountId = z.strictObject({ id: z.string().min(1).max(64) });
const STATUS_LIST = new RegExp(`^(${STATUS_FILTERS.join('|')})(,(${STATUS_FILTERS.join('|')}))*$`);
const time = z.iso.datetime({ offset: true });

/** What each action route says in the API document. */
const ACTION_TEXT: Record<keyof typeof ACCOUNT_ACTIONS, { operationId: string; summary: string; description: string }> = {
  'reset-email': {
    operationId: 'adminSendResetEmail',
    summary: 'Send the person a reset email',
    description:
      'The normal password reset email (link and code), as if the person had asked; its second-factor rules hold. 409 ACCOUNT_DISABLED for a disabled account.',
  },
  'require-change': {
    operationId: 'adminRequirePasswordChange',
    summary: 'Require a new password at the next sign-in',
    description: 'The person must choose a new password before anything else (reason "admin").',
  },
  unlock: {
    operationId: 'adminUnlockAccount',
    summary: 'Unlock signing in',
    description: 'Forgets Passdesk’s count of wrong passwords for the account. For a directory account the directory’s own lockout is not changed.',
  },
  disable: {
    operationId: 'adminDisableAccount',
    summary: 'Disable the account',
    description: 'The account can no longer sign in; every session ends and live reset links stop working. Passdesk’s side only for a directory account.',
  },
  enable: {
    operationId: 'adminEnableAccount',
    summary: 'Enable the account',
    description: 'The account can sign in again. Passdesk’s side only for a directory account.',
  },
  'sign-out': { operationId: 'adminSignOutEverywhere', summary: 'Sign out everywhere', description: 'Ends every session of the account.' },
};

type Request = Parameters<HttpContext['requireAuth']>[0];
const actorOf = async (ctx: HttpContext, request: Request): Promise<Actor> => ({ kind: 'session', auth: await ctx.requireAuth(request) });

export async function adminApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await accountRoutes(app, ctx);
  await actionRoutes(app, ctx);
  await auditRoute(app, ctx);
  await importRoute(app, ctx);
}

/** The largest import file the API takes (about 200,000 lines with bcrypt hashes); larger ones go through the CLI. */
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;

const lineOutcome = z.object({
  line: z.number().int(),
  outcome: z.enum(['created', 'skipped', 'failed']),
  reason: z.string().nullable().meta({ description: 'null when created; `exists` when skipped; else why the line failed (a code).' }),
});

/**
 * Before an import's body (up to 32 MiB, buffered and parsed) is read: signed in, with a role that may import (else
 * 403 FORBIDDEN, the body unread). Null when signed out. The step-up and the rest are the flow's, once it is parsed.
 */
export async function importerBeforeBody(ctx: HttpContext, request: FastifyRequest): Promise<Authenticated | null> {
  const auth = await ctx.authenticate(request);
  if (auth && refusalFor(auth.account, 'accounts.import') === 'role') throw new PassdeskError('FORBIDDEN');
  return auth;
}

/** Accounts in bulk from a CSV or JSON Lines file (flows/help-desk/import.ts). */
async function importRoute(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/v1/admin/accounts/import',
    {
      bodyLimit: IMPORT_MAX_BYTES + 64 * 1024,
      // Every other route's body is at most 16 KiB, read before its handler asks who sent it; this one is not.
      preParsing: async (request, _reply, payload) => {
        if (!(await importerBeforeBody(ctx, request))) throw new PassdeskError('AUTHENTICATION_REQUIRED');
        return payload;
      },
      schema: {
        operationId: 'adminImportAccounts',
        tags: TAGS,
        summary: 'Import accounts',
        description:
          'Administrators only. `data` is the file: CSV with the header `email,name,role,password_hash`, or JSON Lines with those keys (`format`). A `password_hash` of another system (bcrypt, PBKDF2 and scrypt in Django’s or passlib’s format, argon2i/argon2id, LDAP {SSHA}/{SSHA512}/{CRYPT}, crypt $1$/$5$/$6$) is kept and replaced by argon2id at the next sign-in; none: the person sets a password through a reset. An email that has an account is skipped (importing the same file twice changes nothing). Every line is reported; a bad line does not stop the rest. Recorded as `admin.accounts.import` with the counts, and `account.imported` per account. ' +
          STEP_UP,
        security: cookieAuth,
        body: adminReasonBody.extend({
          format: z.enum(['csv', 'jsonl']),
          data: z.string().max(IMPORT_MAX_BYTES),
        }),
        response: {
          200: z.object({
            created: z.number().int(),
            skipped: z.number().int(),
            failed: z.number().int(),
            withoutPassword: z.number().int(),
            lines: z.array(lineOutcome),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { format, data, ...why } = request.body;
      return importAccounts(ctx.deps, await actorOf(ctx, request), { text: data, format, why, ctx: requestContext(request) });
    },
  );
}

/** Search and the account view. */
async function accountRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/admin/accounts',
    {
      schema: {
        operationId: 'adminSearchAccounts',
        tags: TAGS,
        summary: 'Search accounts',
        description: `Accounts whose email or name contains \`q\` (or whose id is \`q\`), narrowed by \`status\` (comma-separated: ${STATUS_FILTERS.join(', ')}), in email order; \`nextCursor\` fetches the next page. Lists only accounts the caller may act on (a help desk agent: people with the user role). ${STEP_UP}`,
        security: cookieAuth,
        querystring: z.strictObject({
          q: z.string().trim().max(254).optional(),
          status: z.string().max(100).regex(STATUS_LIST).optional(),
          limit: z.coerce.number().int().min(1).max(SEARCH_LIMIT_MAX).default(SEARCH_LIMIT_DEFAULT),
          cursor: z
            .string()
            .max(400)
            .regex(/^[A-Za-z0-9_-]+$/)
            .optional(),
        }),
        response: { 200: z.object({ accounts: z.array(accountSummary), nextCursor: z.string().nullable() }), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { q, status, limit, cursor } = request.query;
      const found = await searchAccounts(ctx.deps, await actorOf(ctx, request), {
        query: q ?? null,
        status: status ? (status.split(',') as StatusFilter[]) : [],
        limit,
        cursor: cursor ?? null,
      });
      return { accounts: found.accounts.map(toSummary), nextCursor: found.nextCursor };
    },
  );

  r.get(
    '/api/v1/admin/accounts/:id',
    {
      config: { recordsRead: true },
      schema: {
        operationId: 'adminGetAccount',
        tags: TAGS,
        summary: 'One account, as the help desk sees it',
        description: `Status, role, password age and expiry, second factors (types, names, dates; never a secret), devices, recent activity and the sign-in lock. 404 for an unknown id; 403 for an account out of the caller’s reach (their own, or an equal or higher role). ${STEP_UP}`,
        security: cookieAuth,
        params: accountId,
        response: { 200: accountDetail, ...errors(401, 403, 404) },
      },
    },
    async (request) => toDetail(await viewAccount(ctx.deps, await actorOf(ctx, request), request.params.id)),
  );
}

/** The actions on one account, each with a reason. */
async function actionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  for (const [path, { run }] of Object.entries(ACCOUNT_ACTIONS) as Array<
    [keyof typeof ACCOUNT_ACTIONS, (typeof ACCOUNT_ACTIONS)[keyof typeof ACCOUNT_ACTIONS]]
  >) {
    const text = ACTION_TEXT[path];
    r.post(
      `/api/v1/admin/accounts/:id/${path}`,
      {
        schema: {
          operationId: text.operationId,
          tags: TAGS,
          summary: text.summary,
          description: `${text.description} Recorded in the audit log with the caller, the reason and the ticket; the person is emailed. ${path === 'sign-out' ? 'Never waits for approval.' : APPROVAL_NOTE} ${STEP_UP}`,
          security: cookieAuth,
          params: accountId,
          body: adminReasonBody,
          response: { 200: actionResult, 202: approvalAccepted, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const result = await run(ctx.deps, await actorOf(ctx, request), { accountId: request.params.id, why: request.body, ctx: requestContext(request) });
        return result instanceof ApprovalPending ? sendPending(reply, result) : toResult(result);
      },
    );
  }

  r.post(
    '/api/v1/admin/accounts/:id/role',
    {
      schema: {
        operationId: 'adminSetRole',
        tags: TAGS,
        summary: 'Change the role',
        description: `Administrators only; nobody changes their own role. Every session of the account ends (a change of privilege). 400 when the account has that role already. ${APPROVAL_NOTE} Giving a privileged role waits too. ${STEP_UP}`,
        security: cookieAuth,
        params: accountId,
        body: adminReasonBody.extend({ role }),
        response: { 200: actionResult, 202: approvalAccepted, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { role: newRole, ...why } = request.body;
      const result = await setRole(ctx.deps, await actorOf(ctx, request), { accountId: request.params.id, why, role: newRole, ctx: requestContext(request) });
      return result instanceof ApprovalPending ? sendPending(reply, result) : toResult(result);
    },
  );
}

/** The audit log: a page as JSON, or every matching event streamed as CSV or JSON Lines. */
async function auditRoute(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/admin/audit',
    {
      config: { recordsRead: true },
      schema: {
        operationId: 'adminReadAuditLog',
        tags: TAGS,
        summary: 'The audit log',
        description:
          'Administrators only. Events newest first, filtered by `person` (account id or email), `actor` (account id), `type` (one type, or a family such as `admin.*`) and time (`from` inclusive, `to` exclusive). ' +
          '`format=json` (default) answers one page and `nextCursor`; `format=csv` or `format=jsonl` streams every matching event as a download (Content-Disposition: attachment; CSV cells that a spreadsheet would read as a formula start with an apostrophe). ' +
          'Every read is itself recorded as `admin.audit.read` (the caller, the filter, the format and how many rows), about the person when the filter names one. ' +
          STEP_UP,
        security: cookieAuth,
        querystring: z.strictObject({
          person: z.string().trim().max(254).optional(),
          actor: z.string().trim().max(64).optional(),
          type: z
            .string()
            .max(64)
            .regex(/^[a-z0-9_.]+(\.\*)?$/)
            .optional(),
          from: time.optional(),
          to: time.optional(),
          limit: z.coerce.number().int().min(1).max(AUDIT_LIMIT_MAX).default(AUDIT_LIMIT_DEFAULT),
          cursor: z.string().max(20).optional(),
          format: z.enum(['json', 'csv', 'jsonl']).default('json'),
        }),
        response: { 200: z.object({ events: z.array(auditEvent), nextCursor: z.string().nullable() }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { person, actor, type, from, to, limit, cursor, format } = request.query;
      const filter = {
        person: person ?? null,
        actorId: actor ?? null,
        type: type ?? null,
        from: from ? Date.parse(from) : null,
        to: to ? Date.parse(to) : null,
      };
      const caller = await actorOf(ctx, request);
      if (format === 'json') {
        const page = await readAuditLog(ctx.deps, caller, { ...filter, limit, cursor: cursor ?? null }, requestContext(request));
        return { events: page.events.map(auditEventJson), nextCursor: page.nextCursor };
      }
      const chunks = await exportAuditLog(ctx.deps, caller, { filter, format, ctx: requestContext(request) });
      // A stream is sent as it is (Fastify serializes only objects); the 200 schema describes the JSON page.
      const body = Readable.from(chunks) as unknown as { events: []; nextCursor: null };
      const stamp = new Date(ctx.deps.clock.now()).toISOString().slice(0, 10);
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8')
        .header('content-disposition', `attachment; filename="passdesk-audit-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
}
