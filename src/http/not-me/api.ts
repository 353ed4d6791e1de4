// "This wasn't me" through the JSON API for other front ends, and the activity list (the emailed link's pages are
// not-me/pages.ts). Each handler parses, calls one flow (flows/not-me.ts), and answers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activityLabel } from '../../core/messages.js';
import { resolvedTranslator } from '../shared/language.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { confirmNotMe, listActivity, reportActivity } from '../../flows/not-me.js';
import { errors } from '../shared/schemas.js';
import { clearSessionCookie, requestContext, type HttpContext } from '../shared/context.js';
import { eventIdParam, secretInput } from './schemas.js';

const cookieAuth = [{ sessionCookie: [] }];

const reportedBody = z.object({ status: z.literal('reported'), message: z.string() });
/** The same answer for every address, in the request's language. */
const reported = (request: FastifyRequest): { status: 'reported'; message: string } => ({
  status: 'reported',
  message: resolvedTranslator(request).t('notice.NOT_ME_REPORTED'),
});

const activityEntry = z
  .object({
    id: z.string().meta({ description: 'Names the entry for POST /api/v1/activity/{id}/not-me.' }),
    type: z.string().meta({ description: 'The audit event type, e.g. `password.changed`, `signin.succeeded`.' }),
    label: z.string().meta({ description: 'What happened, in words.' }),
    at: z.string().meta({ description: 'ISO 8601 time.' }),
    ip: z.string().nullable(),
    device: z.string().nullable(),
    reportable: z.boolean().meta({ description: 'Whether “This wasn’t me” can be used on it (never on the sign-in of the session asking).' }),
    current: z.boolean().meta({ description: 'The sign-in that began the session asking.' }),
    failed: z.boolean().meta({ description: 'A failed sign-in attempt or a sign-in lock (someone tried a wrong password).' }),
  })
  .meta({ id: 'ActivityEntry' });

export async function notMeApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/not-me',
    {
      schema: {
        operationId: 'reportNotMe',
        security: [{}, { sessionCookie: [] }],
        tags: ['not-me'],
        summary: 'Report a security email as “this wasn’t me”',
        description:
          'The token from the link `{base URL}/not-me?token=TOKEN` in a security email. Works once, for the account the email was sent to, ' +
          'for 7 days (PASSDESK_NOT_ME_TOKEN_TTL). In one transaction: every session of the account signed out, its resets and pending ' +
          'second-factor sign-ins ended, the password must be reset (sign-in with it answers 403 ACCOUNT_REPORTED until a reset completes), ' +
          'every other such link voided, a sign-in address changed since the reported event put back (within 7 days of the change) and a pending ' +
          'deletion of the account cancelled, the audit event `account.reported`, a password reset email to the person’s addresses, and a notice to ' +
          'the help desk when PASSDESK_HELPDESK_EMAIL is set. Used, expired, unknown, or sent with a session of another account: 400 NOT_ME_LINK_INVALID. ' +
          'Limited per IP (429).',
        body: z.strictObject({ token: secretInput }),
        response: { 200: reportedBody, ...errors(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.authenticate(request);
      await confirmNotMe(ctx.deps, { token: request.body.token }, requestContext(request), { signedInAccountId: auth?.account.id ?? null });
      if (auth) clearSessionCookie(reply, ctx.cookies);
      return reported(request);
    },
  );

  r.get(
    '/api/v1/activity',
    {
      schema: {
        operationId: 'listActivity',
        tags: ['not-me'],
        summary: 'My recent security activity',
        description:
          'Sign-ins, failed sign-in attempts and locks, password changes and resets, second factors, recovery settings…, newest first, at most 50. `reportable` entries can be reported with POST /api/v1/activity/{id}/not-me.',
        security: cookieAuth,
        response: { 200: z.object({ activity: z.array(activityEntry) }), ...errors(401) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const entries = await listActivity(ctx.deps, auth);
      const t = resolvedTranslator(request);
      const said = (e: (typeof entries)[number]): string => activityLabel(t, 'event', e.type) ?? e.label;
      return { activity: entries.map((e) => ({ ...e, id: String(e.id), label: said(e), at: new Date(e.at).toISOString() })) };
    },
  );

  r.post(
    '/api/v1/activity/:id/not-me',
    {
      schema: {
        operationId: 'reportActivityNotMe',
        tags: ['not-me'],
        summary: 'Report one of my activity entries as “this wasn’t me”',
        description:
          'The same as POST /api/v1/not-me, for the signed-in person: afterwards this session too is signed out (the cookie is cleared). An entry that is not mine or not reportable: 404.',
        security: cookieAuth,
        params: z.strictObject({ id: eventIdParam }),
        body: z.strictObject({}).nullish(),
        response: { 200: reportedBody, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      await reportActivity(ctx.deps, auth, { eventId: Number(request.params.id) }, requestContext(request));
      clearSessionCookie(reply, ctx.cookies);
      return reported(request);
    },
  );
}
