// How long each function under src/ is, in lines, measured with the TypeScript compiler's own parser.
//   node --import tsx scripts/function-lengths.ts [N]   the N longest (default 20)
// test/unit/function-length.test.ts holds the limit (issue 12: the largest function under 120 lines).
// A function is every function-like node with a body: declarations, methods, accessors, constructors, function
// expressions and arrow functions. Its length runs from its first token (after any leading comment) to its
// last line, both included; a function nested in another counts toward the outer one too.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface FunctionLength {
  /** `path/from/root.ts:name`, stable while the function keeps its name and place (not its line number). */
  id: string;
  file: string;
  /** The first line, 1-based. */
  line: number;
  lines: number;
}

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function propertyNameText(name: ts.PropertyName | ts.BindingName, source: ts.SourceFile): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(source);
}

/** `app.post('/reset')` for a call's callee and its first argument when that is a string. */
function callLabel(call: ts.CallExpression | ts.NewExpression, source: ts.SourceFile): string {
  const callee = call.expression.getText(source).replace(/\s+/g, '');
  const first = call.arguments?.[0];
  const literal = first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) ? `'${first.text}'` : '';
  return `${callee}(${literal})`;
}

/** The name a reader would look for: the declaration's own, or what the function is assigned or passed to. */
function ownName(node: ts.SignatureDeclaration, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (
    (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) &&
    node.name
  ) {
    const name = propertyNameText(node.name, source);
    return ts.isGetAccessor(node) ? `get ${name}` : ts.isSetAccessor(node) ? `set ${name}` : name;
  }
  let child: ts.Node = node;
  let parent = node.parent;
  // Look through wrappers: `(async () => {})`, `fn as Handler`, `x satisfies T`.
  while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent)) {
    child = parent;
    parent = parent.parent;
  }
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return propertyNameText(parent.name, source);
  if (ts.isBinaryExpression(parent) && parent.right === child) return parent.left.getText(source).replace(/\s+/g, '');
  if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== child) {
    const index = parent.arguments?.indexOf(child as ts.Expression) ?? -1;
    return `${callLabel(parent, source)} argument ${index + 1}`;
  }
  if (ts.isExportAssignment(parent)) return 'default';
  return '<anonymous>';
}

function measureFile(path: string, root: string): FunctionLength[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const file = relative(root, path).split('\\').join('/');
  const found: FunctionLength[] = [];
  const seen = new Map<string, number>();

  function visit(node: ts.Node, outer: string[]): void {
    let names = outer;
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      names = [...outer, node.name?.text ?? '<class>'];
    } else if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      names = [...outer, ownName(node, source)];
      let id = `${file}:${names.join(' > ')}`;
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      if (count > 1) id += ` #${count}`;
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ id, file, line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, (child) => visit(child, names));
  }
  visit(source, []);
  return found;
}

/** Every function under `dir` (default src/), longest first; ties in id order so the output is stable. */
export function measureFunctions(dir = join(ROOT, 'src'), root = ROOT): FunctionLength[] {
  return tsFilesUnder(dir)
    .flatMap((path) => measureFile(path, root))
    .sort((a, b) => b.lines - a.lines || a.id.localeCompare(b.id));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const top = Number(process.argv[2] ?? 20);
  for (const f of measureFunctions().slice(0, top)) console.log(`${String(f.lines).padStart(5)}  ${f.id}  (line ${f.line})`);
}
