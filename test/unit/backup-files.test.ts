// `passdesk backup` and `restore` write files that hold the server secret: owner-only from the first byte, and
// never through a file or symlink someone else put in the way.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../helpers/config.js';
import { openStore } from '../../src/store/index.js';
import { BackupError, backupDatabase, restoreDatabase } from '../../src/backup.js';

describe('backup and restore files', () => {
  let dir: string;
  let previousUmask: number;
  before(async () => {
    previousUmask = process.umask(0o022); // the usual default, under which a plain create is world-readable
    dir = mkdtempSync(join(tmpdir(), 'passdesk-backup-files-'));
    const store = openStore(`sqlite:${join(dir, 'passdesk.sqlite')}`);
    await store.migrate();
    await store.close();
  });
  after(() => {
    process.umask(previousUmask);
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (): ReturnType<typeof testConfig> => testConfig({ databaseUrl: `sqlite:${join(dir, 'passdesk.sqlite')}`, dataDir: dir });

  test('the partial backup is created 0600 and empty, before the database is copied into it; the result is 0600', async () => {
    const target = join(dir, 'one.backup');
    const created: Array<{ mode: number; size: number }> = [];
    const realOpen = fs.openSync;
    fs.openSync = ((path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      const fd = realOpen(path, flags, mode);
      if (String(path) === `${target}.partial`) {
        const st = fs.fstatSync(fd);
        created.push({ mode: st.mode & 0o777, size: st.size });
      }
      return fd;
    }) as typeof fs.openSync;
    syncBuiltinESMExports();
    try {
      await backupDatabase(config(), target, 1);
    } finally {
      fs.openSync = realOpen;
      syncBuiltinESMExports();
    }
    assert.deepEqual(created, [{ mode: 0o600, size: 0 }], 'created owner-only and empty, before any content');
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.ok(!existsSync(`${target}.partial`));
  });

  test('a symlink planted where the partial backup goes is refused, not followed', async () => {
    const target = join(dir, 'two.backup');
    const elsewhere = join(dir, 'victim.txt');
    writeFileSync(elsewhere, 'untouched');
    symlinkSync(elsewhere, `${target}.partial`);
    await assert.rejects(backupDatabase(config(), target, 1), (err: unknown) => err instanceof BackupError && /already exists/.test(err.message));
    assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched');
    assert.ok(!existsSync(target));
  });

  test('restore writes the database and the secret owner-only, whatever the umask', async () => {
    const target = join(dir, 'three.backup');
    await backupDatabase(config(), target, 1);
    const into = mkdtempSync(join(tmpdir(), 'passdesk-restore-files-'));
    try {
      restoreDatabase(testConfig({ databaseUrl: `sqlite:${join(into, 'passdesk.sqlite')}`, dataDir: into, secret: undefined }), target, 2, {
        force: false,
        configuredSecret: undefined,
      });
      assert.equal(statSync(join(into, 'passdesk.sqlite')).mode & 0o777, 0o600);
      assert.equal(statSync(join(into, 'secret')).mode & 0o777, 0o600);
      assert.equal(readFileSync(join(into, 'secret'), 'utf8').trim(), config().secret);
    } finally {
      rmSync(into, { recursive: true, force: true });
    }
  });
});
