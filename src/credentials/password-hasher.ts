// argon2id via @node-rs/argon2, on worker threads that yield to the event loop (hash-pool.ts), or on
// libuv's thread pool when configured with no threads. Never on the event loop (DESIGN.md).
import { hash as libuvHash, verify as libuvVerify, parseOptions, type Algorithm } from '@node-rs/argon2';
import { createHashPool } from './hash-pool.js';
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
    close: async () => pool?.close(),
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
