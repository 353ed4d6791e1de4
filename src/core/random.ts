import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is a dependency (DESIGN.md convention 7) so tests can make it predictable. */
export interface Random {
  bytes(n: number): Uint8Array;
  uuid(): string;
}

export const systemRandom: Random = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
};
