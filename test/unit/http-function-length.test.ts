// Issue 12: src/http/ was one 383-line closure of page handlers. Every function there (route registrations included,
// which hold their handlers) now stays under 120 lines, so a feature's routes are read one screen at a time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HTTP = join(ROOT, 'src/http');
const MAX_LINES = 120;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every function, arrow function and method with its length in lines, named by file and first line. */
function functionLengths(file: string, text = readFileSync(file, 'utf8')): Array<{ where: string; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ where: string; lines: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ where: `${relative(ROOT, file)}:${first + 1}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/http/ function length', () => {
  it(`no function is longer than ${MAX_LINES} lines`, () => {
    const all = sources(HTTP).flatMap((file) => functionLengths(file));
    assert.ok(all.length > 100, `found ${all.length} functions`);
    assert.deepEqual(all.filter((f) => f.lines > MAX_LINES), []);
  });

  it('the measure sees a long function: a 121-line closure inside a registration is reported', () => {
    const text = `export async function routes(app) {\n  app.get('/', async () => {\n${'    x();\n'.repeat(117)}  });\n}\n`;
    const lengths = functionLengths(join(HTTP, 'example.ts'), text);
    assert.deepEqual(lengths.map((f) => f.lines), [121, 119]);
  });
});
