// GET /api/v1/challenge: hands out bot challenges (proof of work) for the guarded requests.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHALLENGE_PURPOSES, POW_ALGORITHM, POW_COST } from '../../core/challenge.js';
import { CHALLENGE_HEADER, issueChallenge } from '../../flows/challenge.js';
import { requestContext, type HttpContext } from '../shared/context.js';
import { errors } from '../shared/schemas.js';

const challengeBody = z.object({
  challenge: z
    .object({
      parameters: z.record(z.string(), z.unknown()),
      signature: z.string().optional(),
    })
    .meta({
      description: `An ALTCHA v2 challenge (${POW_ALGORITHM}, cost ${POW_COST}, HMAC-signed): find the counter whose derived key starts with keyPrefix.`,
    }),
  required: z.boolean().meta({ description: 'Whether a request for this purpose from this address needs a solved challenge right now.' }),
  header: z.string().meta({ description: 'The request header that carries the solution: base64 of JSON {challenge, solution: {counter, derivedKey}}.' }),
});

export async function challengeApi(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/challenge',
    {
      schema: {
        operationId: 'getChallenge',
        security: [],
        tags: ['challenge'],
        summary: 'Get a bot challenge (proof of work)',
        description:
          'A fresh, signed proof-of-work challenge for one purpose (sign-up, reset or sign-in), valid once for PASSDESK_CHALLENGE_TTL. ' +
          `Solve it (altcha-lib's solveChallenge, or the altcha widget's worker) and send base64 of JSON {challenge, solution} in the ${CHALLENGE_HEADER} header ` +
          'of the guarded request. A guarded request without one, when one is needed, answers 428 CHALLENGE_REQUIRED with a challenge in details; ' +
          'a used, expired, forged or other-purpose solution answers 403 CHALLENGE_INVALID. 120 a minute per IP, then 429. 404 when challenges are off.',
        querystring: z.strictObject({ purpose: z.enum(CHALLENGE_PURPOSES) }),
        response: { 200: challengeBody, ...errors(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const { challenge, required } = await issueChallenge(ctx.deps, request.query.purpose, requestContext(request));
      return reply
        .header('Cache-Control', 'no-store')
        .send({ challenge: { parameters: { ...challenge.parameters }, signature: challenge.signature }, required, header: CHALLENGE_HEADER });
    },
  );
}
