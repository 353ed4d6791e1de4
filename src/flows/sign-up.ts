// Self-service sign-up with a confirmed address, without telling anyone whether an address has an account
// (issue 16, item 2). A sign-up is a row in pending_registrations (SignUpState) until its address is confirmed;
// no account exists before that, so whatever a stranger types, the owner of a taken address is never affected:
//
//   request ──(new address)──▶ pending ──link token or emailed code──▶ confirmed (the account is made, signed in)
//      │                         └── voided (another sign-up of the address was confirmed) / expires_at passed
//      └──(taken address)──▶ no row: the owner is told "someone tried to sign up with your address"
//
//   request  — the same 202 and the same work in the response for every address: the policy check and the argon2id
//              hash of the chosen password. What depends on the address (the lookup, the per-address mail cap, the
//              row, the email) runs after the response (deps.background), so its timing cannot tell them apart.
//   confirm  — the link's token or the address and the short code; the code's tries are counted per row in one
//              guarded UPDATE and per IP in the shared attempt limiter (memory or Redis). The first confirmation
//              makes the account with the password hashed at the request and voids the address's other rows.
// The same rows confirm the address of an account an administrator made unconfirmed (account_id set, no password,
// flows/register.ts): that confirmation sets accounts.email_confirmed_at and signs nobody in.
import { randomInt } from 'node:crypto';
import { PassdeskError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { generateToken, hashToken, hmac } from '../core/tokens.js';
import { perIpKey } from '../core/client-key.js';
import { describeDevice } from '../core/device.js';
import { queueNotice, queueNoticeToAddress } from '../mail/notices.js';
import { EMAIL_CODE_DIGITS, emailCodeDigest, newEmailCode } from '../methods/email-code.js';
import type { Account, PendingRegistration, Repositories } from '../store/index.js';
import type { PendingRegistrationState } from '../store/schema.js';
import type { FlowDeps, IssuedSession, RequestContext, SameUnion } from './deps.js';
import { assertPasswordAllowed } from './password-policy.js';
import { issueSession } from './sessions.js';

/** The states drawn at the top of this file (pending_registrations.state). */
export type SignUpState = 'pending' | 'confirmed' | 'voided';
/** Compiles only while the store's column (store/schema.ts) holds exactly these states. */
export const SIGN_UP_STATES_MATCH_STORE: SameUnion<SignUpState, PendingRegistrationState> = true;

/** How long a confirmation link and its code work. */
export const SIGN_UP_TTL_MS = 24 * 3_600_000;
/**
 * Confirmation (or "someone tried") emails one address receives per window: bounds the mail a stranger can send
 * someone else's inbox, as the reset does (OWASP Forgot Password cheat sheet). Counted in the shared limiter.
 */
export const SIGN_UP_MAIL_MAX_PER_ADDRESS = 3;
export const SIGN_UP_MAIL_WINDOW_MS = 15 * 60_000;
/** Wrong sign-up codes typed from one IP per window (each row also has its own SIGN_UP_CODE_MAX_ATTEMPTS). */
export const SIGN_UP_CODE_MAX_FAILURES_PER_IP = 30;
export const SIGN_UP_CODE_WINDOW_MS = 15 * 60_000;

export interface SignUpInput {
  email: string;
  password: string;
  displayName?: string | undefined;
  /** The language the sign-up request was answered in: the confirmation email's, then the account's. */
  locale?: string | undefined;
}

/** A confirmation that took effect: a new account signed in, or an existing account's address confirmed. */
export type SignUpConfirmation = { kind: 'signed-up'; account: Account; session: IssuedSession } | { kind: 'address-confirmed'; account: Account };

/**
 * Step 1. Throws only what is the same for every address (registration closed, the password refused by the policy);
 * otherwise returns once the password is hashed, and the rest runs after the response. No result: the caller answers
 * 202 with the same body whatever the address.
 */
export async function requestSignUp(deps: FlowDeps, input: SignUpInput, ctx: RequestContext): Promise<void> {
  if (deps.config.registration === 'closed') throw new PassdeskError('REGISTRATION_CLOSED');
  const email = input.email.trim();
  const displayName = input.displayName?.trim() || email.split('@')[0] || email;
  await assertPasswordAllowed(deps, input.password, 'choose', { email, displayName: input.displayName ?? null });
  // Hashed for every address (a taken one's hash is thrown away): the costly part of the request is the same for all.
  const passwordHash = await deps.hasher.hash(input.password);
  const locale = input.locale ?? null;
  const task = (): Promise<void> => sendSignUpEmail(deps, { email, displayName, passwordHash, locale }, ctx);
  if (deps.background) deps.background.run('sign-up-request', task);
  else void task().catch(() => undefined);
}

/** The per-address key of the mail cap: a MAC, so the shared limiter (Redis) never holds an address. */
function addressKey(deps: FlowDeps, emailNormalized: string): string {
  return deps.secret ? hmac(deps.secret, `sign-up-address:${emailNormalized}`) : `sign-up-address:${emailNormalized}`;
}

async function sendSignUpEmail(
  deps: FlowDeps,
  p: { email: string; displayName: string; passwordHash: string; locale: string | null },
  ctx: RequestContext,
): Promise<void> {
  const emailNormalized = normalizeEmail(p.email);
  const cap = deps.signUpThrottle?.mailPerAddress;
  if (cap && !(await cap.reserve(addressKey(deps, emailNormalized)))) return;
  const existing = await deps.store.accounts.findAccountByEmail(emailNormalized);
  const now = deps.clock.now();
  const origin = { at: now, device: ctx.userAgent ? describeDevice(ctx.userAgent) : null, ip: ctx.ip };
  if (existing) {
    // A disabled account gets nothing, as with a reset; the answer was the same already.
    if (existing.status !== 'active') return;
    await deps.store.transaction(async (tx) => {
      await tx.events.recordEvent({ accountId: existing.id, type: 'account.sign_up_attempted', now, ip: ctx.ip, device: origin.device });
      await queueNotice(tx, deps, { account: existing, notice: { code: 'sign-up-existing-account' }, origin });
    });
    return;
  }
  await deps.store.transaction(async (tx) => {
    const { token, code } = await createConfirmation(tx, deps, {
      email: p.email,
      emailNormalized,
      displayName: p.displayName,
      passwordHash: p.passwordHash,
      accountId: null,
      now,
      locale: p.locale,
    });
    // Nobody has this address yet: the email speaks the language the sign-up was made in.
    await queueNoticeToAddress(tx, deps, {
      to: p.email,
      locale: p.locale,
      notice: { code: 'sign-up-confirmation', token, confirmationCode: code, hours: SIGN_UP_TTL_MS / 3_600_000 },
      origin,
    });
  });
}

/**
 * A reset asked for an account whose address is not confirmed yet (an administrator's, flows/reset-password.ts): no
 * reset goes to the address, but a fresh link and code to confirm it do, within the same per-address mail cap, so a
 * person whose first link expired is not stuck. Runs after the reset request's response, like the rest of it.
 */
export async function resendAddressConfirmation(deps: FlowDeps, account: Account, ctx: RequestContext): Promise<void> {
  const cap = deps.signUpThrottle?.mailPerAddress;
  if (cap && !(await cap.reserve(addressKey(deps, account.emailNormalized)))) return;
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const { token, code } = await createConfirmation(tx, deps, {
      email: account.email,
      emailNormalized: account.emailNormalized,
      displayName: account.displayName,
      passwordHash: null,
      accountId: account.id,
      now,
      locale: account.locale,
    });
    await queueNotice(tx, deps, {
      account,
      notice: { code: 'account-email-confirmation', token, confirmationCode: code, hours: SIGN_UP_TTL_MS / 3_600_000 },
      origin: { at: now, device: ctx.userAgent ? describeDevice(ctx.userAgent) : null, ip: ctx.ip },
      onlyTo: account.email,
    });
  });
}

/** Codes are short: a MAC under the server secret, bound to the address (methods/email-code.ts). */
function codeDigest(deps: FlowDeps, emailNormalized: string, code: string): string {
  return emailCodeDigest(deps, 'sign-up-code', emailNormalized, code);
}

/**
 * A confirmation row with a fresh token and code, in the caller's transaction; the caller sends them. Also used for
 * an administrator's unconfirmed account (flows/register.ts), with its account id and no password.
 */
export async function createConfirmation(
  tx: Pick<Repositories, 'pendingRegistrations'>,
  deps: FlowDeps,
  r: {
    email: string;
    emailNormalized: string;
    displayName: string;
    passwordHash: string | null;
    accountId: string | null;
    now: number;
    locale: string | null;
  },
): Promise<{ token: string; code: string }> {
  const token = generateToken(deps.random);
  const code = newEmailCode(deps, EMAIL_CODE_DIGITS);
  await tx.pendingRegistrations.createPendingRegistration({
    id: deps.random.uuid(),
    email: r.email,
    emailNormalized: r.emailNormalized,
    displayName: r.displayName,
    passwordHash: r.passwordHash,
    accountId: r.accountId,
    tokenHash: hashToken(token),
    codeDigest: codeDigest(deps, r.emailNormalized, code),
    now: r.now,
    expiresAt: r.now + SIGN_UP_TTL_MS,
    locale: r.locale,
  });
  return { token, code };
}

/**
 * Opening the emailed link (GET /sign-up/verify?token=…): reads only, so a mail scanner that fetches it spends and
 * confirms nothing. The address it confirms while the link works, else null; the page's button then confirms.
 */
export async function confirmationLinkAddress(deps: FlowDeps, input: { token: string }): Promise<string | null> {
  return (await deps.store.pendingRegistrations.findLiveRegistrationByToken(hashToken(input.token), deps.clock.now()))?.email ?? null;
}

/** Step 2a: the link's token. Used, expired, voided or never issued: SIGN_UP_LINK_INVALID. */
export async function confirmSignUpByToken(deps: FlowDeps, input: { token: string }, ctx: RequestContext): Promise<SignUpConfirmation> {
  const now = deps.clock.now();
  const done = await deps.store.transaction(async (tx) => {
    const row = await tx.pendingRegistrations.confirmRegistrationByToken(hashToken(input.token), now);
    return row ? takeEffect(tx, deps, row, ctx, now) : null;
  });
  if (!done) throw new PassdeskError('SIGN_UP_LINK_INVALID');
  return done;
}

/**
 * Step 2b: the address and the code typed. A wrong code, an unknown address and an expired or spent sign-up all get
 * SIGN_UP_CODE_INVALID after the same work (an address with no row is checked under a key nobody has).
 */
export async function confirmSignUpByCode(deps: FlowDeps, input: { email: string; code: string }, ctx: RequestContext): Promise<SignUpConfirmation> {
  const now = deps.clock.now();
  const perIp = deps.signUpThrottle?.codePerIp;
  // Taken before the code is checked (a burst from one address cannot all pass), given back when it is right.
  const slot = perIp ? await perIp.reserve(perIpKey(ctx.ip)) : null;
  if (perIp && !slot) throw new PassdeskError('TOO_MANY_REQUESTS');
  const emailNormalized = normalizeEmail(input.email);
  const digest = codeDigest(deps, emailNormalized || `none-${randomInt(1e9)}`, input.code);
  // The tries counted by the UPDATE commit with it whether or not a row matched: nothing here throws inside.
  const done = await deps.store.transaction(async (tx) => {
    const row = await tx.pendingRegistrations.confirmRegistrationByCode(emailNormalized, digest, now);
    return row ? takeEffect(tx, deps, row, ctx, now) : null;
  });
  if (!done) throw new PassdeskError('SIGN_UP_CODE_INVALID');
  await slot?.release();
  return done;
}

/** A confirmed row takes effect in its transaction: the account made and signed in, or an existing one's address confirmed. */
async function takeEffect(tx: Repositories, deps: FlowDeps, row: PendingRegistration, ctx: RequestContext, now: number): Promise<SignUpConfirmation | null> {
  if (row.accountId !== null) {
    const account = await tx.accounts.findAccountById(row.accountId);
    if (!account) return null;
    await tx.accounts.confirmEmail(account.id, now);
    await tx.events.recordEvent({ accountId: account.id, type: 'account.email_confirmed', now, ip: ctx.ip });
    await tx.pendingRegistrations.settleRegistration(row.id, row.emailNormalized, now);
    return { kind: 'address-confirmed', account: { ...account, emailConfirmedAt: account.emailConfirmedAt ?? now } };
  }
  const account = await tx.accounts.createAccount({
    id: deps.random.uuid(),
    email: row.email,
    emailNormalized: row.emailNormalized,
    displayName: row.displayName,
    role: 'user',
    passwordHash: row.passwordHash,
    now,
    emailConfirmed: true,
    locale: row.locale,
  });
  // The address got an account meanwhile (an administrator made one): this sign-up can do nothing any more.
  if (!account) {
    await tx.pendingRegistrations.voidRegistration(row.id);
    return null;
  }
  await tx.events.recordEvent({ accountId: account.id, type: 'account.created', now, ip: ctx.ip, detail: { by: 'self' } });
  await tx.pendingRegistrations.settleRegistration(row.id, row.emailNormalized, now);
  return { kind: 'signed-up', account, session: await issueSession(tx, deps, account, ctx) };
}
