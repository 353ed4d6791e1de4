// argon2id via @node-rs/argon2, on worker threads that yield to the event loop (hash-pool.ts), or on
// libuv's thread pool when configured with no threads. Never on the event loop (DESIGN.md).
// A hash imported from another system (bcrypt, PBKDF2, scrypt, LDAP SHA, crypt: legacy-hash-format.ts) is verified
// on the same threads by its own scheme, and needsRehash says yes to it, so sign-in replaces it with argon2id.
import { hash as libuvHash, verify as libuvVerify, parseOptions, type Algorithm } from '@node-rs/argon2';
import { createHashPool } from './hash-pool.js';
import { isArgon2Hash } from './legacy-hash-format.js';
import { availableParallelism } from 'node:os';
import { normalizePassword } from '../core/password-rules.js';

export interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1. */
export const owaspArgon2Params: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or an unreadable hash; never throws for those. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /** True when the stored hash was made with other parameters than the configured ones. */
  needsRehash(passwordHash: string): boolean;
  /** Spends the same time as a real verification, for accounts that do not exist. */
  verifyDummy(password: string): Promise<void>;
  readonly params: Argon2Params;
  /** Stops the hashing threads. */
  close(): Promise<void>;
}

export interface HasherOptions {
  params?: Argon2Params;
  /** Called with seconds spent, for the hash-duration metric. */
  observe?: (operation: 'hash' | 'verify', seconds: number) => void;
  /** Worker threads for hashing (default: one per core); 0 uses libuv's shared pool at normal priority. */
  threads?: number;
}

export async function createPasswordHasher(options: HasherOptions = {}): Promise<PasswordHasher> {
  const params = options.params ?? owaspArgon2Params;
  const argonOptions = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  };
  const observe = options.observe ?? (() => {});
  const threads = options.threads ?? availableParallelism();
  const pool = threads > 0 ? createHashPool({ threads }) : null;
  const hash = (password: string, o: typeof argonOptions): Promise<string> => (pool ? pool.hash(password, o) : libuvHash(password, o));
  const verify = (passwordHash: string, password: string): Promise<boolean> =>
    pool ? pool.verify(passwordHash, password) : libuvVerify(passwordHash, password);
  // Imported hashes always go to a thread (bcryptjs and SHA-crypt are JavaScript): with no pool configured, one
  // thread of our own, started on first use.
  const legacyPool = pool ?? createHashPool({ threads: 1 });

  async function timed<T>(operation: 'hash' | 'verify', fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      observe(operation, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }

  // A real hash of a random password, made once with the configured parameters, so a sign-in for an
  // unknown email costs what a wrong password costs.
  const dummyHash = await hash(crypto.randomUUID() + crypto.randomUUID(), argonOptions);

  /**
   * An imported hash: as the person typed it (the other system hashed what it was given), then normalised when that
   * differs. A dummy argon2 verification runs beside it, so a cheap imported hash (an {SSHA} is microseconds) does
   * not answer a wrong password faster than an unknown email is answered.
   */
  async function verifyImported(passwordHash: string, password: string): Promise<boolean> {
    const dummy = verify(dummyHash, password).catch(() => false);
    let ok = await legacyPool.verifyLegacy(passwordHash, password);
    const normalized = normalizePassword(password);
    if (!ok && normalized !== password) ok = await legacyPool.verifyLegacy(passwordHash, normalized);
    await dummy;
    return ok;
  }

  return {
    params,
    close: async () => {
      await pool?.close();
      await legacyPool.close();
    },
    hash: (password) => timed('hash', () => hash(normalizePassword(password), argonOptions)),
    async verify(passwordHash, password) {
      return timed('verify', async () => {
        try {
          if (isArgon2Hash(passwordHash)) return await verify(passwordHash, normalizePassword(password));
          return await verifyImported(passwordHash, password);
        } catch {
          return false;
        }
      });
    },
    needsRehash(passwordHash) {
      try {
        const o = parseOptions(passwordHash);
        return o.algorithm !== ARGON2ID || o.memoryCost !== params.memoryKib || o.timeCost !== params.iterations || o.parallelism !== params.parallelism;
      } catch {
        return true;
      }
    },
    async verifyDummy(password) {
      await timed('verify', async () => {
        try {
          await verify(dummyHash, normalizePassword(password));
        } catch {
          // Nothing to learn from a dummy.
        }
      });
    },
  };
}
