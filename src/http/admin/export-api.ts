// Every account in the import format (issue 15, `passdesk user export` through the API): POST, because it carries
// the reason the audit log keeps (a URL would put it in proxy and access logs) and asks for no hashes unless
// `withHashes` says so. Administrators only, with step-up; recorded before the first line (flows/help-desk/import.ts).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportAccounts, type AccountFileFormat } from '../../flows/help-desk/import.js';
import type { Actor } from '../../flows/help-desk/action.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors } from '../shared/schemas.js';
import { adminReasonBody } from './api.js';

/** The download's headers: its type, an attachment named by the day, never cached. */
export function accountFileHeaders(format: AccountFileFormat, now: number): Record<string, string> {
  const stamp = new Date(now).toISOString().slice(0, 10);
  return {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8',
    'content-disposition': `attachment; filename="passdesk-accounts-${stamp}.${format}"`,
    'cache-control': 'no-store',
  };
}

export async function exportAccountsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/v1/admin/accounts/export',
    {
      schema: {
        operationId: 'adminExportAccounts',
        tags: ['admin'],
        summary: 'Export every account',
        description:
          'Administrators only. Every account in the import format (CSV with the header `email,name,role,password_hash`, or JSON Lines with those keys), streamed as a download (Content-Disposition: attachment; Cache-Control: no-store). `password_hash` is empty unless `withHashes` is true (never for a directory account). Recorded as `admin.accounts.export` before the first line, with the caller, the reason, the ticket, the format, `withHashes` and how many accounts. Needs a recent authentication with the account’s strongest method (else 403 REAUTHENTICATION_REQUIRED).',
        security: [{ sessionCookie: [] }],
        body: adminReasonBody.extend({
          format: z.enum(['csv', 'jsonl']),
          withHashes: z.boolean().default(false).meta({ description: 'Include the password hashes (recorded as such).' }),
        }),
        response: { 200: z.string().meta({ description: 'The file: text/csv or application/jsonl.' }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { format, withHashes, ...why } = request.body;
      const actor: Actor = { kind: 'session', auth: await ctx.requireAuth(request) };
      const lines = await exportAccounts(ctx.deps, actor, { format, withHashes, why, ctx: requestContext(request) });
      // A stream is sent as it is (Fastify serializes only objects); the 200 schema describes the file.
      return reply.headers(accountFileHeaders(format, ctx.deps.clock.now())).send(Readable.from(lines) as unknown as string);
    },
  );
}
