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
