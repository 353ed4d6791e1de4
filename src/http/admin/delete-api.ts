// Deleting an account (issue 15): DELETE /api/v1/admin/accounts/:id with a reason answers the person's data as it
// was exported just before the deletion (flows/help-desk/delete-account.ts). Administrators only; the export is
// shown once (no-store) and never kept. GET …/:id/export answers the same export without deleting (the console's
// "download their data first"), recorded as admin.account.export.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deleteAccount, exportAccountData, type DeletedAccount } from '../../flows/help-desk/delete-account.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors } from '../shared/schemas.js';
import { accountExportSchema, toAccountExportJson } from '../shared/account-export.js';
import { adminReasonBody } from './api.js';
import { APPROVAL_NOTE, approvalAccepted, sendPending } from './approval-json.js';
import { ApprovalPending } from '../../flows/help-desk/approval-request.js';

export const deletedAccount = z
  .object({
    reference: z.string().meta({ description: 'How the audit log names the deleted account from now on (a keyed hash of its id; not reversible).' }),
    directory: z
      .object({ directoryId: z.string(), entryKept: z.literal(true) })
      .nullable()
      .meta({ description: 'Set for a directory account: only Passdesk’s side was deleted; the directory entry stays.' }),
    export: accountExportSchema,
  })
  .meta({ id: 'AdminDeletedAccount' });

export function deletedAccountJson(d: DeletedAccount): z.infer<typeof deletedAccount> {
  return { reference: d.reference, directory: d.directory, export: toAccountExportJson(d.export) };
}

export async function deleteAccountApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.delete(
    '/api/v1/admin/accounts/:id',
    {
      schema: {
        operationId: 'adminDeleteAccount',
        tags: ['admin'],
        summary: 'Delete an account, answering the person’s data',
        description:
          'Administrators only. In one transaction: the person’s data is exported (profile, mail settings, second factors by name and date, sessions and devices, events — never a secret, hash or code) and answered here once (Cache-Control: no-store; Passdesk keeps no copy); the person is emailed; the account and every row keyed by it are deleted, and mail still queued for it is dropped. The audit log keeps admin.account.delete with the caller, the reason, the ticket and a non-reversible reference instead of the account. For a directory account only Passdesk’s side is deleted; the directory entry stays. ' +
          APPROVAL_NOTE +
          ' The export then goes to the approving administrator. Needs a recent authentication with the account’s strongest method (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
        security: [{ sessionCookie: [] }],
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        body: adminReasonBody,
        response: { 200: deletedAccount, 202: approvalAccepted, ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const deleted = await deleteAccount(
        ctx.deps,
        { kind: 'session', auth },
        { accountId: request.params.id, why: request.body, ctx: requestContext(request) },
      );
      if (deleted instanceof ApprovalPending) return sendPending(reply, deleted);
      reply.header('cache-control', 'no-store');
      return deletedAccountJson(deleted);
    },
  );

  r.get(
    '/api/v1/admin/accounts/:id/export',
    {
      config: { recordsRead: true },
      schema: {
        operationId: 'adminExportAccount',
        tags: ['admin'],
        summary: 'Download one person’s data',
        description:
          'Administrators only. The export that deleting the account answers (profile, mail settings, second factors by name and date, sessions and devices, events — never a secret, hash or code), without deleting anything: the console offers it before a deletion. A download (Content-Disposition: attachment; Cache-Control: no-store). Recorded as admin.account.export about the account, with the caller and what it held counted. Needs a recent authentication with the account’s strongest method (else 403 REAUTHENTICATION_REQUIRED).',
        security: [{ sessionCookie: [] }],
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 200: accountExportSchema, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      const exported = await exportAccountData(ctx.deps, { kind: 'session', auth }, { accountId: request.params.id, ctx: requestContext(request) });
      const stamp = new Date(exported.exportedAt).toISOString().slice(0, 10);
      // The file is named by the account id (never the address) and the day.
      reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="passdesk-account-${exported.account.id.replace(/[^A-Za-z0-9-]/g, '')}-${stamp}.json"`);
      return toAccountExportJson(exported);
    },
  );
}
