// Security questions through the API (optional; off unless PASSDESK_SECURITY_QUESTIONS is on): see and set one's
// answers (the page is security-questions/pages.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertPasswordWithinLimit } from '../../core/password-rules.js';
import { removeSecurityAnswers, securityQuestionsOf, setSecurityAnswers, type SecurityQuestionsView } from '../../flows/security-questions.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors, passwordInput } from '../shared/schemas.js';

const cookieAuth = [{ sessionCookie: [] }];

const questionsView = z
  .object({
    enabled: z.boolean().meta({ description: 'Whether the organisation uses security questions at all.' }),
    count: z.number().int().meta({ description: 'How many questions a person answers (all are asked in a reset).' }),
    questions: z.array(z.object({ id: z.string(), text: z.string() })).meta({ description: 'The questions to choose from.' }),
    chosen: z.array(z.string()).meta({ description: 'Ids of the questions answered; empty when none. Answers are never returned.' }),
    setAt: z.string().nullable(),
  })
  .meta({ id: 'SecurityQuestions' });

function toView(v: SecurityQuestionsView): z.infer<typeof questionsView> {
  return { ...v, questions: [...v.questions], setAt: v.setAt === null ? null : new Date(v.setAt).toISOString() };
}

export async function securityQuestionsApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/security-questions',
    {
      schema: {
        operationId: 'getSecurityQuestions',
        tags: ['security-questions'],
        summary: 'My security questions',
        description: 'Which questions there are and which ones I answered (never the answers).',
        security: cookieAuth,
        response: { 200: questionsView, ...errors(401) },
      },
    },
    async (request) => toView(await securityQuestionsOf(ctx.deps, (await ctx.requireAuth(request)).account.id)),
  );

  r.put(
    '/api/v1/security-questions',
    {
      schema: {
        operationId: 'setSecurityAnswers',
        tags: ['security-questions'],
        summary: 'Set my security answers',
        description:
          'Replaces every answer. Needs the current password. `count` different questions, each answer at least 3 letters or digits and different from the others; ' +
          'answers are normalised (case, accents, spaces and punctuation do not matter) and stored as argon2id hashes. An email tells the person. ' +
          '404 SECURITY_QUESTIONS_DISABLED when the organisation does not use them.',
        security: cookieAuth,
        body: z.strictObject({
          currentPassword: passwordInput,
          answers: z
            .array(z.strictObject({ questionId: z.string().min(1).max(64), answer: z.string().max(200) }))
            .min(1)
            .max(5),
        }),
        response: { 200: questionsView, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword);
      return toView(await setSecurityAnswers(ctx.deps, auth, request.body, requestContext(request)));
    },
  );

  r.post(
    '/api/v1/security-questions/remove',
    {
      schema: {
        operationId: 'removeSecurityAnswers',
        tags: ['security-questions'],
        summary: 'Remove my security answers',
        description: 'Needs the current password. An email tells the person.',
        security: cookieAuth,
        body: z.strictObject({ currentPassword: passwordInput }),
        response: { 200: questionsView, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const auth = await ctx.requireAuth(request);
      assertPasswordWithinLimit(request.body.currentPassword);
      return toView(await removeSecurityAnswers(ctx.deps, auth, request.body, requestContext(request)));
    },
  );
}
