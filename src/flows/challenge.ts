// When a bot challenge is asked, and spending one (core/challenge.ts makes and checks them). Modes:
//   off     never asked; the per-IP limits answer 429 as before.
//   auto    asked from an IP that reached a throttle: sign-in at PASSDESK_SIGNIN_MAX_FAILURES_PER_IP failures,
//           reset requests at their per-IP limit, sign-ups at SIGN_UP_CHALLENGE_AFTER_PER_IP. The per-IP limit then
//           slows (each further request costs a solved challenge) instead of locking out everyone behind the address.
//           Only up to a hard cap: PASSDESK_CHALLENGE_IP_CAP times the limit in its window, then 429 whatever the
//           client solves (a many-core box solves fast; without a cap the limit would be a price, not a bound).
//           The difficulty doubles for every further limit's worth past the limit (MAX_CHALLENGE_LEVEL at most).
//   always  asked on every sign-up, reset request and password sign-in.
// The decision reads the IP's counters only, before any account is looked up, so it says nothing about accounts.
import { sentence } from '../core/i18n/sentence.js';
import { PassdeskError } from '../core/errors.js';
import { MAX_CHALLENGE_LEVEL, type ChallengePurpose } from '../core/challenge.js';
import type { AttemptLimiter } from '../core/attempt-limiter.js';
import type { FlowDeps, RequestContext } from './deps.js';
import { perIpKey } from '../core/client-key.js';

/**
 * Self-service sign-ups from one IP in SIGN_UP_WINDOW_MS before automatic mode asks for a challenge: room for a
 * class or an office signing up together behind one address, far below what a sign-up script makes.
 */
export const SIGN_UP_CHALLENGE_AFTER_PER_IP = 50;
export const SIGN_UP_WINDOW_MS = 60 * 60_000;
export const CHALLENGE_ENDPOINT = '/api/v1/challenge';
/** The API takes the solved challenge in this header; pages send it as the form field `_challenge`. */
export const CHALLENGE_HEADER = 'Passdesk-Challenge';

/** What a request carries: an ALTCHA payload (API header or page field), or a page's no-JavaScript ticket. */
export interface ChallengeProof {
  solution?: string | undefined;
  ticket?: string | undefined;
}

/** The per-IP key of the sign-in and reset throttles (flows/sign-in.ts, flows/reset-password.ts use the same). */
function ipKey(ctx: RequestContext): string {
  return perIpKey(ctx.ip);
}

/** The per-IP limiter a challenge for `purpose` stands in for. */
function perIpLimiter(deps: FlowDeps, purpose: ChallengePurpose): AttemptLimiter | undefined {
  switch (purpose) {
    case 'sign-in':
      return deps.signInThrottle?.perIp;
    case 'reset':
      return deps.resetThrottle?.perIp;
    case 'sign-up':
      return deps.signUpThrottle?.perIp;
  }
}

/**
 * With challenges on: how long until this client key is under the hard cap again (0: it is under it). Past the cap
 * a solved challenge or a ticket no longer lifts the per-IP limit for `purpose`.
 */
export async function ipCapWaitMs(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext): Promise<number> {
  const service = deps.challenges;
  const limiter = perIpLimiter(deps, purpose);
  if (!service || service.settings.mode === 'off' || !limiter) return 0;
  return await limiter.retryAfterMs(ipKey(ctx), limiter.limit * service.settings.ipCapFactor);
}

/** The refusal past the hard cap: 429 with Retry-After, whatever the request carries. */
export function ipCapError(waitMs: number): PassdeskError {
  return new PassdeskError('TOO_MANY_REQUESTS', sentence('error.TOO_MANY_REQUESTS.network'), {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

/**
 * The difficulty level of a challenge for this client key: 0 up to the per-IP limit, then one more (the max number
 * doubled) for every further limit's worth of counted requests, at most MAX_CHALLENGE_LEVEL.
 */
export async function challengeLevel(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext): Promise<number> {
  const limiter = perIpLimiter(deps, purpose);
  if (!limiter || limiter.limit <= 0) return 0;
  const past = (await limiter.count(ipKey(ctx))) - limiter.limit;
  return past < 0 ? 0 : Math.min(MAX_CHALLENGE_LEVEL, Math.floor(past / limiter.limit));
}

export function challengesOn(deps: FlowDeps): boolean {
  return deps.challenges !== undefined && deps.challenges.settings.mode !== 'off';
}

/** Whether a request for `purpose` from this IP must carry a solved challenge right now. */
export async function challengeRequired(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext): Promise<boolean> {
  const mode = deps.challenges?.settings.mode ?? 'off';
  if (mode === 'off') return false;
  if (mode === 'always') return true;
  return (await perIpLimiter(deps, purpose)?.isLimited(ipKey(ctx))) ?? false;
}

/** The refusal, carrying a fresh challenge so a client can solve it and send the request again. */
export async function challengeError(
  deps: FlowDeps,
  purpose: ChallengePurpose,
  ctx: RequestContext,
  code: 'CHALLENGE_REQUIRED' | 'CHALLENGE_INVALID' = 'CHALLENGE_REQUIRED',
): Promise<PassdeskError> {
  if (!deps.challenges) throw new TypeError('challengeError: no challenge service');
  return new PassdeskError(code, undefined, {
    purpose,
    challenge: await deps.challenges.issue(purpose, await challengeLevel(deps, purpose, ctx)),
    endpoint: `${CHALLENGE_ENDPOINT}?purpose=${purpose}`,
    header: CHALLENGE_HEADER,
  });
}

/**
 * What a throttle's per-IP limit answers: with challenges on, a request for a solved one (people behind a shared
 * address solve it and go on; a script pays for every further try), otherwise `lockout` (today's 429).
 */
export async function ipLimitReached(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext, lockout: PassdeskError): Promise<PassdeskError> {
  return challengesOn(deps) ? challengeError(deps, purpose, ctx) : lockout;
}

/**
 * Spends the proof the request carries, or refuses when this request needs one and has none. True when a challenge
 * was solved: the caller may then waive the per-IP limit the challenge stands in for. A proof is used once, on
 * every node (the store's primary key), whether or not the request it came with then succeeds.
 */
export async function passChallenge(deps: FlowDeps, purpose: ChallengePurpose, proof: ChallengeProof, ctx: RequestContext): Promise<boolean> {
  const service = deps.challenges;
  if (!service || service.settings.mode === 'off') return false;
  // Past the hard cap nothing the client solves helps. Reset requests answer 202 whatever happens, so theirs is
  // applied where the email would be sent (flows/reset-password.ts), silently like the per-IP limit.
  if (purpose !== 'reset') {
    const wait = await ipCapWaitMs(deps, purpose, ctx);
    if (wait > 0) throw ipCapError(wait);
  }
  let solved = false;
  if (proof.solution || proof.ticket) {
    const check = proof.solution ? await service.verifySolution(proof.solution, purpose) : service.verifyTicket(proof.ticket ?? '', purpose, ctx.ip);
    if (!check.ok) {
      if (check.reason === 'too_early') {
        throw new PassdeskError('CHALLENGE_TOO_EARLY', undefined, { retryAfterSeconds: Math.max(1, Math.ceil(check.retryAfterMs / 1000)) });
      }
      throw await challengeError(deps, purpose, ctx, 'CHALLENGE_INVALID');
    }
    // A challenge fetched while this key was further from the cap is too cheap now; one level of slack so that a
    // person who started solving just before the level rose is not sent back.
    if (check.level !== undefined && check.level < (await challengeLevel(deps, purpose, ctx)) - 1) {
      throw await challengeError(deps, purpose, ctx, 'CHALLENGE_INVALID');
    }
    if (!(await deps.store.challenges.useChallenge({ id: check.id, expiresAt: check.expiresAt }))) {
      throw await challengeError(deps, purpose, ctx, 'CHALLENGE_INVALID');
    }
    solved = true;
    if (service.sweepDue()) {
      const sweep = async (): Promise<void> => {
        await deps.store.challenges.deleteExpiredChallenges(deps.clock.now());
      };
      if (deps.background) deps.background.run('used-challenge-sweep', sweep);
      else void sweep().catch(() => undefined);
    }
  } else if (await challengeRequired(deps, purpose, ctx)) {
    throw await challengeError(deps, purpose, ctx);
  }
  if (purpose === 'sign-up') await deps.signUpThrottle?.perIp.recordFailure(ipKey(ctx));
  return solved;
}

/** Challenges one IP may fetch from the endpoint per minute; the refusals of guarded requests carry their own. */
export const CHALLENGE_ISSUE_MAX_PER_IP = 120;
export const CHALLENGE_ISSUE_WINDOW_MS = 60_000;

/** A fresh challenge for a client that wants to solve one before sending a guarded request. */
export async function issueChallenge(
  deps: FlowDeps,
  purpose: ChallengePurpose,
  ctx: RequestContext,
): Promise<{ challenge: Awaited<ReturnType<NonNullable<FlowDeps['challenges']>['issue']>>; required: boolean }> {
  const service = deps.challenges;
  if (!service || service.settings.mode === 'off') throw new PassdeskError('NOT_FOUND', sentence('error.NOT_FOUND.challengesOff'));
  const limiter = deps.challengeIssueThrottle?.perIp;
  const key = ipKey(ctx);
  // Checked and counted in one step (a reservation that is never given back): a burst cannot pass together.
  if (limiter && !(await limiter.reserve(key))) throw new PassdeskError('TOO_MANY_REQUESTS');
  return { challenge: await service.issue(purpose, await challengeLevel(deps, purpose, ctx)), required: await challengeRequired(deps, purpose, ctx) };
}
