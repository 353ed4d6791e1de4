// Security questions (optional; off unless PASSDESK_SECURITY_QUESTIONS is on): the API and the page to see and
// set one's answers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import formbody from '@fastify/formbody';
import { z } from 'zod';
import { PassdeskError, isPassdeskError } from '../../core/errors.js';
import type { Authenticated } from '../../flows/sessions.js';
import { securityQuestionsPage } from '../../web/views/security-questions.js';
import { removeSecurityAnswers, securityQuestionsOf, setSecurityAnswers, type SecurityQuestionsView } from '../../flows/security-questions.js';
import { checkCsrfToken, ensureCsrfToken, requestContext, type HttpContext } from '../context.js';
import { errors, passwordInput } from './schemas.js';
import { assertPasswordWithinLimit } from './routes.js';
import { stepUpRedirect } from './step-up-routes.js';

const cookieAuth = [{ sessionCookie: [] }];

const questionsView = z.object({
  enabled: z.boolean().meta({ description: 'Whether the organisation uses security questions at all.' }),
  count: z.number().int().meta({ description: 'How many questions a person answers (all are asked in a reset).' }),
  questions: z.array(z.object({ id: z.string(), text: z.string() })).meta({ description: 'The questions to choose from.' }),
  chosen: z.array(z.string()).meta({ description: 'Ids of the questions answered; empty when none. Answers are never returned.' }),
  setAt: z.string().nullable(),
}).meta({ id: 'SecurityQuestions' });

function toView(v: SecurityQuestionsView): z.infer<typeof questionsView> {
  return { ...v, questions: [...v.questions], setAt: v.setAt === null ? null : new Date(v.setAt).toISOString() };
}

export async function securityQuestionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/security-questions', {
    schema: {
      operationId: 'getSecurityQuestions',
      tags: ['security-questions'],
      summary: 'My security questions',
      description: 'Which questions there are and which ones I answered (never the answers).',
      security: cookieAuth,
      response: { 200: questionsView, ...errors(401) },
    },
  }, async (request) => toView(await securityQuestionsOf(ctx.deps, (await ctx.requireAuth(request)).account.id)));

  r.put('/api/v1/security-questions', {
    schema: {
      operationId: 'setSecurityAnswers',
      tags: ['security-questions'],
      summary: 'Set my security answers',
      description:
        'Replaces every answer. Needs the current password. `count` different questions, each answer at least 3 letters or digits and different from the others; '
        + 'answers are normalised (case, accents, spaces and punctuation do not matter) and stored as argon2id hashes. An email tells the person. '
        + '404 SECURITY_QUESTIONS_DISABLED when the organisation does not use them.',
      security: cookieAuth,
      body: z.strictObject({
        currentPassword: passwordInput,
        answers: z.array(z.strictObject({ questionId: z.string().min(1).max(64), answer: z.string().max(200) })).min(1).max(5),
      }),
      response: { 200: questionsView, ...errors(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword);
    return toView(await setSecurityAnswers(ctx.deps, auth, request.body, requestContext(request)));
  });

  r.post('/api/v1/security-questions/remove', {
    schema: {
      operationId: 'removeSecurityAnswers',
      tags: ['security-questions'],
      summary: 'Remove my security answers',
      description: 'Needs the current password. An email tells the person.',
      security: cookieAuth,
      body: z.strictObject({ currentPassword: passwordInput }),
      response: { 200: questionsView, ...errors(400, 401, 403, 429) },
    },
  }, async (request) => {
    const auth = await ctx.requireAuth(request);
    assertPasswordWithinLimit(request.body.currentPassword);
    return toView(await removeSecurityAnswers(ctx.deps, auth, request.body, requestContext(request)));
  });
}

/** The page /security/questions: one form to set the answers, one to remove them (POST/redirect/GET). */
export async function securityQuestionPages(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const notices = { saved: 'Your answers were saved.', removed: 'Your answers were removed.' } as const;
  const form = (request: FastifyRequest): Record<string, unknown> =>
    typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};

  const show = async (request: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> => {
    const auth = await ctx.authenticate(request);
    if (!auth) return reply.redirect('/sign-in', 303);
    const view = await securityQuestionsOf(ctx.deps, auth.account.id);
    if (!view.enabled) throw new PassdeskError('SECURITY_QUESTIONS_DISABLED');
    return reply.status(o.status ?? 200).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(securityQuestionsPage(ctx, {
      csrf: ensureCsrfToken(ctx, request, reply), displayName: auth.account.displayName, email: auth.account.email, view, error: o.error, notice: o.notice,
    }).value);
  };

  app.get('/security/questions', { schema: { hide: true } }, async (request, reply) => {
    const key = (request.query as Record<string, unknown>)['notice'];
    return show(request, reply, typeof key === 'string' && key in notices ? { notice: notices[key as keyof typeof notices] } : {});
  });

  const action = (path: string, run: (auth: Authenticated, body: Record<string, unknown>, request: FastifyRequest) => Promise<unknown>, done: keyof typeof notices): void => {
    app.post(path, { schema: { hide: true } }, async (request, reply) => {
      const body = form(request);
      if (!checkCsrfToken(ctx, request, body['_csrf'])) throw new PassdeskError('CSRF_FAILED');
      const auth = await ctx.authenticate(request);
      if (!auth) return reply.redirect('/sign-in', 303);
      try {
        await run(auth, body, request);
        return reply.redirect(`/security/questions?notice=${done}`, 303);
      } catch (err) {
        const redirected = stepUpRedirect(err, reply, '/security/questions');
        if (redirected) return redirected;
        if (!isPassdeskError(err)) throw err;
        return show(request, reply, { error: err.message, status: err.status });
      }
    });
  };
  const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

  action('/security/questions', async (auth, body, request) => {
    const currentPassword = text(body['currentPassword'], 1024);
    assertPasswordWithinLimit(currentPassword);
    const answers: Array<{ questionId: string; answer: string }> = [];
    for (let i = 0; i < 5 && body[`q${i}`] !== undefined; i++) answers.push({ questionId: text(body[`q${i}`], 64), answer: text(body[`a${i}`], 201) });
    await setSecurityAnswers(ctx.deps, auth, { currentPassword, answers }, requestContext(request));
  }, 'saved');

  action('/security/questions/remove', async (auth, body, request) => {
    const currentPassword = text(body['currentPassword'], 1024);
    assertPasswordWithinLimit(currentPassword);
    await removeSecurityAnswers(ctx.deps, auth, { currentPassword }, requestContext(request));
  }, 'removed');
}
