// Password reset: the JSON API any front end can drive, and the server-rendered portal at /reset.
// Each handler parses, calls one flow (flows/reset-password.ts), and answers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { messages } from '../../core/messages.js';
import { passwordRulesAttribute, policyChecklist } from '../../core/password-policy.js';
import { completePasswordReset, describeResetFlow, requestPasswordReset, verifyResetCode, verifyResetToken } from '../../flows/reset-password.js';
import { resetCodePage, resetNewPasswordPage, resetRequestPage } from '../../web/views/reset.js';
import type { NewPasswordRules } from '../../web/views/pages.js';
import type { SafeHtml } from '../../web/html.js';
import { assertPasswordWithinLimit } from '../api/routes.js';
import { emailInput, errors, passwordInput } from '../api/schemas.js';
import { checkCsrfToken, clearSessionCookie, ensureCsrfToken, requestContext, type HttpContext } from '../context.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
const secretInput = z.string().min(1, 'required').max(128, 'too long').regex(/^[A-Za-z0-9_-]+$/, 'not a reset token');
const codeInput = z.string().trim().regex(/^\d{8}$/, 'the 8-digit code from the email');

const flowView = z.object({
  flowId: z.string().meta({ description: 'Names the verified reset for /complete. Lives as long as PASSDESK_RESET_TOKEN_TTL.' }),
  requires: z.array(z.string()).meta({ description: 'Further factors to prove before /complete accepts a password (empty until two-factor lands).' }),
}).meta({ id: 'ResetFlow' });

const acceptedBody = z.object({ status: z.literal('accepted'), message: z.string() });
const ACCEPTED = { status: 'accepted', message: messages.notices.RESET_REQUESTED } as const;

const requestForm = z.object({ email: z.string().trim().max(254).default('') });
const codeForm = z.object({ email: z.string().trim().max(254).default(''), code: z.string().trim().max(20).default('') });
const newPasswordForm = z.object({
  flow: z.string().max(128).default(''),
  newPassword: z.string().max(1024).default(''),
  confirmPassword: z.string().max(1024).default(''),
});
const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();
const flowQuery = z.object({ flow: z.string().max(256).optional() }).loose();
const emailQuery = z.object({ email: z.string().max(254).optional() }).loose();

function formBody(request: FastifyRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  // Reset pages carry secrets in their URL or form: never cached, never sent on as a referrer (security plugin).
  return reply.status(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body.value);
}

function violationCodes(err: unknown): string[] | undefined {
  if (!isPassdeskError(err)) return undefined;
  const violations = err.details?.['violations'];
  return Array.isArray(violations) ? violations.map((v: { code?: unknown }) => String(v.code)) : undefined;
}

export async function resetRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/password/reset', {
    schema: {
      tags: ['password'],
      summary: 'Ask for a password reset email',
      description:
        'Always 202 with the same body, whether or not an account uses the address (and whether it is disabled or locked). '
        + 'When one does, an email with the link `{base URL}/reset?token=TOKEN` and an 8-digit code goes to its address and its verified recovery address. '
        + 'At most 3 emails per account per 15 minutes, and a limit per IP; a throttled request still answers 202.',
      body: z.strictObject({ email: emailInput }),
      response: { 202: acceptedBody, ...errors(400, 413, 415) },
    },
  }, async (request, reply) => {
    requestPasswordReset(ctx.deps, request.body, requestContext(request));
    return reply.status(202).send(ACCEPTED);
  });

  r.post('/api/v1/password/reset/verify', {
    schema: {
      tags: ['password'],
      summary: 'Exchange the reset link token, or the email and code, for a flow id',
      description: 'Either `{token}` from the link or `{email, code}`. A token or code works once. Used, expired, replaced or unknown: 400 RESET_LINK_INVALID or RESET_CODE_INVALID. Five wrong codes end the flow.',
      body: z.union([z.strictObject({ token: secretInput }), z.strictObject({ email: emailInput, code: codeInput })]),
      response: { 200: flowView, ...errors(400, 413, 415) },
    },
  }, async (request) => {
    const body = request.body;
    return 'token' in body
      ? verifyResetToken(ctx.deps, body, requestContext(request))
      : verifyResetCode(ctx.deps, body, requestContext(request));
  });

  r.post('/api/v1/password/reset/complete', {
    schema: {
      tags: ['password'],
      summary: 'Set the new password of a verified reset',
      description:
        'Checks the password policy, then in one transaction: the new password, every session of the account signed out, every reset of the account ended, '
        + 'the audit event and a "password reset" email. No session is created: sign in with the new password. A used or expired flow: 400 RESET_FLOW_INVALID.',
      body: z.strictObject({ flowId: secretInput, newPassword: passwordInput }),
      response: { 200: z.object({ status: z.literal('password-changed') }), ...errors(400, 403, 413, 415, 503) },
    },
  }, async (request) => {
    assertPasswordWithinLimit(request.body.newPassword);
    await completePasswordReset(ctx.deps, request.body, requestContext(request));
    return { status: 'password-changed' as const };
  });

  // ---- Pages ----
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const csrfOr403 = (request: FastifyRequest): void => {
    if (!checkCsrfToken(ctx, request, formBody(request)['_csrf'])) throw new PassdeskError('CSRF_FAILED');
  };
  const policy = ctx.deps.config.passwordPolicy;
  const rules = async (err?: unknown): Promise<NewPasswordRules> => ({
    passwordRules: passwordRulesAttribute(policy),
    checklist: policyChecklist(policy, { breachedCheck: (await ctx.deps.breached?.active()) ?? false, forChange: false }),
    failedCodes: violationCodes(err),
  });

  app.get('/reset', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined) return sendPage(reply, resetRequestPage(ctx, { csrf }));
    // The link: exchange the token for a flow and move it out of the URL (history, logs, Referer).
    try {
      if (!secretInput.safeParse(token).success) throw new PassdeskError('RESET_LINK_INVALID');
      const flow = await verifyResetToken(ctx.deps, { token }, requestContext(request));
      return reply.header('Cache-Control', 'no-store').redirect(`/reset/new?flow=${encodeURIComponent(flow.flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendPage(reply, resetRequestPage(ctx, { csrf, error: err.message }), err.status);
    }
  });

  app.post('/reset', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = requestForm.safeParse(formBody(request));
    const email = form.success ? form.data.email : '';
    if (!emailInput.safeParse(email).success) {
      return sendPage(reply, resetRequestPage(ctx, { csrf, email, error: 'Enter a valid email address, like name@example.com.' }), 400);
    }
    requestPasswordReset(ctx.deps, { email }, requestContext(request));
    return sendPage(reply, resetRequestPage(ctx, { csrf, email, notice: messages.notices.RESET_REQUESTED, sent: true }));
  });

  app.get('/reset/code', async (request, reply) => {
    const q = emailQuery.safeParse(request.query);
    return sendPage(reply, resetCodePage(ctx, { csrf: ensureCsrfToken(ctx, request, reply), email: q.success ? q.data.email : undefined }));
  });

  app.post('/reset/code', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = codeForm.safeParse(formBody(request));
    const values = form.success ? form.data : { email: '', code: '' };
    const email = emailInput.safeParse(values.email);
    const code = codeInput.safeParse(values.code);
    if (!email.success || !code.success) {
      return sendPage(reply, resetCodePage(ctx, { csrf, email: values.email, error: 'Enter your email address and the 8-digit code from the email.' }), 400);
    }
    try {
      const flow = await verifyResetCode(ctx.deps, { email: email.data, code: code.data }, requestContext(request));
      return reply.redirect(`/reset/new?flow=${encodeURIComponent(flow.flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendPage(reply, resetCodePage(ctx, { csrf, email: values.email, error: err.message }), err.status);
    }
  });

  app.get('/reset/new', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = flowQuery.safeParse(request.query);
    const flowId = q.success ? q.data.flow : undefined;
    const flow = flowId && secretInput.safeParse(flowId).success ? await describeResetFlow(ctx.deps, flowId) : null;
    if (!flowId || !flow) return sendPage(reply, resetRequestPage(ctx, { csrf, error: messages.errors.RESET_FLOW_INVALID }), 400);
    return sendPage(reply, resetNewPasswordPage(ctx, { csrf, flowId, email: flow.email, rules: await rules() }));
  });

  app.post('/reset/new', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = newPasswordForm.safeParse(formBody(request));
    const values = form.success ? form.data : { flow: '', newPassword: '', confirmPassword: '' };
    const flow = secretInput.safeParse(values.flow).success ? await describeResetFlow(ctx.deps, values.flow) : null;
    if (!flow) return sendPage(reply, resetRequestPage(ctx, { csrf, error: messages.errors.RESET_FLOW_INVALID }), 400);
    const again = async (error: string, errorField: 'newPassword' | 'confirmPassword' | undefined, status: number, err?: unknown): Promise<FastifyReply> =>
      sendPage(reply, resetNewPasswordPage(ctx, { csrf, flowId: values.flow, email: flow.email, rules: await rules(err), error, errorField }), status);
    if (!values.newPassword) return again('Enter a new password.', 'newPassword', 400);
    if (values.newPassword !== values.confirmPassword) return again(messages.errors.PASSWORD_CONFIRMATION_MISMATCH, 'confirmPassword', 400);
    try {
      assertPasswordWithinLimit(values.newPassword);
      await completePasswordReset(ctx.deps, { flowId: values.flow, newPassword: values.newPassword }, requestContext(request));
      // Every session ended with the reset, this browser's too.
      clearSessionCookie(reply, ctx.cookies);
      return reply.redirect('/sign-in?notice=password-reset', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code.startsWith('RESET_')) return sendPage(reply, resetRequestPage(ctx, { csrf, error: err.message }), err.status);
      return again(err.message, err.code.startsWith('PASSWORD_') ? 'newPassword' : undefined, err.status, err);
    }
  });
}
