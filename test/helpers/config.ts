import { loadConfig, type Config } from '../../src/config.js';

/** Cheap argon2id parameters so the suite stays fast; tests about cost use the real ones. */
export const FAST_ARGON2 = { argon2MemoryKib: 1024, argon2Iterations: 1, argon2Parallelism: 1 } as const;

export function testConfig(overrides: Partial<Record<string, unknown>> = {}): Config {
  return loadConfig({
    env: {},
    persistSecret: false,
    overrides: {
      environment: 'test',
      baseUrl: 'http://127.0.0.1:8080',
      databaseUrl: 'sqlite::memory:',
      secret: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
      dataDir: '/tmp/passdesk-test-unused',
      ...FAST_ARGON2,
      ...overrides,
    },
  });
}
