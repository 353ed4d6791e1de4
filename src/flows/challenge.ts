// When a bot challenge is asked, and spending one (core/challenge.ts makes and checks them). Modes:
//   off     never asked; the per-IP limits answer 429 as before.
//   auto    asked from an IP that reached a throttle: sign-in at PASSDESK_SIGNIN_MAX_FAILURES_PER_IP failures,
//           reset requests at their per-IP limit, sign-ups at SIGN_UP_CHALLENGE_AFTER_PER_IP. The per-IP limit then
//           slows (each further request costs a solved challenge) instead of locking out everyone behind the address.
//   always  asked on every sign-up, reset request and password sign-in.
// The decision reads the IP's counters only, before any account is looked up, so it says nothing about accounts.
import { PassdeskError } from '../core/errors.js';
import type { ChallengePurpose } from '../core/challenge.js';
import type { FlowDeps, RequestContext } from './deps.js';

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
  return `ip:${ctx.ip ?? 'unknown'}`;
}

export function challengesOn(deps: FlowDeps): boolean {
  return deps.challenges !== undefined && deps.challenges.settings.mode !== 'off';
}

/** Whether a request for `purpose` from this IP must carry a solved challenge right now. */
export function challengeRequired(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext): boolean {
  const mode = deps.challenges?.settings.mode ?? 'off';
  if (mode === 'off') return false;
  if (mode === 'always') return true;
  const key = ipKey(ctx);
  switch (purpose) {
    case 'sign-in': return deps.signInThrottle?.perIp.isLimited(key) ?? false;
    case 'reset': return deps.resetThrottle?.perIp.isLimited(key) ?? false;
    case 'sign-up': return deps.signUpThrottle?.perIp.isLimited(key) ?? false;
  }
}

/** The refusal, carrying a fresh challenge so a client can solve it and send the request again. */
export async function challengeError(deps: FlowDeps, purpose: ChallengePurpose, code: 'CHALLENGE_REQUIRED' | 'CHALLENGE_INVALID' = 'CHALLENGE_REQUIRED'): Promise<PassdeskError> {
  if (!deps.challenges) throw new TypeError('challengeError: no challenge service');
  return new PassdeskError(code, undefined, {
    purpose,
    challenge: await deps.challenges.issue(purpose),
    endpoint: `${CHALLENGE_ENDPOINT}?purpose=${purpose}`,
    header: CHALLENGE_HEADER,
  });
}

/**
 * What a throttle's per-IP limit answers: with challenges on, a request for a solved one (people behind a shared
 * address solve it and go on; a script pays for every further try), otherwise `lockout` (today's 429).
 */
export async function ipLimitReached(deps: FlowDeps, purpose: ChallengePurpose, lockout: PassdeskError): Promise<PassdeskError> {
  return challengesOn(deps) ? challengeError(deps, purpose) : lockout;
}

/**
 * Spends the proof the request carries, or refuses when this request needs one and has none. True when a challenge
 * was solved: the caller may then waive the per-IP limit the challenge stands in for. A proof is used once, on
 * every node (the store's primary key), whether or not the request it came with then succeeds.
 */
export async function passChallenge(deps: FlowDeps, purpose: ChallengePurpose, proof: ChallengeProof, ctx: RequestContext): Promise<boolean> {
  const service = deps.challenges;
  if (!service || service.settings.mode === 'off') return false;
  let solved = false;
  if (proof.solution || proof.ticket) {
    const check = proof.solution ? await service.verifySolution(proof.solution, purpose) : service.verifyTicket(proof.ticket ?? '', purpose, ctx.ip);
    if (!check.ok) {
      if (check.reason === 'too_early') {
        throw new PassdeskError('CHALLENGE_TOO_EARLY', undefined, { retryAfterSeconds: Math.max(1, Math.ceil(check.retryAfterMs / 1000)) });
      }
      throw await challengeError(deps, purpose, 'CHALLENGE_INVALID');
    }
    if (!(await deps.store.challenges.useChallenge({ id: check.id, expiresAt: check.expiresAt }))) {
      throw await challengeError(deps, purpose, 'CHALLENGE_INVALID');
    }
    solved = true;
    if (service.sweepDue()) {
      const sweep = async (): Promise<void> => { await deps.store.challenges.deleteExpiredChallenges(deps.clock.now()); };
      if (deps.background) deps.background.run('used-challenge-sweep', sweep);
      else void sweep().catch(() => undefined);
    }
  } else if (challengeRequired(deps, purpose, ctx)) {
    throw await challengeError(deps, purpose);
  }
  if (purpose === 'sign-up') deps.signUpThrottle?.perIp.recordFailure(ipKey(ctx));
  return solved;
}

/** Challenges one IP may fetch from the endpoint per minute; the refusals of guarded requests carry their own. */
export const CHALLENGE_ISSUE_MAX_PER_IP = 120;
export const CHALLENGE_ISSUE_WINDOW_MS = 60_000;

/** A fresh challenge for a client that wants to solve one before sending a guarded request. */
export async function issueChallenge(deps: FlowDeps, purpose: ChallengePurpose, ctx: RequestContext): Promise<{ challenge: Awaited<ReturnType<NonNullable<FlowDeps['challenges']>['issue']>>; required: boolean }> {
  const service = deps.challenges;
  if (!service || service.settings.mode === 'off') throw new PassdeskError('NOT_FOUND', 'Bot challenges are turned off on this server.');
  const limiter = deps.challengeIssueThrottle?.perIp;
  const key = ipKey(ctx);
  if (limiter?.isLimited(key)) throw new PassdeskError('TOO_MANY_REQUESTS');
  limiter?.recordFailure(key);
  return { challenge: await service.issue(purpose), required: challengeRequired(deps, purpose, ctx) };
}
