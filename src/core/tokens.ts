// Opaque secrets: 256-bit random, base64url on the wire, SHA-256 at rest (DESIGN.md convention 5).
import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Random } from './random.js';

export const TOKEN_BYTES = 32;

export function generateToken(random: Random, bytes: number = TOKEN_BYTES): string {
  return Buffer.from(random.bytes(bytes)).toString('base64url');
}

/** What we store: a hash, so a database leak does not hand out live sessions. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * SHA-256 of a UTF-8 string as hex. The one-shot crypto.hash (Node ≥ 20.12) skips creating a Hash object, a
 * few µs on every session check; older Node 20 releases (engines allows 20.11) use createHash. Same digest.
 */
const sha256Hex: (value: string) => string =
  typeof crypto.hash === 'function' ? (value) => crypto.hash('sha256', value, 'hex') : (value) => createHash('sha256').update(value, 'utf8').digest('hex');

export function hmac(secret: Uint8Array, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of two strings (never `===` on secrets). */
export function safeEqual(a: string, b: string): boolean {
  // Comparing fixed-length digests keeps the time independent of where the strings differ and of their lengths
  // (timingSafeEqual itself needs equal lengths, and an early return on a length mismatch would tell it).
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
