// Email settings through the API: the anti-phishing phrase and the recovery address (the page is
// email-settings/pages.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import {
  addRecoveryEmail,
  getMailSettings,
  removeRecoveryEmail,
  setAntiPhishingPhrase,
  setCheckupReminders,
  verifyRecoveryEmail,
} from '../../flows/mail-settings.js';
import type { MailPreferences } from '../../store/mail-preferences.js';
import { emailInput, errors, passwordInput } from '../shared/schemas.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { codeInput, phraseInput } from './schemas.js';

const settingsView = z
  .object({
    antiPhishingPhrase: z.string().nullable().meta({ description: 'Shown at the top of every genuine email.' }),
    recoveryEmail: z.object({ address: z.string(), verifiedAt: z.string() }).nullable(),
    pendingRecoveryEmail: z.object({ address: z.string(), expiresAt: z.string() }).nullable(),
    checkupReminders: z.boolean().meta({
      description: 'Whether this person gets the monthly security checkup email, when the organisation sends it (PASSDESK_CHECKUP_REMINDERS).',
    }),
  })
  .meta({ id: 'EmailSettings' });

const iso = (ms: number): string => new Date(ms).toISOString();

function toView(p: MailPreferences): z.infer<typeof settingsView> {
  return {
    antiPhishingPhrase: p.antiPhishingPhrase,
    recoveryEmail: p.recoveryEmail ? { address: p.recoveryEmail, verifiedAt: iso(p.recoveryEmailVerifiedAt ?? 0) } : null,
    pendingRecoveryEmail: p.pendingRecoveryEmail && p.pendingExpiresAt ? { address: p.pendingRecoveryEmail, expiresAt: iso(p.pendingExpiresAt) } : null,
    checkupReminders: p.checkupReminders,
  };
}

const cookieAuth = [{ sessionCookie: [] }];

export async function emailSettingsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/security/email-settings',
    {
      schema: {
        operationId: 'getEmailSettings',
        tags: ['email'],
        summary: 'My email settings',
        security: cookieAuth,
        response: { 200: settingsView, ...errors(401) },
      },
    },
    async (request) => toView(await getMailSettings(ctx.deps, await ctx.requireAuth(request))),
  );

  r.post(
    '/api/v1/security/anti-phishing-phrase',
    {
      schema: {
        operationId: 'setAntiPhishingPhrase',
        tags: ['email'],
        summary: 'Set or clear my anti-phishing phrase',
        description:
          'Every genuine email shows the phrase at the top. Needs the current password. `phrase: null` removes it. and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
        security: cookieAuth,
        body: z.strictObject({ currentPassword: passwordInput, phrase: phraseInput.nullable() }),
        response: { 200: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword);
      return toView(await setAntiPhishingPhrase(ctx.deps, auth, request.body, requestContext(request)));
    },
  );

  r.post(
    '/api/v1/security/recovery-email',
    {
      schema: {
        operationId: 'addRecoveryEmail',
        tags: ['email'],
        summary: 'Add a recovery email address',
        description:
          'Sends an 8-digit code to the address; it becomes the recovery address once the code is confirmed. Needs the current password. and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
        security: cookieAuth,
        body: z.strictObject({ currentPassword: passwordInput, email: emailInput }),
        response: { 202: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword);
      return reply.status(202).send(toView(await addRecoveryEmail(ctx.deps, auth, request.body, requestContext(request))));
    },
  );

  r.post(
    '/api/v1/security/recovery-email/verify',
    {
      schema: {
        operationId: 'verifyRecoveryEmail',
        tags: ['email'],
        summary: 'Confirm the recovery email address with its code',
        security: cookieAuth,
        body: z.strictObject({ code: codeInput }),
        response: { 200: settingsView, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => toView(await verifyRecoveryEmail(ctx.deps, await ctx.requireAuth(request), request.body, requestContext(request))),
  );

  r.post(
    '/api/v1/security/checkup-reminders',
    {
      schema: {
        operationId: 'setCheckupReminders',
        tags: ['email'],
        summary: 'Turn my monthly security checkup email on or off',
        description:
          'Sent only when the organisation turned it on (PASSDESK_CHECKUP_REMINDERS), at most once a month, and only when something needs attention.',
        security: cookieAuth,
        body: z.strictObject({ on: z.boolean() }),
        response: { 200: settingsView, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => toView(await setCheckupReminders(ctx.deps, await ctx.requireAuth(request), request.body, requestContext(request))),
  );

  r.post(
    '/api/v1/security/recovery-email/remove',
    {
      schema: {
        operationId: 'removeRecoveryEmail',
        tags: ['email'],
        summary: 'Remove the recovery email address',
        description: 'Needs the current password and a recent authentication (else 403 REAUTHENTICATION_REQUIRED; see POST /api/v1/session/reauthenticate).',
        security: cookieAuth,
        body: z.strictObject({ currentPassword: passwordInput }),
        response: { 200: settingsView, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword);
      return toView(await removeRecoveryEmail(ctx.deps, auth, request.body, requestContext(request)));
    },
  );
}
