// Password hashes made by other systems, as an import brings them (issue 15, "Migration in"): which scheme a
// stored hash is, read from its own text, and whether Passdesk can verify it at a bounded cost. Pure: the
// verification itself runs on the hashing threads (legacy-hash-verify.ts), never on the event loop.
//
// Accepted, stored as they are and replaced by argon2id at the next successful sign-in:
//   argon2id/argon2i/argon2d  PHC strings ($argon2id$v=19$m=…,t=…,p=…$salt$hash)
//   bcrypt                    $2a$ / $2b$ / $2y$ (htpasswd -B, PHP, most frameworks)
//   PBKDF2                    Django's pbkdf2_sha256$iterations$salt$hash (also _sha1, _sha512) and passlib's
//                             $pbkdf2-sha256$rounds$salt$hash ($pbkdf2$ is SHA-1, also -sha512; adapted base64)
//   scrypt                    Django's scrypt$salt$N$r$p$hash and passlib's $scrypt$ln=…,r=…,p=…$salt$hash
//   LDAP                      {SSHA} {SSHA256} {SSHA512} (salted) and {SHA} {SHA256} {SHA512} (RFC 2307 userPassword)
//   crypt                     {CRYPT} followed by, or bare: $1$ (MD5-crypt), $5$/$6$ (SHA-crypt), $apr1$ (Apache
//                             MD5), or bcrypt; traditional DES crypt is refused (8 characters, 12-bit salt)
// Costs are capped so that an imported hash cannot make one sign-in take seconds of a hashing thread.

export type HashScheme = 'argon2' | 'bcrypt' | 'pbkdf2' | 'scrypt' | 'ldap-sha' | 'md5-crypt' | 'sha-crypt';

/** Why an imported hash is refused (the import reports it by line). */
export type HashProblem = 'unsupported-hash' | 'malformed-hash' | 'hash-too-costly';

export type HashCheck = { ok: true; scheme: HashScheme } | { ok: false; problem: HashProblem };

/** The bounds on what one verification may cost (a hashing thread for about a second at most on this hardware). */
export const LEGACY_COST_LIMITS = {
  argon2MemoryKib: 262_144,
  argon2Iterations: 32,
  argon2Parallelism: 16,
  bcryptCost: 14,
  pbkdf2Iterations: 2_000_000,
  /** 128 · N · r bytes (scrypt's working memory). */
  scryptMemoryBytes: 256 * 1024 * 1024,
  scryptParallelism: 16,
  shaCryptRounds: 1_000_000,
} as const;

const B64 = '[A-Za-z0-9+/]';
/** passlib's "adapted base64": '.' for '+', no padding. */
const AB64 = '[A-Za-z0-9./]';
const CRYPT64 = '[./0-9A-Za-z]';

const ARGON2 = /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)(?:,[^$]*)?\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const BCRYPT = new RegExp(`^\\$2[aby]\\$(\\d\\d)\\$${CRYPT64}{53}$`);
const PBKDF2_DJANGO = new RegExp(`^pbkdf2_(sha1|sha256|sha512)\\$(\\d{1,9})\\$([^$]{1,128})\\$(${B64}{16,}={0,2})$`);
const PBKDF2_PASSLIB = new RegExp(`^\\$pbkdf2(-sha256|-sha512)?\\$(\\d{1,9})\\$(${AB64}{0,128})\\$(${AB64}{16,})$`);
const SCRYPT_DJANGO = new RegExp(`^scrypt\\$([^$]{1,128})\\$(\\d{1,10})\\$(\\d{1,3})\\$(\\d{1,3})\\$(${B64}{16,}={0,2})$`);
const SCRYPT_PASSLIB = new RegExp(`^\\$scrypt\\$ln=(\\d{1,2}),r=(\\d{1,3}),p=(\\d{1,3})\\$(${AB64}{0,128})\\$(${AB64}{16,})$`);
const LDAP_SHA = new RegExp(`^\\{(S?SHA(?:256|512)?)\\}(${B64}+={0,2})$`, 'i');
const MD5_CRYPT = new RegExp(`^\\$(?:1|apr1)\\$[^$]{0,8}\\$${CRYPT64}{22}$`);
const SHA_CRYPT = new RegExp(`^\\$([56])\\$(?:rounds=(\\d{1,9})\\$)?[^$]{0,16}\\$(${CRYPT64}+)$`);
const CRYPT_PREFIX = /^\{CRYPT\}/i;

/** Digest sizes in bytes of the LDAP schemes, by their name without the salted 'S'. */
export const LDAP_DIGESTS: Record<string, { algorithm: 'sha1' | 'sha256' | 'sha512'; size: number }> = {
  SHA: { algorithm: 'sha1', size: 20 },
  SHA256: { algorithm: 'sha256', size: 32 },
  SHA512: { algorithm: 'sha512', size: 64 },
};

/** The hash with an LDAP {CRYPT} prefix taken off: what crypt(3) itself would read. */
export function withoutCryptPrefix(hash: string): string {
  return hash.replace(CRYPT_PREFIX, '');
}

export function isArgon2Hash(hash: string): boolean {
  return hash.startsWith('$argon2');
}

const costly: HashCheck = { ok: false, problem: 'hash-too-costly' };
const malformed: HashCheck = { ok: false, problem: 'malformed-hash' };

/** Which scheme an imported hash is and whether it is within the cost bounds. */
export function checkImportedHash(hash: string): HashCheck {
  if (hash.length > 1024) return malformed;
  const crypted = CRYPT_PREFIX.test(hash);
  const h = withoutCryptPrefix(hash);
  if (h.startsWith('$argon2') && !crypted) return checkArgon2(h);
  if (/^\$2[aby]\$/.test(h)) {
    const m = BCRYPT.exec(h);
    if (!m) return malformed;
    const cost = Number(m[1]);
    if (cost < 4) return malformed;
    return cost > LEGACY_COST_LIMITS.bcryptCost ? costly : { ok: true, scheme: 'bcrypt' };
  }
  if (/^\$(1|apr1)\$/.test(h)) return MD5_CRYPT.test(h) ? { ok: true, scheme: 'md5-crypt' } : malformed;
  if (/^\$[56]\$/.test(h)) return checkShaCrypt(h);
  if (crypted) return { ok: false, problem: 'unsupported-hash' };
  if (/^(pbkdf2_|\$pbkdf2)/.test(h)) return checkPbkdf2(h);
  if (/^(scrypt\$|\$scrypt\$)/.test(h)) return checkScrypt(h);
  if (h.startsWith('{')) return checkLdapSha(h);
  return { ok: false, problem: 'unsupported-hash' };
}

function checkArgon2(h: string): HashCheck {
  const m = ARGON2.exec(h);
  if (!m) return malformed;
  const [memory, iterations, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const limits = LEGACY_COST_LIMITS;
  if (memory > limits.argon2MemoryKib || iterations > limits.argon2Iterations || parallelism > limits.argon2Parallelism) return costly;
  return { ok: true, scheme: 'argon2' };
}

function checkShaCrypt(h: string): HashCheck {
  const m = SHA_CRYPT.exec(h);
  if (!m) return malformed;
  // SHA-crypt's encoded digest: 43 characters for SHA-256, 86 for SHA-512.
  if (m[3]?.length !== (m[1] === '5' ? 43 : 86)) return malformed;
  const rounds = m[2] === undefined ? 5000 : Number(m[2]);
  return rounds > LEGACY_COST_LIMITS.shaCryptRounds ? costly : { ok: true, scheme: 'sha-crypt' };
}

function checkPbkdf2(h: string): HashCheck {
  const m = PBKDF2_DJANGO.exec(h) ?? PBKDF2_PASSLIB.exec(h);
  if (!m) return malformed;
  const iterations = Number(m[2]);
  if (iterations < 1) return malformed;
  return iterations > LEGACY_COST_LIMITS.pbkdf2Iterations ? costly : { ok: true, scheme: 'pbkdf2' };
}

/** Django's or passlib's scrypt hash, read: salt as it is hashed, N, r, p, and the expected output. */
export interface ScryptHash {
  salt: Buffer;
  n: number;
  r: number;
  p: number;
  expected: Buffer;
}

export function parseScrypt(h: string): ScryptHash | null {
  const django = SCRYPT_DJANGO.exec(h);
  if (django) {
    const [, salt = '', n, r, p, digest = ''] = django;
    return { salt: Buffer.from(salt, 'utf8'), n: Number(n), r: Number(r), p: Number(p), expected: Buffer.from(digest, 'base64') };
  }
  const passlib = SCRYPT_PASSLIB.exec(h);
  if (passlib) {
    const [, ln, r, p, salt = '', digest = ''] = passlib;
    return { salt: fromAb64(salt), n: 2 ** Number(ln), r: Number(r), p: Number(p), expected: fromAb64(digest) };
  }
  return null;
}

function checkScrypt(h: string): HashCheck {
  const s = parseScrypt(h);
  if (!s) return malformed;
  // N a power of two above 1 (RFC 7914 §2).
  if (s.n < 2 || (s.n & (s.n - 1)) !== 0 || s.r < 1 || s.p < 1) return malformed;
  if (128 * s.n * s.r > LEGACY_COST_LIMITS.scryptMemoryBytes || s.p > LEGACY_COST_LIMITS.scryptParallelism) return costly;
  return { ok: true, scheme: 'scrypt' };
}

function checkLdapSha(h: string): HashCheck {
  const m = LDAP_SHA.exec(h);
  if (!m) return { ok: false, problem: 'unsupported-hash' };
  const name = (m[1] ?? '').toUpperCase();
  const salted = name.startsWith('SS');
  const digest = LDAP_DIGESTS[salted ? name.slice(1) : name];
  const bytes = Buffer.from(m[2] ?? '', 'base64').length;
  if (!digest || (salted ? bytes <= digest.size : bytes !== digest.size)) return malformed;
  return { ok: true, scheme: 'ldap-sha' };
}

/** passlib's adapted base64 ('.' for '+', unpadded) as bytes. */
export function fromAb64(text: string): Buffer {
  return Buffer.from(text.replaceAll('.', '+'), 'base64');
}

/** Django's or passlib's PBKDF2 hash, read. */
export interface Pbkdf2Hash {
  digest: 'sha1' | 'sha256' | 'sha512';
  iterations: number;
  salt: Buffer;
  expected: Buffer;
}

export function parsePbkdf2(h: string): Pbkdf2Hash | null {
  const django = PBKDF2_DJANGO.exec(h);
  if (django) {
    const [, digest, iterations, salt = '', expected = ''] = django;
    return {
      digest: digest as Pbkdf2Hash['digest'],
      iterations: Number(iterations),
      salt: Buffer.from(salt, 'utf8'),
      expected: Buffer.from(expected, 'base64'),
    };
  }
  const passlib = PBKDF2_PASSLIB.exec(h);
  if (passlib) {
    const [, variant, iterations, salt = '', expected = ''] = passlib;
    const digest = variant === '-sha256' ? 'sha256' : variant === '-sha512' ? 'sha512' : 'sha1';
    return { digest, iterations: Number(iterations), salt: fromAb64(salt), expected: fromAb64(expected) };
  }
  return null;
}

/** An LDAP {SSHA…}/{SHA…} value, read. */
export function parseLdapSha(h: string): { algorithm: 'sha1' | 'sha256' | 'sha512'; expected: Buffer; salt: Buffer } | null {
  const m = LDAP_SHA.exec(h);
  if (!m) return null;
  const name = (m[1] ?? '').toUpperCase();
  const salted = name.startsWith('SS');
  const digest = LDAP_DIGESTS[salted ? name.slice(1) : name];
  if (!digest) return null;
  const bytes = Buffer.from(m[2] ?? '', 'base64');
  return { algorithm: digest.algorithm, expected: bytes.subarray(0, digest.size), salt: bytes.subarray(digest.size) };
}
