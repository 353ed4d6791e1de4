// Redis for tests: the machine's (PASSDESK_TEST_REDIS_URL), each test file under a prefix of its own that it
// deletes afterwards, so parallel files and earlier runs never see each other's counters.
import { randomBytes } from 'node:crypto';
import { connectRedis, type RedisConnection } from '../../src/store/redis.js';

export const REDIS_TEST_URL = process.env.PASSDESK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  prefix: string;
  connection: RedisConnection;
  /** Deletes this test's keys and closes the connection. */
  drop(): Promise<void>;
}

const quiet = { warn: () => {}, info: () => {} };

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `passdesk-test-${randomBytes(6).toString('hex')}`;
  const connection = connectRedis(REDIS_TEST_URL, quiet);
  if (!(await connection.ready(5000))) {
    await connection.close();
    throw new Error(`Redis is required for these tests (PASSDESK_TEST_REDIS_URL=${REDIS_TEST_URL})`);
  }
  return {
    url: REDIS_TEST_URL,
    prefix,
    connection,
    async drop() {
      const keys = await connection.client.keys(`${prefix}:*`);
      if (keys.length > 0) await connection.client.unlink(...keys);
      await connection.close();
    },
  };
}
