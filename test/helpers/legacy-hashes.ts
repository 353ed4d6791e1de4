// Password hashes made by the tools other systems use, run here for real (issue 15, "Migration in"): htpasswd
// (apache2-utils, installed by .ci/run) for bcrypt, slappasswd (slapd) for LDAP's {SSHA}/{SSHA512}/{CRYPT},
// openssl passwd for MD5-crypt, SHA-crypt and Apache's MD5, and Python's hashlib and crypt for Django's and passlib's
// PBKDF2 and scrypt and glibc's crypt(3). The formats are Django's and passlib's own; only hashlib computes them,
// as those frameworks do.
import { execFileSync } from 'node:child_process';

export interface MadeHash {
  /** What made it, for test names. */
  label: string;
  hash: string;
  password: string;
}

const run = (file: string, args: string[], input?: string): string =>
  execFileSync(file, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) }).trim();

/** Django's (pbkdf2_sha256$…, scrypt$…) and passlib's ($pbkdf2-sha512$…, $scrypt$…) strings, computed by hashlib. */
const PYTHON = String.raw`
import base64, crypt, hashlib, json, sys
pw = sys.stdin.read().encode()
ab64 = lambda b: base64.b64encode(b).decode().rstrip('=').replace('+', '.')
salt = 'Zq9cT2vY8pWm'
out = {
  'django pbkdf2_sha256': 'pbkdf2_sha256$%d$%s$%s' % (60000, salt, base64.b64encode(hashlib.pbkdf2_hmac('sha256', pw, salt.encode(), 60000)).decode()),
  'passlib pbkdf2-sha512': '$pbkdf2-sha512$%d$%s$%s' % (25000, ab64(b'\x01\x02salt\xff'), ab64(hashlib.pbkdf2_hmac('sha512', pw, b'\x01\x02salt\xff', 25000))),
  'passlib pbkdf2-sha256': '$pbkdf2-sha256$%d$%s$%s' % (29000, ab64(b'saltsalt'), ab64(hashlib.pbkdf2_hmac('sha256', pw, b'saltsalt', 29000))),
  'django scrypt': 'scrypt$%s$%d$%d$%d$%s' % (salt, 2**14, 8, 1, base64.b64encode(hashlib.scrypt(pw, salt=salt.encode(), n=2**14, r=8, p=1, dklen=64)).decode()),
  'passlib scrypt': '$scrypt$ln=%d,r=%d,p=%d$%s$%s' % (14, 8, 1, ab64(b'0123456789abcdef'), ab64(hashlib.scrypt(pw, salt=b'0123456789abcdef', n=2**14, r=8, p=1, dklen=32))),
  'python crypt $6$': crypt.crypt(pw.decode(), crypt.mksalt(crypt.METHOD_SHA512)),
  'python crypt $5$ rounds': crypt.crypt(pw.decode(), '$5$rounds=12000$' + 'abcdefgh'),
}
print(json.dumps(out))
`;

/** One hash per accepted format, each made by its original tool from `password`. */
export function makeLegacyHashes(password: string): MadeHash[] {
  const made: MadeHash[] = [];
  const add = (label: string, hash: string): void => {
    made.push({ label, hash, password });
  };
  // htpasswd -B: bcrypt ($2y$), cost 5 to keep the tests quick; -i reads the password from standard input.
  const htpasswd = run('htpasswd', ['-nbBiC', '5', 'someone'], password);
  add('htpasswd -B', htpasswd.slice(htpasswd.indexOf(':') + 1));
  add('slappasswd {SSHA}', run('slappasswd', ['-h', '{SSHA}', '-s', password]));
  add('slappasswd {SSHA512}', run('slappasswd', ['-o', 'module-load=pw-sha2', '-h', '{SSHA512}', '-s', password]));
  add('slappasswd {CRYPT} $6$', run('slappasswd', ['-h', '{CRYPT}', '-c', '$6$%.16s', '-s', password]));
  add('slappasswd {CRYPT} $1$', run('slappasswd', ['-h', '{CRYPT}', '-c', '$1$%.8s', '-s', password]));
  add('openssl passwd -1', run('openssl', ['passwd', '-1', '-stdin'], password));
  add('openssl passwd -5', run('openssl', ['passwd', '-5', '-stdin'], password));
  add('openssl passwd -6', run('openssl', ['passwd', '-6', '-stdin'], password));
  add('openssl passwd -apr1', run('openssl', ['passwd', '-apr1', '-stdin'], password));
  const python = JSON.parse(run('python3', ['-W', 'ignore', '-c', PYTHON], password)) as Record<string, string>;
  for (const [label, hash] of Object.entries(python)) add(label, hash);
  return made;
}
