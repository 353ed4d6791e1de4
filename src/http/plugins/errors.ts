// Every failure leaves as {"error":{"code","message"}} (or the same words on an HTML page).
// Anything unexpected becomes a generic 500 with no detail, logged with the request id.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { errorPage } from '../../web/views/pages.js';
import { fieldMessageIn, INVALID_CHARACTERS_ISSUE } from '../shared/schemas.js';
import type { HttpContext } from '../shared/context.js';
import { translatorFor } from '../shared/language.js';
import { pageView } from '../shared/page-view.js';
import { localizedText, sentenceOf } from '../../core/i18n/sentence.js';
import type { Translator } from '../../core/i18n/translator.js';
import { isDatabaseUnavailable, isOutOfSpace } from '../../store/index.js';

export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

/** A framework error as ours; a validation refusal's field messages said in the reader's language (`t`). */
function fromFastifyError(err: FastifyError, t: Translator): PassdeskError | null {
  if (hasZodFastifySchemaValidationErrors(err)) {
    // A free-text field with a control or format character (api/schemas.ts freeText) has its own code.
    const characters = err.validation.find(
      (v) => v.keyword === 'custom' && (v.params?.['params'] as { code?: unknown } | undefined)?.code === INVALID_CHARACTERS_ISSUE,
    );
    if (characters) return new PassdeskError('INVALID_CHARACTERS', characters.message ? fieldMessageIn(t, characters.message) : undefined);
    const issues = err.validation.map((v) => ({
      field: (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (v.params?.['issue'] as { path?: unknown } | undefined)?.path?.toString() || null,
      message: v.message ? fieldMessageIn(t, v.message) : t.t('error.field.invalid'),
    }));
    const first = issues[0];
    const where = err.validationContext && err.validationContext !== 'body' ? `${err.validationContext} ` : '';
    const text = first ? `${where}${first.field ? `${first.field}: ` : ''}${first.message}` : t.t('error.VALIDATION_FAILED');
    return new PassdeskError('VALIDATION_FAILED', text, { issues });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PassdeskError('BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PassdeskError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new PassdeskError('INVALID_JSON');
    default:
      break;
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) return new PassdeskError('INVALID_JSON');
  if (err.statusCode === 413) return new PassdeskError('BODY_TOO_LARGE');
  if (err.statusCode === 415) return new PassdeskError('UNSUPPORTED_MEDIA_TYPE');
  if (err.statusCode === 405) return new PassdeskError('METHOD_NOT_ALLOWED');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new PassdeskError('VALIDATION_FAILED');
  }
  return null;
}

/** How soon a client may retry after a 503 (a database restart usually takes a few seconds). */
const SERVICE_UNAVAILABLE_RETRY_AFTER_S = 5;

/** Every 429 says when to come back: the error's own `retryAfterSeconds` (e.g. SIGN_IN_THROTTLED), else 60 s. */
export function setRetryAfter(reply: FastifyReply, error: PassdeskError): void {
  if (error.status !== 429 || reply.hasHeader('retry-after')) return;
  const seconds = error.details?.['retryAfterSeconds'];
  reply.header('Retry-After', typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0 ? String(seconds) : '60');
}

/** The error's message in the reader's language (the code never changes). */
export function errorText(t: Translator, error: PassdeskError): string {
  return localizedText(t, error.message, error.said);
}

/** The details with each policy violation's message in the reader's language. */
function localizedDetails(t: Translator, details: Record<string, unknown>): Record<string, unknown> {
  const violations = details['violations'];
  if (!Array.isArray(violations)) return details;
  return {
    ...details,
    violations: violations.map((v: { message?: unknown }) =>
      typeof v.message === 'string' ? { ...v, message: localizedText(t, v.message, sentenceOf(v)) } : v,
    ),
  };
}

export function sendError(ctx: HttpContext, request: FastifyRequest, reply: FastifyReply, error: PassdeskError): FastifyReply {
  setRetryAfter(reply, error);
  if ((error.code === 'SERVICE_UNAVAILABLE' || error.code === 'DIRECTORY_UNAVAILABLE') && !reply.hasHeader('retry-after'))
    reply.header('Retry-After', String(SERVICE_UNAVAILABLE_RETRY_AFTER_S));
  const t = translatorFor(ctx, request);
  if (wantsHtml(request)) {
    return reply
      .status(error.status)
      .type('text/html; charset=utf-8')
      .send(errorPage(pageView(ctx, request), { code: error.code, message: errorText(t, error), status: error.status }).value);
  }
  const body: { error: { code: string; message: string; details?: Record<string, unknown> } } = {
    error: { code: error.code, message: errorText(t, error) },
  };
  if (error.details) body.error.details = localizedDetails(t, error.details);
  return reply.status(error.status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(app: FastifyInstance, ctx: HttpContext): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = isPassdeskError(err) ? err : fromFastifyError(err, translatorFor(ctx, request));
    if (known) return sendError(ctx, request, reply, known);
    if (isOutOfSpace(err)) {
      request.log.error(
        { reqId: request.id, code: (err as { code?: string }).code },
        'the database cannot write: out of disk space (or an I/O error); nothing was saved. Free space: service resumes by itself',
      );
      return sendError(ctx, request, reply, new PassdeskError('SERVICE_UNAVAILABLE'));
    }
    if (isDatabaseUnavailable(err)) {
      // The database restarted or is unreachable: the caller retries shortly; the operator sees one line.
      request.log.warn({ reqId: request.id, code: (err as { code?: string }).code, reason: err.message }, 'database unavailable');
      return sendError(ctx, request, reply, new PassdeskError('SERVICE_UNAVAILABLE'));
    }
    request.log.error({ err, reqId: request.id }, 'unexpected error');
    return sendError(ctx, request, reply, new PassdeskError('INTERNAL_ERROR'));
  });
  // RFC 9110 §15.5.6: a URL that exists under other methods answers 405 with those methods in Allow, not 404.
  // The methods come from the route table as routes are added; the URL is matched by the router itself.
  const methods = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const m of [route.method].flat()) methods.add(m.toUpperCase());
    if (methods.has('GET')) methods.add('HEAD');
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = [...methods].filter((method) => method !== request.method && app.findRoute({ method: method as HTTPMethods, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.sort().join(', '));
      return sendError(ctx, request, reply, new PassdeskError('METHOD_NOT_ALLOWED'));
    }
    return sendError(ctx, request, reply, new PassdeskError('NOT_FOUND'));
  });
}
