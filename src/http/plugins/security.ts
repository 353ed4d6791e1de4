// Cross-site request refusal and security headers, for every route.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PassdeskError } from '../../core/errors.js';
import type { HttpContext } from '../shared/context.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * An unsafe request is refused when it says it comes from another site (Origin or Sec-Fetch-Site),
 * and a cookie-authenticated one must say where it comes from at all: browsers always do, and other
 * clients send `Origin: <base URL>` (OWASP CSRF cheat sheet: verifying origin with standard headers).
 */
/**
 * With the base URL at http://localhost:PORT (the default), a browser opened at http://127.0.0.1:PORT or
 * http://[::1]:PORT is on the same machine and port: accepted, so the pages work there too (passkeys say why they
 * cannot, client/passkeys.ts). Never for any other base URL.
 */
function isLoopbackTwin(origin: string, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  if (base.hostname !== 'localhost') return false;
  return origin === `${base.protocol}//127.0.0.1${base.port ? `:${base.port}` : ''}` || origin === `${base.protocol}//[::1]${base.port ? `:${base.port}` : ''}`;
}

export function isCrossSite(request: FastifyRequest, ctx: HttpContext): boolean {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  // Under `Referrer-Policy: no-referrer` (our pages) browsers send `Origin: null` even on same-origin form
  // posts (Fetch standard). Sec-Fetch-Site is set by the browser and cannot be forged by a page, so
  // "null" is accepted only when it says same-origin; a sandboxed frame or another site still gets refused.
  if (origin === 'null') return site !== 'same-origin';
  if (origin !== undefined) return origin !== ctx.config.baseUrl && !isLoopbackTwin(origin, ctx.config.baseUrl);
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  return request.cookies[ctx.cookies.session] !== undefined;
}

/** A navigation or fetch another site started (a browser says so; tools send no Sec-Fetch-Site). */
function startedByAnotherSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

export function registerSecurity(app: FastifyInstance, ctx: HttpContext): void {
  const https = ctx.config.baseUrl.startsWith('https:');

  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) {
      if (request.routeOptions.config.recordsRead === true && startedByAnotherSite(request)) throw new PassdeskError('CSRF_FAILED');
      return;
    }
    if (isCrossSite(request, ctx)) throw new PassdeskError('CSRF_FAILED');
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    // The logo route alone says cross-origin: webmail shows it inside another site's page.
    if (!reply.hasHeader('cross-origin-resource-policy')) reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('Content-Security-Policy', type.startsWith('text/html') ? PAGE_CSP : API_CSP);
    }
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    return payload;
  });
}
