// The help desk console's pages (issue 15): /admin (search), /admin/accounts/:id (one account, a form per action),
// the caller verification forms, the temporary password shown once, and /admin/audit for administrators. The same
// flows as the API (flows/help-desk/): the permission matrix, step-up, the reason, the audit event and the notice
// are theirs. Every route needs a signed-in page session and sends a stale one to "Confirm it's you" (route config).
import { sentence } from '../../core/i18n/sentence.js';
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { refusalFor } from '../../core/admin-permissions.js';
import { PassdeskError } from '../../core/errors.js';
import { english } from '../../core/messages.js';
import { ACCOUNT_ACTIONS, STATUS_FILTERS, searchAccounts, setRole, viewAccount, type StatusFilter } from '../../flows/help-desk/accounts.js';
import type { Actor, AdminReason } from '../../flows/help-desk/action.js';
import { readAuditLog } from '../../flows/help-desk/audit.js';
import { callerVerifiedUntil, confirmCaller, sendCallerCode } from '../../flows/help-desk/caller.js';
import { removeFactorForCaller } from '../../flows/help-desk/factors.js';
import { issueTemporaryPassword } from '../../flows/help-desk/temporary-password.js';
import { ApprovalPending } from '../../flows/help-desk/approval-request.js';
import { approveRequest, cancelRequest, getApproval, listApprovals, rejectRequest } from '../../flows/help-desk/approvals.js';
import type { Authenticated } from '../../flows/sessions.js';
import {
  approvalsPage,
  auditLogPage,
  CONSOLE_NOTICES,
  helpDeskAccountPage,
  helpDeskSearchPage,
  temporaryPasswordPage,
  type AuditFilterView,
  type ConsoleNotice,
} from '../../web/views/help-desk.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, sendSecretPage, shownOnPage, signedIn } from '../shared/pages.js';
import { adminReasonBody } from './api.js';

const PAGE_SIZE = 25;
const AUDIT_PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

const accountParams = z.object({ id: z.string().min(1).max(64) });
const factorParams = accountParams.extend({ factorId: z.string().min(1).max(64) });
const approvalParams = accountParams.extend({ approvalId: z.string().min(1).max(64) });
const searchQuery = z
  .object({
    q: z.string().max(254).optional(),
    status: z.union([z.string().max(40), z.array(z.string().max(40)).max(10)]).optional(),
    cursor: z
      .string()
      .max(400)
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .loose();
const noticeQuery = z.object({ notice: z.enum(CONSOLE_NOTICES).optional() }).loose();
const reasonForm = z.object({ reason: z.string().max(2000).default(''), ticket: z.string().max(200).optional() }).loose();
const roleForm = z.object({ role: z.enum(['user', 'helpdesk', 'admin']) }).loose();
const callerForm = z.object({ method: z.enum(['email-code', 'totp']).default('email-code'), code: z.string().max(16).default('') }).loose();
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)));
const auditQuery = z
  .object({
    person: z.string().trim().max(254).default(''),
    actor: z.string().trim().max(64).default(''),
    type: z
      .string()
      .trim()
      .max(64)
      .regex(/^([a-z0-9_.]+(\.\*)?)?$/)
      .default(''),
    from: z.union([date, z.literal('')]).default(''),
    to: z.union([date, z.literal('')]).default(''),
    cursor: z.string().max(20).regex(/^\d*$/).optional(),
  })
  .loose();

export const session = (auth: Authenticated): Extract<Actor, { kind: 'session' }> => ({ kind: 'session', auth });
/** What the console offers this person (the matrix decides; the flows check again when they act). */
export const offers = (auth: Authenticated): { canReadAudit: boolean; canSetRole: boolean; canTransfer: boolean } => ({
  canReadAudit: refusalFor(auth.account, 'audit.read') === null,
  canSetRole: refusalFor(auth.account, 'role.set') === null,
  canTransfer: refusalFor(auth.account, 'accounts.import') === null && refusalFor(auth.account, 'accounts.export') === null,
});
const accountPath = (id: string): string => `/admin/accounts/${encodeURIComponent(id)}`;

/** The reason and ticket of an action's form, as the API checks them (an empty ticket is no ticket). */
export function reasonOf(fields: Record<string, unknown>): AdminReason {
  const form = reasonForm.safeParse(fields);
  const ticket = form.success ? form.data.ticket?.trim() : undefined;
  const parsed = adminReasonBody.safeParse({ reason: form.success ? form.data.reason : '', ...(ticket ? { ticket } : {}) });
  if (parsed.success) return parsed.data;
  const characters = parsed.error.issues.some((i) => i.message === english.t('error.INVALID_CHARACTERS'));
  throw characters ? new PassdeskError('INVALID_CHARACTERS') : new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.adminReason'));
}

function accountIdOf(request: FastifyRequest): string {
  const params = accountParams.safeParse(request.params);
  if (!params.success) throw new PassdeskError('NOT_FOUND');
  return params.data.id;
}

export async function adminPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  await searchPage(pages, ctx);
  await accountPages(pages, ctx);
  await auditPage(pages, ctx);
  await approvalPages(pages, ctx);
}

async function searchPage(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/admin', { schema: { hide: true }, config: { auth: 'page', stepUp: '/admin' } }, async (request, reply) => {
    const auth = signedIn(request);
    const parsed = searchQuery.safeParse(request.query);
    const q = parsed.success ? (parsed.data.q ?? '').trim() : '';
    const asked = parsed.success ? [parsed.data.status ?? []].flat() : [];
    const status = STATUS_FILTERS.filter((s) => asked.includes(s));
    const found = await searchAccounts(ctx.deps, session(auth), {
      query: q || null,
      status,
      limit: PAGE_SIZE,
      cursor: parsed.success ? (parsed.data.cursor ?? null) : null,
    });
    let nextPage: string | null = null;
    if (found.nextCursor) {
      const next = new URLSearchParams({ q });
      for (const s of status) next.append('status', s);
      next.set('cursor', found.nextCursor);
      nextPage = `/admin?${next.toString()}`;
    }
    return sendPage(
      reply,
      helpDeskSearchPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        ...offers(auth),
        query: q,
        status: status as StatusFilter[],
        results: found.accounts,
        nextPage,
        ...(parsed.success ? {} : { error: translatorFor(ctx, request).t('error.VALIDATION_FAILED') }),
      }),
    );
  });
}

interface ShowOptions {
  notice?: ConsoleNotice;
  error?: string;
  status?: number;
}

/** One account's page, with a notice or a refusal. */
async function showAccount(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authenticated,
  id: string,
  o: ShowOptions = {},
): Promise<FastifyReply> {
  const detail = await viewAccount(ctx.deps, session(auth), id);
  return sendPage(
    reply,
    helpDeskAccountPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      ...offers(auth),
      detail,
      canDelete: refusalFor(auth.account, 'account.delete', detail.account) === null,
      callerVerifiedUntil: await callerVerifiedUntil(ctx.deps, auth, id),
      approvals: await listApprovals(ctx.deps, session(auth), { accountId: id }),
      notice: o.notice,
      error: o.error,
    }),
    o.status ?? 200,
  );
}

async function accountPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const config = { auth: 'page', stepUp: '/admin/accounts/:id' } as const;
  const show = (request: FastifyRequest, reply: FastifyReply, id: string, o: ShowOptions = {}) => showAccount(ctx, request, reply, signedIn(request), id, o);

  pages.get('/admin/accounts/:id', { schema: { hide: true }, config }, async (request, reply) => {
    const q = noticeQuery.safeParse(request.query);
    return show(request, reply, accountIdOf(request), { ...(q.success && q.data.notice ? { notice: q.data.notice } : {}) });
  });

  /** A form that acts and comes back to the account with a notice, or shows the account again with the refusal. */
  const act = (path: string, run: (auth: Authenticated, id: string, fields: Record<string, unknown>, request: FastifyRequest) => Promise<ConsoleNotice>) => {
    pages.post(`/admin/accounts/:id/${path}`, { schema: { hide: true }, config }, async (request, reply) => {
      const id = accountIdOf(request);
      try {
        const notice = await run(signedIn(request), id, formBody(request), request);
        return reply.redirect(`${accountPath(id)}?notice=${notice}`, 303);
      } catch (err) {
        const shown = shownOnPage(request, err);
        return show(request, reply, id, { error: shownText(ctx, request, shown), status: shown.status });
      }
    });
  };

  for (const [path, { run }] of Object.entries(ACCOUNT_ACTIONS) as Array<
    [keyof typeof ACCOUNT_ACTIONS, (typeof ACCOUNT_ACTIONS)[keyof typeof ACCOUNT_ACTIONS]]
  >) {
    act(path, async (auth, id, fields, request) => {
      const done = await run(ctx.deps, session(auth), { accountId: id, why: reasonOf(fields), ctx: requestContext(request) });
      return done instanceof ApprovalPending ? 'approval-requested' : path;
    });
  }
  act('role', async (auth, id, fields, request) => {
    const role = roleForm.safeParse(fields);
    if (!role.success) throw new PassdeskError('VALIDATION_FAILED');
    const done = await setRole(ctx.deps, session(auth), { accountId: id, why: reasonOf(fields), role: role.data.role, ctx: requestContext(request) });
    return done instanceof ApprovalPending ? 'approval-requested' : 'role';
  });
  act('caller/send', async (auth, id, _fields, request) => {
    await sendCallerCode(ctx.deps, auth, id, requestContext(request));
    return 'code-sent';
  });
  act('caller/confirm', async (auth, id, fields, request) => {
    const form = callerForm.safeParse(fields);
    if (!form.success || form.data.code.trim() === '') throw new PassdeskError('VALIDATION_FAILED', sentence('error.form.code'));
    await confirmCaller(ctx.deps, auth, { accountId: id, method: form.data.method, code: form.data.code.trim() }, requestContext(request));
    return 'caller-verified';
  });

  pages.post('/admin/accounts/:id/factors/:factorId/remove', { schema: { hide: true }, config }, async (request, reply) => {
    const id = accountIdOf(request);
    try {
      const params = factorParams.safeParse(request.params);
      if (!params.success) throw new PassdeskError('SECOND_FACTOR_NOT_FOUND');
      const why = reasonOf(formBody(request));
      const done = await removeFactorForCaller(ctx.deps, session(signedIn(request)), {
        accountId: id,
        factorId: params.data.factorId,
        why,
        ctx: requestContext(request),
      });
      return reply.redirect(`${accountPath(id)}?notice=${done instanceof ApprovalPending ? 'approval-requested' : 'factor-removed'}`, 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return show(request, reply, id, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });

  // The temporary password is the answer itself (never a redirect that would carry it): shown once, never cached.
  pages.post('/admin/accounts/:id/temporary-password', { schema: { hide: true }, config }, async (request, reply) => {
    const id = accountIdOf(request);
    const auth = signedIn(request);
    try {
      const why = reasonOf(formBody(request));
      const issued = await issueTemporaryPassword(ctx.deps, session(auth), { accountId: id, why, ctx: requestContext(request) });
      if (issued instanceof ApprovalPending) return reply.redirect(`${accountPath(id)}?notice=approval-requested`, 303);
      const { account } = await viewAccount(ctx.deps, session(auth), id);
      return sendSecretPage(
        reply,
        temporaryPasswordPage(pageView(ctx, request), {
          csrf: ensureCsrfToken(ctx, request, reply),
          displayName: auth.account.displayName,
          ...offers(auth),
          account,
          password: issued.temporaryPassword,
          expiresAt: issued.expiresAt,
        }),
      );
    } catch (err) {
      const shown = shownOnPage(request, err);
      return show(request, reply, id, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });
}

/** The API's query for the page's filter: dates are whole UTC days, `to` inclusive. */
function auditApiQuery(f: AuditFilterView, format: 'csv' | 'jsonl'): string {
  const q = new URLSearchParams({ format });
  if (f.person) q.set('person', f.person);
  if (f.actor) q.set('actor', f.actor);
  if (f.type) q.set('type', f.type);
  if (f.from) q.set('from', new Date(Date.parse(`${f.from}T00:00:00Z`)).toISOString());
  if (f.to) q.set('to', new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS).toISOString());
  return `/api/v1/admin/audit?${q.toString()}`;
}

async function auditPage(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/admin/audit', { schema: { hide: true }, config: { auth: 'page', stepUp: '/admin/audit', recordsRead: true } }, async (request, reply) => {
    const auth = signedIn(request);
    const parsed = auditQuery.safeParse(request.query);
    const filter: AuditFilterView = parsed.success
      ? { person: parsed.data.person, actor: parsed.data.actor, type: parsed.data.type, from: parsed.data.from, to: parsed.data.to }
      : { person: '', actor: '', type: '', from: '', to: '' };
    const page = await readAuditLog(
      ctx.deps,
      session(auth),
      {
        person: filter.person || null,
        actorId: filter.actor || null,
        type: filter.type || null,
        from: filter.from ? Date.parse(`${filter.from}T00:00:00Z`) : null,
        to: filter.to ? Date.parse(`${filter.to}T00:00:00Z`) + DAY_MS : null,
        limit: AUDIT_PAGE_SIZE,
        cursor: parsed.success ? (parsed.data.cursor ?? null) : null,
      },
      requestContext(request),
    );
    let nextPage: string | null = null;
    if (page.nextCursor) {
      const next = new URLSearchParams({ ...filter, cursor: page.nextCursor });
      nextPage = `/admin/audit?${next.toString()}`;
    }
    return sendPage(
      reply,
      auditLogPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        ...offers(auth),
        filter,
        events: page.events,
        nextPage,
        exportCsv: auditApiQuery(filter, 'csv'),
        exportJsonl: auditApiQuery(filter, 'jsonl'),
        ...(parsed.success ? {} : { error: translatorFor(ctx, request).t('error.VALIDATION_FAILED') }),
      }),
      parsed.success ? 200 : 400,
    );
  });
}

/** "Waiting for approval", and approve / reject / cancel on an account's page (flows/help-desk/approvals.ts). */
async function approvalPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/admin/approvals', { schema: { hide: true }, config: { auth: 'page', stepUp: '/admin/approvals' } }, async (request, reply) => {
    const auth = signedIn(request);
    const q = noticeQuery.safeParse(request.query);
    return sendPage(
      reply,
      approvalsPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        ...offers(auth),
        approvals: await listApprovals(ctx.deps, session(auth)),
        ...(q.success && q.data.notice ? { notice: q.data.notice } : {}),
      }),
    );
  });

  const config = { auth: 'page', stepUp: '/admin/accounts/:id' } as const;
  for (const decision of ['approve', 'reject', 'cancel'] as const) {
    pages.post(`/admin/accounts/:id/approvals/:approvalId/${decision}`, { schema: { hide: true }, config }, async (request, reply) => {
      const id = accountIdOf(request);
      const auth = signedIn(request);
      try {
        const params = approvalParams.safeParse(request.params);
        if (!params.success) throw new PassdeskError('NOT_FOUND');
        const why = reasonOf(formBody(request));
        const o = { id: params.data.approvalId, why, ctx: requestContext(request) };
        // The request must be about the account whose page this is.
        if ((await getApproval(ctx.deps, session(auth), o.id)).account.id !== id) throw new PassdeskError('NOT_FOUND');
        if (decision === 'reject') await rejectRequest(ctx.deps, session(auth), o);
        if (decision === 'cancel') await cancelRequest(ctx.deps, auth, o);
        if (decision !== 'approve') return reply.redirect(`${accountPath(id)}?notice=${decision === 'reject' ? 'rejected' : 'cancelled'}`, 303);
        return await approvedAnswer(ctx, request, reply, auth, await approveRequest(ctx.deps, session(auth), o));
      } catch (err) {
        const shown = shownOnPage(request, err);
        return showAccount(ctx, request, reply, auth, id, { error: shownText(ctx, request, shown), status: shown.status });
      }
    });
  }
}

/** After an approval: back to the account, or the temporary password shown once, or a deleted account's export. */
async function approvedAnswer(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authenticated,
  done: Awaited<ReturnType<typeof approveRequest>>,
): Promise<FastifyReply> {
  const o = done.outcome;
  const account = done.approval.account;
  if (o.kind === 'temporary-password') {
    return sendSecretPage(
      reply,
      temporaryPasswordPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        ...offers(auth),
        account,
        password: o.result.temporaryPassword,
        expiresAt: o.result.expiresAt,
      }),
    );
  }
  if (o.kind === 'deleted') {
    // The account is gone: its export is the answer, once, as a download (the API's JSON; never cached or kept).
    const body = JSON.stringify({ reference: o.result.reference, directory: o.result.directory, export: o.result.export }, null, 2);
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="passdesk-export-${o.result.reference.replace(/[^A-Za-z0-9_-]/g, '-')}.json"`)
      .type('application/json; charset=utf-8')
      .send(body);
  }
  return reply.redirect(`${accountPath(account.id)}?notice=approved`, 303);
}
