// Signing in with the pages: the form, and the second step for an account with a second factor. Each POST
// validates with Zod, calls one flow, and either redirects (POST/redirect/GET) or re-renders with the error.
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isPassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { issueDeviceCookie, signIn } from '../../flows/sign-in.js';
import { completeSecondFactor, pendingSecondFactorMethods } from '../../flows/two-factor.js';
import { passChallenge } from '../../flows/challenge.js';
import { secondFactorPage, signInPage } from '../../web/views/pages.js';
import {
  clearSignInEmailCookie,
  deviceCookieOf,
  ensureCsrfToken,
  requestContext,
  setDeviceCookie,
  setSessionCookie,
  signInEmailOf,
  type HttpContext,
} from '../shared/context.js';
import { setRetryAfter } from '../plugins/errors.js';
import { pageChallenge, pageProof } from '../shared/challenge.js';
import { formBody, noticeFrom, sendPage } from '../shared/pages.js';

// Forms carry strings; limits match the API's.
const signInForm = z.object({ email: z.string().trim().max(254).default(''), password: z.string().max(1024).default('') });
const secondFactorForm = z.object({
  flowId: z.string().min(16).max(128),
  method: z.enum(['totp', 'recovery_code']),
  code: z.string().trim().max(32).default(''),
});

export async function signInPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/', async (request, reply) => reply.redirect((await ctx.authenticate(request)) ? '/security' : '/sign-in', 303));

  pages.get('/sign-in', async (request, reply) => {
    if (await ctx.authenticate(request)) return reply.redirect('/security', 303);
    return sendPage(
      reply,
      signInPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        // After a reset: the address just reset (setSignInEmailCookie), so only the new password is left to type.
        email: signInEmailOf(request, ctx.cookies),
        notice: noticeFrom(request),
        challenge: await pageChallenge(ctx, request, 'sign-in'),
      }),
    );
  });

  pages.post('/sign-in', async (request, reply) => {
    const form = signInForm.safeParse(formBody(request));
    const email = form.success ? form.data.email : '';
    const csrf = ensureCsrfToken(ctx, request, reply);
    if (!form.success || !form.data.email || !form.data.password) {
      return sendPage(
        reply,
        signInPage(pageView(ctx, request), {
          csrf,
          email,
          error: translatorFor(ctx, request).t('error.form.emailAndPassword'),
          challenge: await pageChallenge(ctx, request, 'sign-in'),
        }),
        400,
      );
    }
    try {
      assertPasswordWithinLimit(form.data.password);
      const replacing = await ctx.authenticate(request);
      const challengeSolved = await passChallenge(ctx.deps, 'sign-in', pageProof(formBody(request)), requestContext(request));
      const result = await signIn(ctx.deps, { email: form.data.email, password: form.data.password }, requestContext(request), {
        replacing,
        deviceCookie: deviceCookieOf(request, ctx.cookies),
        challengeSolved,
      });
      if (result.status === 'second_factor_required') {
        return sendPage(reply, secondFactorPage(pageView(ctx, request), { csrf, flowId: result.flowId, methods: result.methods }));
      }
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(reply, ctx.cookies, result.deviceCookie);
      clearSignInEmailCookie(request, reply, ctx.cookies);
      return reply.redirect(result.account.mustChangePassword ? '/security/password' : '/security', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      setRetryAfter(reply, err);
      // After a failure this address may have reached its limit: the form then carries the challenge.
      return sendPage(
        reply,
        signInPage(pageView(ctx, request), {
          csrf,
          email,
          error: shownText(ctx, request, err),
          challenge: await pageChallenge(ctx, request, 'sign-in', { err, body: formBody(request) }),
        }),
        err.status,
      );
    }
  });

  pages.post('/sign-in/second-factor', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = secondFactorForm.safeParse(formBody(request));
    if (!form.success) {
      return sendPage(reply, signInPage(pageView(ctx, request), { csrf, error: translatorFor(ctx, request).t('error.SECOND_FACTOR_FLOW_INVALID') }), 400);
    }
    const { flowId, method, code } = form.data;
    const methods = async (): Promise<string[]> => (await pendingSecondFactorMethods(ctx.deps, flowId)) ?? ['totp', 'recovery_code'];
    if (!code)
      return sendPage(
        reply,
        secondFactorPage(pageView(ctx, request), { csrf, flowId, methods: await methods(), error: translatorFor(ctx, request).t('error.form.code') }),
        400,
      );
    try {
      const replacing = await ctx.authenticate(request);
      const result = await completeSecondFactor(ctx.deps, { flowId, method, code }, requestContext(request), { replacing });
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(
        reply,
        ctx.cookies,
        await issueDeviceCookie(ctx.deps, { account: result.account, sessionId: result.session.id }, deviceCookieOf(request, ctx.cookies)),
      );
      return reply.redirect(result.account.mustChangePassword ? '/security/password' : '/security', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code === 'SECOND_FACTOR_CODE_INVALID' || err.code === 'SECOND_FACTOR_CODE_USED') {
        return sendPage(
          reply,
          secondFactorPage(pageView(ctx, request), { csrf, flowId, methods: await methods(), error: shownText(ctx, request, err) }),
          err.status,
        );
      }
      return sendPage(reply, signInPage(pageView(ctx, request), { csrf, error: shownText(ctx, request, err) }), err.status);
    }
  });
}
