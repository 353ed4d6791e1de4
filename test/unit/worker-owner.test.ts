// Mail worker owner ids: distinct for live processes (also when they start at the same moment), the same slot
// back after a process ends, and a node id of the data directory rather than the hostname.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimWorkerOwner } from '../../src/mail/worker-owner.js';

const MODULE = fileURLToPath(new URL('../../src/mail/worker-owner.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'passdesk-owner-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const fallback = (): string => 'fallback';

describe('mail worker owner ids', () => {
  it("two holders in one process get different slots; a released slot is taken again; the node id is the data directory's", () => {
    const dir = mkdtempSync(join(scratch, 'one-'));
    const a = claimWorkerOwner(dir, 'worker', fallback);
    const b = claimWorkerOwner(dir, 'worker', fallback);
    const node = readFileSync(join(dir, 'node-id'), 'utf8').trim();
    assert.match(node, /^[0-9a-f]{16}$/);
    assert.equal(a.id, `${node}:worker:0`);
    assert.equal(b.id, `${node}:worker:1`);
    assert.equal(claimWorkerOwner(dir, 'serve', fallback).id, `${node}:serve:0`, 'roles have their own slots');
    a.release();
    const c = claimWorkerOwner(dir, 'worker', fallback);
    assert.equal(c.id, `${node}:worker:0`, 'a restart gets the old slot back');
    b.release();
    c.release();
  });

  it('eight processes starting at the same moment all get different ids (no slot is stolen)', async () => {
    const dir = mkdtempSync(join(scratch, 'race-'));
    const code = `import('${MODULE}').then(({ claimWorkerOwner }) => { const o = claimWorkerOwner(${JSON.stringify(dir)}, 'worker', () => 'fallback'); process.stdout.write(o.id + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); });`;
    const children = Array.from({ length: 8 }, () => spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const ids = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve, reject) => {
            let out = '';
            child.stdout.setEncoding('utf8').on('data', (d: string) => {
              out += d;
              if (out.includes('\n')) resolve(out.trim());
            });
            child.once('error', reject);
            child.once('exit', (c) => reject(new Error(`exited ${c} before printing an id`)));
          }),
      ),
    );
    // All still alive and holding their slots while we compare.
    for (const child of children) child.stdin.end();
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    assert.equal(new Set(ids).size, 8, ids.join(', '));
    assert.ok(ids.every((id) => id !== 'fallback'));
  });
});
