// The person's language through the API: GET and PUT /api/v1/account/language (the page is language/pages.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { availableLocales } from '../../core/i18n/translator.js';
import { nativeName } from '../../core/i18n/negotiate.js';
import { setLanguage } from '../../flows/language.js';
import type { HttpContext } from '../shared/context.js';
import { languageOf, setRequestLanguage } from '../shared/language.js';
import { errors } from '../shared/schemas.js';
import { languageInput } from './schemas.js';

const languageView = z
  .object({
    locale: z.string().nullable().meta({ description: 'The saved language (a BCP 47 tag), or null: automatic, from Accept-Language.' }),
    language: z.string().meta({ description: 'The language this answer, and the person’s pages, API messages and emails, are in now.' }),
    available: z
      .array(z.object({ locale: z.string(), name: z.string().meta({ description: 'The language’s name in that language (“Deutsch”).' }) }))
      .meta({ description: 'The languages that can be chosen.' }),
  })
  .meta({ id: 'LanguageSetting' });

const cookieAuth = [{ sessionCookie: [] }];

export async function languageApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const view = (locale: string | null, language: string): z.infer<typeof languageView> => ({
    locale,
    language,
    available: availableLocales().map((l) => ({ locale: l, name: nativeName(l) })),
  });

  r.get(
    '/api/v1/account/language',
    {
      schema: {
        operationId: 'getLanguage',
        tags: ['account'],
        summary: 'My language',
        security: cookieAuth,
        response: { 200: languageView, ...errors(401) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      return view(auth.account.locale, languageOf(ctx, request));
    },
  );

  r.put(
    '/api/v1/account/language',
    {
      schema: {
        operationId: 'setLanguage',
        tags: ['account'],
        summary: 'Choose my language, or automatic',
        description:
          'The saved language comes before the browser’s Accept-Language for this person’s pages, API messages and emails. ' +
          '`locale: null` is automatic (Accept-Language, else the organisation’s default). A language that is not offered: 400 VALIDATION_FAILED. ' +
          'The answer is already in the new language (Content-Language).',
        security: cookieAuth,
        body: z.strictObject({ locale: languageInput.nullable() }),
        response: { 200: languageView, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      const saved = await setLanguage(ctx.deps, auth, request.body.locale);
      return view(saved, setRequestLanguage(ctx, request, saved));
    },
  );
}
