// "Your data" with the pages: /security/data (download, delete, keep), and /account-deletion/cancel, which the
// emailed cancel link opens (a button; opening it changes nothing). POST/redirect/GET.
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isPassdeskError, PassdeskError } from '../../core/errors.js';
import { accountDataState, cancelAccountDeletion, describeDeletionLink, exportMyData, requestAccountDeletion } from '../../flows/account-data.js';
import { accountDataPage, deletionCancelPage, deletionCancelResultPage } from '../../web/views/account-data.js';
import { toAccountExportJson } from '../shared/account-export.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, sendSecretPage, shownOnPage, signedIn } from '../shared/pages.js';
import { linkTokenInput } from '../shared/schemas.js';

const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();
const tokenQuery = z.object({ token: z.string().max(256).optional() }).loose();

export async function accountDataPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
    const auth = signedIn(request);
    const page = accountDataPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      state: await accountDataState(ctx.deps, auth),
      error: o.error,
      notice: o.notice,
    });
    return sendPage(reply, page, o.status ?? 200);
  };

  pages.get('/security/data', { config: { auth: 'page' } }, async (request, reply) => {
    const q = noticeQuery.safeParse(request.query);
    return show(
      request,
      reply,
      q.success && q.data.notice === 'deletion-requested' ? { notice: translatorFor(ctx, request).t('notice.DELETION_REQUESTED') } : {},
    );
  });

  // A form, not a link: the download needs a recent authentication (step-up comes back here) and the CSRF token.
  pages.post('/security/data/export', { config: { auth: 'page', stepUp: '/security/data' } }, async (request, reply) => {
    const exported = await exportMyData(ctx.deps, signedIn(request), requestContext(request));
    const day = new Date(exported.exportedAt).toISOString().slice(0, 10);
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="passdesk-data-${day}.json"`)
      .type('application/json; charset=utf-8')
      .send(`${JSON.stringify(toAccountExportJson(exported), null, 2)}\n`);
  });

  pages.post('/security/data/deletion', { config: { auth: 'page', stepUp: '/security/data' } }, async (request, reply) => {
    if (formBody(request)['confirm'] !== 'yes')
      return show(request, reply, { error: translatorFor(ctx, request).t('error.form.confirmDeletion'), status: 400 });
    try {
      await requestAccountDeletion(ctx.deps, signedIn(request), requestContext(request));
      return reply.redirect('/security/data?notice=deletion-requested', 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return show(request, reply, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });

  pages.post('/security/data/deletion/cancel', { config: { auth: 'page' } }, async (request, reply) => {
    await cancelAccountDeletion(ctx.deps, { auth: signedIn(request) }, requestContext(request));
    return reply.redirect('/security?notice=deletion-cancelled', 303);
  });

  pages.get('/account-deletion/cancel', async (request, reply) => {
    const q = tokenQuery.safeParse(request.query);
    const token = linkTokenInput.safeParse(q.success ? q.data.token : undefined);
    const pending = token.success ? await describeDeletionLink(ctx.deps, token.data) : null;
    if (!token.success || !pending)
      return sendSecretPage(
        reply,
        deletionCancelResultPage(pageView(ctx, request), { kept: false, error: translatorFor(ctx, request).t('error.DELETION_LINK_INVALID') }),
        400,
      );
    return sendSecretPage(
      reply,
      deletionCancelPage(pageView(ctx, request), { csrf: ensureCsrfToken(ctx, request, reply), token: token.data, dueAt: pending.dueAt }),
    );
  });

  pages.post('/account-deletion/cancel', async (request, reply) => {
    try {
      const token = linkTokenInput.safeParse(formBody(request)['token'] ?? '');
      if (!token.success) throw new PassdeskError('DELETION_LINK_INVALID');
      await cancelAccountDeletion(ctx.deps, { token: token.data }, requestContext(request));
      return sendSecretPage(reply, deletionCancelResultPage(pageView(ctx, request), { kept: true }));
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return sendSecretPage(reply, deletionCancelResultPage(pageView(ctx, request), { kept: false, error: shownText(ctx, request, err) }), err.status);
    }
  });
}
