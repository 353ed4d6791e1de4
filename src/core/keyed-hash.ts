// Keyed hashes for short secrets the server only needs to recognise (recovery codes): HMAC-SHA-256 under a key
// derived from the server secret by HKDF with its own purpose (core/secret-box.ts derives keys the same way), so a
// stolen database alone does not let anyone test guesses offline (ASVS 6.5.2: stored with a keyed or slow hash).
// Each hash names its key id, so the server secret can rotate: new hashes use the current key, older ones are
// checked with the key their id names.
import { createHmac } from 'node:crypto';
import { deriveKeyRing } from './secret-box.js';

export interface KeyedHash {
  readonly currentKeyId: string;
  /** base64url HMAC-SHA-256 of `value` under the key `keyId` names (default: the current one); null for an unknown key id. */
  hash(value: string, keyId?: string): string | null;
}

/** `serverSecrets`: the current secret first, then retired ones still needed for older rows. */
export function createKeyedHash(o: { serverSecrets: Uint8Array[]; purpose: string }): KeyedHash {
  const { keys, currentKeyId } = deriveKeyRing(o.serverSecrets, o.purpose, 'createKeyedHash');
  return {
    currentKeyId,
    hash(value, keyId = currentKeyId) {
      const key = keys.get(keyId);
      return key ? createHmac('sha256', key).update(value, 'utf8').digest('base64url') : null;
    },
  };
}
