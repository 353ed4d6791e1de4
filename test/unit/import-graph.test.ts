// The layers of src/ (docs/architecture.md): core/ and store/ import nothing above them, methods/ imports no flow,
// and no module imports itself back through others. Every import counts, `import type` and `export … from` too:
// a type-only circle still ties the files together for a reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/** Each file under `root` (as a path relative to it, with /) and the files under `root` it imports. */
export function importGraph(root: string): Map<string, string[]> {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const name = (path: string): string => relative(root, path).split(sep).join('/');
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
      const target = [`${base}.ts`, join(base, 'index.ts')].find((p) => known.has(p));
      if (target) targets.add(name(target));
    }
    graph.set(name(file), [...targets].sort());
  }
  return graph;
}

/** The import cycles: strongly connected components of more than one file, or a file importing itself (Tarjan). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const graph = importGraph(SRC);

/** Imports from files under `from` to files outside the folders `allowed`. */
function importsOutside(from: string, allowed: readonly string[]): string[] {
  return [...graph]
    .filter(([file]) => file.startsWith(`${from}/`))
    .flatMap(([file, targets]) => targets.filter((t) => !allowed.some((a) => t.startsWith(`${a}/`))).map((t) => `${file} → ${t}`));
}

test('the import graph is read: src/ files and their imports are found', () => {
  assert.ok(graph.size > 50, `found ${graph.size} files`);
  assert.ok(graph.get('flows/change-password.ts')?.includes('methods/password.ts'), 'a named import is an edge');
  assert.ok(graph.get('flows/deps.ts')?.includes('methods/deps.ts'), 'an `export type * from` is an edge');
});

test('the cycle finder finds a circle, type-only imports included', () => {
  const circle = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
    ['e.ts', ['e.ts']],
  ]);
  assert.deepEqual(importCycles(circle), [['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
});

test('no import cycle under src/', () => {
  assert.deepEqual(importCycles(graph), []);
});

test('methods/ imports no flow (nor anything above the flows)', () => {
  assert.deepEqual(importsOutside('methods', ['methods', 'core', 'store', 'credentials', 'directory', 'mail', 'policy']), []);
});

test('directory/ (the LDAP backends) imports nothing of ours but core/', () => {
  assert.deepEqual(importsOutside('directory', ['directory', 'core']), []);
});

test('core/ imports nothing above it, store/ nothing but core/', () => {
  assert.deepEqual(importsOutside('core', ['core']), []);
  assert.deepEqual(importsOutside('store', ['store', 'core']), []);
});

test('outbox/ (the delivery loop mail and events out share) imports nothing of ours but core/', () => {
  assert.deepEqual(importsOutside('outbox', ['outbox', 'core']), []);
});
