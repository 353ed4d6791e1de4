// Every link in an email is built here, from the configured base URL — never from a request's Host header
// (DESIGN.md security defaults), so a forged Host cannot point a reset link at someone else's site.
import { hmac, safeEqual } from '../core/tokens.js';

export interface LinkSettings {
  baseUrl: string;
  secret: Uint8Array;
}

export function securityLink(s: LinkSettings): string {
  return `${s.baseUrl}/security`;
}

export function changePasswordLink(s: LinkSettings): string {
  return `${s.baseUrl}/security/password`;
}

/** The reset page (built by the reset issue) takes the one-time token from the query string. */
export function resetLink(s: LinkSettings, token: string): string {
  return `${s.baseUrl}/reset?token=${encodeURIComponent(token)}`;
}

function thisWasntMeMac(s: LinkSettings, outboxId: string): string {
  return hmac(s.secret, `this-wasnt-me:${outboxId}`);
}

/**
 * "This wasn't me" names the message it came from (the outbox row: account, template, time) and carries a
 * MAC under the server secret, so the page can trust which account and event it is about without a login.
 */
export function thisWasntMeLink(s: LinkSettings, outboxId: string): string {
  return `${s.baseUrl}/this-wasnt-me?m=${encodeURIComponent(outboxId)}&s=${thisWasntMeMac(s, outboxId)}`;
}

/** For the "this wasn't me" page: true when `mac` was made by thisWasntMeLink for this message. */
export function verifyThisWasntMe(s: LinkSettings, outboxId: string, mac: string): boolean {
  return safeEqual(thisWasntMeMac(s, outboxId), mac);
}
