// Recovery codes: ten one-time codes that stand in for a lost second factor. Stored as keyed hashes (HKDF from the
// server secret, purpose 'recovery-code'); a code is compared here and used up in the caller's transaction, which
// also records the use (event and notice).
import { PassdeskError } from '../core/errors.js';
import { hashToken, safeEqual } from '../core/tokens.js';
import { createKeyedHash, type KeyedHash } from '../core/keyed-hash.js';
import { normalizeCode } from '../core/otp.js';
import { queueNotice } from '../mail/notices.js';
import type { Account, Repositories } from '../store/index.js';
import { SECOND_FACTOR_BUDGET } from './attempt-budget.js';
import type { FlowDeps } from './deps.js';
import type { Method, MethodUse } from './method.js';

import { RECOVERY_CODE_COUNT } from '../core/recovery-codes.js';

export { RECOVERY_CODE_COUNT };
/** 32 symbols without 0/o and 1/l, so 5 bits per character and nothing to misread. */
const RECOVERY_CODE_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
/** 16 characters: 80 bits each (ASVS 6.5.2 asks at least 20 bits for lookup secrets; 80 keeps them strong even keyed-hash leaks). */
export const RECOVERY_CODE_LENGTH = 16;

/** Ten codes of 16 characters (80 bits each), shown in groups of four: xxxx-xxxx-xxxx-xxxx. */
function newRecoveryCodes(deps: Pick<FlowDeps, 'random'>): string[] {
  const codes: string[] = [];
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    // 256 is a multiple of 32: every byte maps to one symbol with no bias.
    const s = [...deps.random.bytes(RECOVERY_CODE_LENGTH)].map((b) => RECOVERY_CODE_ALPHABET[b % 32]).join('');
    codes.push(s.match(/.{4}/g)!.join('-'));
  }
  return codes;
}

/** What people add or change while typing a code (spaces, dashes, capitals) is removed. */
export function normalizeRecoveryCode(code: string): string {
  return normalizeCode(code).toLowerCase();
}

let fallbackKeys: { secret: Uint8Array; keys: KeyedHash } | null = null;

/** The HMAC keys of recovery codes (HKDF from the server secret, purpose 'recovery-code'). */
function recoveryCodeKeys(deps: Pick<FlowDeps, 'recoveryCodeKeys' | 'secret'>): KeyedHash {
  if (deps.recoveryCodeKeys) return deps.recoveryCodeKeys;
  if (!deps.secret) throw new PassdeskError('SERVICE_UNAVAILABLE');
  if (fallbackKeys?.secret !== deps.secret)
    fallbackKeys = { secret: deps.secret, keys: createKeyedHash({ serverSecrets: [deps.secret], purpose: 'recovery-code' }) };
  return fallbackKeys.keys;
}

/** A new set for the account, replacing the old one in the caller's transaction; the codes, to show once. */
export async function storeRecoveryCodes(tx: Repositories, deps: FlowDeps, accountId: string): Promise<string[]> {
  const codes = newRecoveryCodes(deps);
  const keys = recoveryCodeKeys(deps);
  await tx.twoFactor.replaceRecoveryCodes(
    accountId,
    codes.map((c) => keys.hash(normalizeRecoveryCode(c))!),
    {
      now: deps.clock.now(),
      newId: () => deps.random.uuid(),
      keyId: keys.currentKeyId,
    },
  );
  return codes;
}

/**
 * The id of the account's unused recovery code matching `code`, or null. Every unused code is compared in constant
 * time, whatever matched before. Codes stored before keyed hashes (key_id null: unsalted SHA-256 of the normalised
 * code) are still accepted until the person regenerates the set: a migration cannot rehash codes it never saw.
 * Does not use the code up (useRecoveryCode does, in the caller's transaction).
 */
export async function findRecoveryCode(deps: FlowDeps, store: Pick<Repositories, 'twoFactor'>, accountId: string, code: string): Promise<string | null> {
  const typed = normalizeRecoveryCode(code);
  const keys = recoveryCodeKeys(deps);
  let found: string | null = null;
  for (const row of await store.twoFactor.listUnusedRecoveryCodes(accountId)) {
    const expected = row.keyId === null ? hashToken(typed) : keys.hash(typed, row.keyId);
    if (expected !== null && safeEqual(expected, row.codeHash) && found === null) found = row.id;
  }
  return found;
}

/** What a used recovery code records, in the transaction that used it up: the event, and the owner told. */
export async function recordRecoveryCodeUse(tx: Repositories, deps: FlowDeps, account: Account, use: MethodUse): Promise<void> {
  await tx.events.recordEvent({
    accountId: account.id,
    type: 'recovery_code.used',
    now: use.now,
    ip: use.ip,
    ...(use.sessionId ? { sessionId: use.sessionId } : {}),
    ...(use.via ? { detail: { via: use.via } } : {}),
  });
  await queueNotice(tx, deps, { account, notice: { code: 'recovery-code-used' }, origin: { at: use.now, device: use.device, ip: use.ip } });
}

/** Proven: the id of the matching unused code, to be used up (twoFactor.useRecoveryCode) in the caller's transaction. */
export const recoveryCode: Method<string, string, 'recovery_code'> = {
  id: 'recovery_code',
  strength: 2,
  budget: SECOND_FACTOR_BUDGET,
  async available(deps, accountId) {
    return (await deps.store.twoFactor.countUnusedRecoveryCodes(accountId)) > 0;
  },
  verify(deps, account, code) {
    return findRecoveryCode(deps, deps.store, account.id, code);
  },
};
