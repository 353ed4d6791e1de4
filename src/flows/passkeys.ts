// Passkeys (WebAuthn Level 3, verified by @simplewebauthn/server): register several per account, name,
// rename and remove them; prove one as the second factor after a password, in a password reset or for
// step-up; and sign in without a password with a discoverable credential.
//
// Proving a passkey (options and assertion) is the passkey method's (methods/passkey.ts); this flow registers,
// names and removes them, and signs in without a password.
//
// A ceremony is a challenge row (store/passkeys.ts, purpose 'registration' or 'passwordless' here):
//   options ──▶ issued (PASSKEY_CHALLENGE_TTL_MS) ──the first response naming it, right or wrong──▶ used
//   and then: signature, origin, RP ID, flags ──▶ counter forward (one that goes back is refused and recorded)
//   ──▶ a passkey stored (registration) or a session issued (passwordless, completeSignIn)
import { sentence } from '../core/i18n/sentence.js';
import { deviceOf } from '../core/device.js';
import { hasDisallowedCharacters } from '../core/text-input.js';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { PassdeskError } from '../core/errors.js';
import { english } from '../core/messages.js';
import { generateToken } from '../core/tokens.js';
import { queueNotice } from '../mail/notices.js';
import type { Account, Passkey } from '../store/index.js';
import type { Authenticated, FlowDeps, IssuedSession, RequestContext } from './deps.js';
import { isReported } from '../methods/password.js';
import { storeRecoveryCodes } from '../methods/recovery-code.js';
import { countSecondFactors } from '../methods/second-factor.js';
import { PASSKEY_CHALLENGE_TTL_MS, randomChallenge, saveChallenge, takeChallenge, userHandle, verifyAssertion, webauthn } from '../methods/passkey.js';
import { assertRecentAuthentication } from './step-up.js';
import { assertFactorRemovalAllowed } from './steps/factor-removal.js';
import { completeSignIn } from './steps/complete-sign-in.js';
import { recordFactorAdded } from './steps/factor-added.js';
import { perIpKey } from '../core/client-key.js';

export { PASSKEY_CHALLENGE_TTL_MS, passkeyOptionsForAccount, verifyPasskeyForAccount, type PasskeyChallengeFlow } from '../methods/passkey.js';
export const PASSKEY_NAME_MAX = 64;
/** Expired challenges dropped per sweep: a bounded delete, so a sweep never holds the table for long. */
export const PASSKEY_CHALLENGE_SWEEP_LIMIT = 500;
/** How often the server sweeps expired challenges (besides the small sweep at each new challenge). */
export const PASSKEY_CHALLENGE_SWEEP_INTERVAL_MS = 5 * 60_000;

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** A synced (multi-device) passkey that is backed up, e.g. in a platform keychain. */
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  transports: string[];
}

export const toPasskeyView = (p: Passkey): PasskeyView => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  backedUp: p.backedUp,
  deviceType: p.deviceType,
  transports: p.transports,
});

/**
 * Drops expired challenges, at most `limit` per call (default PASSKEY_CHALLENGE_SWEEP_LIMIT); returns how many. The
 * server runs it every PASSKEY_CHALLENGE_SWEEP_INTERVAL_MS, so abandoned ceremonies do not stay in the table when
 * no new challenge is asked for.
 */
export async function sweepExpiredPasskeyChallenges(deps: Pick<FlowDeps, 'store' | 'clock'>, o: { limit?: number } = {}): Promise<number> {
  return deps.store.passkeys.deleteExpiredChallenges(deps.clock.now(), { limit: o.limit ?? PASSKEY_CHALLENGE_SWEEP_LIMIT });
}

// ---- Registration ----

/** Adding a passkey adds a factor: it needs a recent authentication with the strongest method (step-up). */
export async function startPasskeyRegistration(deps: FlowDeps, auth: Authenticated): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const w = webauthn(deps);
  await assertRecentAuthentication(deps, auth);
  const existing = await deps.store.passkeys.listPasskeys(auth.account.id);
  const options = await generateRegistrationOptions({
    rpName: w.rpName,
    rpID: w.rpId,
    userName: auth.account.email,
    userDisplayName: auth.account.displayName || auth.account.email,
    userID: userHandle(auth.account.id),
    challenge: randomChallenge(deps),
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    attestationType: 'none',
    // The same authenticator twice would be one factor counted as two.
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    // Discoverable when the authenticator can (passwordless sign-in needs it); security keys without
    // storage still work as a second factor.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  // Bound to this account and this session: a response made for another session's ceremony is refused.
  await saveChallenge(deps, options.challenge, { purpose: 'registration', accountId: auth.account.id, binding: auth.session.id });
  return options;
}

/** "Security key", "Passkey on your phone" or "Passkey on Chrome on Linux", made unique among the account's names. */
export function defaultPasskeyName(o: { transports: readonly string[]; device: string | null; taken: readonly string[] }): string {
  const roaming = o.transports.some((t) => t === 'usb' || t === 'nfc' || t === 'ble');
  const base =
    o.transports.length > 0 && roaming && !o.transports.includes('internal')
      ? english.t('page.passkeys.defaultName.securityKey')
      : o.transports.length === 1 && o.transports[0] === 'hybrid'
        ? english.t('page.passkeys.defaultName.phone')
        : english.t('page.passkeys.defaultName.device', { device: o.device ?? english.t('page.passkeys.defaultName.thisDevice') });
  const name = base.slice(0, PASSKEY_NAME_MAX - 5);
  if (!o.taken.includes(name)) return name;
  for (let n = 2; ; n++) if (!o.taken.includes(`${name} (${n})`)) return `${name} (${n})`;
}

function cleanName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  // The shared free-text rule (core/text-input.ts): a right-to-left override could disguise the name in an
  // email. The HTTP edge refuses such names first with INVALID_CHARACTERS; this holds for any other caller.
  const cleaned = name.normalize('NFC').trim();
  if (hasDisallowedCharacters(cleaned)) throw new PassdeskError('INVALID_CHARACTERS');
  if (cleaned.length === 0 || [...cleaned].length > PASSKEY_NAME_MAX) throw new PassdeskError('PASSKEY_NAME_INVALID');
  return cleaned;
}

/** How a passkey is named in emails. */
const methodName = (name: string): string => english.t('email.common.method.passkey', { name });

/**
 * Verifies the browser's answer to the registration options and stores the passkey. The first factor of an
 * account also gets its recovery codes (shown once), as when an authenticator app is confirmed.
 */
export async function finishPasskeyRegistration(
  deps: FlowDeps,
  auth: Authenticated,
  input: { response: RegistrationResponseJSON; name?: string | undefined },
  ctx: RequestContext,
): Promise<{ passkey: PasskeyView; recoveryCodes: string[] | null; token: string }> {
  const w = webauthn(deps);
  await assertRecentAuthentication(deps, auth);
  const requestedName = cleanName(input.name);
  const challenge = await takeChallenge(deps, input.response.response?.clientDataJSON, {
    purpose: 'registration',
    accountId: auth.account.id,
    binding: auth.session.id,
  });
  if (!challenge) throw new PassdeskError('PASSKEY_CHALLENGE_INVALID');
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'] | null;
  try {
    const v = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: [...w.origins],
      expectedRPID: w.rpId,
      // A second factor needs possession; user verification is asked for ("preferred") but a key without
      // a PIN still counts. Passwordless sign-in demands it at each use.
      requireUserVerification: false,
    });
    info = v.verified ? v.registrationInfo : null;
  } catch {
    info = null;
  }
  if (!info) throw new PassdeskError('PASSKEY_REGISTRATION_FAILED');
  const credentialId = info.credential.id;
  if (await deps.store.passkeys.findPasskeyByCredentialId(credentialId)) throw new PassdeskError('PASSKEY_ALREADY_REGISTERED');
  const transports = (input.response.response.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8);
  const now = deps.clock.now();
  const existing = await deps.store.passkeys.listPasskeys(auth.account.id);
  const name = requestedName ?? defaultPasskeyName({ transports, device: auth.session.device, taken: existing.map((p) => p.name) });
  const token = generateToken(deps.random);
  return deps.store.transaction(async (tx) => {
    const first = (await countSecondFactors(tx, auth.account.id)) === 0;
    const passkey = await tx.passkeys.createPasskey({
      id: deps.random.uuid(),
      accountId: auth.account.id,
      credentialId,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name,
      now,
    });
    // The check above can race with another registration of the same credential; this one cannot.
    if (!passkey) throw new PassdeskError('PASSKEY_ALREADY_REGISTERED');
    const recoveryCodes = first ? await storeRecoveryCodes(tx, deps, auth.account.id) : null;
    // The person just used the new passkey (flows/steps/factor-added.ts: session strength and rotation, event, notice).
    await recordFactorAdded(tx, deps, { auth, method: 'passkey', token, detail: { passkeyId: passkey.id }, methodName: methodName(name), now, ctx });
    return { passkey: toPasskeyView(passkey), recoveryCodes, token };
  });
}

export async function listPasskeys(deps: FlowDeps, auth: Authenticated): Promise<PasskeyView[]> {
  return (await deps.store.passkeys.listPasskeys(auth.account.id)).map(toPasskeyView);
}

export async function renamePasskey(
  deps: FlowDeps,
  auth: Authenticated,
  passkeyId: string,
  input: { name: string },
  ctx: RequestContext,
): Promise<PasskeyView> {
  const name = cleanName(input.name)!;
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if (!(await tx.passkeys.renamePasskey(auth.account.id, passkeyId, name))) throw new PassdeskError('PASSKEY_NOT_FOUND');
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'passkey.renamed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { passkeyId },
    });
    const passkey = await tx.passkeys.findPasskey(auth.account.id, passkeyId);
    if (!passkey) throw new PassdeskError('PASSKEY_NOT_FOUND');
    return toPasskeyView(passkey);
  });
}

/**
 * Removing a passkey needs a recent authentication with the strongest method (step-up) and, in the request, the
 * current password or a current authenticator code, as removing an app does. Removing the last factor needs the
 * password, long enough for single-factor use (NIST SP 800-63B-4 §3.1.1.2). The person is told by email; with no
 * factor left the recovery codes go too (they would be a way in of their own).
 */
export async function removePasskey(
  deps: FlowDeps,
  auth: Authenticated,
  passkeyId: string,
  proof: { currentPassword?: string | undefined; code?: string | undefined },
  ctx: RequestContext,
): Promise<{ remaining: number }> {
  const passkey = await deps.store.passkeys.findPasskey(auth.account.id, passkeyId);
  if (!passkey) throw new PassdeskError('PASSKEY_NOT_FOUND');
  const rule = await assertFactorRemovalAllowed(deps, auth, proof, ctx, { what: 'passkey' });
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    await rule.assertInTransaction(tx);
    if (!(await tx.passkeys.removePasskey(auth.account.id, passkeyId))) throw new PassdeskError('PASSKEY_NOT_FOUND');
    const remaining = await countSecondFactors(tx, auth.account.id);
    if (remaining === 0) await tx.twoFactor.replaceRecoveryCodes(auth.account.id, [], { now, newId: () => deps.random.uuid() });
    await tx.events.recordEvent({
      accountId: auth.account.id,
      type: 'second_factor.removed',
      now,
      ip: ctx.ip,
      device: auth.session.device,
      sessionId: auth.session.id,
      detail: { type: 'passkey', passkeyId, remaining },
    });
    await queueNotice(tx, deps, {
      account: auth.account,
      notice: { code: 'second-factor-removed', method: methodName(passkey.name) },
      origin: { at: now, device: auth.session.device, ip: ctx.ip },
    });
    return { remaining };
  });
}

// ---- Assertions ----

// ---- Passwordless ----

const TOO_MANY_SIGN_INS = sentence('error.TOO_MANY_REQUESTS.signIn');

/** Passwordless options per IP in PASSWORDLESS_OPTIONS_WINDOW_MS: generous for people, a ceiling for a flood. */
export const PASSWORDLESS_OPTIONS_MAX_PER_IP = 60;
export const PASSWORDLESS_OPTIONS_WINDOW_MS = 15 * 60_000;

/**
 * Options for a passwordless sign-in: no account named (the person picks a passkey); user verification
 * required. An IP over its sign-in failure limit gets no more challenges (they are rows in the database).
 */
export async function startPasswordlessSignIn(deps: FlowDeps, ctx: RequestContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const w = webauthn(deps);
  const ipKey = perIpKey(ctx.ip);
  if (await deps.signInThrottle?.perIp.isLimited(ipKey)) throw new PassdeskError('TOO_MANY_REQUESTS', TOO_MANY_SIGN_INS);
  // Every request writes a challenge row and needs no account: counted per IP (in one step), so a flood cannot fill the table.
  const limiter = deps.passkeyOptionsThrottle?.perIp;
  if (limiter && !(await limiter.reserve(ipKey))) throw new PassdeskError('TOO_MANY_REQUESTS', TOO_MANY_SIGN_INS);
  const generated = await generateAuthenticationOptions({
    rpID: w.rpId,
    challenge: randomChallenge(deps),
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    userVerification: 'required',
  });
  await saveChallenge(deps, generated.challenge, { purpose: 'passwordless', accountId: null, binding: null });
  return generated;
}

export interface PasskeySignedIn extends IssuedSession {
  account: Account;
}

/**
 * Passwordless sign-in with a discoverable passkey: the credential id names the account, the user handle
 * must agree, and the authenticator must have verified the person (a passkey with user verification is
 * multi-factor on its own: NIST SP 800-63B-4 §3.1.7). Every failure — unknown passkey, disabled account,
 * wrong signature, used challenge — gives the same PASSKEY_SIGN_IN_FAILED and counts against the IP.
 */
export async function signInWithPasskey(
  deps: FlowDeps,
  input: { response: AuthenticationResponseJSON },
  ctx: RequestContext,
  options: { replacing?: Authenticated | null } = {},
): Promise<PasskeySignedIn> {
  const throttle = deps.signInThrottle;
  const ipKey = perIpKey(ctx.ip);
  // A failed assertion cannot be guessed into a right one (it is a signature over a single-use challenge); the
  // per-IP count only slows a client that keeps failing, so a check then a count after each failure is enough.
  if (await throttle?.perIp.isLimited(ipKey)) {
    deps.observe?.signIn?.('throttled');
    throw new PassdeskError('TOO_MANY_REQUESTS', TOO_MANY_SIGN_INS);
  }
  const now = deps.clock.now();
  const fail = async (accountId: string | null, reason: string): Promise<never> => {
    await throttle?.perIp.recordFailure(ipKey);
    if (accountId) await deps.store.events.recordEvent({ accountId, type: 'passkey.failed', now, ip: ctx.ip, detail: { reason, via: 'passwordless' } });
    throw new PassdeskError('PASSKEY_SIGN_IN_FAILED');
  };
  const challenge = await takeChallenge(deps, input.response.response?.clientDataJSON, { purpose: 'passwordless', accountId: null, binding: null });
  const passkey = typeof input.response.id === 'string' ? await deps.store.passkeys.findPasskeyByCredentialId(input.response.id) : null;
  if (!challenge || !passkey) return fail(passkey?.accountId ?? null, challenge ? 'unknown-credential' : 'challenge');
  const handle = input.response.response.userHandle;
  if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.accountId) return fail(passkey.accountId, 'user-handle');
  const v = await verifyAssertion(deps, passkey, challenge, input.response, { requireUserVerification: true });
  if (!v.ok) return fail(passkey.accountId, v.reason);
  const account = await deps.store.accounts.findAccountById(passkey.accountId);
  if (account?.status !== 'active') {
    deps.observe?.signIn?.('disabled');
    return fail(account?.id ?? null, 'disabled');
  }
  // "This wasn't me": until a reset, no way in without a new password — a passkey the intruder added included.
  // Told only to someone who just proved a passkey of the account, as the password sign-in does.
  if (isReported(account)) {
    await deps.store.events.recordEvent({
      accountId: account.id,
      type: 'signin.failed',
      now,
      ip: ctx.ip,
      device: deviceOf(ctx),
      detail: { reason: 'reported', method: 'passkey' },
    });
    throw new PassdeskError('ACCOUNT_REPORTED');
  }
  const issued = await deps.store.transaction(async (tx) => {
    return completeSignIn(tx, deps, {
      account,
      ctx,
      now,
      replacing: options.replacing,
      authentication: { at: now, method: 'passkey' },
      detail: { method: 'passkey', passkeyId: passkey.id },
    });
  });
  deps.observe?.signIn?.('success');
  return { ...issued, account };
}
