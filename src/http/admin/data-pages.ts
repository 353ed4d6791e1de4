// The console's pages for accounts in and out (issue 15): /admin/import (a file upload, or lines pasted, with its
// per-line report), /admin/export (every account as a download) and /admin/accounts/:id/delete (the person's data
// downloaded first, then a confirmation that names the account). Administrators only, with step-up and a reason;
// the flows are the API's and the CLI's (flows/help-desk/import.ts, delete-account.ts), which record each use.
//
// The upload is multipart/form-data, read here with the platform's own parser (the Fetch API's Response.formData,
// undici) after the body has been bounded: IMPORT_MAX_BYTES, as the API's import, checked against Content-Length
// before reading and against what arrives while reading; it is read only for a signed-in administrator, and parsed
// only when it holds at most MULTIPART_MAX_PARTS parts. Only these routes take multipart; every other form is
// application/x-www-form-urlencoded. A refused upload is never shown back (it may hold password hashes).
import { sentence } from '../../core/i18n/sentence.js';
import { pageView, shownText } from '../shared/page-view.js';
import { Readable } from 'node:stream';
import { ApprovalPending } from '../../flows/help-desk/approval-request.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { normalizeEmail } from '../../core/email.js';
import { PassdeskError } from '../../core/errors.js';
import { admitAdminAction } from '../../flows/help-desk/action.js';
import { EXPORT_BEFORE_DELETE_MS, deleteAccount, recentExportBy } from '../../flows/help-desk/delete-account.js';
import { exportAccounts, formatFromFileName, importAccounts, type AccountFileFormat } from '../../flows/help-desk/import.js';
import type { Account } from '../../store/index.js';
import { accountDeletedPage, deleteAccountPage, exportPage, importPage, importReportPage, type KeptFields } from '../../web/views/help-desk-data.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, sendSecretPage, shownOnPage, signedIn } from '../shared/pages.js';
import { IMPORT_MAX_BYTES, importerBeforeBody } from './api.js';
import { accountFileHeaders } from './export-api.js';
import { offers, reasonOf, session } from './pages.js';

/** What a multipart body may hold beyond the file: the boundaries, headers and the small fields. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** Parts the import form can send (_csrf, format, pasted, file, reason, ticket) and room to spare; more is no browser's. */
const MULTIPART_MAX_PARTS = 32;
const MIB = 1024 * 1024;

const keptForm = z.object({ reason: z.string().max(2000).default(''), ticket: z.string().max(200).default('') }).loose();
const importForm = z
  .object({
    format: z.enum(['auto', 'csv', 'jsonl']).default('auto'),
    pasted: z.string().max(IMPORT_MAX_BYTES).default(''),
    file: z.string().max(IMPORT_MAX_BYTES).optional(),
    fileName: z.string().max(255).default(''),
    fileNotUtf8: z.literal('yes').optional(),
  })
  .loose();
const exportForm = z.object({ format: z.enum(['csv', 'jsonl']).default('csv'), withHashes: z.literal('yes').optional() }).loose();
const confirmForm = z.object({ confirm: z.string().max(254).default('') }).loose();
const accountParams = z.object({ id: z.string().min(1).max(64) });

/** The reason and ticket as typed, to show again beside a refusal (they hold no secret). */
function keptFields(request: FastifyRequest): KeptFields {
  const parsed = keptForm.safeParse(formBody(request));
  return parsed.success ? parsed.data : { reason: '', ticket: '' };
}

function tooLarge(): PassdeskError {
  return new PassdeskError('BODY_TOO_LARGE', sentence('error.BODY_TOO_LARGE.import', { mib: IMPORT_MAX_BYTES / MIB }));
}

/**
 * multipart/form-data for the import form: bounded, then parsed by the platform. Text fields stay strings; the file
 * becomes `file` (its text, UTF-8) and `fileName`, or `fileNotUtf8` when it is not UTF-8. An empty file input is no file.
 */
async function parseImportUpload(request: FastifyRequest, payload: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const limit = IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES;
  if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw tooLarge();
    chunks.push(bytes);
  }
  const body = Buffer.concat(chunks);
  // The parser's time grows with the parts (seconds for 30 MiB of one-byte fields): counted before it runs.
  const boundary = /;\s*boundary="?([^";]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1];
  if (boundary !== undefined && countParts(body, boundary) > MULTIPART_MAX_PARTS) throw new PassdeskError('VALIDATION_FAILED');
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
  } catch {
    throw new PassdeskError('VALIDATION_FAILED');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (name in fields) continue;
    if (typeof value === 'string') {
      fields[name] = value;
    } else if (name === 'file' && (value.size > 0 || value.name !== '')) {
      fields['fileName'] = value.name;
      try {
        fields['file'] = new TextDecoder('utf-8', { fatal: true }).decode(await value.arrayBuffer());
      } catch {
        fields['fileNotUtf8'] = 'yes';
      }
    }
  }
  return fields;
}

/** How many delimiters (`--boundary`) the body holds, counting no further than one past `MULTIPART_MAX_PARTS`. */
function countParts(body: Buffer, boundary: string): number {
  const delimiter = Buffer.from(`--${boundary}`);
  let parts = 0;
  for (let at = body.indexOf(delimiter); at !== -1 && parts <= MULTIPART_MAX_PARTS + 1; at = body.indexOf(delimiter, at + delimiter.length)) parts++;
  // The last delimiter closes the body and opens no part.
  return parts - 1;
}

/** The file's text and format from the form, or the refusal to show. */
function importInput(fields: Record<string, unknown>): { text: string; format: AccountFileFormat } {
  const form = importForm.safeParse(fields);
  if (!form.success) throw new PassdeskError('VALIDATION_FAILED');
  const { format, pasted, file, fileName, fileNotUtf8 } = form.data;
  if (fileNotUtf8) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.importEncoding'));
  const hasPasted = pasted.trim() !== '';
  if (file !== undefined && hasPasted) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.importBoth'));
  if (file === undefined && !hasPasted) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.importNoFile'));
  const chosen = format === 'auto' ? (file !== undefined ? formatFromFileName(fileName) : null) : format;
  if (!chosen) throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.importFormat'));
  return { text: file ?? pasted, format: chosen };
}

export async function adminDataPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  // biome-ignore lint/nursery/noMisusedPromises: register takes async plugins (FastifyPluginAsync); Biome resolves only its callback overload
  await pages.register(async (scope) => importPages(scope, ctx));
  await exportPages(pages, ctx);
  await deletePages(pages, ctx);
}

async function importPages(scope: FastifyInstance, ctx: HttpContext): Promise<void> {
  // Only this scope's routes read multipart bodies, and only an administrator's: the body (up to 32 MiB, buffered and
  // parsed) is read after the session and the role are checked, which the pages' own checks (preHandler) do only
  // once it was parsed. A stranger is sent to sign in and an agent refused, their upload unread.
  scope.addHook('preParsing', async (request, reply, payload) => {
    if (!/^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '')) return payload;
    if (!(await importerBeforeBody(ctx, request))) return reply.redirect('/sign-in', 303);
    return payload;
  });
  scope.addContentTypeParser('multipart/form-data', parseImportUpload);
  const config = { auth: 'page', stepUp: '/admin/import' } as const;
  const form = (request: FastifyRequest, reply: FastifyReply, o: { error?: string; kept?: KeptFields; status?: number } = {}) => {
    const auth = signedIn(request);
    const body = importPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      ...offers(auth),
      maxMib: IMPORT_MAX_BYTES / MIB,
      error: o.error,
      kept: o.kept,
    });
    return sendPage(reply, body, o.status ?? 200);
  };

  scope.get('/admin/import', { schema: { hide: true }, config }, async (request, reply) => {
    await admitAdminAction(ctx.deps, session(signedIn(request)), 'accounts.import', null);
    return form(request, reply);
  });

  scope.post('/admin/import', { schema: { hide: true }, config }, async (request, reply) => {
    const auth = signedIn(request);
    // The role (and step-up) first: a person who may not import learns nothing about the file.
    await admitAdminAction(ctx.deps, session(auth), 'accounts.import', null);
    try {
      const fields = formBody(request);
      const why = reasonOf(fields);
      const input = importInput(fields);
      const report = await importAccounts(ctx.deps, session(auth), { ...input, why, ctx: requestContext(request) });
      // The report names the addresses of the file: like every answer that carries personal data, never cached.
      return sendSecretPage(
        reply,
        importReportPage(pageView(ctx, request), {
          csrf: ensureCsrfToken(ctx, request, reply),
          displayName: auth.account.displayName,
          ...offers(auth),
          report,
        }),
      );
    } catch (err) {
      const shown = shownOnPage(request, err);
      return form(request, reply, { error: shownText(ctx, request, shown), kept: keptFields(request), status: shown.status });
    }
  });
}

async function exportPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const config = { auth: 'page', stepUp: '/admin/export' } as const;
  const form = (request: FastifyRequest, reply: FastifyReply, o: { error?: string; kept?: KeptFields; status?: number } = {}) => {
    const auth = signedIn(request);
    const body = exportPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      ...offers(auth),
      ...o,
    });
    return sendPage(reply, body, o.status ?? 200);
  };

  pages.get('/admin/export', { schema: { hide: true }, config }, async (request, reply) => {
    await admitAdminAction(ctx.deps, session(signedIn(request)), 'accounts.export', null);
    return form(request, reply);
  });

  // The answer is the file itself (a download: the browser stays on the form), or the form again with the refusal.
  pages.post('/admin/export', { schema: { hide: true }, config }, async (request, reply) => {
    const auth = signedIn(request);
    await admitAdminAction(ctx.deps, session(auth), 'accounts.export', null);
    try {
      const fields = formBody(request);
      const why = reasonOf(fields);
      const parsed = exportForm.safeParse(fields);
      if (!parsed.success) throw new PassdeskError('VALIDATION_FAILED');
      const { format } = parsed.data;
      const lines = await exportAccounts(ctx.deps, session(auth), { format, withHashes: parsed.data.withHashes === 'yes', why, ctx: requestContext(request) });
      return reply.headers(accountFileHeaders(format, ctx.deps.clock.now())).send(Readable.from(lines));
    } catch (err) {
      const shown = shownOnPage(request, err);
      return form(request, reply, { error: shownText(ctx, request, shown), kept: keptFields(request), status: shown.status });
    }
  });
}

async function deletePages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const config = { auth: 'page', stepUp: '/admin/accounts/:id/delete' } as const;
  const idOf = (request: FastifyRequest): string => {
    const params = accountParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('NOT_FOUND');
    return params.data.id;
  };
  const show = async (request: FastifyRequest, reply: FastifyReply, target: Account, o: { error?: string; kept?: KeptFields; status?: number } = {}) => {
    const auth = signedIn(request);
    const exportedAt = await recentExportBy(ctx.deps.store, { actorId: auth.account.id, accountId: target.id, now: ctx.deps.clock.now() });
    const body = deleteAccountPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      ...offers(auth),
      account: target,
      exportedAt,
      windowMinutes: EXPORT_BEFORE_DELETE_MS / 60_000,
      ...o,
    });
    return sendSecretPage(reply, body, o.status ?? 200);
  };
  /** The account, if this administrator may delete it (role, step-up, reach): refusals as for the API. */
  const admitted = async (request: FastifyRequest): Promise<Account> =>
    (await admitAdminAction(ctx.deps, session(signedIn(request)), 'account.delete', idOf(request))) as Account;

  pages.get('/admin/accounts/:id/delete', { schema: { hide: true }, config }, async (request, reply) => show(request, reply, await admitted(request)));

  pages.post('/admin/accounts/:id/delete', { schema: { hide: true }, config }, async (request, reply) => {
    const auth = signedIn(request);
    const target = await admitted(request);
    try {
      const fields = formBody(request);
      const why = reasonOf(fields);
      const confirm = confirmForm.safeParse(fields);
      if (!confirm.success || normalizeEmail(confirm.data.confirm.trim()) !== target.emailNormalized) {
        throw new PassdeskError('VALIDATION_FAILED', sentence('error.VALIDATION_FAILED.deleteConfirm'));
      }
      const deleted = await deleteAccount(ctx.deps, session(auth), { accountId: target.id, why, ctx: requestContext(request), exportedFirst: true });
      // Two-person approval: the deletion waits for a second administrator (http/admin/pages.ts shows the request).
      if (deleted instanceof ApprovalPending) return reply.redirect(`/admin/accounts/${encodeURIComponent(target.id)}?notice=approval-requested`, 303);
      const body = accountDeletedPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        ...offers(auth),
        deleted,
      });
      return sendSecretPage(reply, body);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return show(request, reply, target, { error: shownText(ctx, request, shown), kept: keptFields(request), status: shown.status });
    }
  });
}
