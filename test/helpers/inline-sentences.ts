// Finds string literals in source files that read like sentences a person would see ("Enter the code.",
// "Passkey on your phone"), so words do not creep back in beside the catalog (core/i18n/catalogs/en.ts).
// A heuristic: a literal that starts with a capital and holds at least three words, two of them lowercase.
// OpenAPI descriptions and summaries (read by developers, not by the people the pages are for), comments,
// log lines and programmer errors (TypeError, Error) are not counted.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface InlineSentence {
  file: string;
  line: number;
  text: string;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const LITERAL = /(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1/g;
const SKIP_LINE = /\b(log|logger|console)\.\w+\(|new (Type|Range)?Error\(|\.describe\(|summary:/;

export function findInlineSentences(dirs: readonly string[]): InlineSentence[] {
  const found: InlineSentence[] = [];
  for (const file of dirs.flatMap(tsFiles)) {
    let inDescription = false;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      const trimmed = line.trim();
      // An OpenAPI description runs on over lines that start with a quote or a `+`.
      if (/\bdescription:/.test(line)) {
        inDescription = true;
        return;
      }
      if (inDescription && /^(\+|'|`|")/.test(trimmed)) return;
      inDescription = false;
      if (/^(\/\/|\*|\/\*)/.test(trimmed) || SKIP_LINE.test(line)) return;
      for (const m of line.matchAll(LITERAL)) {
        const text = m[2]!;
        if (/^[A-Z][^ ]* (\S+ )+\S+/.test(text) && /[a-z]{2,} [a-z]{2,}/.test(text)) found.push({ file, line: i + 1, text });
      }
    });
  }
  return found;
}
