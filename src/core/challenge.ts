// Bot challenges (issue 11 item 15): a self-hosted proof of work (ALTCHA's protocol, altcha-lib) and, for
// browsers without JavaScript, a time-locked ticket. Both are HMAC-signed under keys derived from the server
// secret, bound to one purpose, and expire; single use is the store's job (store/challenges.ts), and when to ask
// is the flow's (flows/challenge.ts). Expiry is checked here on the injected clock, not by altcha-lib (which
// reads Date.now()): the expiry travels in the challenge's signed `data`.
import { createHmac } from 'node:crypto';
import { createChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey as pbkdf2 } from 'altcha-lib/algorithms/pbkdf2';
import { z } from 'zod';
import type { Clock } from './clock.js';
import type { Random } from './random.js';
import { deriveKey } from './secret-box.js';
import { safeEqual } from './tokens.js';
import { clientKey, perIpKey } from './client-key.js';

export type ChallengeMode = 'off' | 'auto' | 'always';
export const CHALLENGE_PURPOSES = ['sign-up', 'reset', 'sign-in'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/**
 * PBKDF2 runs natively in browsers (WebCrypto), so a person's browser pays about what a script's native code pays
 * per try; plain SHA-256 would be tens of times cheaper for a script than for the page's JavaScript. Argon2id and
 * scrypt would need WebAssembly ('wasm-unsafe-eval' in the CSP).
 */
export const POW_ALGORITHM = 'PBKDF2/SHA-256';
/** PBKDF2 rounds per try: a browser makes a few thousand tries a second per core. */
export const POW_COST = 1000;
/** No-JavaScript tickets one IP may have accepted at once before they are spaced one per fallback delay. */
export const TICKET_BURST = 10;

export interface ChallengeSettings {
  mode: ChallengeMode;
  /** The secret counter is drawn uniformly from [maxNumber / 2, maxNumber]: the work is never trivial. */
  maxNumber: number;
  ttlMs: number;
  /** A ticket is accepted this long after it was issued; one IP gets about one accepted per this long. */
  fallbackDelayMs: number;
  /**
   * A solved challenge or ticket lifts a per-IP limit only up to this multiple of it (flows/challenge.ts); past that
   * the client key gets 429 whatever it solves. 1: never lifted.
   */
  ipCapFactor: number;
}

/** Difficulty doubles at most this many times (32 × the configured max number: about half a minute in a browser at 5000). */
export const MAX_CHALLENGE_LEVEL = 5;
/** The counter is drawn from 4 random bytes; the largest max number a level may reach. */
const MAX_COUNTER = 2 ** 31;

/** The max number of a challenge at `level`: the configured one doubled per level, bounded. */
export function maxNumberAt(settings: Pick<ChallengeSettings, 'maxNumber'>, level: number): number {
  const l = Math.min(MAX_CHALLENGE_LEVEL, Math.max(0, Math.floor(level)));
  return Math.min(MAX_COUNTER, settings.maxNumber * 2 ** l);
}

export type ChallengeCheck =
  /** `level`: the difficulty a solved challenge was issued at (signed); absent for a ticket. */
  | { ok: true; id: string; expiresAt: number; level?: number }
  | { ok: false; reason: 'invalid' | 'expired' | 'wrong_purpose' }
  | { ok: false; reason: 'too_early'; retryAfterMs: number };

export interface ChallengeService {
  readonly settings: ChallengeSettings;
  /**
   * A new signed proof-of-work challenge for `purpose` (ALTCHA v2 parameters and signature), at difficulty `level`
   * (the max number doubled `level` times, bounded by MAX_CHALLENGE_LEVEL; the level is signed in its data).
   */
  issue(purpose: ChallengePurpose, level?: number): Promise<Challenge>;
  /** Checks a submitted ALTCHA payload (base64 of `{challenge, solution}`): signature, purpose, expiry, solution. */
  verifySolution(payload: string, purpose: ChallengePurpose): Promise<ChallengeCheck>;
  /** A ticket for a page without JavaScript: accepted from `ip`, for `purpose`, `fallbackDelayMs` from now. */
  issueTicket(purpose: ChallengePurpose, ip: string | null): string;
  /** Checks a ticket; `too_early` while it is not valid yet, or while its IP has used its share of tickets. */
  verifyTicket(ticket: string, purpose: ChallengePurpose, ip: string | null): ChallengeCheck;
  /** True at most once a minute: time to forget expired used challenges. */
  sweepDue(): boolean;
}

/** What a client sends: ALTCHA's payload, base64 (or base64url) of JSON. Bounded before it is parsed. */
export const MAX_PAYLOAD_LENGTH = 2048;
const payloadSchema = z.object({
  challenge: z.object({
    parameters: z
      .object({
        algorithm: z.string().max(32),
        nonce: z.string().regex(/^[0-9a-f]{2,64}$/),
        salt: z.string().regex(/^[0-9a-f]{2,64}$/),
        cost: z.number().int().positive(),
        keyLength: z.number().int().positive().max(64),
        keyPrefix: z.string().regex(/^[0-9a-f]{1,128}$/),
        keySignature: z.string().max(256).optional(),
        data: z.record(z.string(), z.union([z.string().max(64), z.number(), z.boolean(), z.null()])).optional(),
      })
      .loose(),
    signature: z.string().max(256),
  }),
  solution: z.object({ counter: z.number().int().nonnegative(), derivedKey: z.string().max(256) }).loose(),
});

/** Encodes a solved challenge as the pages and API clients send it (tests and the page script use the same form). */
export function encodePayload(challenge: Challenge, solution: { counter: number; derivedKey: string }): string {
  return Buffer.from(JSON.stringify({ challenge, solution }), 'utf8').toString('base64');
}

const ticketSchema = z.object({
  p: z.enum(CHALLENGE_PURPOSES),
  id: z.string().min(16).max(64),
  ip: z.string().max(64),
  nb: z.number().int(),
  exp: z.number().int(),
});

// A uniform counter in [⌈maxNumber / 2⌉, maxNumber] (rejection sampling: no modulo bias).
function randomCounter(random: Random, maxNumber: number): number {
  const low = Math.ceil(maxNumber / 2);
  const span = maxNumber - low + 1;
  const ceiling = Math.floor(0x1_0000_0000 / span) * span;
  for (;;) {
    const b = random.bytes(4);
    const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (n < ceiling) return low + (n % span);
  }
}

// Token bucket per IP for tickets: TICKET_BURST at once, then one per fallback delay. Without it a script would
// hold many tickets and spend them together once their delay passed: the delay alone costs latency, not rate.
// Returns how long the ticket of `ip` must still wait (0: a token was taken).
function ticketBuckets(o: { settings: ChallengeSettings; clock: Clock; maxIps?: number }): (ip: string | null) => number {
  const maxIps = o.maxIps ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (ip) => {
    const key = clientKey(ip);
    const now = o.clock.now();
    const every = o.settings.fallbackDelayMs;
    const b = buckets.get(key) ?? { tokens: TICKET_BURST, at: now };
    const tokens = Math.min(TICKET_BURST, b.tokens + (now - b.at) / every);
    buckets.delete(key);
    if (tokens < 1) {
      buckets.set(key, { tokens, at: now });
      return Math.ceil((1 - tokens) * every);
    }
    buckets.set(key, { tokens: tokens - 1, at: now });
    while (buckets.size > maxIps) {
      const oldest = buckets.keys().next().value;
      if (oldest === undefined) break;
      buckets.delete(oldest);
    }
    return 0;
  };
}

export function createChallengeService(o: {
  serverSecret: Uint8Array;
  settings: ChallengeSettings;
  clock: Clock;
  random: Random;
  maxIps?: number;
}): ChallengeService {
  const hex = (purpose: string): string => Buffer.from(deriveKey(o.serverSecret, purpose)).toString('hex');
  // Three keys, each with its own HKDF purpose: the challenge signature, ALTCHA's derived-key signature, tickets.
  const signatureSecret = hex('bot-challenge-signature');
  const keySignatureSecret = hex('bot-challenge-key-signature');
  const ticketKey = deriveKey(o.serverSecret, 'bot-challenge-ticket');
  const mac = (value: string): string => createHmac('sha256', ticketKey).update(value, 'utf8').digest('base64url');
  // Keyed by the client key (core/client-key.ts): a ticket from one /64 is good anywhere in it, and no further.
  const ipTag = (ip: string | null): string => mac(perIpKey(ip)).slice(0, 22);

  const takeTicketToken = ticketBuckets(o);

  let lastSweep = 0;
  return {
    settings: o.settings,

    async issue(purpose, level = 0) {
      const l = Math.min(MAX_CHALLENGE_LEVEL, Math.max(0, Math.floor(level)));
      return createChallenge({
        algorithm: POW_ALGORITHM,
        cost: POW_COST,
        counter: randomCounter(o.random, maxNumberAt(o.settings, l)),
        deriveKey: pbkdf2,
        data: { purpose, expires: o.clock.now() + o.settings.ttlMs, level: l },
        hmacSignatureSecret: signatureSecret,
        hmacKeySignatureSecret: keySignatureSecret,
      });
    },

    async verifySolution(payload, purpose) {
      if (payload.length > MAX_PAYLOAD_LENGTH) return { ok: false, reason: 'invalid' };
      let parsed: z.infer<typeof payloadSchema>;
      try {
        const json: unknown = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
        const result = payloadSchema.safeParse(json);
        if (!result.success) return { ok: false, reason: 'invalid' };
        parsed = result.data;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      const challenge = parsed.challenge as Challenge;
      let verified: boolean;
      try {
        // The signature covers every parameter (algorithm, cost, data): a client cannot make its own easier challenge.
        const result = await verifySolution({
          challenge,
          solution: parsed.solution,
          deriveKey: pbkdf2,
          hmacSignatureSecret: signatureSecret,
          hmacKeySignatureSecret: keySignatureSecret,
        });
        verified = result.verified;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (!verified) return { ok: false, reason: 'invalid' };
      // Signed, so these are ours; checked after the signature so nothing unsigned decides anything.
      const data = challenge.parameters.data ?? {};
      if (data['purpose'] !== purpose) return { ok: false, reason: 'wrong_purpose' };
      const expires = data['expires'];
      if (typeof expires !== 'number' || o.clock.now() >= expires) return { ok: false, reason: 'expired' };
      const level = typeof data['level'] === 'number' ? data['level'] : 0;
      return { ok: true, id: `pow:${challenge.parameters.nonce}`, expiresAt: expires, level };
    },

    issueTicket(purpose, ip) {
      const now = o.clock.now();
      const body = Buffer.from(
        JSON.stringify({
          p: purpose,
          id: Buffer.from(o.random.bytes(16)).toString('base64url'),
          ip: ipTag(ip),
          nb: now + o.settings.fallbackDelayMs,
          exp: now + o.settings.ttlMs,
        }),
        'utf8',
      ).toString('base64url');
      return `${body}.${mac(`ticket:${body}`)}`;
    },

    verifyTicket(ticket, purpose, ip) {
      const [body, tag, extra] = ticket.split('.');
      if (!body || !tag || extra !== undefined || ticket.length > 512) return { ok: false, reason: 'invalid' };
      if (!safeEqual(mac(`ticket:${body}`), tag)) return { ok: false, reason: 'invalid' };
      let t: z.infer<typeof ticketSchema>;
      try {
        const parsed = ticketSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
        if (!parsed.success) return { ok: false, reason: 'invalid' };
        t = parsed.data;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (t.p !== purpose) return { ok: false, reason: 'wrong_purpose' };
      // Bound to the address it was issued to: tickets gathered from many addresses do not add up on one.
      if (!safeEqual(t.ip, ipTag(ip))) return { ok: false, reason: 'invalid' };
      const now = o.clock.now();
      if (now >= t.exp) return { ok: false, reason: 'expired' };
      if (now < t.nb) return { ok: false, reason: 'too_early', retryAfterMs: t.nb - now };
      const wait = takeTicketToken(ip);
      if (wait > 0) return { ok: false, reason: 'too_early', retryAfterMs: wait };
      return { ok: true, id: `ticket:${t.id}`, expiresAt: t.exp };
    },

    sweepDue() {
      const now = o.clock.now();
      if (now - lastSweep < 60_000) return false;
      lastSweep = now;
      return true;
    },
  };
}
