// The disk filling up under SQLite: the real SQLITE_FULL is reported (not Kysely's "cannot rollback"), requests
// answer 503 with nothing half-written, /readyz turns 503, and service resumes by itself once space returns.
// SQLite's max_page_count makes the database file "full" at a chosen size: the same SQLITE_FULL a full disk gives.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { sql } from 'kysely';
import { createApp, type App } from '../../src/app.js';
import { manualClock } from '../../src/core/clock.js';
import { openDatabase, type OpenedDatabase } from '../../src/store/db.js';
import { createStore, type Store } from '../../src/store/index.js';
import { testConfig } from '../helpers/config.js';
import { TestClient, errorCode, PASSWORD } from '../helpers/app.js';

describe('SQLite with a full disk', () => {
  let dir: string;
  let opened: OpenedDatabase;
  let store: Store;
  let app: App;
  const logLines: string[] = [];
  /** Sessions the first account got before the disk filled (its sign-up's, and each sign-in's). */
  let sessionsMade = 1;
  const client = (): TestClient => new TestClient(app, app.config.baseUrl, 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passdesk-full-'));
    const config = testConfig({ databaseUrl: `sqlite:${join(dir, 'passdesk.sqlite')}` });
    opened = openDatabase(config.databaseUrl);
    store = createStore(opened);
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, cb) {
          logLines.push(String(chunk));
          cb();
        },
      }),
    );
    app = await createApp({ config, clock: manualClock(Date.UTC(2026, 11, 7, 9)), store, logger });
    assert.equal((await client().signUp('first@example.org', PASSWORD)).statusCode, 201);
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes past the limit answer 503 SERVICE_UNAVAILABLE (never 500) and the log names SQLITE_FULL', async () => {
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(opened.db);
    await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(opened.db);
    // Sign-ins write in the request (a session row and an event); a sign-up's own writes come after its 202.
    let refused: Awaited<ReturnType<TestClient['signIn']>> | null = null;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await client().signIn('first@example.org', PASSWORD);
      if (res.statusCode !== 201) refused = res;
      else sessionsMade++;
    }
    assert.ok(refused, 'the database filled up within 400 sign-ins');
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const log = logLines.join('');
    assert.match(log, /SQLITE_FULL/);
    assert.match(log, /out of disk space/);
    assert.doesNotMatch(log, /cannot rollback/);
  });

  test('/readyz is 503 while a write still cannot get space', async () => {
    const ready = await client().get('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.equal(errorCode(ready), 'SERVICE_UNAVAILABLE');
  });

  test('once space returns, /readyz is 200 again and sign-ups and sign-ins work, with no restart', async () => {
    await sql.raw('pragma max_page_count = 1073741823').execute(opened.db);
    assert.equal((await client().get('/readyz')).statusCode, 200);
    assert.equal((await client().signUp('after@example.org', PASSWORD)).statusCode, 201);
    // The refused sign-in left nothing half-written: no session beyond the ones that were answered 201.
    const first = await store.accounts.findAccountByEmail('first@example.org');
    assert.ok(first);
    assert.equal((await store.sessions.listSessions(first.id, { now: app.deps.clock.now() })).length, sessionsMade);
    assert.equal((await client().signIn('first@example.org', PASSWORD)).statusCode, 201);
  });

  test('the WAL is kept to a bounded size after checkpoints (journal_size_limit)', async () => {
    const { rows } = await sql<{ journal_size_limit: number }>`pragma journal_size_limit`.execute(opened.db);
    assert.equal(Number(rows[0]!.journal_size_limit), 64 * 1024 * 1024);
  });
});
