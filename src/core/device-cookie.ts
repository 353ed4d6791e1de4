// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): after a right password the
// browser gets a binding of the login and a random nonce, MACed with a key derived from the server secret.
// A sign-in that presents a valid binding for the typed login comes from a browser the owner used before:
// it is spared the account's lockout of untrusted clients and has its own small limit per nonce instead.
// The login is not in the cookie (the MAC is checked against the typed one), so the cookie names nobody.
import { deriveKey } from './secret-box.js';
import { hmac, safeEqual } from './tokens.js';
import type { Random } from './random.js';

/** Logins one browser keeps a binding for (a shared computer); the newest first. */
export const MAX_DEVICE_LOGINS = 4;
/** 128-bit nonces: unguessable, and unique per issued cookie. */
const NONCE_BYTES = 16;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;
/** Longer values are not ours: parsed as no binding at all. */
const MAX_COOKIE_LENGTH = 600;

export interface DeviceCookieSigner {
  /** The nonce of a binding in the cookie that is valid for `login` (normalised email), or null. */
  trustedNonce(cookieValue: string | null | undefined, login: string): string | null;
  /** A new cookie value: a fresh binding for `login` first, then the other logins' bindings (not this login's old one). */
  issue(previous: string | null | undefined, login: string, random: Random): { value: string; nonce: string };
}

function entries(cookieValue: string | null | undefined): Array<{ nonce: string; mac: string }> {
  if (!cookieValue || cookieValue.length > MAX_COOKIE_LENGTH) return [];
  const out: Array<{ nonce: string; mac: string }> = [];
  for (const part of cookieValue.split('~').slice(0, MAX_DEVICE_LOGINS)) {
    const [nonce, mac, extra] = part.split('.');
    if (nonce && mac && extra === undefined && NONCE.test(nonce) && MAC.test(mac)) out.push({ nonce, mac });
  }
  return out;
}

export function deviceCookieSigner(serverSecret: Uint8Array): DeviceCookieSigner {
  const key = deriveKey(serverSecret, 'device-cookie');
  const macOf = (login: string, nonce: string): string => hmac(key, `device-cookie\u0000${login}\u0000${nonce}`);
  const validFor = (e: { nonce: string; mac: string }, login: string): boolean => safeEqual(macOf(login, e.nonce), e.mac);
  return {
    trustedNonce(cookieValue, login) {
      for (const e of entries(cookieValue)) if (validFor(e, login)) return e.nonce;
      return null;
    },
    issue(previous, login, random) {
      const nonce = Buffer.from(random.bytes(NONCE_BYTES)).toString('base64url');
      const others = entries(previous).filter((e) => !validFor(e, login));
      const value = [{ nonce, mac: macOf(login, nonce) }, ...others]
        .slice(0, MAX_DEVICE_LOGINS)
        .map((e) => `${e.nonce}.${e.mac}`)
        .join('~');
      return { value, nonce };
    },
  };
}
