// Bot challenges at the HTTP edge: where a request's proof is read (the API's header, a page's form fields) and what
// a page's form shows (flows/challenge.ts decides and spends; challenge/api.ts hands out challenges).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_PAYLOAD_LENGTH, type ChallengePurpose } from '../../core/challenge.js';
import { isPassdeskError } from '../../core/errors.js';
import { CHALLENGE_HEADER, challengeRequired, challengesOn, type ChallengeProof } from '../../flows/challenge.js';
import { requestContext, type HttpContext } from './context.js';
import type { ChallengeView } from '../../web/views/challenge.js';

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
export async function pageChallenge(
  ctx: HttpContext,
  request: FastifyRequest,
  purpose: ChallengePurpose,
  o: { err?: unknown; body?: Record<string, unknown> } = {},
): Promise<ChallengeView | undefined> {
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
  // With the shared counters unreachable the page still renders (without a ticket); its POST answers 503.
  const required = code?.startsWith('CHALLENGE_') || (await challengeRequired(ctx.deps, purpose, ctxReq).catch(() => false));
  if (required) {
    return { purpose, ticket: service.issueTicket(purpose, ctxReq.ip), waitSeconds };
  }
  return undefined;
}
