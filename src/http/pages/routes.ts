// Server-rendered pages. Each POST checks the form's CSRF token (the Origin check already ran),
// validates with Zod, calls one flow, and either redirects (POST/redirect/GET) or re-renders with
// the error beside the field it concerns.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { messages, mustChangeMessage } from '../../core/messages.js';
import { issueDeviceCookie, signIn } from '../../flows/sign-in.js';
import { completeSecondFactor, confirmTotp, listFactors, pendingSecondFactorMethods, pendingTotpEnrolment, regenerateRecoveryCodes, removeFactor, renameFactor, startTotpEnrolment, type TotpEnrolment } from '../../flows/two-factor.js';
import { listPasskeys, removePasskey, renamePasskey } from '../../flows/passkeys.js';
import type { Authenticated } from '../../flows/sessions.js';
import { stepUpRedirect } from '../api/step-up-routes.js';
import { factorNameInput } from '../api/two-factor-routes.js';
import { freeText, invalidCharactersMessage } from '../api/schemas.js';
import { changePassword } from '../../flows/change-password.js';
import { registerAccount } from '../../flows/register.js';
import { listDevices, revokeDevice, revokeOtherDevices, signOut } from '../../flows/sessions.js';
import { checkCsrfToken, clearSessionCookie, deviceCookieOf, ensureCsrfToken, requestContext, setDeviceCookie, setSessionCookie, type HttpContext } from '../context.js';
import { assertPasswordWithinLimit } from '../api/routes.js';
import { changePasswordPage, secondFactorPage, twoFactorPage, signInPage, signUpPage, securityPage, type NewPasswordRules } from '../../web/views/pages.js';
import { passwordRulesAttribute, policyChecklist } from '../../core/password-policy.js';
import type { SafeHtml } from '../../web/html.js';
import { assetByFile, IMMUTABLE_CACHE_CONTROL, loadAssets } from '../../web/assets/index.js';
import { setRetryAfter } from '../plugins/errors.js';
import { passChallenge } from '../../flows/challenge.js';
import { pageChallenge, pageProof } from '../challenge.js';

const notices = {
  'password-changed': messages.notices.PASSWORD_CHANGED,
  'password-changed-others': messages.notices.PASSWORD_CHANGED_OTHERS_SIGNED_OUT,
  'device-signed-out': messages.notices.SESSION_REVOKED,
  'others-signed-out': messages.notices.OTHER_SESSIONS_REVOKED,
  'signed-out': messages.notices.SIGNED_OUT,
  welcome: messages.notices.ACCOUNT_CREATED,
  'password-reset': messages.notices.PASSWORD_RESET,
  'passkey-added': messages.notices.PASSKEY_ADDED,
  'passkey-renamed': messages.notices.PASSKEY_RENAMED,
  'passkey-removed': messages.notices.PASSKEY_REMOVED,
} as const;
type NoticeKey = keyof typeof notices;

const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();

function noticeFrom(request: FastifyRequest): string | undefined {
  const parsed = noticeQuery.safeParse(request.query);
  const key = parsed.success ? parsed.data.notice : undefined;
  return key && key in notices ? notices[key as NoticeKey] : undefined;
}

function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

// Forms carry strings; limits match the API's.
const secondFactorForm = z.object({
  flowId: z.string().min(16).max(128),
  method: z.enum(['totp', 'recovery_code']),
  code: z.string().trim().max(32).default(''),
});
const signInForm = z.object({ email: z.string().trim().max(254).default(''), password: z.string().max(1024).default('') });
const signUpForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  displayName: freeText('display name', { max: 100 }).default(''),
});
const changeForm = z.object({
  currentPassword: z.string().max(1024).default(''),
  newPassword: z.string().max(1024).default(''),
  confirmPassword: z.string().max(1024).default(''),
  signOutOtherSessions: z.string().max(10).optional(),
});
const codeForm = z.object({ code: z.string().trim().max(32).default('') });
const removeFactorForm = z.object({ currentPassword: z.string().max(1024).default('') });
const renameFactorForm = z.object({ name: factorNameInput });
const sessionIdParams = z.object({ id: z.string().min(1).max(64) });
const renamePasskeyForm = z.object({ name: freeText('passkey name', { max: 256 }).default('') });

/** The violation codes a policy refusal carried (PassdeskError details), for the checklist. */
function violationCodes(err: unknown): string[] | undefined {
  if (!isPassdeskError(err)) return undefined;
  const violations = err.details?.['violations'];
  return Array.isArray(violations) ? violations.map((v: { code?: unknown }) => String(v.code)) : undefined;
}

function formBody(request: FastifyRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

export async function pageRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  // Form bodies are accepted only by the page routes; the API takes JSON alone.
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  const csrfOr403 = (request: FastifyRequest): void => {
    if (!checkCsrfToken(ctx, request, formBody(request)['_csrf'])) throw new PassdeskError('CSRF_FAILED');
  };
  const policy = ctx.deps.config.passwordPolicy;
  const rules = async (forChange: boolean, err?: unknown): Promise<NewPasswordRules> => ({
    passwordRules: passwordRulesAttribute(policy),
    checklist: policyChecklist(policy, { breachedCheck: (await ctx.deps.breached?.active()) ?? false, forChange }),
    failedCodes: violationCodes(err),
  });

  // Content-hashed names only (web/assets/index.ts): any other name under /assets/ is a 404.
  loadAssets();
  const assetParams = z.object({ file: z.string().max(100) });
  app.get('/assets/:file', async (request, reply) => {
    const parsed = assetParams.safeParse(request.params);
    const asset = parsed.success ? assetByFile(parsed.data.file) : undefined;
    // A 404 like any unknown URL (callNotFound would answer 405: the pattern exists for HEAD).
    if (!asset) throw new PassdeskError('NOT_FOUND');
    return reply.type(asset.contentType).header('Cache-Control', IMMUTABLE_CACHE_CONTROL).send(asset.body);
  });

  app.get('/', async (request, reply) => reply.redirect((await ctx.authenticate(request)) ? '/security' : '/sign-in', 303));

  // Password managers and browsers find the change-password page here (W3C well-known URL).
  app.get('/.well-known/change-password', async (_req, reply) => reply.redirect('/security/password', 302));

  app.get('/sign-in', async (request, reply) => {
    if (await ctx.authenticate(request)) return reply.redirect('/security', 303);
    return sendPage(reply, signInPage(ctx, { csrf: ensureCsrfToken(ctx, request, reply), notice: noticeFrom(request), challenge: pageChallenge(ctx, request, 'sign-in') }));
  });

  app.post('/sign-in', async (request, reply) => {
    csrfOr403(request);
    const form = signInForm.safeParse(formBody(request));
    const email = form.success ? form.data.email : '';
    const csrf = ensureCsrfToken(ctx, request, reply);
    if (!form.success || !form.data.email || !form.data.password) {
      return sendPage(reply, signInPage(ctx, { csrf, email, error: 'Enter your email address and password.', challenge: pageChallenge(ctx, request, 'sign-in') }), 400);
    }
    try {
      assertPasswordWithinLimit(form.data.password);
      const replacing = await ctx.authenticate(request);
      const challengeSolved = await passChallenge(ctx.deps, 'sign-in', pageProof(formBody(request)), requestContext(request));
      const result = await signIn(ctx.deps, { email: form.data.email, password: form.data.password }, requestContext(request), { replacing, deviceCookie: deviceCookieOf(request, ctx.cookies), challengeSolved });
      if (result.status === 'second_factor_required') {
        return sendPage(reply, secondFactorPage(ctx, { csrf, flowId: result.flowId, methods: result.methods }));
      }
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(reply, ctx.cookies, result.deviceCookie);
      return reply.redirect(result.account.mustChangePassword ? '/security/password' : '/security', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      setRetryAfter(reply, err);
      // After a failure this address may have reached its limit: the form then carries the challenge.
      return sendPage(reply, signInPage(ctx, { csrf, email, error: err.message, challenge: pageChallenge(ctx, request, 'sign-in', { err, body: formBody(request) }) }), err.status);
    }
  });

  app.post('/sign-in/second-factor', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = secondFactorForm.safeParse(formBody(request));
    if (!form.success) {
      return sendPage(reply, signInPage(ctx, { csrf, error: messages.errors.SECOND_FACTOR_FLOW_INVALID }), 400);
    }
    const { flowId, method, code } = form.data;
    const methods = async (): Promise<string[]> => (await pendingSecondFactorMethods(ctx.deps, flowId)) ?? ['totp', 'recovery_code'];
    if (!code) return sendPage(reply, secondFactorPage(ctx, { csrf, flowId, methods: await methods(), error: 'Enter the code.' }), 400);
    try {
      const replacing = await ctx.authenticate(request);
      const result = await completeSecondFactor(ctx.deps, { flowId, method, code }, requestContext(request), { replacing });
      setSessionCookie(reply, ctx.cookies, result.token);
      setDeviceCookie(reply, ctx.cookies, await issueDeviceCookie(ctx.deps, { account: result.account, sessionId: result.session.id }, deviceCookieOf(request, ctx.cookies)));
      return reply.redirect(result.account.mustChangePassword ? '/security/password' : '/security', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      if (err.code === 'SECOND_FACTOR_CODE_INVALID') {
        return sendPage(reply, secondFactorPage(ctx, { csrf, flowId, methods: await methods(), error: err.message }), err.status);
      }
      return sendPage(reply, signInPage(ctx, { csrf, error: err.message }), err.status);
    }
  });

  app.get('/sign-up', async (request, reply) => {
    if (ctx.deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
    if (await ctx.authenticate(request)) return reply.redirect('/security', 303);
    return sendPage(reply, signUpPage(ctx, { csrf: ensureCsrfToken(ctx, request, reply), rules: await rules(false), challenge: pageChallenge(ctx, request, 'sign-up') }));
  });

  app.post('/sign-up', async (request, reply) => {
    csrfOr403(request);
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = signUpForm.safeParse(formBody(request));
    const values = form.success ? form.data : { email: '', displayName: '', password: '' };
    const again = async (error: string, status: number, err?: unknown): Promise<FastifyReply> =>
      sendPage(reply, signUpPage(ctx, {
        csrf, email: values.email, displayName: values.displayName, error, rules: await rules(false, err),
        challenge: pageChallenge(ctx, request, 'sign-up', { err, body: formBody(request) }),
      }), status);
    if (!form.success) return again(invalidCharactersMessage(form.error.issues) ?? messages.errors.VALIDATION_FAILED, 400);
    if (!z.email().safeParse(values.email).success) return again('Enter a valid email address, like name@example.com.', 400);
    try {
      assertPasswordWithinLimit(values.password);
      if (ctx.deps.config.registration === 'open') await passChallenge(ctx.deps, 'sign-up', pageProof(formBody(request)), requestContext(request));
      const result = await registerAccount(ctx.deps, { email: values.email, password: values.password, displayName: values.displayName || undefined }, requestContext(request), { kind: 'self' });
      if (result.signedIn) setSessionCookie(reply, ctx.cookies, result.signedIn.token);
      return reply.redirect('/security?notice=welcome', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return again(err.message, err.status, err);
    }
  });

  app.post('/sign-out', async (request, reply) => {
    csrfOr403(request);
    const auth = await ctx.authenticate(request);
    if (auth) await signOut(ctx.deps, auth, requestContext(request));
    clearSessionCookie(reply, ctx.cookies);
    return reply.redirect('/sign-in?notice=signed-out', 303);
  });

  const signedInOrRedirect = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await ctx.authenticate(request);
    if (!auth) {
      void reply.redirect('/sign-in', 303);
      return null;
    }
    return auth;
  };

  // Two-step verification settings. Adding, removing and new recovery codes need a recent authentication: a stale
  // session is sent to /security/confirm and comes back to this page (stepUpRedirect).
  const twoFactorView = async (
    request: FastifyRequest,
    reply: FastifyReply,
    auth: NonNullable<Awaited<ReturnType<typeof ctx.authenticate>>>,
    o: { enrolment?: TotpEnrolment | null; recoveryCodes?: string[] | null; error?: string; notice?: string; status?: number } = {},
  ): Promise<FastifyReply> => {
    const { factors, recoveryCodesRemaining } = await listFactors(ctx.deps, auth);
    return sendPage(reply, twoFactorPage(ctx, {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      factors,
      recoveryCodesRemaining,
      passkeyCount: (await listPasskeys(ctx.deps, auth)).length,
      enrolment: o.enrolment ?? undefined,
      recoveryCodes: o.recoveryCodes ?? undefined,
      error: o.error,
      notice: o.notice,
    }), o.status ?? 200);
  };
  const issuer = ctx.config.organizationName;

  app.get('/security/two-factor', async (request, reply) => {
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const key = (request.query as Record<string, unknown>)['notice'];
    const notice = key === 'removed' ? 'The authenticator app was removed.' : key === 'renamed' ? 'The name was saved.' : undefined;
    return twoFactorView(request, reply, auth, notice ? { notice } : {});
  });

  app.post('/security/two-factor/totp', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    try {
      return await twoFactorView(request, reply, auth, { enrolment: await startTotpEnrolment(ctx.deps, auth, { issuer }) });
    } catch (err) {
      return stepUpRedirect(err, reply, '/security/two-factor') ?? Promise.reject(err);
    }
  });

  app.post('/security/two-factor/recovery-codes', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    try {
      const { recoveryCodes } = await regenerateRecoveryCodes(ctx.deps, auth, requestContext(request));
      return await twoFactorView(request, reply, auth, { recoveryCodes, notice: 'New recovery codes were made. The old ones no longer work.' });
    } catch (err) {
      const redirected = stepUpRedirect(err, reply, '/security/two-factor');
      if (redirected) return redirected;
      if (!isPassdeskError(err)) throw err;
      return twoFactorView(request, reply, auth, { error: err.message, status: err.status });
    }
  });

  app.post('/security/two-factor/:id/rename', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const params = sessionIdParams.safeParse(request.params);
    const form = renameFactorForm.safeParse(formBody(request));
    if (!params.success || !form.success) {
      const characters = form.error && invalidCharactersMessage(form.error.issues);
      return twoFactorView(request, reply, auth, { error: characters ?? `Name: ${form.error?.issues[0]?.message ?? 'not valid'}.`, status: 400 });
    }
    try {
      await renameFactor(ctx.deps, auth, params.data.id, form.data.name, requestContext(request));
      return reply.redirect('/security/two-factor?notice=renamed', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return twoFactorView(request, reply, auth, { error: err.message, status: err.status });
    }
  });

  app.post('/security/two-factor/totp/confirm', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const form = codeForm.safeParse(formBody(request));
    try {
      const { recoveryCodes, token } = await confirmTotp(ctx.deps, auth, { code: form.success ? form.data.code : '' }, requestContext(request));
      setSessionCookie(reply, ctx.cookies, token);
      return await twoFactorView(request, reply, auth, { recoveryCodes, notice: 'Your authenticator app is set up. From now on, signing in asks for a code from it.' });
    } catch (err) {
      const redirected = stepUpRedirect(err, reply, '/security/two-factor');
      if (redirected) return redirected;
      if (!isPassdeskError(err)) throw err;
      return twoFactorView(request, reply, auth, { enrolment: await pendingTotpEnrolment(ctx.deps, auth, { issuer }), error: err.message, status: err.status });
    }
  });

  app.post('/security/two-factor/:id/remove', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const params = sessionIdParams.safeParse(request.params);
    const form = removeFactorForm.safeParse(formBody(request));
    if (!params.success || !form.success) return twoFactorView(request, reply, auth, { error: messages.errors.VALIDATION_FAILED, status: 400 });
    try {
      assertPasswordWithinLimit(form.data.currentPassword);
      await removeFactor(ctx.deps, auth, params.data.id, { currentPassword: form.data.currentPassword }, requestContext(request));
      return reply.redirect('/security/two-factor?notice=removed', 303);
    } catch (err) {
      const redirected = stepUpRedirect(err, reply, '/security/two-factor');
      if (redirected) return redirected;
      if (!isPassdeskError(err)) throw err;
      return twoFactorView(request, reply, auth, { error: err.message, status: err.status });
    }
  });

  app.get('/security', async (request, reply) => {
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    // A password that must change comes first (policy tightened, administrator's request).
    if (auth.account.mustChangePassword) return reply.redirect('/security/password', 303);
    return securityView(request, reply, auth, { notice: noticeFrom(request) });
  });

  const securityView = async (request: FastifyRequest, reply: FastifyReply, auth: Authenticated, o: { notice?: string | undefined; error?: string; status?: number }): Promise<FastifyReply> => {
    const devices = await listDevices(ctx.deps, auth, { includeRecentlyEnded: true });
    return sendPage(reply, securityPage(ctx, {
      csrf: ensureCsrfToken(ctx, request, reply),
      displayName: auth.account.displayName,
      email: auth.account.email,
      passwordChangedAt: auth.account.passwordChangedAt,
      devices,
      factors: (await listFactors(ctx.deps, auth)).factors.map((f) => f.name),
      securityQuestions: ctx.deps.config.securityQuestions?.enabled === true,
      passkeys: await listPasskeys(ctx.deps, auth),
      notice: o.notice,
      error: o.error,
    }), o.status ?? 200);
  };

  // Passkeys are added by the page's script through the API (WebAuthn needs it); renaming and removing are forms.
  app.post('/security/passkeys/:id/rename', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const params = sessionIdParams.safeParse(request.params);
    const form = renamePasskeyForm.safeParse(formBody(request));
    if (!params.success || !form.success) {
      return securityView(request, reply, auth, { error: (form.error && invalidCharactersMessage(form.error.issues)) ?? messages.errors.VALIDATION_FAILED, status: 400 });
    }
    try {
      await renamePasskey(ctx.deps, auth, params.data.id, { name: form.data.name }, requestContext(request));
      return reply.redirect('/security?notice=passkey-renamed', 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      return securityView(request, reply, auth, { error: err.message, status: err.status });
    }
  });

  app.post('/security/passkeys/:id/remove', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const params = sessionIdParams.safeParse(request.params);
    const form = removeFactorForm.safeParse(formBody(request));
    if (!params.success || !form.success) return securityView(request, reply, auth, { error: messages.errors.VALIDATION_FAILED, status: 400 });
    try {
      assertPasswordWithinLimit(form.data.currentPassword);
      await removePasskey(ctx.deps, auth, params.data.id, { currentPassword: form.data.currentPassword }, requestContext(request));
      return reply.redirect('/security?notice=passkey-removed', 303);
    } catch (err) {
      const redirected = stepUpRedirect(err, reply, '/security');
      if (redirected) return redirected;
      if (!isPassdeskError(err)) throw err;
      return securityView(request, reply, auth, { error: err.message, status: err.status });
    }
  });

  app.post('/security/sessions/:id/revoke', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const params = sessionIdParams.safeParse(request.params);
    if (!params.success) throw new PassdeskError('SESSION_NOT_FOUND');
    let current: boolean;
    try {
      ({ current } = await revokeDevice(ctx.deps, auth, params.data.id, requestContext(request)));
    } catch (err) {
      return stepUpRedirect(err, reply, '/security') ?? Promise.reject(err);
    }
    if (current) {
      clearSessionCookie(reply, ctx.cookies);
      return reply.redirect('/sign-in?notice=signed-out', 303);
    }
    return reply.redirect('/security?notice=device-signed-out', 303);
  });

  app.post('/security/sessions/revoke-others', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    try {
      await revokeOtherDevices(ctx.deps, auth, requestContext(request));
    } catch (err) {
      return stepUpRedirect(err, reply, '/security') ?? Promise.reject(err);
    }
    return reply.redirect('/security?notice=others-signed-out', 303);
  });

  app.get('/security/password', async (request, reply) => {
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    return sendPage(reply, changePasswordPage(ctx, {
      csrf: ensureCsrfToken(ctx, request, reply),
      email: auth.account.email,
      displayName: auth.account.displayName,
      rules: await rules(true),
      mustChangeReason: auth.account.mustChangePassword ? mustChangeMessage(auth.account.mustChangeReason) : undefined,
    }));
  });

  app.post('/security/password', async (request, reply) => {
    csrfOr403(request);
    const auth = await signedInOrRedirect(request, reply);
    if (!auth) return reply;
    const csrf = ensureCsrfToken(ctx, request, reply);
    const form = changeForm.safeParse(formBody(request));
    const signOutOtherSessions = form.success ? form.data.signOutOtherSessions === 'on' : true;
    const again = async (error: string, errorField: 'currentPassword' | 'newPassword' | 'confirmPassword' | undefined, status: number, err?: unknown): Promise<FastifyReply> =>
      sendPage(reply, changePasswordPage(ctx, {
        csrf, email: auth.account.email, displayName: auth.account.displayName, rules: await rules(true, err),
        error, errorField, signOutOtherSessions,
        mustChangeReason: auth.account.mustChangePassword ? mustChangeMessage(auth.account.mustChangeReason) : undefined,
      }), status);
    if (!form.success) return again(messages.errors.VALIDATION_FAILED, undefined, 400);
    const { currentPassword, newPassword, confirmPassword } = form.data;
    if (!currentPassword) return again('Enter your current password.', 'currentPassword', 400);
    if (!newPassword) return again('Enter a new password.', 'newPassword', 400);
    if (newPassword !== confirmPassword) return again(messages.errors.PASSWORD_CONFIRMATION_MISMATCH, 'confirmPassword', 400);
    try {
      assertPasswordWithinLimit(currentPassword, newPassword);
      const result = await changePassword(ctx.deps, auth, { currentPassword, newPassword, signOutOtherSessions }, requestContext(request));
      setSessionCookie(reply, ctx.cookies, result.token);
      return reply.redirect(`/security?notice=${result.signedOutSessions > 0 ? 'password-changed-others' : 'password-changed'}`, 303);
    } catch (err) {
      if (!isPassdeskError(err)) throw err;
      const field = err.code === 'CURRENT_PASSWORD_INCORRECT' ? 'currentPassword'
        : err.code.startsWith('PASSWORD_') ? 'newPassword' : undefined;
      if (err.code === 'AUTHENTICATION_REQUIRED') return reply.redirect('/sign-in', 303);
      return again(err.message, field, err.status, err);
    }
  });
}
