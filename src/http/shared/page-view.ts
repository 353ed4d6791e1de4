// What a view is given: the HTTP context with the request's Translator (web/i18n.ts translatorOf reads it), so every
// page speaks the language resolved for its request (shared/language.ts).
import type { FastifyRequest } from 'fastify';
import type { Translator } from '../../core/i18n/translator.js';
import type { PassdeskError } from '../../core/errors.js';
import { localizedText } from '../../core/i18n/sentence.js';
import type { HttpContext } from './context.js';
import { translatorFor } from './language.js';

export type PageView = HttpContext & { readonly translator: Translator };

export function pageView(ctx: HttpContext, request: FastifyRequest): PageView {
  return { ...ctx, translator: translatorFor(ctx, request) };
}

/** An error's message as a page shows it: in the request's language. */
export function shownText(ctx: HttpContext, request: FastifyRequest, err: PassdeskError): string {
  return localizedText(translatorFor(ctx, request), err.message, err.said);
}
