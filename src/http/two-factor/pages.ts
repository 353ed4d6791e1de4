// Two-step verification settings with the pages (/security/two-factor). Adding, removing and new recovery codes
// need a recent authentication: a stale session is sent to /security/confirm and comes back here (route config
// `stepUp`, shared/pages.ts).
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import type { Authenticated } from '../../flows/sessions.js';
import {
  confirmTotp,
  listFactors,
  pendingTotpEnrolment,
  regenerateRecoveryCodes,
  removeFactor,
  renameFactor,
  startTotpEnrolment,
  type TotpEnrolment,
} from '../../flows/two-factor.js';
import { listPasskeys } from '../../flows/passkeys.js';
import { twoFactorPage } from '../../web/views/two-factor.js';
import { ensureCsrfToken, requestContext, setSessionCookie, type HttpContext } from '../shared/context.js';
import { fieldMessageIn, invalidCharactersMessage } from '../shared/schemas.js';
import { formBody, sendPage, shownOnPage, signedIn } from '../shared/pages.js';
import { factorNameInput } from './schemas.js';

const codeForm = z.object({ code: z.string().trim().max(32).default('') });
const removeFactorForm = z.object({ currentPassword: z.string().max(1024).default('') });
const renameFactorForm = z.object({ name: factorNameInput });
const factorIdParams = z.object({ id: z.string().min(1).max(64) });
const HERE = { auth: 'page', stepUp: '/security/two-factor', beforeTwoFactor: true } as const;

interface TwoFactorView {
  enrolment?: TotpEnrolment | null;
  recoveryCodes?: string[] | null;
  error?: string;
  notice?: string;
  status?: number;
}

async function sendTwoFactorPage(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authenticated,
  o: TwoFactorView = {},
): Promise<FastifyReply> {
  const { factors, recoveryCodesRemaining } = await listFactors(ctx.deps, auth);
  return sendPage(
    reply,
    twoFactorPage(pageView(ctx, request), {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      email: auth.account.email,
      factors,
      recoveryCodesRemaining,
      passkeyCount: (await listPasskeys(ctx.deps, auth)).length,
      enrolment: o.enrolment ?? undefined,
      recoveryCodes: o.recoveryCodes ?? undefined,
      error: o.error,
      notice: o.notice,
    }),
    o.status ?? 200,
  );
}

export async function twoFactorPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const view = (request: FastifyRequest, reply: FastifyReply, o: TwoFactorView = {}): Promise<FastifyReply> =>
    sendTwoFactorPage(ctx, request, reply, signedIn(request), o);
  const failed = (request: FastifyRequest, reply: FastifyReply, err: unknown): Promise<FastifyReply> => {
    const shown = shownOnPage(request, err);
    return view(request, reply, { error: shownText(ctx, request, shown), status: shown.status });
  };
  const issuer = ctx.config.organizationName;

  pages.get('/security/two-factor', { config: { auth: 'page', beforeTwoFactor: true } }, async (request, reply) => {
    const key = (request.query as Record<string, unknown>)['notice'];
    const notice =
      key === 'removed'
        ? translatorFor(ctx, request).t('notice.AUTHENTICATOR_REMOVED')
        : key === 'renamed'
          ? translatorFor(ctx, request).t('notice.NAME_SAVED')
          : key === 'two-factor-required'
            ? translatorFor(ctx, request).t('notice.TWO_FACTOR_REQUIRED')
            : undefined;
    return view(request, reply, notice ? { notice } : {});
  });

  pages.post('/security/two-factor/totp', { config: HERE }, async (request, reply) =>
    view(request, reply, { enrolment: await startTotpEnrolment(ctx.deps, signedIn(request), { issuer }) }),
  );

  pages.post('/security/two-factor/recovery-codes', { config: HERE }, async (request, reply) => {
    try {
      const { recoveryCodes } = await regenerateRecoveryCodes(ctx.deps, signedIn(request), requestContext(request));
      return await view(request, reply, { recoveryCodes, notice: translatorFor(ctx, request).t('notice.RECOVERY_CODES_REGENERATED') });
    } catch (err) {
      return failed(request, reply, err);
    }
  });

  pages.post('/security/two-factor/:id/rename', { config: { auth: 'page' } }, async (request, reply) => {
    const params = factorIdParams.safeParse(request.params);
    const form = renameFactorForm.safeParse(formBody(request));
    if (!params.success || !form.success) {
      const characters = form.error && invalidCharactersMessage(form.error.issues, translatorFor(ctx, request));
      return view(request, reply, {
        error:
          characters ??
          translatorFor(ctx, request).t('error.form.name', {
            problem: form.error?.issues[0]
              ? fieldMessageIn(translatorFor(ctx, request), form.error.issues[0].message)
              : translatorFor(ctx, request).t('error.field.notValid'),
          }),
        status: 400,
      });
    }
    try {
      await renameFactor(ctx.deps, signedIn(request), params.data.id, form.data.name, requestContext(request));
      return reply.redirect('/security/two-factor?notice=renamed', 303);
    } catch (err) {
      return failed(request, reply, err);
    }
  });

  pages.post('/security/two-factor/totp/confirm', { config: HERE }, async (request, reply) => {
    const auth = signedIn(request);
    const form = codeForm.safeParse(formBody(request));
    try {
      const { recoveryCodes, token } = await confirmTotp(ctx.deps, auth, { code: form.success ? form.data.code : '' }, requestContext(request));
      setSessionCookie(reply, ctx.cookies, token);
      return await view(request, reply, { recoveryCodes, notice: translatorFor(ctx, request).t('notice.AUTHENTICATOR_ADDED') });
    } catch (err) {
      const shown = shownOnPage(request, err);
      return view(request, reply, {
        enrolment: await pendingTotpEnrolment(ctx.deps, auth, { issuer }),
        error: shownText(ctx, request, shown),
        status: shown.status,
      });
    }
  });

  pages.post('/security/two-factor/:id/remove', { config: HERE }, async (request, reply) => {
    const params = factorIdParams.safeParse(request.params);
    const form = removeFactorForm.safeParse(formBody(request));
    if (!params.success || !form.success) return view(request, reply, { error: translatorFor(ctx, request).t('error.VALIDATION_FAILED'), status: 400 });
    try {
      assertPasswordWithinLimit(form.data.currentPassword);
      await removeFactor(ctx.deps, signedIn(request), params.data.id, { currentPassword: form.data.currentPassword }, requestContext(request));
      return reply.redirect('/security/two-factor?notice=removed', 303);
    } catch (err) {
      return failed(request, reply, err);
    }
  });
}
