// Self-service sign-up with the pages (REGISTRATION_CLOSED when registration is closed): the form, "check your inbox"
// with the code entry, and the page the emailed link opens (flows/sign-up.ts). The confirmation pages also serve the
// address of an account an administrator created unconfirmed, so they work with registration closed.
import { askedLanguage, translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { confirmationLinkAddress, confirmSignUpByCode, confirmSignUpByToken, requestSignUp, type SignUpConfirmation } from '../../flows/sign-up.js';
import { passChallenge } from '../../flows/challenge.js';
import { signUpPage } from '../../web/views/pages.js';
import { signUpConfirmPage, signUpLinkPage } from '../../web/views/sign-up.js';
import { ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { freeText, invalidCharactersMessage } from '../shared/schemas.js';
import { pageChallenge, pageProof } from '../shared/challenge.js';
import { formBody, newPasswordRules, sendPage, sendSecretPage } from '../shared/pages.js';
import { signUpCodeInput, signUpTokenInput } from './schemas.js';

const signUpForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  displayName: freeText('displayName', { max: 100 }).default(''),
});
const verifyForm = z.object({
  token: z.string().max(256).optional(),
  email: z.string().trim().max(254).default(''),
  code: z.string().max(20).default(''),
});
const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();

export async function signUpPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/sign-up', async (request, reply) => {
    if (ctx.deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
    if (await ctx.authenticate(request)) return reply.redirect('/security', 303);
    return sendPage(
      reply,
      signUpPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        rules: await newPasswordRules(ctx, request, { forChange: false }),
        challenge: await pageChallenge(ctx, request, 'sign-up'),
      }),
    );
  });

  pages.post('/sign-up', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = signUpForm.safeParse(formBody(request));
    const values = form.success ? form.data : { email: '', displayName: '', password: '' };
    const again = async (error: string, status: number, err?: unknown): Promise<FastifyReply> =>
      sendPage(
        reply,
        signUpPage(pageView(ctx, request), {
          csrf,
          email: values.email,
          displayName: values.displayName,
          error,
          rules: await newPasswordRules(ctx, request, { forChange: false, err }),
          challenge: await pageChallenge(ctx, request, 'sign-up', { err, body: formBody(request) }),
        }),
        status,
      );
    if (!form.success)
      return again(invalidCharactersMessage(form.error.issues, translatorFor(ctx, request)) ?? translatorFor(ctx, request).t('error.VALIDATION_FAILED'), 400);
    if (!z.email().safeParse(values.email).success) return again(translatorFor(ctx, request).t('error.form.email'), 400);
    try {
      assertPasswordWithinLimit(values.password);
      if (ctx.deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
      await passChallenge(ctx.deps, 'sign-up', pageProof(formBody(request)), requestContext(request));
      await requestSignUp(
        ctx.deps,
        { email: values.email, password: values.password, displayName: values.displayName || undefined, locale: askedLanguage(request) ?? undefined },
        requestContext(request),
      );
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return again(shownText(ctx, request, err), err.status, err);
    }
    // The same page for every address: whether it has an account is told only to its inbox.
    return sendPage(reply, signUpConfirmPage(pageView(ctx, request), { csrf, email: values.email, sent: true }));
  });

  await confirmationPages(pages, ctx);
}

/** The emailed link's page, the code entry, and the confirmation both post to. */
async function confirmationPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  // Opening the link changes nothing (mail scanners open links): the address and a button whose form carries the token.
  pages.get('/sign-up/verify', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined) return sendSecretPage(reply, signUpConfirmPage(pageView(ctx, request), { csrf, sent: false }));
    reply.header('Referrer-Policy', 'no-referrer');
    const email = signUpTokenInput.safeParse(token).success ? await confirmationLinkAddress(ctx.deps, { token }) : null;
    if (email === null)
      return sendSecretPage(
        reply,
        signUpConfirmPage(pageView(ctx, request), { csrf, sent: false, error: translatorFor(ctx, request).t('error.SIGN_UP_LINK_INVALID') }),
        400,
      );
    return sendSecretPage(reply, signUpLinkPage(pageView(ctx, request), { csrf, token, email }));
  });

  pages.post('/sign-up/verify', async (request, reply) => {
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = verifyForm.safeParse(formBody(request));
    const values = form.success ? form.data : { token: undefined, email: '', code: '' };
    const byLink = values.token !== undefined;
    const refused = (error: string, status: number): FastifyReply =>
      sendSecretPage(
        reply,
        signUpConfirmPage(pageView(ctx, request), { csrf, email: values.email || undefined, sent: !byLink && values.email !== '', error }),
        status,
      );
    try {
      return signedUp(reply, ctx, await confirm(ctx, request, values));
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return refused(shownText(ctx, request, err), err.status);
    }
  });
}

async function confirm(ctx: HttpContext, request: FastifyRequest, v: { token?: string | undefined; email: string; code: string }): Promise<SignUpConfirmation> {
  if (v.token !== undefined) {
    if (!signUpTokenInput.safeParse(v.token).success) throw new PassdeskError('SIGN_UP_LINK_INVALID');
    return confirmSignUpByToken(ctx.deps, { token: v.token }, requestContext(request));
  }
  // People type the code with the spaces the email groups it by.
  const code = v.code.replace(/[\s-]+/g, '');
  if (!z.email().safeParse(v.email).success) throw new PassdeskError('VALIDATION_FAILED', translatorFor(ctx, request).t('error.form.email'));
  if (!signUpCodeInput.safeParse(code).success) throw new PassdeskError('SIGN_UP_CODE_INVALID');
  return confirmSignUpByCode(ctx.deps, { email: v.email, code }, requestContext(request));
}

function signedUp(reply: FastifyReply, ctx: HttpContext, done: SignUpConfirmation): FastifyReply {
  if (done.kind === 'address-confirmed') return reply.redirect('/sign-in?notice=email-confirmed', 303);
  setSessionCookie(reply, ctx.cookies, done.session.token);
  return reply.redirect('/security?notice=welcome', 303);
}
