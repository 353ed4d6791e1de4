// "This wasn't me": the emailed link's pages, and the activity page where a signed-in person reports an entry.
// Each handler parses, calls one flow (flows/not-me.ts), and answers. GETs never change the account. These pages
// carry a secret in their URL or form: never cached (Referrer-Policy: no-referrer is global).
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { confirmNotMe, describeNotMeConfirmation, ACTIVITY_LIMIT, listActivity, openNotMeLink, reportActivity } from '../../flows/not-me.js';
import { activityPage, notMeConfirmPage, notMeDonePage, notMeInvalidPage } from '../../web/views/not-me.js';
import { clearSessionCookie, ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendSecretPage, signedIn } from '../shared/pages.js';
import { eventIdParam, secretInput } from './schemas.js';

const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();
const flowQuery = z.object({ flow: z.string().max(256).optional() }).loose();

export async function notMePages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const invalid = (
    request: FastifyRequest,
    reply: FastifyReply,
    message: string = translatorFor(ctx, request).t('error.NOT_ME_LINK_INVALID'),
    status = 400,
  ): FastifyReply => sendSecretPage(reply, notMeInvalidPage(pageView(ctx, request), { message }), status);

  // The emailed link. Opening it changes nothing (mail scanners open links): it swaps the token for a
  // short-lived confirmation and moves it out of the URL (history, logs, Referer).
  pages.get('/not-me', async (request, reply) => {
    const q = tokenQuery.safeParse(request.query);
    const token = q.success ? q.data.token : undefined;
    if (token === undefined || !secretInput.safeParse(token).success) return invalid(request, reply);
    const opened = await openNotMeLink(ctx.deps, { token });
    if (!opened) return invalid(request, reply);
    return reply.header('Cache-Control', 'no-store').redirect(`/not-me/confirm?flow=${encodeURIComponent(opened.confirmId)}`, 303);
  });

  pages.get('/not-me/confirm', async (request, reply) => {
    const q = flowQuery.safeParse(request.query);
    const confirmId = q.success ? q.data.flow : undefined;
    const report = confirmId && secretInput.safeParse(confirmId).success ? await describeNotMeConfirmation(ctx.deps, confirmId) : null;
    if (!confirmId || !report) return invalid(request, reply);
    return sendSecretPage(reply, notMeConfirmPage(pageView(ctx, request), { csrf: ensureCsrfToken(ctx, request, reply), confirmId, report }));
  });

  pages.post('/not-me/confirm', async (request, reply) => {
    const confirmId = String(formBody(request)['flow'] ?? '');
    if (!secretInput.safeParse(confirmId).success) return invalid(request, reply);
    try {
      const auth = await ctx.authenticate(request);
      await confirmNotMe(ctx.deps, { confirmId }, requestContext(request), { signedInAccountId: auth?.account.id ?? null });
      if (auth) clearSessionCookie(reply, ctx.cookies);
      return sendSecretPage(reply, notMeDonePage(pageView(ctx, request), { message: translatorFor(ctx, request).t('notice.NOT_ME_REPORTED') }));
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return invalid(request, reply, shownText(ctx, request, err), err.status);
    }
  });

  pages.get('/security/activity', { config: { auth: 'page' } }, async (request, reply) => {
    const auth = signedIn(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    return sendSecretPage(
      reply,
      activityPage(pageView(ctx, request), {
        csrf,
        displayName: auth.account.displayName,
        entries: await listActivity(ctx.deps, auth),
        now: ctx.deps.clock.now(),
        limit: ACTIVITY_LIMIT,
      }),
    );
  });

  pages.post('/security/activity/:id/not-me', { config: { auth: 'page', stepUp: '/security/activity' } }, async (request, reply) => {
    const id = eventIdParam.safeParse((request.params as Record<string, unknown>)['id']);
    if (!id.success) throw new PassdeskError('NOT_FOUND');
    await reportActivity(ctx.deps, signedIn(request), { eventId: Number(id.data) }, requestContext(request));
    clearSessionCookie(reply, ctx.cookies);
    return sendSecretPage(reply, notMeDonePage(pageView(ctx, request), { message: translatorFor(ctx, request).t('notice.NOT_ME_REPORTED') }));
  });
}
