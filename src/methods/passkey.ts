// A passkey (WebAuthn Level 3, verified by @simplewebauthn/server) as a way of proving who you are: options bound to
// a flow, and the assertion checked against them. Registration, listing and passwordless sign-in are the passkeys
// flow's (flows/passkeys.ts), which uses the ceremony helpers below.
//
// Every ceremony starts with a challenge row (store/passkeys.ts): 32 random bytes, living
// PASSKEY_CHALLENGE_TTL_MS, bound to what it was issued for (purpose, account, and the flow or session it
// belongs to). A response is checked against the row its signed client data names, never against anything
// else the client says; the row is used up by the first verification, right or wrong.
import { sentence } from '../core/i18n/sentence.js';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { PassdeskError } from '../core/errors.js';
import { hashToken } from '../core/tokens.js';
import type { Passkey } from '../store/index.js';
import type { PasskeyChallengePurpose } from '../store/schema.js';
import { SECOND_FACTOR_BUDGET } from './attempt-budget.js';
import type { FlowDeps } from './deps.js';
import type { Method, ProofBinding } from './method.js';

/** A ceremony has this long (the browser's timeout is the same). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_BYTES = 32;

/** What a challenge was issued for. `binding` is the hash of the flow id (or the session id) it belongs to. */
export interface PasskeyChallengeFlow {
  purpose: Exclude<PasskeyChallengePurpose, 'registration' | 'passwordless'>;
  binding: string | null;
}

export function webauthn(deps: FlowDeps): NonNullable<FlowDeps['config']['webauthn']> {
  if (!deps.config.webauthn) throw new PassdeskError('SERVICE_UNAVAILABLE', sentence('error.SERVICE_UNAVAILABLE.passkeys'));
  return deps.config.webauthn;
}

/** The WebAuthn user handle: the account id (a random UUID, no personal data; WebAuthn §14.6.1). */
export const userHandle = (accountId: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(accountId, 'utf8'));

/** At each new challenge a few expired ones go too (bounded: a request never pays for a whole backlog). */
const CHALLENGE_CREATION_SWEEP = 20;

export async function saveChallenge(
  deps: FlowDeps,
  challenge: string,
  o: { purpose: PasskeyChallengePurpose; accountId: string | null; binding: string | null },
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.passkeys.deleteExpiredChallenges(now, { limit: CHALLENGE_CREATION_SWEEP });
  await deps.store.passkeys.createChallenge({ id: hashToken(challenge), ...o, challenge, now, expiresAt: now + PASSKEY_CHALLENGE_TTL_MS });
}

export const randomChallenge = (deps: FlowDeps): Uint8Array<ArrayBuffer> => new Uint8Array(deps.random.bytes(CHALLENGE_BYTES));

/** The challenge the client data says it signed; only used to find the row, which the verifier then compares. */
function signedChallenge(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 8192) return null;
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const c = typeof data === 'object' && data !== null ? (data as { challenge?: unknown }).challenge : undefined;
    return typeof c === 'string' && c.length > 0 && c.length <= 128 ? c : null;
  } catch {
    return null;
  }
}

/**
 * Takes the challenge a response signed: a live row issued for exactly this purpose, account and binding,
 * used up now (so a replay, or a second racing request, finds it used). Null for anything else.
 */
export async function takeChallenge(
  deps: FlowDeps,
  clientDataJSON: unknown,
  expected: { purpose: PasskeyChallengePurpose; accountId: string | null; binding: string | null },
): Promise<string | null> {
  const challenge = signedChallenge(clientDataJSON);
  if (!challenge) return null;
  const row = await deps.store.passkeys.findChallenge(hashToken(challenge));
  if (!row || row.purpose !== expected.purpose || row.accountId !== expected.accountId || row.binding !== expected.binding) return null;
  if (!(await deps.store.passkeys.useChallenge(row.id, deps.clock.now()))) return null;
  return row.challenge;
}

/**
 * Options for proving one of the account's passkeys (second factor, reset, step-up): the challenge is bound
 * to the account and to `flow.binding`. PASSKEY_NOT_FOUND when the account has none.
 */
export async function passkeyOptionsForAccount(deps: FlowDeps, accountId: string, flow: PasskeyChallengeFlow): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const w = webauthn(deps);
  const passkeys = await deps.store.passkeys.listPasskeys(accountId);
  if (passkeys.length === 0) throw new PassdeskError('PASSKEY_NOT_FOUND');
  const options = await generateAuthenticationOptions({
    rpID: w.rpId,
    challenge: randomChallenge(deps),
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
    userVerification: 'preferred',
  });
  await saveChallenge(deps, options.challenge, { purpose: flow.purpose, accountId, binding: flow.binding });
  return options;
}

export type Verified = { ok: true; passkey: Passkey } | { ok: false; reason: 'challenge' | 'credential' | 'signature' | 'counter' };

/** Signature, origin, RP ID and flags; then the counter may only go forward, recorded by a guarded update. */
export async function verifyAssertion(
  deps: FlowDeps,
  passkey: Passkey,
  challenge: string,
  response: AuthenticationResponseJSON,
  o: { requireUserVerification: boolean },
): Promise<Verified> {
  const w = webauthn(deps);
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'] | null;
  try {
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...w.origins],
      expectedRPID: w.rpId,
      // The counter is compared below, after the signature is known to be genuine, so that a regression is
      // recorded only for a real (possibly cloned) authenticator and not for any forged request.
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: 0,
        transports: passkey.transports,
      },
      requireUserVerification: o.requireUserVerification,
    });
    info = v.verified ? v.authenticationInfo : null;
  } catch {
    info = null;
  }
  if (!info) return { ok: false, reason: 'signature' };
  const now = deps.clock.now();
  // WebAuthn §6.1.1: a signature counter that does not increase means a cloned authenticator (or a replay).
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
    await deps.store.events.recordEvent({
      accountId: passkey.accountId,
      type: 'passkey.counter_regressed',
      now,
      detail: { passkeyId: passkey.id, stored: passkey.counter, received: info.newCounter },
    });
    return { ok: false, reason: 'counter' };
  }
  if (
    !(await deps.store.passkeys.recordPasskeyUse(passkey.id, {
      expectedCounter: passkey.counter,
      newCounter: info.newCounter,
      backedUp: info.credentialBackedUp,
      now,
    }))
  ) {
    return { ok: false, reason: 'counter' };
  }
  return { ok: true, passkey: { ...passkey, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: now } };
}

/**
 * Proves a passkey of `accountId` against a challenge issued by passkeyOptionsForAccount for the same
 * purpose and binding. The passkey used, or null (wrong, replayed or expired challenge, another account's
 * credential, a bad signature, a counter that went back). For the second factor, resets and step-up.
 */
export async function verifyPasskeyForAccount(
  deps: FlowDeps,
  accountId: string,
  response: AuthenticationResponseJSON,
  challengeFlow: PasskeyChallengeFlow,
): Promise<Passkey | null> {
  const challenge = await takeChallenge(deps, response.response?.clientDataJSON, { purpose: challengeFlow.purpose, accountId, binding: challengeFlow.binding });
  if (!challenge) return null;
  const passkey = typeof response.id === 'string' ? await deps.store.passkeys.findPasskeyByCredentialId(response.id) : null;
  if (!passkey || passkey.accountId !== accountId) return null;
  const v = await verifyAssertion(deps, passkey, challenge, response, { requireUserVerification: false });
  return v.ok ? v.passkey : null;
}

/** Proven: the passkey used (its counter moved forward). `start` gives the options the browser signs. */
export const passkey: Method<AuthenticationResponseJSON, Passkey, 'passkey'> & {
  start(deps: FlowDeps, accountId: string, on: ProofBinding): Promise<PublicKeyCredentialRequestOptionsJSON>;
} = {
  id: 'passkey',
  strength: 2,
  budget: SECOND_FACTOR_BUDGET,
  async available(deps, accountId) {
    return (await deps.store.passkeys.countPasskeys(accountId)) > 0;
  },
  start(deps, accountId, on) {
    return passkeyOptionsForAccount(deps, accountId, on);
  },
  verify(deps, account, response, on) {
    return verifyPasskeyForAccount(deps, account.id, response, on);
  },
};
