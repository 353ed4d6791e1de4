#!/usr/bin/env node
// `npm start` builds first when dist/ is missing any of its outputs, or one of them is older than a file the
// build reads: anything under src/ (the server's TypeScript, the pages' scripts and stylesheet), the tsconfigs,
// package.json and the asset build script.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build-assets.mjs'];
const clientScripts = readdirSync('src/web/client')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `dist/web/client/${f.replace(/\.ts$/, '.js')}`);
const outputs = ['dist/cli.js', 'dist/web/assets/app.css', ...clientScripts];
const stale = outputs.some((f) => !existsSync(f)) || Math.min(...outputs.map((f) => statSync(f).mtimeMs)) < Math.max(...inputs.map(newest));
if (stale) {
  console.error('passdesk: building (tsc, then the pages’ assets)…');
  execSync('npm run build', { stdio: 'inherit' });
}
