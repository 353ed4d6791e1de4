// Self-service sign-up with the pages (REGISTRATION_CLOSED when registration is closed).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { english, messages } from '../../core/messages.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { registerAccount } from '../../flows/register.js';
import { passChallenge } from '../../flows/challenge.js';
import { signUpPage } from '../../web/views/pages.js';
import { ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { freeText, invalidCharactersMessage } from '../shared/schemas.js';
import { pageChallenge, pageProof } from '../shared/challenge.js';
import { formBody, newPasswordRules, sendPage } from '../shared/pages.js';

const signUpForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  displayName: freeText('displayName', { max: 100 }).default(''),
});

export async function signUpPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.get('/sign-up', async (request, reply) => {
    if (ctx.deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
    if (await ctx.authenticate(request)) return reply.redirect('/security', 303);
    return sendPage(
      reply,
      signUpPage(ctx, {
        csrf: ensureCsrfToken(ctx, request, reply),
        rules: await newPasswordRules(ctx, { forChange: false }),
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
        signUpPage(ctx, {
          csrf,
          email: values.email,
          displayName: values.displayName,
          error,
          rules: await newPasswordRules(ctx, { forChange: false, err }),
          challenge: await pageChallenge(ctx, request, 'sign-up', { err, body: formBody(request) }),
        }),
        status,
      );
    if (!form.success) return again(invalidCharactersMessage(form.error.issues) ?? messages.errors.VALIDATION_FAILED, 400);
    if (!z.email().safeParse(values.email).success) return again(english.t('error.form.email'), 400);
    try {
      assertPasswordWithinLimit(values.password);
      if (ctx.deps.config.registration === 'open') await passChallenge(ctx.deps, 'sign-up', pageProof(formBody(request)), requestContext(request));
      const result = await registerAccount(
        ctx.deps,
        { email: values.email, password: values.password, displayName: values.displayName || undefined },
        requestContext(request),
        { kind: 'self' },
      );
      if (result.signedIn) setSessionCookie(reply, ctx.cookies, result.signedIn.token);
      return reply.redirect('/security?notice=welcome', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return again(err.message, err.status, err);
    }
  });
}
