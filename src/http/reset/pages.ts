// The password reset portal at /reset: ask for an email, open its link or type its code, prove what the account
// requires (second factor, security questions), choose the new password. Each handler parses, calls one flow
// (flows/reset-password.ts), and answers. These pages carry secrets in their URL or form: never cached, never sent
// on as a referrer (plugins/security.ts).
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import {
  completePasswordReset,
  describeResetFlow,
  proveResetMethod,
  resetLinkIsLive,
  type ResetFlowView,
  requestPasswordReset,
  verifyResetCode,
  verifyResetToken,
} from '../../flows/reset-password.js';
import { passChallenge } from '../../flows/challenge.js';
import {
  resetCodePage,
  resetHelpDeskPage,
  resetLinkPage,
  resetNewPasswordPage,
  resetQuestionsPage,
  resetRequestPage,
  resetSecondFactorPage,
} from '../../web/views/reset.js';
import type { SafeHtml } from '../../web/html.js';
import { emailInput } from '../shared/schemas.js';
import { clearSessionCookie, ensureCsrfToken, requestContext, setSignInEmailCookie, type HttpContext } from '../shared/context.js';
import { pageChallenge, pageProof } from '../shared/challenge.js';
import { formBody, newPasswordRules, sendSecretPage } from '../shared/pages.js';
import { codeInput, factorCodeInput, secretInput } from './schemas.js';

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

export async function resetPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  await requestPages(pages, ctx);
  await newPasswordPages(pages, ctx);
}

/** Asking for a reset, and the two ways in from its email: the link and the code. */
async function requestPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  // The emailed link. Opening it changes nothing (mail scanners such as Safe Links open every link): a page with
  // one button whose form carries the token in a hidden field; only that POST uses it. The token is put in no
  // other URL, and the page is never cached nor sent on as a referrer.
  pages.get('/reset', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined)
      return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, challenge: await pageChallenge(ctx, request, 'reset') }));
    const live = secretInput.safeParse(token).success && (await resetLinkIsLive(ctx.deps, { token }));
    reply.header('Referrer-Policy', 'no-referrer');
    if (!live)
      return sendSecretPage(
        reply,
        resetRequestPage(pageView(ctx, request), {
          csrf,
          error: translatorFor(ctx, request).t('error.RESET_LINK_INVALID'),
          challenge: await pageChallenge(ctx, request, 'reset'),
        }),
        400,
      );
    return sendSecretPage(reply, resetLinkPage(pageView(ctx, request), { csrf, token }));
  });

  // The link page's button: exchanges the token for a flow, and moves on without the token in the URL.
  pages.post('/reset/link', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const token = String(formBody(request)['token'] ?? '');
    try {
      if (!secretInput.safeParse(token).success) throw new PassdeskError('RESET_LINK_INVALID');
      const flow = await verifyResetToken(ctx.deps, { token }, requestContext(request));
      return reply.header('Cache-Control', 'no-store').redirect(`/reset/new?flow=${encodeURIComponent(flow.flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendSecretPage(
        reply,
        resetRequestPage(pageView(ctx, request), { csrf, error: shownText(ctx, request, err), challenge: await pageChallenge(ctx, request, 'reset') }),
        err.status,
      );
    }
  });

  pages.post('/reset', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = requestForm.safeParse(formBody(request));
    const email = form.success ? form.data.email : '';
    if (!emailInput.safeParse(email).success) {
      return sendSecretPage(
        reply,
        resetRequestPage(pageView(ctx, request), {
          csrf,
          email,
          error: translatorFor(ctx, request).t('error.form.email'),
          challenge: await pageChallenge(ctx, request, 'reset'),
        }),
        400,
      );
    }
    let challengeSolved: boolean;
    try {
      challengeSolved = await passChallenge(ctx.deps, 'reset', pageProof(formBody(request)), requestContext(request));
    } catch (err) {
      if (!isPassdeskError(err) || !err.code.startsWith('CHALLENGE_')) throw err;
      return sendSecretPage(
        reply,
        resetRequestPage(pageView(ctx, request), {
          csrf,
          email,
          error: shownText(ctx, request, err),
          challenge: await pageChallenge(ctx, request, 'reset', { err, body: formBody(request) }),
        }),
        err.status,
      );
    }
    requestPasswordReset(ctx.deps, { email }, requestContext(request), { challengeSolved });
    return sendSecretPage(
      reply,
      resetRequestPage(pageView(ctx, request), {
        csrf,
        email,
        notice: translatorFor(ctx, request).t('notice.RESET_REQUESTED'),
        sent: true,
        challenge: await pageChallenge(ctx, request, 'reset'),
      }),
    );
  });

  pages.get('/reset/code', async (request, reply) => {
    const q = emailQuery.safeParse(request.query);
    return sendSecretPage(
      reply,
      resetCodePage(pageView(ctx, request), { csrf: ensureCsrfToken(ctx, request, reply), email: q.success ? q.data.email : undefined }),
    );
  });

  pages.post('/reset/code', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = codeForm.safeParse(formBody(request));
    const values = form.success ? form.data : { email: '', code: '' };
    const email = emailInput.safeParse(values.email);
    const code = codeInput.safeParse(values.code);
    if (!email.success || !code.success) {
      return sendSecretPage(
        reply,
        resetCodePage(pageView(ctx, request), { csrf, email: values.email, error: translatorFor(ctx, request).t('error.form.emailAndCode') }),
        400,
      );
    }
    try {
      const flow = await verifyResetCode(ctx.deps, { email: email.data, code: code.data }, requestContext(request));
      return reply.redirect(`/reset/new?flow=${encodeURIComponent(flow.flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendSecretPage(reply, resetCodePage(pageView(ctx, request), { csrf, email: values.email, error: shownText(ctx, request, err) }), err.status);
    }
  });
}

/** What the flow still requires, then the new password. */
async function newPasswordPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/reset/new', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = flowQuery.safeParse(request.query);
    const flowId = q.success ? q.data.flow : undefined;
    const flow = flowId && secretInput.safeParse(flowId).success ? await describeResetFlow(ctx.deps, flowId) : null;
    if (!flowId || !flow)
      return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, error: translatorFor(ctx, request).t('error.RESET_FLOW_INVALID') }), 400);
    const step = methodStep(request, flow, csrf);
    if (step) return sendSecretPage(reply, step);
    return sendSecretPage(
      reply,
      resetNewPasswordPage(pageView(ctx, request), {
        csrf,
        flowId,
        email: flow.email,
        rules: await newPasswordRules(ctx, request, { forChange: true, account: flow.account }),
      }),
    );
  });

  /** The page for the next thing a flow must prove before its new password, or null when nothing is left. */
  const methodStep = (request: FastifyRequest, flow: ResetFlowView, csrf: string, error?: string): SafeHtml | null => {
    if (flow.requires.includes('second_method'))
      return resetHelpDeskPage(pageView(ctx, request), { message: translatorFor(ctx, request).t('error.RESET_SECOND_METHOD_REQUIRED') });
    if (flow.requires.includes('second_factor'))
      return resetSecondFactorPage(pageView(ctx, request), { csrf, flowId: flow.flowId, methods: flow.secondFactorMethods ?? ['totp'], error });
    if (flow.requires.includes('security_questions'))
      return resetQuestionsPage(pageView(ctx, request), { csrf, flowId: flow.flowId, questions: flow.securityQuestions ?? [], error });
    return null;
  };

  /** Runs a method proof from a page's form: on to the next step, or the same step with the reason. */
  const proveFromPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    proof: (flowId: string) => Parameters<typeof proveResetMethod>[1] | null,
  ): Promise<FastifyReply> => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const flowId = String(formBody(request)['flow'] ?? '');
    const flow = secretInput.safeParse(flowId).success ? await describeResetFlow(ctx.deps, flowId) : null;
    if (!flow)
      return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, error: translatorFor(ctx, request).t('error.RESET_FLOW_INVALID') }), 400);
    const input = proof(flowId);
    try {
      if (!input) throw new PassdeskError('VALIDATION_FAILED', translatorFor(ctx, request).t('error.form.everyBox'));
      await proveResetMethod(ctx.deps, input, requestContext(request));
      return reply.header('Cache-Control', 'no-store').redirect(`/reset/new?flow=${encodeURIComponent(flowId)}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code === 'RESET_FLOW_INVALID')
        return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, error: shownText(ctx, request, err) }), err.status);
      return sendSecretPage(
        reply,
        methodStep(request, flow, csrf, shownText(ctx, request, err)) ??
          resetRequestPage(pageView(ctx, request), { csrf, error: shownText(ctx, request, err) }),
        err.status,
      );
    }
  };

  pages.post('/reset/second-factor', async (request, reply) =>
    proveFromPage(request, reply, (flowId) => {
      const form = pageFactorForm.safeParse(formBody(request));
      return form.success ? { flowId, method: form.data.method, code: form.data.code } : null;
    }),
  );

  pages.post('/reset/security-questions', async (request, reply) =>
    proveFromPage(request, reply, (flowId) => {
      const body = formBody(request);
      const answers: Array<{ questionId: string; answer: string }> = [];
      for (let i = 0; i < 5 && body[`q${i}`] !== undefined; i++) {
        const a = pageAnswer.safeParse({ questionId: body[`q${i}`], answer: body[`a${i}`] ?? '' });
        if (!a.success) return null;
        answers.push(a.data);
      }
      return answers.length > 0 ? { flowId, method: 'security_questions', answers } : null;
    }),
  );

  pages.post('/reset/new', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = newPasswordForm.safeParse(formBody(request));
    const values = form.success ? form.data : { flow: '', newPassword: '', confirmPassword: '' };
    const flow = secretInput.safeParse(values.flow).success ? await describeResetFlow(ctx.deps, values.flow) : null;
    if (!flow)
      return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, error: translatorFor(ctx, request).t('error.RESET_FLOW_INVALID') }), 400);
    const again = async (error: string, errorField: 'newPassword' | 'confirmPassword' | undefined, status: number, err?: unknown): Promise<FastifyReply> =>
      sendSecretPage(
        reply,
        resetNewPasswordPage(pageView(ctx, request), {
          csrf,
          flowId: values.flow,
          email: flow.email,
          rules: await newPasswordRules(ctx, request, { forChange: true, err, account: flow.account }),
          error,
          errorField,
        }),
        status,
      );
    if (!values.newPassword) return again(translatorFor(ctx, request).t('error.form.newPassword'), 'newPassword', 400);
    if (values.newPassword !== values.confirmPassword)
      return again(translatorFor(ctx, request).t('error.PASSWORD_CONFIRMATION_MISMATCH'), 'confirmPassword', 400);
    try {
      assertPasswordWithinLimit(values.newPassword);
      await completePasswordReset(ctx.deps, { flowId: values.flow, newPassword: values.newPassword }, requestContext(request));
      // Every session ended with the reset, this browser's too; the sign-in page that follows keeps the address.
      clearSessionCookie(reply, ctx.cookies);
      setSignInEmailCookie(reply, ctx.cookies, flow.email);
      return reply.redirect('/sign-in?notice=password-reset', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code.startsWith('RESET_'))
        return sendSecretPage(reply, resetRequestPage(pageView(ctx, request), { csrf, error: shownText(ctx, request, err) }), err.status);
      return again(shownText(ctx, request, err), err.code.startsWith('PASSWORD_') ? 'newPassword' : undefined, err.status, err);
    }
  });
}
