// The database remembers which server secret it was made with; another secret is refused at start.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ConfigError } from '../../src/config.js';
import { deriveKey, keyIdOf } from '../../src/core/secret-box.js';
import { assertSecretMatchesDatabase } from '../../src/secret-check.js';
import { openDatabase } from '../../src/store/db.js';
import { createStore, type Store } from '../../src/store/index.js';

const secret = (s: string): Uint8Array => new TextEncoder().encode(s.padEnd(32, '.'));
const ORIGINAL = secret('the original server secret');
const OTHER = secret('a freshly generated other secret');

describe('server secret check', () => {
  let store: Store;
  let db: ReturnType<typeof openDatabase>['db'];
  beforeEach(async () => {
    const opened = openDatabase('sqlite::memory:');
    db = opened.db;
    store = createStore(opened);
    await store.migrate();
  });
  afterEach(() => store.close());

  test('the first start records the secret; the same secret passes again; another one is refused with a ConfigError', async () => {
    await assertSecretMatchesDatabase(store, ORIGINAL, 1);
    await assertSecretMatchesDatabase(store, ORIGINAL, 2);
    await assert.rejects(
      assertSecretMatchesDatabase(store, OTHER, 3),
      (err: unknown) => err instanceof ConfigError && /is not the one this database was made with/.test(err.message),
    );
  });

  test('a database from before the check: seeds sealed under another secret are refused; under this one, the check is recorded', async () => {
    await store.accounts.createAccount({
      id: 'a1',
      email: 'a@example.org',
      emailNormalized: 'a@example.org',
      displayName: 'A',
      role: 'user',
      passwordHash: null,
      now: 1,
    });
    await store.twoFactor.createFactor({
      id: 'f1',
      accountId: 'a1',
      type: 'totp',
      name: 'App',
      secretCiphertext: 'x',
      keyId: keyIdOf(deriveKey(ORIGINAL, 'totp-secret')),
      now: 1,
    });
    await assert.rejects(assertSecretMatchesDatabase(store, OTHER, 2), ConfigError);
    assert.equal(await store.instance.getInstanceValue('server_secret_check'), null, 'nothing recorded for a refused secret');
    await assertSecretMatchesDatabase(store, ORIGINAL, 3);
    assert.notEqual(await store.instance.getInstanceValue('server_secret_check'), null);
    await assert.rejects(assertSecretMatchesDatabase(store, OTHER, 4), ConfigError);
  });

  test('the recorded value names the secret without revealing it (a key id of a derived key)', async () => {
    await assertSecretMatchesDatabase(store, ORIGINAL, 1);
    const { rows } = await sql<{ value: string }>`select value from passdesk_instance`.execute(db);
    assert.match(rows[0]!.value, /^k-[0-9a-f]{16}$/);
    assert.ok(!rows[0]!.value.includes(Buffer.from(ORIGINAL).toString('hex').slice(0, 8)));
  });
});
