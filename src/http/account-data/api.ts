// "Your data" through the API: the export, and deleting one's own account after a grace period (the pages are
// account-data/pages.ts; the flow flows/account-data.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountDataState, cancelAccountDeletion, exportMyData, requestAccountDeletion, type AccountDataState } from '../../flows/account-data.js';
import { accountExportSchema, toAccountExportJson } from '../shared/account-export.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors, linkTokenInput } from '../shared/schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

const deletionView = z
  .object({
    deletion: z
      .object({ requestedAt: z.string(), dueAt: z.string() })
      .nullable()
      .meta({ description: 'A deletion waiting out its grace period; null when none is pending.' }),
    allowed: z.boolean().meta({ description: 'Whether this account may ask for its own deletion here.' }),
    refusal: z
      .enum(['disabled', 'directory'])
      .nullable()
      .meta({ description: 'Why not: the organisation turned self-deletion off, or the account belongs to the directory.' }),
    gracePeriodSeconds: z.number().int(),
  })
  .meta({ id: 'AccountDeletion' });

function toView(s: AccountDataState): z.infer<typeof deletionView> {
  return {
    deletion: s.deletion ? { requestedAt: iso(s.deletion.requestedAt), dueAt: iso(s.deletion.dueAt) } : null,
    allowed: s.refusal === null,
    refusal: s.refusal,
    gracePeriodSeconds: Math.floor(s.graceMs / 1000),
  };
}

const cookieAuth = [{ sessionCookie: [] }];

export async function accountDataApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/account/export',
    {
      config: { recordsRead: true },
      schema: {
        operationId: 'exportMyData',
        tags: ['account'],
        summary: 'Download my data',
        description:
          'Everything Passdesk keeps about the signed-in account, as the help desk’s export: profile, mail settings, second factors by name and date, sessions and devices, events. Never a secret, hash, token or code. Sent as a download (Content-Disposition: attachment; Cache-Control: no-store). Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
        security: cookieAuth,
        response: { 200: accountExportSchema, ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      const exported = await exportMyData(ctx.deps, await ctx.requireAuth(request), requestContext(request));
      reply.header('cache-control', 'no-store');
      reply.header('content-disposition', `attachment; filename="passdesk-data-${new Date(exported.exportedAt).toISOString().slice(0, 10)}.json"`);
      return toAccountExportJson(exported);
    },
  );

  r.get(
    '/api/v1/account/deletion',
    {
      schema: {
        operationId: 'getAccountDeletion',
        tags: ['account'],
        summary: 'My account’s pending deletion',
        security: cookieAuth,
        response: { 200: deletionView, ...errors(401) },
      },
    },
    async (request) => toView(await accountDataState(ctx.deps, await ctx.requireAuth(request))),
  );

  r.post(
    '/api/v1/account/deletion',
    {
      schema: {
        operationId: 'requestAccountDeletion',
        tags: ['account'],
        summary: 'Delete my account (after a grace period)',
        description:
          'Schedules the deletion after the grace period (PASSDESK_SELF_DELETION_GRACE, default 7 days) and emails a link that cancels it; signing in meanwhile shows it with a cancel button. Then the account and its data are deleted, and the audit log records the deletion without personal data. Asking again while pending changes nothing. Needs a recent authentication (else 403 REAUTHENTICATION_REQUIRED). Turned off by the organisation: 403 SELF_DELETION_DISABLED; a directory account: 403 MANAGED_BY_DIRECTORY; the last active administrator: 409 LAST_ADMINISTRATOR.',
        security: cookieAuth,
        body: z.strictObject({}).nullish(),
        response: { 202: deletionView, ...errors(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      await requestAccountDeletion(ctx.deps, auth, requestContext(request));
      return reply.status(202).send(toView(await accountDataState(ctx.deps, auth)));
    },
  );

  r.delete(
    '/api/v1/account/deletion',
    {
      schema: {
        operationId: 'cancelAccountDeletion',
        tags: ['account'],
        summary: 'Keep my account: cancel its pending deletion',
        description: 'Nothing pending: nothing happens. The person is told by email.',
        security: cookieAuth,
        response: { 200: deletionView, ...errors(401, 403) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      await cancelAccountDeletion(ctx.deps, { auth }, requestContext(request));
      return toView(await accountDataState(ctx.deps, auth));
    },
  );

  r.post(
    '/api/v1/account/deletion/cancel',
    {
      schema: {
        operationId: 'cancelAccountDeletionByLink',
        tags: ['account'],
        summary: 'Cancel a pending deletion with the emailed link’s token',
        description: 'No session needed. A deletion already cancelled, or an account already deleted: 400 DELETION_LINK_INVALID.',
        security: [{}],
        body: z.strictObject({ token: linkTokenInput }),
        response: { 200: z.object({ cancelled: z.literal(true) }), ...errors(400, 403, 413, 415) },
      },
    },
    async (request) => {
      await cancelAccountDeletion(ctx.deps, { token: request.body.token }, requestContext(request));
      return { cancelled: true as const };
    },
  );
}
