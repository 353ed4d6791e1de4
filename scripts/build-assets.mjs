#!/usr/bin/env node
// The part of `npm run build` that tsc does not do: the pages' browser scripts (src/web/client/*.ts, compiled by
// esbuild with build-options.json, the same options src/web/assets/index.ts uses under tsx) into dist/web/client/,
// and the stylesheet into dist/web/assets/. The server hashes what it finds there at start.
// Usage: node scripts/build-assets.mjs [outDir]   (default dist; the tests build into a temporary directory)
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

const client = 'src/web/client';
const options = JSON.parse(readFileSync(`${client}/build-options.json`, 'utf8'));
const out = process.argv[2] ?? 'dist';
mkdirSync(`${out}/web/client`, { recursive: true });
mkdirSync(`${out}/web/assets`, { recursive: true });
for (const name of readdirSync(client).filter((f) => f.endsWith('.ts'))) {
  const file = `${client}/${name}`;
  const { code } = transformSync(readFileSync(file, 'utf8'), { ...options, loader: 'ts', sourcefile: file });
  writeFileSync(`${out}/web/client/${name.replace(/\.ts$/, '.js')}`, code);
}
copyFileSync('src/web/assets/app.css', `${out}/web/assets/app.css`);
