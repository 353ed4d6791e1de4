// The security overview page (/security): the security checkup first, then devices, password, second factors, passkeys. Shown by GET /security and
// again, with the error, by the forms on it that belong to other features (passkeys).
import { pageView } from './page-view.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusalFor } from '../../core/admin-permissions.js';
import type { Authenticated } from '../../flows/sessions.js';
import { listDevices } from '../../flows/sessions.js';
import { listFactors } from '../../flows/two-factor.js';
import { listPasskeys } from '../../flows/passkeys.js';
import { myCheckup } from '../../flows/checkup.js';
import { securityPage } from '../../web/views/pages.js';
import { addressSection, dataSection, pendingDeletionBanner } from '../../web/views/account-data.js';
import { isAddressManagedByDirectory } from '../../flows/change-email.js';
import { pendingDeletion } from '../../flows/account-data.js';
import { ensureCsrfToken, type HttpContext } from './context.js';
import { sendPage } from './pages.js';
import { languageSection } from '../../web/views/language.js';
import { availableLocales } from '../../core/i18n/translator.js';

export async function sendSecurityOverview(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authenticated,
  o: { notice?: string | undefined; error?: string; status?: number },
): Promise<FastifyReply> {
  const devices = await listDevices(ctx.deps, auth, { includeRecentlyEnded: true });
  const csrf = ensureCsrfToken(ctx, request, reply);
  const view = pageView(ctx, request);
  // Signing in while a deletion is pending lands here: it is shown first, with the button that keeps the account.
  const deletion = await pendingDeletion(ctx.deps, auth);
  return sendPage(
    reply,
    securityPage(view, {
      csrf,
      displayName: auth.account.displayName,
      email: auth.account.email,
      passwordChangedAt: auth.account.passwordChangedAt,
      devices,
      factors: (await listFactors(ctx.deps, auth)).factors.map((f) => f.name),
      securityQuestions: ctx.deps.config.securityQuestions?.enabled === true,
      helpDesk: refusalFor(auth.account, 'accounts.search') === null,
      passkeys: await listPasskeys(ctx.deps, auth),
      checkup: await myCheckup(ctx.deps, auth),
      notice: o.notice,
      error: o.error,
      parts: {
        ...(deletion ? { banner: pendingDeletionBanner(view, { csrf, dueAt: deletion.dueAt }) } : {}),
        address: addressSection(view, { address: auth.account.email, changeable: !isAddressManagedByDirectory(auth.account) }),
        data: dataSection(view),
        language: languageSection(view, { csrf, saved: auth.account.locale, available: availableLocales() }),
      },
    }),
    o.status ?? 200,
  );
}
