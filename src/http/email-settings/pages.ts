// The email settings page, /security/email: the anti-phishing phrase and the recovery address, one form per action,
// POST/redirect/GET.
import type { MessageId } from '../../core/i18n/translator.js';
import { resolvedTranslator } from '../shared/language.js';
import { translatorFor } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import {
  addRecoveryEmail,
  getMailSettings,
  removeRecoveryEmail,
  setAntiPhishingPhrase,
  setCheckupReminders,
  verifyRecoveryEmail,
} from '../../flows/mail-settings.js';
import { checkupRemindersOn } from '../../flows/checkup.js';
import type { Authenticated } from '../../flows/sessions.js';
import { mailSettingsPage } from '../../web/views/mail-settings.js';
import { emailInput, fieldMessageIn, invalidCharactersMessage, fieldMessage } from '../shared/schemas.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendPage, shownOnPage, signedIn } from '../shared/pages.js';
import { codeInput, phraseInput } from './schemas.js';

const notices = {
  'phrase-saved': 'notice.PHRASE_SAVED',
  'phrase-removed': 'notice.PHRASE_REMOVED',
  'code-sent': 'notice.RECOVERY_CODE_SENT',
  'recovery-verified': 'notice.RECOVERY_CONFIRMED',
  'recovery-removed': 'notice.RECOVERY_REMOVED',
  'checkup-reminders-on': 'notice.CHECKUP_REMINDERS_ON',
  'checkup-reminders-off': 'notice.CHECKUP_REMINDERS_OFF',
} as const satisfies Record<string, MessageId>;
type Notice = keyof typeof notices;
const noticeQuery = z.object({ notice: z.string().max(40).optional() }).loose();

const pagePassword = z.string().min(1, fieldMessage('error.field.currentPassword')).max(1024);
// The hidden username field is there for password managers (which password goes with which account).
const pageUsername = { username: z.string().max(254).optional() };

export async function emailSettingsPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
    const auth = signedIn(request);
    const settings = await getMailSettings(ctx.deps, auth);
    return sendPage(
      reply,
      mailSettingsPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        email: auth.account.email,
        settings,
        checkupReminders: checkupRemindersOn(ctx.deps),
        error: o.error,
        notice: o.notice,
      }),
      o.status ?? 200,
    );
  };

  pages.get('/security/email', { schema: { hide: true }, config: { auth: 'page' } }, async (request, reply) => {
    const q = noticeQuery.safeParse(request.query);
    const key = q.success ? q.data.notice : undefined;
    return show(request, reply, { ...(key && key in notices ? { notice: resolvedTranslator(request).format(notices[key as Notice]) } : {}) });
  });

  const pageAction = <T>(path: string, schema: z.ZodType<T>, run: (auth: Authenticated, data: T, request: FastifyRequest) => Promise<Notice>): void => {
    pages.post(path, { schema: { hide: true }, config: { auth: 'page', stepUp: '/security/email' } }, async (request, reply) => {
      const { _csrf: _c, ...fields } = formBody(request);
      const parsed = schema.safeParse(fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return show(request, reply, {
          error: issue
            ? `${issue.path.join('.') || 'form'}: ${fieldMessageIn(translatorFor(ctx, request), issue.message)}`
            : translatorFor(ctx, request).t('error.VALIDATION_FAILED'),
          status: 400,
        });
      }
      try {
        const notice = await run(signedIn(request), parsed.data, request);
        return reply.redirect(`/security/email?notice=${notice}`, 303);
      } catch (err) {
        const shown = shownOnPage(request, err);
        return show(request, reply, { error: shownText(ctx, request, shown), status: shown.status });
      }
    });
  };

  pageAction(
    '/security/email/phrase',
    z.strictObject({ ...pageUsername, currentPassword: pagePassword, phrase: z.string().max(200).default('') }),
    async (auth, data, request) => {
      assertPasswordWithinLimit(data.currentPassword);
      const checked = data.phrase.trim() === '' ? null : phraseInput.safeParse(data.phrase);
      if (checked && !checked.success) {
        const characters = invalidCharactersMessage(checked.error.issues, translatorFor(ctx, request));
        throw characters
          ? new PassdeskError('INVALID_CHARACTERS', characters)
          : new PassdeskError(
              'VALIDATION_FAILED',
              translatorFor(ctx, request).t('error.form.phrase', {
                problem: checked.error.issues[0]
                  ? fieldMessageIn(translatorFor(ctx, request), checked.error.issues[0].message)
                  : translatorFor(ctx, request).t('error.field.notValid'),
              }),
            );
      }
      const phrase = checked ? checked.data : null;
      await setAntiPhishingPhrase(ctx.deps, auth, { currentPassword: data.currentPassword, phrase }, requestContext(request));
      return phrase ? 'phrase-saved' : 'phrase-removed';
    },
  );
  pageAction('/security/email/recovery', z.strictObject({ ...pageUsername, currentPassword: pagePassword, email: emailInput }), async (auth, data, request) => {
    assertPasswordWithinLimit(data.currentPassword);
    await addRecoveryEmail(ctx.deps, auth, { currentPassword: data.currentPassword, email: data.email }, requestContext(request));
    return 'code-sent';
  });
  pageAction('/security/email/recovery/verify', z.strictObject({ code: codeInput }), async (auth, data, request) => {
    await verifyRecoveryEmail(ctx.deps, auth, data, requestContext(request));
    return 'recovery-verified';
  });
  pageAction('/security/email/checkup-reminders', z.strictObject({ checkupReminders: z.literal('on').optional() }), async (auth, data, request) => {
    const on = data.checkupReminders === 'on';
    await setCheckupReminders(ctx.deps, auth, { on }, requestContext(request));
    return on ? 'checkup-reminders-on' : 'checkup-reminders-off';
  });
  pageAction('/security/email/recovery/remove', z.strictObject({ ...pageUsername, currentPassword: pagePassword }), async (auth, data, request) => {
    assertPasswordWithinLimit(data.currentPassword);
    await removeRecoveryEmail(ctx.deps, auth, { currentPassword: data.currentPassword }, requestContext(request));
    return 'recovery-removed';
  });
}
