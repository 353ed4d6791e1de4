// Passkeys with the pages: they are added by the security page's script through the API (WebAuthn needs it);
// renaming and removing are forms on /security.
import { translatorFor } from '../shared/language.js';
import { shownText } from '../shared/page-view.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { removePasskey, renamePasskey } from '../../flows/passkeys.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { freeText, invalidCharactersMessage } from '../shared/schemas.js';
import { formBody, shownOnPage, signedIn } from '../shared/pages.js';
import { sendSecurityOverview } from '../shared/security-overview.js';

const passkeyIdParams = z.object({ id: z.string().min(1).max(64) });
const renamePasskeyForm = z.object({ name: freeText('passkeyName', { max: 256 }).default('') });
const removePasskeyForm = z.object({ currentPassword: z.string().max(1024).default('') });

export async function passkeysPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.post('/security/passkeys/:id/rename', { config: { auth: 'page' } }, async (request, reply) => {
    const auth = signedIn(request);
    const params = passkeyIdParams.safeParse(request.params);
    const form = renamePasskeyForm.safeParse(formBody(request));
    if (!params.success || !form.success) {
      return sendSecurityOverview(ctx, request, reply, auth, {
        error:
          (form.error && invalidCharactersMessage(form.error.issues, translatorFor(ctx, request))) ?? translatorFor(ctx, request).t('error.VALIDATION_FAILED'),
        status: 400,
      });
    }
    try {
      await renamePasskey(ctx.deps, auth, params.data.id, { name: form.data.name }, requestContext(request));
      return reply.redirect('/security?notice=passkey-renamed', 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return sendSecurityOverview(ctx, request, reply, auth, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });

  pages.post('/security/passkeys/:id/remove', { config: { auth: 'page', stepUp: '/security' } }, async (request, reply) => {
    const auth = signedIn(request);
    const params = passkeyIdParams.safeParse(request.params);
    const form = removePasskeyForm.safeParse(formBody(request));
    if (!params.success || !form.success)
      return sendSecurityOverview(ctx, request, reply, auth, { error: translatorFor(ctx, request).t('error.VALIDATION_FAILED'), status: 400 });
    try {
      assertPasswordWithinLimit(form.data.currentPassword);
      await removePasskey(ctx.deps, auth, params.data.id, { currentPassword: form.data.currentPassword }, requestContext(request));
      return reply.redirect('/security?notice=passkey-removed', 303);
    } catch (err) {
      const shown = shownOnPage(request, err);
      return sendSecurityOverview(ctx, request, reply, auth, { error: shownText(ctx, request, shown), status: shown.status });
    }
  });
}
