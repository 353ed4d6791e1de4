// What the HTTP layer holds: flow dependencies, cookie settings, the authenticator. Built in server.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Config } from '../../config.js';
import type { FlowDeps, RequestContext } from '../../flows/deps.js';
import type { Metrics } from '../../metrics.js';
import { PassdeskError } from '../../core/errors.js';
import { validateSessionToken, type Authenticated } from '../../flows/sessions.js';
import { twoFactorSetupError, twoFactorSetupRequired } from '../../flows/required-two-factor.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route stays open to a session that must set up two-step verification first (flows/required-two-factor.ts):
     * setting up a factor, step-up, a forced password change, the session itself, signing out.
     */
    beforeTwoFactor?: boolean;
    /**
     * A GET that records something (a download of a person's data, a read of the audit log): refused when the
     * browser says another site started it (Sec-Fetch-Site), so a link elsewhere cannot make an administrator's
     * browser leave a record such as "exported before deletion" (http/plugins/security.ts).
     */
    recordsRead?: boolean;
  }
}
import { generateToken, hmac, safeEqual } from '../../core/tokens.js';

export interface CookieSettings {
  session: string;
  csrf: string;
  /** The device cookie (core/device-cookie.ts): which logins signed in from this browser before. */
  device: string;
  /** The address a reset just finished for, so the sign-in page that follows has it filled in. */
  signInEmail: string;
  secure: boolean;
  sessionMaxAgeSeconds: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `__Host-` cookies must be Secure. Browsers treat http://localhost and http://127.0.0.1 as secure
 * contexts, so the quick start keeps the prefix; any other plain-http origin cannot, and gets a warning.
 */
export function cookieSettings(config: Pick<Config, 'baseUrl' | 'sessionAbsoluteTimeout'>): CookieSettings {
  const url = new URL(config.baseUrl);
  const secure = url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}passdesk-session`,
    csrf: `${prefix}passdesk-csrf`,
    device: `${prefix}passdesk-device`,
    signInEmail: `${prefix}passdesk-sign-in-email`,
    secure,
    sessionMaxAgeSeconds: Math.floor(config.sessionAbsoluteTimeout / 1000),
  };
}

export interface HttpContext {
  deps: FlowDeps;
  config: Config;
  cookies: CookieSettings;
  metrics: Metrics;
  /** The signed-in person for this request, or null. Looked up once per request. */
  authenticate(request: FastifyRequest): Promise<Authenticated | null>;
  /** As authenticate, but answers 401 AUTHENTICATION_REQUIRED when nobody is signed in. */
  requireAuth(request: FastifyRequest): Promise<Authenticated>;
}

/**
 * Where a request keeps its one session lookup: a request property that server.ts declares up front
 * (decorateRequest), so every request object has the same shape. A WeakMap entry per request cost about 1 µs
 * a session check, most of it in the collector's handling of weak keys.
 */
export const AUTHENTICATION_SLOT = 'passdeskAuthentication';

declare module 'fastify' {
  interface FastifyRequest {
    [AUTHENTICATION_SLOT]: Promise<Authenticated | null> | null;
  }
}

export function createAuthenticator(deps: FlowDeps, cookies: CookieSettings): Pick<HttpContext, 'authenticate' | 'requireAuth'> {
  const authenticate = (request: FastifyRequest): Promise<Authenticated | null> => {
    let found = request[AUTHENTICATION_SLOT];
    if (!found) {
      const token = request.cookies[cookies.session];
      found = token ? validateSessionToken(deps, token) : Promise.resolve(null);
      request[AUTHENTICATION_SLOT] = found;
    }
    return found;
  };
  return {
    authenticate,
    async requireAuth(request) {
      const auth = await authenticate(request);
      if (!auth) throw new PassdeskError('AUTHENTICATION_REQUIRED');
      if (request.routeOptions.config?.beforeTwoFactor !== true && (await twoFactorSetupRequired(deps, auth))) throw twoFactorSetupError();
      return auth;
    },
  };
}

/** Forget a cached lookup after the session changed within the same request. */
export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

export function setSessionCookie(reply: FastifyReply, cookies: CookieSettings, token: string): void {
  reply.setCookie(cookies.session, token, {
    path: '/',
    httpOnly: true,
    secure: cookies.secure,
    sameSite: 'lax',
    maxAge: cookies.sessionMaxAgeSeconds,
  });
}

/**
 * Every response that ends this browser's session (sign-out, signing out the current device, a completed reset,
 * "this wasn't me") also asks the browser to drop what it cached and stored for the site (W3C Clear-Site-Data;
 * OWASP Session Management: clear client-side data at logout). Not "cookies": browsers apply that to the whole
 * registrable domain, so signing out of id.example.org would sign people out of every other app on example.org;
 * Passdesk's own cookies are __Host- cookies, cleared by name in the same response.
 */
export const CLEAR_SITE_DATA = '"cache", "storage"';
/** Browsers keep a cookie at most 400 days (RFC 6265bis); a device cookie is renewed at every sign-in. */
const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 86_400;

/** The device cookie a sign-in sent with, if any (given to the sign-in flow, which checks it against the typed login). */
export function deviceCookieOf(request: FastifyRequest, cookies: CookieSettings): string | null {
  return request.cookies[cookies.device] ?? null;
}

/** Long-lived, HttpOnly and SameSite=Strict: only this site's own sign-in form and API calls ever send it. */
export function setDeviceCookie(reply: FastifyReply, cookies: CookieSettings, value: string | undefined): void {
  if (value === undefined) return;
  reply.setCookie(cookies.device, value, { path: '/', httpOnly: true, secure: cookies.secure, sameSite: 'strict', maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
}

/** Long enough to sign in after a reset, short enough not to linger on a shared computer. */
const SIGN_IN_EMAIL_MAX_AGE_SECONDS = 15 * 60;

/**
 * After a completed reset the person signs in next: the sign-in page keeps the address they reset (it was on the reset
 * page already), without putting it in a URL, where logs and history would keep it. HttpOnly, SameSite=Lax, 15 minutes,
 * and dropped at the next successful sign-in on the page.
 */
export function setSignInEmailCookie(reply: FastifyReply, cookies: CookieSettings, email: string): void {
  reply.setCookie(cookies.signInEmail, email, { path: '/', httpOnly: true, secure: cookies.secure, sameSite: 'lax', maxAge: SIGN_IN_EMAIL_MAX_AGE_SECONDS });
}

/** The address setSignInEmailCookie left, if it still looks like one a person could have typed. */
export function signInEmailOf(request: FastifyRequest, cookies: CookieSettings): string | undefined {
  const value = request.cookies[cookies.signInEmail];
  return value && value.length <= 254 && !/[\s<>"]/.test(value) ? value : undefined;
}

export function clearSignInEmailCookie(request: FastifyRequest, reply: FastifyReply, cookies: CookieSettings): void {
  if (request.cookies[cookies.signInEmail] !== undefined)
    reply.clearCookie(cookies.signInEmail, { path: '/', httpOnly: true, secure: cookies.secure, sameSite: 'lax' });
}

export function clearSessionCookie(reply: FastifyReply, cookies: CookieSettings): void {
  reply.clearCookie(cookies.session, { path: '/', httpOnly: true, secure: cookies.secure, sameSite: 'lax' });
  reply.header('Clear-Site-Data', CLEAR_SITE_DATA);
}

/**
 * Form CSRF tokens (OWASP signed double-submit): a random cookie, and in the form its HMAC under the
 * server secret. A cross-site page can neither read the cookie nor forge the MAC.
 */
export function ensureCsrfToken(ctx: HttpContext, request: FastifyRequest, reply: FastifyReply): string {
  let value = request.cookies[ctx.cookies.csrf];
  if (!value || value.length < 32 || value.length > 64) {
    value = generateToken(ctx.deps.random);
    reply.setCookie(ctx.cookies.csrf, value, { path: '/', httpOnly: true, secure: ctx.cookies.secure, sameSite: 'lax' });
    request.cookies[ctx.cookies.csrf] = value;
  }
  return hmac(ctx.config.secretBytes, `csrf:${value}`);
}

export function checkCsrfToken(ctx: HttpContext, request: FastifyRequest, submitted: unknown): boolean {
  const value = request.cookies[ctx.cookies.csrf];
  if (!value || typeof submitted !== 'string' || submitted.length > 128) return false;
  return safeEqual(hmac(ctx.config.secretBytes, `csrf:${value}`), submitted);
}
