#!/usr/bin/env node
// Runs the test suite with Node's own test runner (through tsx for TypeScript).
// Usage: node scripts/run-tests.mjs all|unit|http|e2e|fast   (unit = unit + store + directory; fast = unit + http)
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const groups = {
  unit: ['test/unit', 'test/store', 'test/directory'],
  http: ['test/http'],
  e2e: ['test/e2e'],
};
groups.fast = [...groups.unit, ...groups.http];
groups.all = [...groups.fast, ...groups.e2e];

const which = process.argv[2] ?? 'all';
const dirs = groups[which];
if (!dirs) {
  console.error(`unknown test group "${which}" (one of ${Object.keys(groups).join(', ')})`);
  process.exit(2);
}

function collect(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = dirs.flatMap(collect);
if (files.length === 0) {
  console.error(`no test files found for "${which}"`);
  process.exit(1);
}
const extra = process.argv.slice(3);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(result.status ?? 1);
