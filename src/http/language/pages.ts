// The language form on /security: POST /security/language saves the choice and comes back to /security, which is
// then already in the new language (the saved preference comes first, shared/language.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { setLanguage } from '../../flows/language.js';
import type { HttpContext } from '../shared/context.js';
import { translatorFor } from '../shared/language.js';
import { formBody, signedIn } from '../shared/pages.js';
import { sendSecurityOverview } from '../shared/security-overview.js';
import { languageInput } from './schemas.js';

// An empty value is the "Automatic" option.
const languageForm = z.strictObject({ _csrf: z.string().optional(), locale: z.union([z.literal(''), languageInput]) });

export async function languagePages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  pages.post('/security/language', { schema: { hide: true }, config: { auth: 'page' } }, async (request, reply) => {
    const auth = signedIn(request);
    const form = languageForm.safeParse(formBody(request));
    if (!form.success) {
      return sendSecurityOverview(ctx, request, reply, auth, { error: translatorFor(ctx, request).t('error.field.language'), status: 400 });
    }
    await setLanguage(ctx.deps, auth, form.data.locale === '' ? null : form.data.locale);
    return reply.redirect('/security?notice=language-saved#language', 303);
  });
}
