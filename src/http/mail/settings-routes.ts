// Email settings, as JSON API and as a page: the anti-phishing phrase and the recovery address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import { messages } from '../../core/messages.js';
import { addRecoveryEmail, getMailSettings, removeRecoveryEmail, setAntiPhishingPhrase, verifyRecoveryEmail } from '../../flows/mail-settings.js';
import type { MailPreferences } from '../../store/mail-preferences.js';
import { mailSettingsPage } from '../../web/views/mail-settings.js';
import { assertPasswordWithinLimit } from '../api/routes.js';
import { emailInput, errors, freeText, invalidCharactersMessage, passwordInput } from '../api/schemas.js';
import { checkCsrfToken, ensureCsrfToken, requestContext, type HttpContext } from '../context.js';
import { stepUpRedirect } from '../api/step-up-routes.js';

const PHRASE_MAX = 64;
export const phraseInput = freeText('anti-phishing phrase', { min: 1, max: PHRASE_MAX });
const codeInput = z.string().trim().regex(/^\d{8}$/, 'the 8-digit code from the email');

const settingsView = z.object({
  antiPhishingPhrase: z.string().nullable().meta({ description: 'Shown at the top of every genuine email.' }),
  recoveryEmail: z.object({ address: z.string(), verifiedAt: z.string() }).nullable(),
  pendingRecoveryEmail: z.object({ address: z.string(), expiresAt: z.string() }).nullable(),
}).meta({ id: 'EmailSettings' });

const iso = (ms: number): string => new Date(ms).toISOString();

function toView(p: MailPreferences): z.infer<typeof settingsView> {
  return {
    antiPhishingPhrase: p.antiPhishingPhrase,
    recoveryEmail: p.recoveryEmail ? { address: p.recoveryEmail, verifiedAt: iso(p.recoveryEmailVerifiedAt ?? 0) } : null,
    pendingRecoveryEmail: p.pendingRecoveryEmail && p.pendingExpiresAt ? { address: p.pendingRecoveryEmail, expiresAt: iso(p.pendingExpiresAt) } : null,
  };
}

const cookieAuth = [{ sessionCookie: [] }];

export async function mailSettingsRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/security/email-settings', {
    schema: { operationId: 'getEmailSettings', tags: ['email'], summary: 'My email settings', security: cookieAuth, response: { 200: settingsView, ...errors(401) } },
  }, async (request) => toView(await getMailSettings(ctx.deps, await ctx.requireAuth(request))));

  r.post('/api/v1/security/anti-phishing-phrase', {
    schema: {
      operationId: 'setAntiPhishingPhrase',
      tags: ['email'],
      summary: 'Set or clear my anti-phishing phrase',
      description: 'Every genuine email shows the phrase at the top. Needs the current password. `phrase: null` removes it. and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
      security: cookieAuth,
      body: z.strictObject({ currentPassword: passwordInput, phrase: phraseInput.nullable() }),
      response: { 200: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword);
    return toView(await setAntiPhishingPhrase(ctx.deps, auth, request.body, requestContext(request)));
  });

  r.post('/api/v1/security/recovery-email', {
    schema: {
      operationId: 'addRecoveryEmail',
      tags: ['email'],
      summary: 'Add a recovery email address',
      description: 'Sends an 8-digit code to the address; it becomes the recovery address once the code is confirmed. Needs the current password. and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
      security: cookieAuth,
      body: z.strictObject({ currentPassword: passwordInput, email: emailInput }),
      response: { 202: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword);
    return reply.status(202).send(toView(await addRecoveryEmail(ctx.deps, auth, request.body, requestContext(request))));
  });

  r.post('/api/v1/security/recovery-email/verify', {
    schema: {
      operationId: 'verifyRecoveryEmail',
      tags: ['email'],
      summary: 'Confirm the recovery email address with its code',
      security: cookieAuth,
      body: z.strictObject({ code: codeInput }),
      response: { 200: settingsView, ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request) => toView(await verifyRecoveryEmail(ctx.deps, await ctx.requireAuth(request), request.body, requestContext(request))));

  r.post('/api/v1/security/recovery-email/remove', {
    schema: {
      operationId: 'removeRecoveryEmail',
      tags: ['email'],
      summary: 'Remove the recovery email address',
      description: 'Needs the current password and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
      security: cookieAuth,
      body: z.strictObject({ currentPassword: passwordInput }),
      response: { 200: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword);
    return toView(await removeRecoveryEmail(ctx.deps, auth, request.body, requestContext(request)));
  });

  // The page: /security/email, one form per action, POST/redirect/GET. Form bodies only here, as in pages/.
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 16 * 1024 });
    const app = pages;
    const notices = {
      'phrase-saved': 'Your anti-phishing phrase was saved. It appears at the top of every email from us.',
      'phrase-removed': 'Your anti-phishing phrase was removed.',
      'code-sent': 'We sent an 8-digit code to the recovery address. Type it below to confirm the address.',
      'recovery-verified': 'Your recovery address is confirmed. Reset codes and security notices go there too.',
      'recovery-removed': 'Your recovery address was removed.',
    } as const;
    const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();
    const form = (request: FastifyRequest): Record<string, unknown> =>
      typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};

    const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
      const auth = await ctx.authenticate(request);
      if (!auth) return reply.redirect('/sign-in', 303);
      const settings = await getMailSettings(ctx.deps, auth);
      return reply.status(o.status ?? 200).type('text/html; charset=utf-8').send(mailSettingsPage(ctx, {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        email: auth.account.email,
        settings,
        error: o.error,
        notice: o.notice,
      }).value);
    };

    app.get('/security/email', { schema: { hide: true } }, async (request, reply) => {
      const q = noticeQuery.safeParse(request.query);
      const key = q.success ? q.data.notice : undefined;
      return show(request, reply, { ...(key && key in notices ? { notice: notices[key as keyof typeof notices] } : {}) });
    });

    const pageAction = (path: string, schema: z.ZodType, run: (auth: NonNullable<Awaited<ReturnType<HttpContext['authenticate']>>>, data: never, request: FastifyRequest) => Promise<keyof typeof notices>): void => {
      app.post(path, { schema: { hide: true } }, async (request, reply) => {
        if (!checkCsrfToken(ctx, request, form(request)['_csrf'])) throw new PassdeskError('CSRF_FAILED');
        const auth = await ctx.authenticate(request);
        if (!auth) return reply.redirect('/sign-in', 303);
        const { _csrf: _c, ...fields } = form(request);
        const parsed = schema.safeParse(fields);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return show(request, reply, { error: issue ? `${issue.path.join('.') || 'form'}: ${issue.message}` : messages.errors.VALIDATION_FAILED, status: 400 });
        }
        try {
          const notice = await run(auth, parsed.data as never, request);
          return reply.redirect(`/security/email?notice=${notice}`, 303);
        } catch (err) {
          const redirected = stepUpRedirect(err, reply, '/security/email');
          if (redirected) return redirected;
          if (!isPassdeskError(err)) throw err;
          return show(request, reply, { error: err.message, status: err.status });
        }
      });
    };

    const pagePassword = z.string().min(1, 'enter your current password').max(1024);
  // The hidden username field is there for password managers (which password goes with which account).
  const pageUsername = { username: z.string().max(254).optional() };
    pageAction('/security/email/phrase', z.strictObject({ ...pageUsername, currentPassword: pagePassword, phrase: z.string().max(200).default('') }), async (auth, data: { currentPassword: string; phrase: string }, request) => {
      assertPasswordWithinLimit(data.currentPassword);
      const checked = data.phrase.trim() === '' ? null : phraseInput.safeParse(data.phrase);
      if (checked && !checked.success) {
        const characters = invalidCharactersMessage(checked.error.issues);
        throw characters ? new PassdeskError('INVALID_CHARACTERS', characters) : new PassdeskError('VALIDATION_FAILED', `Anti-phishing phrase: ${checked.error.issues[0]?.message ?? 'not valid'}.`);
      }
      const phrase = checked ? checked.data : null;
      await setAntiPhishingPhrase(ctx.deps, auth, { currentPassword: data.currentPassword, phrase }, requestContext(request));
      return phrase ? 'phrase-saved' : 'phrase-removed';
    });
    pageAction('/security/email/recovery', z.strictObject({ ...pageUsername, currentPassword: pagePassword, email: emailInput }), async (auth, data: { currentPassword: string; email: string }, request) => {
      assertPasswordWithinLimit(data.currentPassword);
      await addRecoveryEmail(ctx.deps, auth, { currentPassword: data.currentPassword, email: data.email }, requestContext(request));
      return 'code-sent';
    });
    pageAction('/security/email/recovery/verify', z.strictObject({ code: codeInput }), async (auth, data: { code: string }, request) => {
      await verifyRecoveryEmail(ctx.deps, auth, data, requestContext(request));
      return 'recovery-verified';
    });
    pageAction('/security/email/recovery/remove', z.strictObject({ ...pageUsername, currentPassword: pagePassword }), async (auth, data: { currentPassword: string }, request) => {
      assertPasswordWithinLimit(data.currentPassword);
      await removeRecoveryEmail(ctx.deps, auth, { currentPassword: data.currentPassword }, requestContext(request));
      return 'recovery-removed';
    });
  });
}
