// The forms scope: every server-rendered page is registered inside it (http/routes.ts), and it alone parses form
// bodies. What each page handler used to repeat comes from the route's config instead (Hono's middleware by route):
//   - every unsafe method (a form POST) checks the form's CSRF token, always: a new form cannot forget it;
//   - `auth: 'page'` sends a signed-out browser to /sign-in (303) before the handler runs;
//   - `stepUp: '/page'` turns a flow's 403 REAUTHENTICATION_REQUIRED into a 303 to the "Confirm it's you" page,
//     which comes back to /page afterwards.
// The Origin check (plugins/security.ts) has already run for every unsafe request, pages and API alike.
import type { MessageId } from '../../core/i18n/translator.js';
import { resolvedTranslator } from './language.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { safeNextPath } from '../../core/next-path.js';
import { passwordRulesAttribute, policyChecklist } from '../../core/password-policy.js';
import type { Authenticated } from '../../flows/sessions.js';
import { passwordPolicyFor, shorterMinimumApplies } from '../../flows/password-policy.js';
import { TWO_FACTOR_SETUP_PAGE, twoFactorSetupRequired } from '../../flows/required-two-factor.js';
import type { Account } from '../../store/index.js';
import type { SafeHtml } from '../../web/html.js';
import type { NewPasswordRules } from '../../web/views/pages.js';
import { checkCsrfToken, type HttpContext } from './context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'page': signed-out browsers are redirected to /sign-in; the handler reads the person with signedIn(request). */
    auth?: 'page';
    /**
     * The page a stale session comes back to after /security/confirm (REAUTHENTICATION_REQUIRED → 303). A `:name`
     * in it is the route's own parameter (`/admin/accounts/:id`), so a page of one item comes back to that item.
     */
    stepUp?: string;
  }
}

/** Form bodies are as small as JSON ones (server.ts BODY_LIMIT_BYTES). */
const FORM_BODY_LIMIT_BYTES = 16 * 1024;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const signedInPeople = new WeakMap<FastifyRequest, Authenticated>();

/** The signed-in person of a route declared with `config: { auth: 'page' }`. */
export function signedIn(request: FastifyRequest): Authenticated {
  const auth = signedInPeople.get(request);
  if (!auth) throw new TypeError(`${request.method} ${request.routeOptions.url ?? request.url} reads signedIn() without config.auth 'page'`);
  return auth;
}

/** Where a page sends a stale session: the confirm page, carrying the page to come back to. */
export function confirmLocation(next: string): string {
  return `/security/confirm?next=${encodeURIComponent(safeNextPath(next))}`;
}

function isStepUpRequired(err: unknown): boolean {
  return isPassdeskError(err) && err.code === 'REAUTHENTICATION_REQUIRED';
}

/**
 * The error a page shows beside its form. Anything else is thrown on: unexpected errors to the error handler, and,
 * on a route with `stepUp` config, REAUTHENTICATION_REQUIRED to the step-up redirect.
 */
export function shownOnPage(request: FastifyRequest, err: unknown): PassdeskError {
  if (!isPassdeskError(err)) throw err;
  if (isStepUpRequired(err) && request.routeOptions.config.stepUp !== undefined) throw err;
  return err;
}

/** `/admin/accounts/:id` with the request's `id` in its place (encoded, so it stays one path segment). */
function withParams(next: string, params: unknown): string {
  const values = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  return next.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(values[name] ?? '')));
}

/** A route's handler, answering the step-up redirect when its flow asks for a recent authentication. */
function withStepUpRedirect(route: RouteOptions, next: string): void {
  const handler = route.handler;
  route.handler = async function stepUpAware(this: FastifyInstance, request, reply) {
    try {
      return await handler.call(this, request, reply);
    } catch (err) {
      if (isStepUpRequired(err)) return reply.redirect(confirmLocation(withParams(next, request.params)), 303);
      throw err;
    }
  };
}

/** Registers form parsing and the hooks that read route config. Call first in the scope that holds every page. */
export async function registerPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  await pages.register(formbody, { bodyLimit: FORM_BODY_LIMIT_BYTES });
  pages.addHook('onRoute', (route) => {
    const next = route.config?.stepUp;
    if (next !== undefined) withStepUpRedirect(route, next);
  });
  // preHandler: after the body is parsed and the NUL check ran (preValidation), as the handlers' own checks did.
  pages.addHook('preHandler', async (request, reply) => {
    if (!SAFE_METHODS.has(request.method) && !checkCsrfToken(ctx, request, formBody(request)['_csrf'])) {
      throw new PassdeskError('CSRF_FAILED');
    }
    if (request.routeOptions.config.auth === 'page') {
      const auth = await ctx.authenticate(request);
      if (!auth) return reply.redirect('/sign-in', 303);
      // As the forced password change leads to its page, required two-step verification leads to its setup.
      if (request.routeOptions.config.beforeTwoFactor !== true && (await twoFactorSetupRequired(ctx.deps, auth))) {
        return reply.redirect(`${TWO_FACTOR_SETUP_PAGE}?notice=two-factor-required`, 303);
      }
      signedInPeople.set(request, auth);
    }
    return undefined;
  });
}

/** The parsed form (or an empty one): fields are read and validated by each handler. */
export function formBody(request: FastifyRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

export function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

/** For pages that carry a secret in their URL or form (reset, "this wasn't me"): never cached. */
export function sendSecretPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return sendPage(reply.header('Cache-Control', 'no-store'), body, status);
}

const notices = {
  'password-changed': 'notice.PASSWORD_CHANGED',
  'password-changed-others': 'notice.PASSWORD_CHANGED_OTHERS_SIGNED_OUT',
  'device-signed-out': 'notice.SESSION_REVOKED',
  'others-signed-out': 'notice.OTHER_SESSIONS_REVOKED',
  'signed-out': 'notice.SIGNED_OUT',
  welcome: 'notice.ACCOUNT_CREATED',
  'email-confirmed': 'notice.EMAIL_CONFIRMED',
  'password-reset': 'notice.PASSWORD_RESET',
  'passkey-added': 'notice.PASSKEY_ADDED',
  'passkey-renamed': 'notice.PASSKEY_RENAMED',
  'passkey-removed': 'notice.PASSKEY_REMOVED',
  'email-changed': 'notice.EMAIL_CHANGED',
  'deletion-cancelled': 'notice.DELETION_CANCELLED',
  'language-saved': 'notice.LANGUAGE_SAVED',
} as const satisfies Record<string, MessageId>;
type NoticeKey = keyof typeof notices;

const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();

/** The notice a redirect asked the sign-in or security page to show (`?notice=…`), from the known set only. */
export function noticeFrom(request: FastifyRequest): string | undefined {
  const parsed = noticeQuery.safeParse(request.query);
  const key = parsed.success ? parsed.data.notice : undefined;
  return key && key in notices ? resolvedTranslator(request).format(notices[key as NoticeKey]) : undefined;
}

/** The violation codes a policy refusal carried (PassdeskError details), for the checklist. */
function violationCodes(err: unknown): string[] | undefined {
  if (!isPassdeskError(err)) return undefined;
  const violations = err.details?.['violations'];
  return Array.isArray(violations) ? violations.map((v: { code?: unknown }) => String(v.code)) : undefined;
}

/** What a new-password form shows: the policy's rules and checklist, with the ones a refusal failed marked. */
export async function newPasswordRules(
  ctx: HttpContext,
  request: FastifyRequest,
  o: { forChange: boolean; err?: unknown; account?: Account },
): Promise<NewPasswordRules> {
  // A directory account's rules are the directory's merged in; if the directory cannot say now, the local ones.
  const policy = o.account ? await passwordPolicyFor(ctx.deps, o.account).catch(() => ctx.deps.config.passwordPolicy) : ctx.deps.config.passwordPolicy;
  // The minimum the submit will apply to this account (flows/password-policy.ts), stated by the list and the attribute.
  const hasSecondFactor = await shorterMinimumApplies(ctx.deps, o.account ?? null);
  return {
    passwordRules: passwordRulesAttribute(policy, { hasSecondFactor }),
    checklist: policyChecklist(policy, {
      breachedCheck: (await ctx.deps.breached?.active()) ?? false,
      forChange: o.forChange,
      hasSecondFactor,
      translator: resolvedTranslator(request),
    }),
    failedCodes: violationCodes(o.err),
  };
}
