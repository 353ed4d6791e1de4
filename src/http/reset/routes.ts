// Password reset: the JSON API any front end can drive, and the server-rendered portal at /reset.
// Each handler parses, calls one flow (flows/reset-password.ts), and answers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { messages } from '../../core/messages.js';
import { passwordRulesAttribute, policyChecklist } from '../../core/password-policy.js';
import { completePasswordReset, describeResetFlow, proveResetMethod, resetLinkIsLive, type ResetFlowView, requestPasswordReset, verifyResetCode, verifyResetToken } from '../../flows/reset-password.js';
import { resetCodePage, resetHelpDeskPage, resetLinkPage, resetNewPasswordPage, resetQuestionsPage, resetRequestPage, resetSecondFactorPage } from '../../web/views/reset.js';
import type { NewPasswordRules } from '../../web/views/pages.js';
import type { SafeHtml } from '../../web/html.js';
import { assertPasswordWithinLimit } from '../api/routes.js';
import { emailInput, errors, passwordInput } from '../api/schemas.js';
import { checkCsrfToken, clearSessionCookie, ensureCsrfToken, requestContext, type HttpContext } from '../context.js';
import { asAssertion, passkeyAssertionInput } from '../api/passkey-routes.js';
import type { SecondFactorProof } from '../../flows/two-factor.js';
import { passChallenge } from '../../flows/challenge.js';
import { apiProof, pageChallenge, pageProof } from '../challenge.js';

/** 256-bit tokens are 43 base64url characters; a little room, never unbounded. */
const secretInput = z.string().min(1, 'required').max(128, 'too long').regex(/^[A-Za-z0-9_-]+$/, 'not a reset token');
const codeInput = z.string().trim().regex(/^\d{8}$/, 'the 8-digit code from the email');

const flowView = z.object({
  flowId: z.string().meta({ description: 'Names the verified reset for /complete. Lives as long as PASSDESK_RESET_TOKEN_TTL.' }),
  requires: z.array(z.enum(['second_factor', 'security_questions', 'second_method'])).meta({
    description: 'What is still to prove before /complete accepts a password: `second_factor` (an authenticator code, a passkey or a recovery code), '
      + '`security_questions` (when the organisation uses them and the account has no second factor), or `second_method` '
      + '(a role that needs two methods has only its email: reset through the help desk). Empty: the email proof suffices.',
  }),
  secondFactorMethods: z.array(z.enum(['totp', 'passkey', 'recovery_code'])).optional().meta({ description: 'With second_factor: the methods this account can use.' }),
  securityQuestions: z.array(z.object({ id: z.string(), text: z.string() })).optional().meta({ description: 'With security_questions: the questions to answer.' }),
}).meta({ id: 'ResetFlow' });

/** A TOTP code or a recovery code, with the spaces or dashes people type. */
const factorCodeInput = z.string().trim().min(1).max(32);
const codeFactorInput = z.strictObject({ method: z.enum(['totp', 'recovery_code']), code: factorCodeInput });
/** A passkey's answer to POST /api/v1/passkeys/reset/options. */
const passkeyFactorInput = z.strictObject({ method: z.literal('passkey'), response: passkeyAssertionInput });
const secondFactorInput = z.union([codeFactorInput, passkeyFactorInput]);
const toProof = (f: z.infer<typeof secondFactorInput>): SecondFactorProof => (f.method === 'passkey' ? { method: 'passkey', response: asAssertion(f.response) } : f);
const answersInput = z.array(z.strictObject({ questionId: z.string().min(1).max(64), answer: z.string().max(200) })).min(1).max(5);

const acceptedBody = z.object({ status: z.literal('accepted'), message: z.string() });
const ACCEPTED = { status: 'accepted', message: messages.notices.RESET_REQUESTED } as const;

const requestForm = z.object({ email: z.string().trim().max(254).default('') });
const codeForm = z.object({ email: z.string().trim().max(254).default(''), code: z.string().trim().max(20).default('') });
const newPasswordForm = z.object({
  flow: z.string().max(128).default(''),
  newPassword: z.string().max(1024).default(''),
  confirmPassword: z.string().max(1024).default(''),
});
const pageFactorForm = z.object({ method: z.enum(['totp', 'recovery_code']), code: factorCodeInput });
const pageAnswer = z.object({ questionId: z.string().min(1).max(64), answer: z.string().max(200) });
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
      operationId: 'requestPasswordReset',
      security: [],
      tags: ['password'],
      summary: 'Ask for a password reset email',
      description:
        'Always 202 with the same body, whether or not an account uses the address (and whether it is disabled or locked). '
        + 'When one does, an email with the link `{base URL}/reset?token=TOKEN` and an 8-digit code goes to its address and its verified recovery address. '
        + 'At most 3 emails per account per 15 minutes while their links still work, and a limit per IP; a throttled request still answers 202 and sends nothing. '
        + 'With bot challenges on (PASSDESK_CHALLENGE: always, or auto once this IP reached its limit) the solved challenge goes in the Passdesk-Challenge header; '
        + 'without one: 428 CHALLENGE_REQUIRED, decided on the IP alone before the address is looked at, so it is the same for every address.',
      body: z.strictObject({ email: emailInput }),
      response: { 202: acceptedBody, ...errors(400, 403, 413, 415, 428) },
    },
  }, async (request, reply) => {
    const challengeSolved = await passChallenge(ctx.deps, 'reset', apiProof(request), requestContext(request));
    requestPasswordReset(ctx.deps, request.body, requestContext(request), { challengeSolved });
    return reply.status(202).send(ACCEPTED);
  });

  r.post('/api/v1/password/reset/verify', {
    schema: {
      operationId: 'verifyPasswordReset',
      security: [],
      tags: ['password'],
      summary: 'Exchange the reset link token, or the email and code, for a flow id',
      description: 'Either `{token}` from the link or `{email, code}`. A token or code works once. Used, expired or unknown: 400 RESET_LINK_INVALID or RESET_CODE_INVALID. '
        + 'A newer request does not end an older link. Five wrong codes end the code of each live reset of the account; its link still works.',
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
      operationId: 'completePasswordReset',
      security: [],
      tags: ['password'],
      summary: 'Set the new password of a verified reset',
      description:
        'Checks the whole password policy (including not the current password, the history, and after “This wasn’t me” no password in use since the reported event), then in one transaction: the new password, every session of the account signed out, every reset of the account ended, '
        + 'the audit event and a "password reset" email. No session is created: sign in with the new password. A used or expired flow: 400 RESET_FLOW_INVALID.',
      body: z.strictObject({
        flowId: secretInput,
        newPassword: passwordInput,
        secondFactor: secondFactorInput.optional().meta({ description: 'Proves `second_factor` in the same call (as /reset/second-factor does).' }),
        securityAnswers: answersInput.optional().meta({ description: 'Proves `security_questions` in the same call.' }),
      }),
      response: { 200: z.object({ status: z.literal('password-changed') }), ...errors(400, 403, 413, 415, 429, 503) },
    },
  }, async (request) => {
    assertPasswordWithinLimit(request.body.newPassword);
    const { secondFactor, ...rest } = request.body;
    await completePasswordReset(ctx.deps, { ...rest, secondFactor: secondFactor ? toProof(secondFactor) : undefined }, requestContext(request));
    return { status: 'password-changed' as const };
  });

  r.post('/api/v1/password/reset/second-factor', {
    schema: {
      operationId: 'proveResetSecondFactor',
      security: [],
      tags: ['password'],
      summary: 'Prove the second factor of a reset',
      description:
        'For a flow whose `requires` holds `second_factor`: a current authenticator code (each usable once, also across sign-in), an unused recovery code '
        + '(used up; the person is told by email), or a passkey’s answer to POST /api/v1/passkeys/reset/options. Five wrong codes end the flow; wrong codes also count against the account’s limit shared with sign-in (429). '
        + 'Answers the flow with what is still required.',
      body: z.union([z.strictObject({ flowId: secretInput }).extend(codeFactorInput.shape), z.strictObject({ flowId: secretInput }).extend(passkeyFactorInput.shape)]),
      response: { 200: flowView, ...errors(400, 413, 415, 429) },
    },
  }, async (request) => {
    const { flowId, ...factor } = request.body;
    return proveResetMethod(ctx.deps, { flowId, ...toProof(factor) }, requestContext(request));
  });

  r.post('/api/v1/password/reset/security-questions', {
    schema: {
      operationId: 'answerResetSecurityQuestions',
      security: [],
      tags: ['password'],
      summary: 'Answer the security questions of a reset',
      description:
        'For a flow whose `requires` holds `security_questions`: every question the person answered, compared after normalisation (case, accents, spaces '
        + 'and punctuation do not matter). Five wrong tries end the flow.',
      body: z.strictObject({ flowId: secretInput, answers: answersInput }),
      response: { 200: flowView, ...errors(400, 413, 415, 429) },
    },
  }, async (request) => proveResetMethod(ctx.deps, { flowId: request.body.flowId, method: 'security_questions', answers: request.body.answers }, requestContext(request)));

  // ---- Pages ----
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const csrfOr403 = (request: FastifyRequest): void => {
    if (!checkCsrfToken(ctx, request, formBody(request)['_csrf'])) throw new PassdeskError('CSRF_FAILED');
  };
  const policy = ctx.deps.config.passwordPolicy;
  const rules = async (err?: unknown): Promise<NewPasswordRules> => ({
    passwordRules: passwordRulesAttribute(policy),
    checklist: policyChecklist(policy, { breachedCheck: (await ctx.deps.breached?.active()) ?? false, forChange: true }),
    failedCodes: violationCodes(err),
  });

  // The emailed link. Opening it changes nothing (mail scanners such as Safe Links open every link): a page with
  // one button whose form carries the token in a hidden field; only that POST uses it. The token is put in no
  // other URL, and the page is never cached nor sent on as a referrer.
  app.get('/reset', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined) return sendPage(reply, resetRequestPage(ctx, { csrf, challenge: pageChallenge(ctx, request, 'reset') }));
    const live = secretInput.safeParse(token).success && (await resetLinkIsLive(ctx.deps, { token }));
    reply.header('Referrer-Policy', 'no-referrer');
    if (!live) return sendPage(reply, resetRequestPage(ctx, { csrf, error: messages.errors.RESET_LINK_INVALID, challenge: pageChallenge(ctx, request, 'reset') }), 400);
    return sendPage(reply, resetLinkPage(ctx, { csrf, token }));
  });

  // The link page's button: exchanges the token for a flow, and moves on without the token in the URL.
  app.post('/reset/link', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const token = String(formBody(request)['token'] ?? '');
    try {
      if (!secretInput.safeParse(token).success) throw new PassdeskError('RESET_LINK_INVALID');
      const flow = await verifyResetToken(ctx.deps, { token }, requestContext(request));
      return reply.header('Cache-Control', 'no-store').redirect(`/reset/new?flow=${encodeURIComponent(flow.flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendPage(reply, resetRequestPage(ctx, { csrf, error: err.message, challenge: pageChallenge(ctx, request, 'reset') }), err.status);
    }
  });

  app.post('/reset', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = requestForm.safeParse(formBody(request));
    const email = form.success ? form.data.email : '';
    if (!emailInput.safeParse(email).success) {
      return sendPage(reply, resetRequestPage(ctx, { csrf, email, error: 'Enter a valid email address, like name@example.com.', challenge: pageChallenge(ctx, request, 'reset') }), 400);
    }
    let challengeSolved: boolean;
    try {
      challengeSolved = await passChallenge(ctx.deps, 'reset', pageProof(formBody(request)), requestContext(request));
    } catch (err) {
      if (!isPassdeskError(err) || !err.code.startsWith('CHALLENGE_')) throw err;
      return sendPage(reply, resetRequestPage(ctx, { csrf, email, error: err.message, challenge: pageChallenge(ctx, request, 'reset', { err, body: formBody(request) }) }), err.status);
    }
    requestPasswordReset(ctx.deps, { email }, requestContext(request), { challengeSolved });
    return sendPage(reply, resetRequestPage(ctx, { csrf, email, notice: messages.notices.RESET_REQUESTED, sent: true, challenge: pageChallenge(ctx, request, 'reset') }));
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
    const step = methodStep(flow, csrf);
    if (step) return sendPage(reply, step);
    return sendPage(reply, resetNewPasswordPage(ctx, { csrf, flowId, email: flow.email, rules: await rules() }));
  });

  /** The page for the next thing a flow must prove before its new password, or null when nothing is left. */
  const methodStep = (flow: ResetFlowView, csrf: string, error?: string): SafeHtml | null => {
    if (flow.requires.includes('second_method')) return resetHelpDeskPage(ctx, { message: messages.errors.RESET_SECOND_METHOD_REQUIRED });
    if (flow.requires.includes('second_factor')) return resetSecondFactorPage(ctx, { csrf, flowId: flow.flowId, methods: flow.secondFactorMethods ?? ['totp'], error });
    if (flow.requires.includes('security_questions')) return resetQuestionsPage(ctx, { csrf, flowId: flow.flowId, questions: flow.securityQuestions ?? [], error });
    return null;
  };

  /** Runs a method proof from a page's form: on to the next step, or the same step with the reason. */
  const proveFromPage = async (request: FastifyRequest, reply: FastifyReply, proof: (flowId: string) => Parameters<typeof proveResetMethod>[1] | null): Promise<FastifyReply> => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const flowId = String(formBody(request)['flow'] ?? '');
    const flow = secretInput.safeParse(flowId).success ? await describeResetFlow(ctx.deps, flowId) : null;
    if (!flow) return sendPage(reply, resetRequestPage(ctx, { csrf, error: messages.errors.RESET_FLOW_INVALID }), 400);
    const input = proof(flowId);
    try {
      if (!input) throw new PassdeskError('VALIDATION_FAILED', 'Fill in every box.');
      await proveResetMethod(ctx.deps, input, requestContext(request));
      return reply.header('Cache-Control', 'no-store').redirect(`/reset/new?flow=${encodeURIComponent(flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code === 'RESET_FLOW_INVALID') return sendPage(reply, resetRequestPage(ctx, { csrf, error: err.message }), err.status);
      return sendPage(reply, methodStep(flow, csrf, err.message) ?? resetRequestPage(ctx, { csrf, error: err.message }), err.status);
    }
  };

  app.post('/reset/second-factor', async (request, reply) => proveFromPage(request, reply, (flowId) => {
    const form = pageFactorForm.safeParse(formBody(request));
    return form.success ? { flowId, method: form.data.method, code: form.data.code } : null;
  }));

  app.post('/reset/security-questions', async (request, reply) => proveFromPage(request, reply, (flowId) => {
    const body = formBody(request);
    const answers: Array<{ questionId: string; answer: string }> = [];
    for (let i = 0; i < 5 && body[`q${i}`] !== undefined; i++) {
      const a = pageAnswer.safeParse({ questionId: body[`q${i}`], answer: body[`a${i}`] ?? '' });
      if (!a.success) return null;
      answers.push(a.data);
    }
    return answers.length > 0 ? { flowId, method: 'security_questions', answers } : null;
  }));

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
