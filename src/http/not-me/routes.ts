// "This wasn't me": the emailed link's pages, the JSON API for other front ends, and the activity list.
// Each handler parses, calls one flow (flows/not-me.ts), and answers. GETs never change the account.
import { stepUpRedirect } from '../api/step-up-routes.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { messages } from '../../core/messages.js';
import { confirmNotMe, describeNotMeConfirmation, listActivity, openNotMeLink, reportActivity } from '../../flows/not-me.js';
import { activityPage, notMeConfirmPage, notMeDonePage, notMeInvalidPage } from '../../web/views/not-me.js';
import type { SafeHtml } from '../../web/html.js';
import { errors } from '../api/schemas.js';
import { checkCsrfToken, clearSessionCookie, ensureCsrfToken, requestContext, type HttpContext } from '../context.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
const secretInput = z.string().min(1, 'required').max(128, 'too long').regex(/^[A-Za-z0-9_-]+$/, 'not a "this wasn’t me" token');
const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();
const flowQuery = z.object({ flow: z.string().max(256).optional() }).loose();
const eventIdParam = z.string().regex(/^[1-9]\d{0,14}$/, 'an activity id');
const cookieAuth = [{ sessionCookie: [] }];

const reportedBody = z.object({ status: z.literal('reported'), message: z.string() });
const REPORTED = { status: 'reported', message: messages.notices.NOT_ME_REPORTED } as const;

const activityEntry = z.object({
  id: z.string().meta({ description: 'Names the entry for POST /api/v1/activity/{id}/not-me.' }),
  type: z.string().meta({ description: 'The audit event type, e.g. `password.changed`, `signin.succeeded`.' }),
  label: z.string().meta({ description: 'What happened, in words.' }),
  at: z.string().meta({ description: 'ISO 8601 time.' }),
  ip: z.string().nullable(),
  device: z.string().nullable(),
  reportable: z.boolean().meta({ description: 'Whether “This wasn’t me” can be used on it.' }),
}).meta({ id: 'ActivityEntry' });

function formBody(request: FastifyRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  // These pages carry a secret in their URL or form: never cached (Referrer-Policy: no-referrer is global).
  return reply.status(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body.value);
}

export async function notMeRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/not-me', {
    schema: {
      operationId: 'reportNotMe',
      security: [{}, { sessionCookie: [] }],
      tags: ['not-me'],
      summary: 'Report a security email as “this wasn’t me”',
      description:
        'The token from the link `{base URL}/not-me?token=TOKEN` in a security email. Works once, for the account the email was sent to, '
        + 'for 7 days (PASSDESK_NOT_ME_TOKEN_TTL). In one transaction: every session of the account signed out, its resets and pending '
        + 'second-factor sign-ins ended, the password must be reset (sign-in with it answers 403 ACCOUNT_REPORTED until a reset completes), '
        + 'every other such link voided, the audit event `account.reported`, a password reset email to the person’s addresses, and a notice to '
        + 'the help desk when PASSDESK_HELPDESK_EMAIL is set. Used, expired, unknown, or sent with a session of another account: 400 NOT_ME_LINK_INVALID. '
        + 'Limited per IP (429).',
      body: z.strictObject({ token: secretInput }),
      response: { 200: reportedBody, ...errors(400, 403, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const auth = await ctx.authenticate(request);
    await confirmNotMe(ctx.deps, { token: request.body.token }, requestContext(request), { signedInAccountId: auth?.account.id ?? null });
    if (auth) clearSessionCookie(reply, ctx.cookies);
    return REPORTED;
  });

  r.get('/api/v1/activity', {
    schema: {
      operationId: 'listActivity',
      tags: ['not-me'],
      summary: 'My recent security activity',
      description: 'Sign-ins, password changes and resets, second factors, recovery settings…, newest first. `reportable` entries can be reported with POST /api/v1/activity/{id}/not-me.',
      security: cookieAuth,
      response: { 200: z.object({ activity: z.array(activityEntry) }), ...errors(401) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    const entries = await listActivity(ctx.deps, auth);
    return { activity: entries.map((e) => ({ ...e, id: String(e.id), at: new Date(e.at).toISOString() })) };
  });

  r.post('/api/v1/activity/:id/not-me', {
    schema: {
      operationId: 'reportActivityNotMe',
      tags: ['not-me'],
      summary: 'Report one of my activity entries as “this wasn’t me”',
      description: 'The same as POST /api/v1/not-me, for the signed-in person: afterwards this session too is signed out (the cookie is cleared). An entry that is not mine or not reportable: 404.',
      security: cookieAuth,
      params: z.strictObject({ id: eventIdParam }),
      body: z.strictObject({}).nullish(),
      response: { 200: reportedBody, ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    const auth = await ctx.requireAuth(request);
    await reportActivity(ctx.deps, auth, { eventId: Number(request.params.id) }, requestContext(request));
    clearSessionCookie(reply, ctx.cookies);
    return REPORTED;
  });

  // ---- Pages ----
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const csrfOr403 = (request: FastifyRequest): void => {
    if (!checkCsrfToken(ctx, request, formBody(request)['_csrf'])) throw new PassdeskError('CSRF_FAILED');
  };
  const invalid = (reply: FastifyReply, message: string = messages.errors.NOT_ME_LINK_INVALID, status = 400): FastifyReply =>
    sendPage(reply, notMeInvalidPage(ctx, { message }), status);

  // The emailed link. Opening it changes nothing (mail scanners open links): it swaps the token for a
  // short-lived confirmation and moves it out of the URL (history, logs, Referer).
  app.get('/not-me', async (request, reply) => {
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined || !secretInput.safeParse(token).success) return invalid(reply);
    const opened = await openNotMeLink(ctx.deps, { token });
    if (!opened) return invalid(reply);
    return reply.header('Cache-Control', 'no-store').redirect(`/not-me/confirm?flow=${encodeURIComponent(opened.confirmId)}`, 303);
  });

  app.get('/not-me/confirm', async (request, reply) => {
    const q = flowQuery.safeParse(request.query);
    const confirmId = q.success ? q.data.flow : undefined;
    const report = confirmId && secretInput.safeParse(confirmId).success ? await describeNotMeConfirmation(ctx.deps, confirmId) : null;
    if (!confirmId || !report) return invalid(reply);
    return sendPage(reply, notMeConfirmPage(ctx, { csrf: ensureCsrfToken(ctx, request, reply), confirmId, summary: report.summary }));
  });

  app.post('/not-me/confirm', async (request, reply) => {
    csrfOr403(request);
    const confirmId = String(formBody(request)['flow'] ?? '');
    if (!secretInput.safeParse(confirmId).success) return invalid(reply);
    try {
      const auth = await ctx.authenticate(request);
      await confirmNotMe(ctx.deps, { confirmId }, requestContext(request), { signedInAccountId: auth?.account.id ?? null });
      if (auth) clearSessionCookie(reply, ctx.cookies);
      return sendPage(reply, notMeDonePage(ctx, { message: messages.notices.NOT_ME_REPORTED }));
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return invalid(reply, err.message, err.status);
    }
  });

  app.get('/security/activity', async (request, reply) => {
    const auth = await ctx.authenticate(request);
    if (!auth) return reply.redirect('/sign-in', 303);
    const csrf = ensureCsrfToken(ctx, request, reply);
    return sendPage(reply, activityPage(ctx, { csrf, displayName: auth.account.displayName, entries: await listActivity(ctx.deps, auth) }));
  });

  app.post('/security/activity/:id/not-me', async (request, reply) => {
    csrfOr403(request);
    const auth = await ctx.authenticate(request);
    if (!auth) return reply.redirect('/sign-in', 303);
    const id = eventIdParam.safeParse((request.params as Record<string, unknown>)['id']);
    if (!id.success) throw new PassdeskError('NOT_FOUND');
    try {
      await reportActivity(ctx.deps, auth, { eventId: Number(id.data) }, requestContext(request));
    } catch (err) {
      return stepUpRedirect(err, reply, '/security/activity') ?? Promise.reject(err);
    }
    clearSessionCookie(reply, ctx.cookies);
    return sendPage(reply, notMeDonePage(ctx, { message: messages.notices.NOT_ME_REPORTED }));
  });
}
