// The language a request is answered in, resolved once per request (core/i18n/negotiate.ts): the signed-in person's
// saved language (from the session check the request makes anyway, no query of its own), else Accept-Language, else
// the organisation's default. Pages, the API's error messages and Content-Language all read it from here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bestMatch, negotiateLanguage, parseAcceptLanguage } from '../../core/i18n/negotiate.js';
import { availableLocales, DEFAULT_LOCALE, translator, type Locale, type Translator } from '../../core/i18n/translator.js';
import type { HttpContext } from './context.js';

/** The request property (declared up front in server.ts, like the session slot) that holds the resolved language. */
export const LANGUAGE_SLOT = 'passdeskLanguage';

declare module 'fastify' {
  interface FastifyRequest {
    [LANGUAGE_SLOT]: Locale | null;
  }
}

/** Static files carry no words: their requests skip the session check the language would need. */
function carriesNoWords(request: FastifyRequest): boolean {
  return request.url.startsWith('/assets/') || request.url === '/healthz' || request.url === '/readyz';
}

/**
 * The browser's choice per Accept-Language value, remembered: browsers send a handful of distinct headers, and the
 * session check (the hottest route) should not parse and match one on every request. Bounded: a stranger's stream
 * of made-up headers empties it rather than grows it; a long header is matched afresh each time, not kept.
 */
const byHeader = new Map<string, Locale>();
const REMEMBERED_HEADERS = 256;
const REMEMBERED_HEADER_LENGTH = 200;

function negotiated(ctx: HttpContext, request: FastifyRequest, preference: string | null): Locale {
  const available = availableLocales();
  if (preference && available.includes(preference)) return preference;
  const raw = request.headers['accept-language'];
  const header = typeof raw === 'string' ? raw : '';
  const key = `${available.length}\u0000${ctx.config.defaultLanguage}\u0000${header}`;
  const known = byHeader.get(key);
  if (known !== undefined && available.includes(known)) return known;
  const locale = negotiateLanguage({ preference: null, acceptLanguage: header || undefined, fallback: ctx.config.defaultLanguage, available });
  if (header.length <= REMEMBERED_HEADER_LENGTH) {
    if (byHeader.size >= REMEMBERED_HEADERS) byHeader.clear();
    byHeader.set(key, locale);
  }
  return locale;
}

/** Resolves and keeps the request's language; a failed session check leaves the browser's choice. */
export async function resolveLanguage(ctx: HttpContext, request: FastifyRequest): Promise<Locale> {
  const known = request[LANGUAGE_SLOT];
  if (known) return known;
  const auth = await ctx.authenticate(request).catch(() => null);
  const locale = negotiated(ctx, request, auth?.account.locale ?? null);
  request[LANGUAGE_SLOT] = locale;
  return locale;
}

/**
 * The request's language, synchronously: the resolved one, or, for an error raised before the handlers' hooks ran
 * (a malformed body, an unknown route), the browser's choice.
 */
export function languageOf(ctx: HttpContext, request: FastifyRequest): Locale {
  return request[LANGUAGE_SLOT] ?? negotiated(ctx, request, null);
}

export function translatorFor(ctx: HttpContext, request: FastifyRequest): Translator {
  return translator(languageOf(ctx, request));
}

const LANGUAGE_INPUTS = ['Accept-Language', 'Cookie'];

/** Resolves the language before every handler, and states it (and what it was chosen by, Vary) in every answer with words (RFC 9110 §8.5, §12.5.5). */
export function registerLanguage(server: FastifyInstance, ctx: HttpContext): void {
  server.decorateRequest(LANGUAGE_SLOT, null);
  server.addHook('preHandler', async (request) => {
    if (!carriesNoWords(request)) await resolveLanguage(ctx, request);
  });
  server.addHook('onSend', async (request, reply, payload) => {
    if (carriesNoWords(request)) return payload;
    reply.header('Content-Language', languageOf(ctx, request));
    // The words depend on the session's saved language and on Accept-Language: a cache must key on both.
    const vary = String(reply.getHeader('vary') ?? '');
    const missing = LANGUAGE_INPUTS.filter(
      (h) =>
        !vary
          .toLowerCase()
          .split(/\s*,\s*/)
          .includes(h.toLowerCase()),
    );
    if (missing.length > 0 && vary.trim() !== '*') reply.header('Vary', [vary, ...missing].filter(Boolean).join(', '));
    return payload;
  });
}

/**
 * The language the browser asked for (Accept-Language matched to a registered one), or null when it asked for none
 * we have: what a sign-up keeps for the new account, so that the organisation's default is not saved as a choice.
 */
export function askedLanguage(request: FastifyRequest): Locale | null {
  const header = request.headers['accept-language'];
  // `*` (what Node's fetch sends) asks for no language in particular.
  const asked = parseAcceptLanguage(typeof header === 'string' ? header : undefined).filter((tag) => tag !== '*');
  return bestMatch(asked, availableLocales(), DEFAULT_LOCALE);
}

/** After the person changed their language (null: automatic) within this request, the answer speaks the new one. */
export function setRequestLanguage(ctx: HttpContext, request: FastifyRequest, preference: Locale | null): Locale {
  const locale = negotiated(ctx, request, preference);
  request[LANGUAGE_SLOT] = locale;
  return locale;
}

/** The Translator of a request whose language the preHandler resolved (every handler's): English before that. */
export function resolvedTranslator(request: FastifyRequest): Translator {
  return translator(request[LANGUAGE_SLOT] ?? undefined);
}
