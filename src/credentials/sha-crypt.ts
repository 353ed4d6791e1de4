// SHA-crypt ($5$ SHA-256, $6$ SHA-512), written from its specification (Ulrich Drepper, "Unix crypt using SHA-256
// and SHA-512", 2007/2008) over node:crypto, for verifying imported hashes on a hashing thread. The npm package
// tried first (unixcrypt 3.0.4) got passwords whose length is a multiple of the digest size wrong (a 32-byte
// password under $5$); openssl passwd -5/-6 and glibc's crypt(3) are the references the tests compare with.
import { createHash, timingSafeEqual } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHA256_ORDER = [0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29];
const SHA512_ORDER = [
  0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13,
  56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
];
const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;

function encode24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ALPHABET[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

function encodeDigest(d: Buffer, sha512: boolean): string {
  const order = sha512 ? SHA512_ORDER : SHA256_ORDER;
  let out = '';
  for (let i = 0; i < order.length; i += 3) out += encode24(d[order[i] ?? 0] ?? 0, d[order[i + 1] ?? 0] ?? 0, d[order[i + 2] ?? 0] ?? 0, 4);
  return out + (sha512 ? encode24(0, 0, d[63] ?? 0, 2) : encode24(0, d[31] ?? 0, d[30] ?? 0, 3));
}

/** `size` bytes of `block` repeated. */
function repeated(block: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += block.length) block.copy(out, offset, 0, Math.min(block.length, size - offset));
  return out;
}

/** The digest part of `$5$`/`$6$[rounds=N$]salt$digest` for this password, or null when the setting is unreadable. */
export function shaCryptDigest(password: string, setting: string): string | null {
  const m = /^\$([56])\$(?:rounds=(\d+)\$)?([^$]*)/.exec(setting);
  if (!m) return null;
  const sha512 = m[1] === '6';
  const algorithm = sha512 ? 'sha512' : 'sha256';
  const n = sha512 ? 64 : 32;
  const rounds = m[2] === undefined ? ROUNDS_DEFAULT : Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Number(m[2])));
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from((m[3] ?? '').slice(0, 16), 'utf8');
  const H = (...parts: Buffer[]): Buffer => {
    const h = createHash(algorithm);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const B = H(P, S, P);
  const a = createHash(algorithm).update(P).update(S);
  let cnt = P.length;
  for (; cnt > n; cnt -= n) a.update(B);
  a.update(B.subarray(0, cnt));
  for (let bits = P.length; bits > 0; bits >>= 1) a.update(bits & 1 ? B : P);
  let C = a.digest();
  const pBytes = repeated(H(...Array.from({ length: P.length }, () => P)), P.length);
  const sBytes = repeated(H(...Array.from({ length: 16 + (C[0] ?? 0) }, () => S)), S.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash(algorithm);
    h.update(i & 1 ? pBytes : C);
    if (i % 3) h.update(sBytes);
    if (i % 7) h.update(pBytes);
    h.update(i & 1 ? C : pBytes);
    C = h.digest();
  }
  return encodeDigest(C, sha512);
}

export function verifyShaCrypt(password: string, hash: string): boolean {
  const cut = hash.lastIndexOf('$');
  const digest = shaCryptDigest(password, hash.slice(0, cut));
  if (digest === null) return false;
  const a = Buffer.from(digest);
  const b = Buffer.from(hash.slice(cut + 1));
  return a.length === b.length && timingSafeEqual(a, b);
}
