// Store keys of the sign-in counters (store/sign-in-limits.ts): HMACs under a key derived from the server
// secret, so the table names nobody (no address, no account id) and a typed address that has no account
// gets a row exactly like one that has.
import { deriveKey } from './secret-box.js';
import { hmac } from './tokens.js';

const keys = new WeakMap<Uint8Array, Uint8Array>();

function keyOf(serverSecret: Uint8Array): Uint8Array {
  let key = keys.get(serverSecret);
  if (!key) {
    key = deriveKey(serverSecret, 'sign-in-limits');
    keys.set(serverSecret, key);
  }
  return key;
}

/** The per-account counter's key: of the normalised typed email, known or not. */
export function signInAccountSubject(serverSecret: Uint8Array, emailNormalized: string): string {
  return `a:${hmac(keyOf(serverSecret), `account\u0000${emailNormalized}`)}`;
}

/** The per-device counter's key: of a device cookie's nonce. */
export function signInDeviceSubject(serverSecret: Uint8Array, nonce: string): string {
  return `d:${hmac(keyOf(serverSecret), `device\u0000${nonce}`)}`;
}
