// Changing the sign-in address with the pages: /security/email-address (ask, type the code) and /email-change, which
// the emailed link opens (a button; opening it changes nothing, since mail scanners open links). POST/redirect/GET.
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isPassdeskError, PassdeskError } from '../../core/errors.js';
import { confirmEmailChange, describeEmailChangeLink, emailAddressState, requestEmailChange } from '../../flows/change-email.js';
import { emailAddressPage, emailChangeConfirmPage, emailChangeResultPage } from '../../web/views/account-data.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, sendSecretPage, shownOnPage, signedIn } from '../shared/pages.js';
import { emailInput, linkTokenInput } from '../shared/schemas.js';
import { emailChangeCode } from './schemas.js';

const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();
const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();

export async function emailAddressPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
    const auth = signedIn(request);
    const page = emailAddressPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      state: await emailAddressState(ctx.deps, auth),
      error: o.error,
      notice: o.notice,
    });
    return sendPage(reply, page, o.status ?? 200);
  };
  const refused = (request: FastifyRequest, reply: FastifyReply, err: unknown): Promise<FastifyReply> => {
    const shown = shownOnPage(request, err);
    return show(request, reply, { error: shownText(ctx, request, shown), status: shown.status });
  };

  pages.get('/security/email-address', { config: { auth: 'page' } }, async (request, reply) => {
    const q = noticeQuery.safeParse(request.query);
    return show(request, reply, q.success && q.data.notice === 'code-sent' ? { notice: translatorFor(ctx, request).t('notice.EMAIL_CODE_SENT') } : {});
  });

  pages.post('/security/email-address', { config: { auth: 'page', stepUp: '/security/email-address' } }, async (request, reply) => {
    const email = emailInput.safeParse(formBody(request)['email'] ?? '');
    if (!email.success) return show(request, reply, { error: translatorFor(ctx, request).t('error.form.email'), status: 400 });
    try {
      await requestEmailChange(ctx.deps, signedIn(request), { email: email.data }, requestContext(request));
      return reply.redirect('/security/email-address?notice=code-sent', 303);
    } catch (err) {
      return refused(request, reply, err);
    }
  });

  pages.post('/security/email-address/confirm', { config: { auth: 'page' } }, async (request, reply) => {
    const code = emailChangeCode.safeParse(formBody(request)['code'] ?? '');
    if (!code.success) return show(request, reply, { error: translatorFor(ctx, request).t('error.form.emailCode'), status: 400 });
    try {
      await confirmEmailChange(ctx.deps, { code: code.data, auth: signedIn(request) }, requestContext(request));
      return reply.redirect('/security?notice=email-changed', 303);
    } catch (err) {
      return refused(request, reply, err);
    }
  });

  // The emailed link: a page with one button. The token stays out of logs (no query strings are logged) and the
  // page is never cached (Referrer-Policy: no-referrer is global).
  pages.get('/email-change', async (request, reply) => {
    const q = tokenQuery.safeParse(request.query);
    const token = linkTokenInput.safeParse(q.success ? q.data.token : undefined);
    const link = token.success ? await describeEmailChangeLink(ctx.deps, token.data) : null;
    const signedInNow = (await ctx.authenticate(request)) !== null;
    if (!token.success || !link) {
      return sendSecretPage(
        reply,
        emailChangeResultPage(pageView(ctx, request), { error: translatorFor(ctx, request).t('error.EMAIL_CHANGE_LINK_INVALID'), signedIn: signedInNow }),
        400,
      );
    }
    return sendSecretPage(
      reply,
      emailChangeConfirmPage(pageView(ctx, request), { csrf: ensureCsrfToken(ctx, request, reply), token: token.data, address: link.address }),
    );
  });

  pages.post('/email-change', async (request, reply) => {
    const auth = await ctx.authenticate(request);
    try {
      const token = linkTokenInput.safeParse(formBody(request)['token'] ?? '');
      if (!token.success) throw new PassdeskError('EMAIL_CHANGE_LINK_INVALID');
      const { account } = await confirmEmailChange(ctx.deps, { token: token.data, auth }, requestContext(request));
      const stillSignedIn = auth !== null && auth.account.id === account.id;
      return sendSecretPage(reply, emailChangeResultPage(pageView(ctx, request), { address: account.email, signedIn: stillSignedIn }));
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendSecretPage(reply, emailChangeResultPage(pageView(ctx, request), { error: shownText(ctx, request, err), signedIn: auth !== null }), err.status);
    }
  });
}
