// The page /security/questions (optional; off unless PASSDESK_SECURITY_QUESTIONS is on): one form to set the
// answers, one to remove them (POST/redirect/GET).
import { resolvedTranslator } from '../shared/language.js';
import { pageView, shownText } from '../shared/page-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PassdeskError } from '../../core/errors.js';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import type { Authenticated } from '../../flows/sessions.js';
import { removeSecurityAnswers, securityQuestionsOf, setSecurityAnswers } from '../../flows/security-questions.js';
import { securityQuestionsPage } from '../../web/views/security-questions.js';
import { ensureCsrfToken, requestContext, type HttpContext } from '../shared/context.js';
import { formBody, sendSecretPage, shownOnPage, signedIn } from '../shared/pages.js';

const notices = { saved: 'notice.SECURITY_ANSWERS_SAVED', removed: 'notice.SECURITY_ANSWERS_REMOVED' } as const;
const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

export async function securityQuestionsPages(pages: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
    const auth = signedIn(request);
    const view = await securityQuestionsOf(ctx.deps, auth.account.id);
    if (!view.enabled) throw new PassdeskError('SECURITY_QUESTIONS_DISABLED');
    return sendSecretPage(
      reply,
      securityQuestionsPage(pageView(ctx, request), {
        csrf: ensureCsrfToken(ctx, request, reply),
        displayName: auth.account.displayName,
        email: auth.account.email,
        view,
        error: o.error,
        notice: o.notice,
      }),
      o.status ?? 200,
    );
  };

  pages.get('/security/questions', { schema: { hide: true }, config: { auth: 'page' } }, async (request, reply) => {
    const key = (request.query as Record<string, unknown>)['notice'];
    return show(
      request,
      reply,
      typeof key === 'string' && key in notices ? { notice: resolvedTranslator(request).format(notices[key as keyof typeof notices]) } : {},
    );
  });

  const action = (
    path: string,
    run: (auth: Authenticated, body: Record<string, unknown>, request: FastifyRequest) => Promise<unknown>,
    done: keyof typeof notices,
  ): void => {
    pages.post(path, { schema: { hide: true }, config: { auth: 'page', stepUp: '/security/questions' } }, async (request, reply) => {
      try {
        await run(signedIn(request), formBody(request), request);
        return reply.redirect(`/security/questions?notice=${done}`, 303);
      } catch (err) {
        const shown = shownOnPage(request, err);
        return show(request, reply, { error: shownText(ctx, request, shown), status: shown.status });
      }
    });
  };

  action(
    '/security/questions',
    async (auth, body, request) => {
      const currentPassword = text(body['currentPassword'], 1024);
      assertPasswordWithinLimit(currentPassword);
      const answers: Array<{ questionId: string; answer: string }> = [];
      for (let i = 0; i < 5 && body[`q${i}`] !== undefined; i++) answers.push({ questionId: text(body[`q${i}`], 64), answer: text(body[`a${i}`], 201) });
      await setSecurityAnswers(ctx.deps, auth, { currentPassword, answers }, requestContext(request));
    },
    'saved',
  );

  action(
    '/security/questions/remove',
    async (auth, body, request) => {
      const currentPassword = text(body['currentPassword'], 1024);
      assertPasswordWithinLimit(currentPassword);
      await removeSecurityAnswers(ctx.deps, auth, { currentPassword }, requestContext(request));
    },
    'removed',
  );
}
