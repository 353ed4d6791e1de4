// The pages' static files, served under content-hashed names (/assets/app.3f2a9c81d0.css) that never change
// meaning, so browsers may keep them for a year without asking again; the pages link the current names.
// Our stylesheet is app.css beside this file; our scripts are TypeScript in web/client/ (type-checked against
// the DOM with their own tsconfig), compiled by esbuild into one classic script each: by `npm run build`
// (scripts/build-assets.mjs) into dist/web/client/, and here at start when running from the source under tsx.
// @simplewebauthn/browser's bundle and altcha's PBKDF2 worker are read from node_modules (no CDN: the pages
// load nothing from elsewhere, and the CSP stays script-src 'self').
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AssetName = 'app.css' | 'app.js' | 'passkeys.js' | 'challenge.js' | 'webauthn-browser.js' | 'altcha-pbkdf2-worker.js';

export interface Asset {
  /** The hashed file name under /assets/, e.g. app.3f2a9c81d0.css. */
  file: string;
  contentType: string;
  body: Buffer;
}

/** Long-lived and never revalidated: a changed file gets a new name. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const require = createRequire(import.meta.url);
const fromSource = import.meta.url.endsWith('.ts');

/** Our browser script `name` (web/client/<name>.ts) as JavaScript. */
function clientScript(name: string): Buffer {
  const client = new URL('../client/', import.meta.url);
  if (!fromSource) return readFileSync(new URL(`${name}.js`, client));
  // Under tsx only: esbuild is a development dependency, and dist/ carries the compiled scripts.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const options = JSON.parse(readFileSync(new URL('build-options.json', client), 'utf8')) as Record<string, unknown>;
  const file = new URL(`${name}.ts`, client);
  const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), { ...options, loader: 'ts', sourcefile: fileURLToPath(file) });
  return Buffer.from(code);
}

function packageRoot(entry: string, levels: number): string {
  let dir = entry;
  for (let i = 0; i < levels; i++) dir = dirname(dir);
  return dir;
}

const sources: Record<AssetName, () => Buffer> = {
  'app.css': () => readFileSync(new URL('app.css', import.meta.url)),
  'app.js': () => clientScript('app'),
  'passkeys.js': () => clientScript('passkeys'),
  'challenge.js': () => clientScript('challenge'),
  // The UMD bundle (global `SimpleWebAuthnBrowser`). The package exports only its entry points; its root is two
  // levels above the CommonJS entry (script/index.js).
  'webauthn-browser.js': () => readFileSync(join(packageRoot(require.resolve('@simplewebauthn/browser'), 2), 'dist', 'bundle', 'index.umd.min.js')),
  // altcha's standalone PBKDF2 worker (the one its widget uses). The package exports its workers for `import`
  // only; its root is three levels above the CommonJS entry (dist/main/altcha.umd.cjs).
  'altcha-pbkdf2-worker.js': () => readFileSync(join(packageRoot(require.resolve('altcha'), 3), 'dist', 'workers', 'pbkdf2.js')),
};

interface AssetTable {
  byName: Map<AssetName, Asset>;
  byFile: Map<string, Asset>;
}

let table: AssetTable | null = null;

/** Reads (and under tsx compiles) every asset once per process; the HTTP server calls it at start. */
export function loadAssets(): AssetTable {
  if (table) return table;
  const byName = new Map<AssetName, Asset>();
  const byFile = new Map<string, Asset>();
  for (const [name, read] of Object.entries(sources) as [AssetName, () => Buffer][]) {
    const body = read();
    const dot = name.lastIndexOf('.');
    const ext = name.slice(dot + 1);
    // 40 bits of SHA-256: names only need to differ between versions of one file.
    const file = `${name.slice(0, dot)}.${createHash('sha256').update(body).digest('hex').slice(0, 10)}.${ext}`;
    const asset = { file, body, contentType: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
    byName.set(name, asset);
    byFile.set(file, asset);
  }
  table = { byName, byFile };
  return table;
}

/** The URL a page links for an asset, e.g. /assets/app.3f2a9c81d0.css. */
export function assetUrl(name: AssetName): string {
  return `/assets/${loadAssets().byName.get(name)!.file}`;
}

/** The asset served at /assets/<file>, or undefined for any other name (an old hash, a made-up one). */
export function assetByFile(file: string): Asset | undefined {
  return loadAssets().byFile.get(file);
}
