// Issue 12: the largest function under src/ stays under 120 lines, so each one can be read on a screen or two.
// Measured by scripts/function-lengths.ts (the TypeScript parser; `node --import tsx scripts/function-lengths.ts`
// prints the longest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureFunctions } from '../../scripts/function-lengths.js';

const MAX_LINES = 120;

test(`no function under src/ is longer than ${MAX_LINES} lines`, () => {
  const functions = measureFunctions();
  assert.ok(functions.length > 100, 'the measurement found the functions under src/');
  const problems = functions.filter((f) => f.lines > MAX_LINES).map((f) => `${f.id} (line ${f.line}) is ${f.lines} lines; the limit is ${MAX_LINES}`);
  assert.deepEqual(problems, []);
});

test('the measurement counts every kind of function, from its first token to its last line, and names it', () => {
  const root = mkdtempSync(join(tmpdir(), 'passdesk-function-lengths-'));
  try {
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'src', 'sample.ts'),
      [
        '// a comment above is not counted',
        'export function declared(): number {',
        '  const arrow = (x: number): number => {',
        '    return x;',
        '  };',
        '  return arrow(1);',
        '}',
        'class Thing {',
        '  method(): void {}',
        '}',
        "app.get('/path', async () => {",
        '  return new Thing();',
        '});',
        'const expression = function named(): void {};',
      ].join('\n'),
    );
    const found = measureFunctions(join(root, 'src'), root).map((f) => [f.id, f.line, f.lines]);
    assert.deepEqual(found, [
      ['src/sample.ts:declared', 2, 6],
      ["src/sample.ts:app.get('/path') argument 2", 11, 3],
      ['src/sample.ts:declared > arrow', 3, 3],
      ['src/sample.ts:named', 14, 1],
      ['src/sample.ts:Thing > method', 9, 1],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
