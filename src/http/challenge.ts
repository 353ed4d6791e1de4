// Bot challenges at the HTTP edge: where a request's proof is read (the API's header, a page's form fields), the
// endpoint that hands out challenges, and what a page's form shows (flows/challenge.ts decides and spends).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHALLENGE_PURPOSES, MAX_PAYLOAD_LENGTH, POW_ALGORITHM, POW_COST, type ChallengePurpose } from '../core/challenge.js';
import { isPassdeskError } from '../core/errors.js';
import { CHALLENGE_HEADER, challengeRequired, challengesOn, issueChallenge, type ChallengeProof } from '../flows/challenge.js';
import { requestContext, type HttpContext } from './context.js';
import { errors } from './api/schemas.js';
import type { ChallengeView } from '../web/views/challenge.js';

const proofString = (max: number) => z.string().min(1).max(max);

/** The API's proof: the `Passdesk-Challenge` header (an ALTCHA payload). Anything malformed is simply no proof. */
export function apiProof(request: FastifyRequest): ChallengeProof {
  const value = request.headers[CHALLENGE_HEADER.toLowerCase()];
  const parsed = proofString(MAX_PAYLOAD_LENGTH).safeParse(value);
  return parsed.success ? { solution: parsed.data } : {};
}

/** A page's proof: `_challenge` (filled by the page's script) or else `_ticket` (the no-JavaScript fallback). */
export function pageProof(body: Record<string, unknown>): ChallengeProof {
  const solution = proofString(MAX_PAYLOAD_LENGTH).safeParse(body['_challenge']);
  const ticket = proofString(512).safeParse(body['_ticket']);
  return { solution: solution.success ? solution.data : undefined, ticket: ticket.success ? ticket.data : undefined };
}

/**
 * What a page's form carries: nothing while no challenge is needed; otherwise a fresh ticket (or, after "too early",
 * the same one again, so the person only waits out the rest) and the field the page's script fills.
 */
export function pageChallenge(ctx: HttpContext, request: FastifyRequest, purpose: ChallengePurpose, o: { err?: unknown; body?: Record<string, unknown> } = {}): ChallengeView | undefined {
  const service = ctx.deps.challenges;
  if (!service || !challengesOn(ctx.deps)) return undefined;
  const code = isPassdeskError(o.err) ? o.err.code : undefined;
  const waitSeconds = Math.max(1, Math.ceil(service.settings.fallbackDelayMs / 1000));
  if (code === 'CHALLENGE_TOO_EARLY') {
    const same = o.body ? pageProof(o.body).ticket : undefined;
    const retry = isPassdeskError(o.err) ? Number(o.err.details?.['retryAfterSeconds'] ?? waitSeconds) : waitSeconds;
    return { purpose, ticket: same ?? service.issueTicket(purpose, request.ip ?? null), waitSeconds: retry };
  }
  const ctxReq = requestContext(request);
  if (code?.startsWith('CHALLENGE_') || challengeRequired(ctx.deps, purpose, ctxReq)) {
    return { purpose, ticket: service.issueTicket(purpose, ctxReq.ip), waitSeconds };
  }
  return undefined;
}

const challengeBody = z.object({
  challenge: z.object({
    parameters: z.record(z.string(), z.unknown()),
    signature: z.string().optional(),
  }).meta({ description: `An ALTCHA v2 challenge (${POW_ALGORITHM}, cost ${POW_COST}, HMAC-signed): find the counter whose derived key starts with keyPrefix.` }),
  required: z.boolean().meta({ description: 'Whether a request for this purpose from this address needs a solved challenge right now.' }),
  header: z.string().meta({ description: 'The request header that carries the solution: base64 of JSON {challenge, solution: {counter, derivedKey}}.' }),
});

export async function challengeRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/v1/challenge', {
    schema: {
      operationId: 'getChallenge',
      security: [],
      tags: ['challenge'],
      summary: 'Get a bot challenge (proof of work)',
      description:
        'A fresh, signed proof-of-work challenge for one purpose (sign-up, reset or sign-in), valid once for PASSDESK_CHALLENGE_TTL. '
        + `Solve it (altcha-lib's solveChallenge, or the altcha widget's worker) and send base64 of JSON {challenge, solution} in the ${CHALLENGE_HEADER} header `
        + 'of the guarded request. A guarded request without one, when one is needed, answers 428 CHALLENGE_REQUIRED with a challenge in details; '
        + 'a used, expired, forged or other-purpose solution answers 403 CHALLENGE_INVALID. 120 a minute per IP, then 429. 404 when challenges are off.',
      querystring: z.strictObject({ purpose: z.enum(CHALLENGE_PURPOSES) }),
      response: { 200: challengeBody, ...errors(400, 404, 429) },
    },
  }, async (request, reply) => {
    const { challenge, required } = await issueChallenge(ctx.deps, request.query.purpose, requestContext(request));
    return reply.header('Cache-Control', 'no-store').send({ challenge: { parameters: { ...challenge.parameters }, signature: challenge.signature }, required, header: CHALLENGE_HEADER });
  });
}
