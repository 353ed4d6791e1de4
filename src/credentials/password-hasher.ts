// argon2id via @node-rs/argon2. Its async functions run on libuv's thread pool,
// so hashing never blocks the event loop (DESIGN.md: no hashing on the event loop).
import { hash, verify, parseOptions, type Algorithm } from '@node-rs/argon2';
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
}

export interface HasherOptions {
  params?: Argon2Params;
  /** Called with seconds spent, for the hash-duration metric. */
  observe?: (operation: 'hash' | 'verify', seconds: number) => void;
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

  return {
    params,
    hash: (password) => timed('hash', () => hash(normalizePassword(password), argonOptions)),
    async verify(passwordHash, password) {
      return timed('verify', async () => {
        try {
          return await verify(passwordHash, normalizePassword(password));
        } catch {
          return false;
        }
      });
    },
    needsRehash(passwordHash) {
      try {
        const o = parseOptions(passwordHash);
        return (
          o.algorithm !== ARGON2ID ||
          o.memoryCost !== params.memoryKib ||
          o.timeCost !== params.iterations ||
          o.parallelism !== params.parallelism
        );
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
