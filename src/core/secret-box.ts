// Encryption at rest for secrets the server must read back (TOTP seeds): AES-256-GCM with a key derived from
// the server secret by HKDF-SHA256 (RFC 5869). Each ciphertext names its key id, so keys can rotate: new
// secrets are sealed with the current key, older ones open with the key their id names.
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import type { Random } from './random.js';

/** NIST SP 800-38D §8.2: 96-bit IVs, never reused under one key (random IVs, far below 2^32 messages). */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  keyId: string;
  /** base64url of iv ‖ tag ‖ ciphertext. */
  ciphertext: string;
}

export interface SecretBox {
  readonly currentKeyId: string;
  /** `context` (e.g. the factor and account ids) is bound as associated data: a row copied elsewhere will not open. */
  seal(plaintext: Uint8Array, context: string): Sealed;
  /** The plaintext, or null when the key id is unknown or the ciphertext or context does not match. */
  open(sealed: Sealed, context: string): Uint8Array | null;
}

/** Derives the 256-bit key for one purpose from a server secret. */
export function deriveKey(serverSecret: Uint8Array, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', serverSecret, 'passdesk-secret-box-v1', purpose, 32));
}

/**
 * The keys of one purpose, by key id: the current secret's first, then those of retired secrets still needed for
 * older rows (a secret box, a keyed hash). `who` names the caller in the error for an empty list.
 */
export function deriveKeyRing(serverSecrets: Uint8Array[], purpose: string, who: string): { keys: Map<string, Uint8Array>; currentKeyId: string } {
  if (serverSecrets.length === 0) throw new TypeError(`${who} needs at least one server secret`);
  const keys = new Map<string, Uint8Array>();
  let currentKeyId = '';
  for (const s of serverSecrets) {
    const key = deriveKey(s, purpose);
    const id = keyIdOf(key);
    if (!currentKeyId) currentKeyId = id;
    if (!keys.has(id)) keys.set(id, key);
  }
  return { keys, currentKeyId };
}

/** A key id that names the key without revealing it (a truncated hash of the derived key). */
export function keyIdOf(key: Uint8Array): string {
  return 'k-' + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * `serverSecrets`: the current secret first, then retired ones still needed to open older rows.
 * `purpose` separates keys for different kinds of secrets.
 */
export function createSecretBox(o: { serverSecrets: Uint8Array[]; purpose: string; random: Random }): SecretBox {
  const { keys, currentKeyId } = deriveKeyRing(o.serverSecrets, o.purpose, 'createSecretBox');
  return {
    currentKeyId,
    seal(plaintext, context) {
      const key = keys.get(currentKeyId)!;
      const iv = o.random.bytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { keyId: currentKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url') };
    },
    open(sealed, context) {
      const key = keys.get(sealed.keyId);
      if (!key) return null;
      const raw = Buffer.from(sealed.ciphertext, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]));
      } catch {
        return null;
      }
    },
  };
}
