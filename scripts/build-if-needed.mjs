#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const stamp = 'dist/cli.js';
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest('src')) {
  console.error('passdesk: building (tsc)…');
  execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
}
