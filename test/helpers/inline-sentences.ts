// Finds string literals in source files that read like words a person would see ("Enter the code.",
// "Passkey on your phone", "at most 64 characters"), so words do not creep back in beside the catalog
// (core/i18n/catalogs/en.ts). A heuristic, in two strengths:
// - a sentence: a literal that starts with a capital and holds at least three words, two of them lowercase;
// - with `fragments`, also a short phrase (a word, a space, a lowercase word: "not valid", "this device",
//   "Security key") and any literal given as a Zod check's message (`.min(1, 'required')`, `message: '…'`).
// Not counted, because nobody using the pages or the API reads them: OpenAPI descriptions and summaries (read
// by developers), comments, log lines (log/logger/console calls), programmer and operator errors (`new Error`,
// TypeError, RangeError, ConfigError: a message or `cause` for a developer or the operator, shown by no response) and response headers (`reply.header`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface InlineSentence {
  file: string;
  line: number;
  text: string;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
}

const LITERAL = /(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1/g;
const SKIP_LINE = /\b(log|logger|console)\.\w+\(|new (Type|Range|Config)?Error\(|\.describe\(|summary:|\.header\(/;
const SENTENCE = (text: string): boolean => /^[A-Z][^ ]* (\S+ )+\S+/.test(text) && /[a-z]{2,} [a-z]{2,}/.test(text);
const FRAGMENT = /^[A-Za-z][a-z’']* [a-z0-9’'"“$]/;
/** What comes just before a literal that is a Zod check's message: `.max(128, ` or `message: `. */
const ZOD_MESSAGE_BEFORE = /(\.(min|max|length|regex|refine|email|url)\((?:[^()]|\([^()]*\))*,\s*|\bmessage:\s*)$/;

export function findInlineSentences(dirs: readonly string[], o: { fragments?: boolean } = {}): InlineSentence[] {
  const found: InlineSentence[] = [];
  for (const file of dirs.flatMap(tsFiles)) {
    let inDescription = false;
    // A skipped call (a log line, an Error) that the formatter spread over several lines: its open parentheses.
    let skippedDepth = 0;
    const depth = (line: string): number => (line.match(/\(/g)?.length ?? 0) - (line.match(/\)/g)?.length ?? 0);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const trimmed = line.trim();
        // An OpenAPI description runs on over lines that start with a quote or a `+`.
        if (/\bdescription:/.test(line)) {
          inDescription = true;
          return;
        }
        if (inDescription && /^(\+|'|`|")/.test(trimmed)) return;
        inDescription = false;
        if (skippedDepth > 0) {
          skippedDepth += depth(line);
          return;
        }
        if (SKIP_LINE.test(line)) {
          skippedDepth = Math.max(0, depth(line));
          return;
        }
        if (/^(\/\/|\*|\/\*)/.test(trimmed)) return;
        for (const m of line.matchAll(LITERAL)) {
          const text = m[2]!;
          const before = line.slice(0, m.index);
          // An HTML attribute's value (class="card narrow") is markup, not words.
          const fragment = (): boolean => !before.endsWith('=') && (FRAGMENT.test(text) || (text !== '' && ZOD_MESSAGE_BEFORE.test(before)));
          if (SENTENCE(text) || (o.fragments && fragment())) found.push({ file, line: i + 1, text });
        }
      });
  }
  return found;
}
