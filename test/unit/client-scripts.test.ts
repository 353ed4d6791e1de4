// The pages' browser scripts are real TypeScript: type-checked against the DOM, compiled the same way for dist/
// (scripts/build-assets.mjs) as at start under tsx (src/web/assets/index.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAssets } from '../../src/web/assets/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the browser scripts type-check with their own tsconfig (DOM, strict)', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // Throws with tsc's report when a script does not type-check.
  execFileSync(process.execPath, [tsc, '-p', 'src/web/client/tsconfig.json'], { cwd: root, encoding: 'utf8' });
});

test('the build writes the same bytes the server compiles from the source, so dist/ and tsx serve the same names', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'passdesk-assets-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, ['scripts/build-assets.mjs', out], { cwd: root });
  const { byName } = loadAssets();
  for (const name of ['app', 'passkeys', 'challenge'] as const) {
    assert.equal(readFileSync(join(out, 'web', 'client', `${name}.js`), 'utf8'), byName.get(`${name}.js`)!.body.toString('utf8'), name);
  }
  assert.equal(readFileSync(join(out, 'web', 'assets', 'app.css'), 'utf8'), byName.get('app.css')!.body.toString('utf8'));
});
