// Verifies a password against a hash made by another system (legacy-hash-format.ts says which are accepted), with
// well-kept libraries or Node's crypto: bcryptjs for bcrypt, sha-crypt.ts (node:crypto) for SHA-crypt ($5$/$6$), apache-md5 for
// MD5-crypt ($1$, $apr1$), node:crypto for PBKDF2, scrypt and the LDAP SHA schemes. Synchronous on purpose: it
// runs on a low-priority hashing thread (hash-worker.ts), never on the event loop. Every comparison of a derived
// value is constant-time.
import { createHash, pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import md5Crypt from 'apache-md5';
import { verifyShaCrypt } from './sha-crypt.js';
import { checkImportedHash, LEGACY_COST_LIMITS, parseLdapSha, parsePbkdf2, parseScrypt, withoutCryptPrefix } from './legacy-hash-format.js';

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** crypt(3) reads bytes: the MD5-crypt library reads a string one character per byte, so give it the UTF-8 bytes so. */
function asBytesString(password: string): string {
  return Buffer.from(password, 'utf8').toString('latin1');
}

/** False for a wrong password, a hash of no accepted scheme, or one over the cost bounds; never throws for those. */
export function verifyLegacyHash(hash: string, password: string): boolean {
  const check = checkImportedHash(hash);
  if (!check.ok) return false;
  const h = withoutCryptPrefix(hash);
  try {
    switch (check.scheme) {
      case 'bcrypt':
        return bcrypt.compareSync(password, h);
      case 'sha-crypt':
        return verifyShaCrypt(password, h);
      case 'md5-crypt': {
        const salt = h.slice(0, h.lastIndexOf('$') + 1);
        return sameBytes(Buffer.from(md5Crypt(asBytesString(password), salt)), Buffer.from(h));
      }
      case 'pbkdf2': {
        const p = parsePbkdf2(h);
        return p !== null && sameBytes(pbkdf2Sync(password, p.salt, p.iterations, p.expected.length, p.digest), p.expected);
      }
      case 'scrypt': {
        const s = parseScrypt(h);
        const maxmem = LEGACY_COST_LIMITS.scryptMemoryBytes + 16 * 1024 * 1024;
        return s !== null && sameBytes(scryptSync(password, s.salt, s.expected.length, { N: s.n, r: s.r, p: s.p, maxmem }), s.expected);
      }
      case 'ldap-sha': {
        const l = parseLdapSha(h);
        return l !== null && sameBytes(createHash(l.algorithm).update(password, 'utf8').update(l.salt).digest(), l.expected);
      }
      case 'argon2':
        // Verified by argon2 itself (password-hasher.ts), never here.
        return false;
    }
  } catch {
    return false;
  }
}
