import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';

test('the SQLite file (password and session hashes) is readable by its owner only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-sqlite-'));
  try {
    const store = openStore(`sqlite:${join(dir, 'data', 'passdesk.sqlite')}`);
    await store.migrate();
    await store.close();
    assert.equal(statSync(join(dir, 'data', 'passdesk.sqlite')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an existing world-readable database file is tightened at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-sqlite-'));
  try {
    const path = join(dir, 'old.sqlite');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const store = openStore(`sqlite:${path}`);
    await store.migrate();
    await store.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a SQLite file, the session lookup (its own reading connection) sees every commit at once and no open transaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-sqlite-'));
  const store = openStore(`sqlite:${join(dir, 'passdesk.sqlite')}`);
  try {
    await store.migrate();
    const now = Date.UTC(2026, 11, 7);
    await store.accounts.createAccount({
      id: 'acc-1',
      email: 'ada@example.org',
      emailNormalized: 'ada@example.org',
      displayName: 'Ada',
      role: 'user',
      passwordHash: null,
      now,
    });
    const session = (id: string, tokenHash: string) => ({
      id,
      tokenHash,
      accountId: 'acc-1',
      now,
      expiresAt: now + 3_600_000,
      ip: null,
      userAgent: null,
      device: 'Firefox on Linux',
    });
    await store.sessions.createSession(session('s-1', 'hash-1'));
    assert.equal((await store.sessions.findSessionByTokenHash('hash-1'))?.account.email, 'ada@example.org');

    let lookupInside: unknown = 'not run';
    await store.transaction(async (tx) => {
      await tx.sessions.createSession(session('s-2', 'hash-2'));
      await tx.sessions.revokeSession('s-1', { accountId: 'acc-1', now, reason: 'sign-out' });
      // The transaction sees its own writes; a lookup outside it (another request) sees neither, and does not
      // wait for the transaction to end.
      lookupInside = (await tx.sessions.findSessionByTokenHash('hash-2'))?.session.id;
      assert.equal(await store.sessions.findSessionByTokenHash('hash-2'), null);
      assert.equal((await store.sessions.findSessionByTokenHash('hash-1'))?.session.revokedAt, null);
    });
    assert.equal(lookupInside, 's-2');
    // Committed: both are seen at once.
    assert.equal((await store.sessions.findSessionByTokenHash('hash-2'))?.session.id, 's-2');
    assert.equal((await store.sessions.findSessionByTokenHash('hash-1'))?.session.revokedAt, now);

    // A rolled-back transaction leaves nothing the lookup could see.
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.sessions.createSession(session('s-3', 'hash-3'));
        throw new Error('rolled back');
      }),
    );
    assert.equal(await store.sessions.findSessionByTokenHash('hash-3'), null);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
