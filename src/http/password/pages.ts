// Changing my password with the pages (/security/password), and the well-known URL that leads there.
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { mustChangeMessage } from '../../core/messages.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { changePassword } from '../../flows/change-password.js';
import { changePasswordPage } from '../../web/views/pages.js';
import { ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { formBody, newPasswordRules, sendPage, shownOnPage, signedIn } from '../shared/pages.js';

const changeForm = z.object({
  currentPassword: z.string().max(1024).default(''),
  newPassword: z.string().max(1024).default(''),
  confirmPassword: z.string().max(1024).default(''),
  signOutOtherSessions: z.string().max(10).optional(),
});

export async function passwordPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  // Password managers and browsers find the change-password page here (W3C well-known URL).
  pages.get('/.well-known/change-password', async (_req, reply) => reply.redirect('/security/password', 302));

  pages.get('/security/password', { config: { auth: 'page', beforeTwoFactor: true } }, async (request, reply) => {
    const auth = signedIn(request);
    return sendPage(
      reply,
      changePasswordPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        email: auth.account.email,
        displayName: auth.account.displayName,
        rules: await newPasswordRules(ctx, request, { forChange: true, account: auth.account }),
        mustChangeReason: auth.account.mustChangePassword ? mustChangeMessage(auth.account.mustChangeReason) : undefined,
      }),
    );
  });

  pages.post('/security/password', { config: { auth: 'page', beforeTwoFactor: true } }, async (request, reply) => {
    const auth = signedIn(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = changeForm.safeParse(formBody(request));
    const signOutOtherSessions = form.success ? form.data.signOutOtherSessions === 'on' : true;
    const again = async (
      error: string,
      errorField: 'currentPassword' | 'newPassword' | 'confirmPassword' | undefined,
      status: number,
      err?: unknown,
    ): Promise<FastifyReply> =>
      sendPage(
        reply,
        changePasswordPage(pageView(ctx, request), {
          csrf,
          email: auth.account.email,
          displayName: auth.account.displayName,
          rules: await newPasswordRules(ctx, request, { forChange: true, err, account: auth.account }),
          error,
          errorField,
          signOutOtherSessions,
          mustChangeReason: auth.account.mustChangePassword ? mustChangeMessage(auth.account.mustChangeReason) : undefined,
        }),
        status,
      );
    if (!form.success) return again(translatorFor(ctx, request).t('error.VALIDATION_FAILED'), undefined, 400);
    const { currentPassword, newPassword, confirmPassword } = form.data;
    if (!currentPassword) return again(translatorFor(ctx, request).t('error.form.currentPassword'), 'currentPassword', 400);
    if (!newPassword) return again(translatorFor(ctx, request).t('error.form.newPassword'), 'newPassword', 400);
    if (newPassword !== confirmPassword) return again(translatorFor(ctx, request).t('error.PASSWORD_CONFIRMATION_MISMATCH'), 'confirmPassword', 400);
    try {
      assertPasswordWithinLimit(currentPassword, newPassword);
      const result = await changePassword(ctx.deps, auth, { currentPassword, newPassword, signOutOtherSessions }, requestContext(request));
      setSessionCookie(reply, ctx.cookies, result.token);
      return reply.redirect(`/security?notice=${result.signedOutSessions > 0 ? 'password-changed-others' : 'password-changed'}`, 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      if (shown.code === 'AUTHENTICATION_REQUIRED') return reply.redirect('/sign-in', 303);
      const field = shown.code === 'CURRENT_PASSWORD_INCORRECT' ? 'currentPassword' : shown.code.startsWith('PASSWORD_') ? 'newPassword' : undefined;
      return again(shownText(ctx, request, shown), field, shown.status, shown);
    }
  });
}
