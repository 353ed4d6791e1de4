// The reference pages under docs/reference/, generated from the code so that they cannot drift from it:
//   configuration.md  from configKeys in src/config.ts (names, defaults, descriptions)
//   api.md            from the OpenAPI document (scripts/openapi.ts builds it from the route schemas)
//   cli.md            from the CLI's usage text (USAGE in src/cli.ts)
//   node --import tsx scripts/docs.ts generate   rewrite them (npm run docs:generate)
//   node --import tsx scripts/docs.ts check      exit 1 when a committed page is out of date
// test/unit/docs-reference.test.ts regenerates them in memory and compares.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configKeys, durationSchema } from '../src/config.js';
import { USAGE } from '../src/cli.js';
import { openApiDocument } from './openapi.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const REFERENCE_PAGES = {
  configuration: 'docs/reference/configuration.md',
  api: 'docs/reference/api.md',
  cli: 'docs/reference/cli.md',
} as const;

const notice = (source: string): string => `<!-- Generated from ${source} by \`npm run docs:generate\`. Do not edit: change the code and regenerate. -->\n`;

/** Text for a Markdown table cell: no pipes, no line breaks, no stray HTML. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/\s*\n\s*/g, ' ');
}

/** Milliseconds as the shortest duration the configuration accepts: 90 days as "90d", 24 hours as "24h". */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) {
    // Days only from two of them: "24h" reads better than "1d".
    if (unit === 'd' && ms < 2 * size) continue;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

interface SchemaDef {
  type: string;
  innerType?: unknown;
}
const defOf = (schema: unknown): SchemaDef => (schema as { def: SchemaDef }).def;

/** What a key is when it is not set, as the table shows it. */
function defaultOf(spec: { schema: unknown; defaultText?: string }): string {
  if (spec.defaultText !== undefined) return cell(spec.defaultText);
  const def = defOf(spec.schema);
  if (def.type !== 'default') return '(none)';
  const value: unknown = (spec.schema as { parse: (v: unknown) => unknown }).parse(undefined);
  if (def.innerType === durationSchema && typeof value === 'number') return `\`${formatDuration(value)}\``;
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : `\`${value.join(', ')}\``;
  return `\`${String(value)}\``;
}

export function configurationReference(): string {
  const rows = Object.entries(configKeys).map(([key, spec]) => {
    const defaultText = 'defaultText' in spec ? spec.defaultText : undefined;
    return `| \`${spec.env}\` | \`${key}\` | ${defaultOf({ schema: spec.schema, defaultText })} | ${cell(spec.doc)} |`;
  });
  return `# Configuration reference

${notice('`configKeys` in src/config.ts')}
Each setting is read from its \`PASSDESK_*\` environment variable, then from the optional JSON file named by
\`PASSDESK_CONFIG\` (an object whose keys are the config-file keys below, such as \`{"port": 9000}\`), then from its
default. An environment variable wins over the file; an empty variable counts as unset. An unknown key in the file
is refused, and so is an unknown \`PASSDESK_*\` variable (with a "did you mean" hint); \`PASSDESK_TEST_*\`,
\`PASSDESK_E2E_*\`, \`PASSDESK_CI_*\` and \`PASSDESK_BENCH_*\` belong to the project's own scripts and are left alone.

Every value is checked at start and every problem is reported at once, on one line; Passdesk then exits with code
78 (\`EX_CONFIG\`). Durations are written as \`90s\`, \`15m\`, \`2h\` or \`7d\`, or as a number of seconds. Booleans are
\`true\`/\`false\`, \`1\`/\`0\` or \`yes\`/\`no\`. \`passdesk config keys\` prints the same list.

| Environment variable | Config-file key | Default | Meaning |
|---|---|---|---|
${rows.join('\n')}
| \`PASSDESK_CONFIG\` | — | (none) | Path of the optional JSON config file. |
`;
}

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  tags?: string[];
}
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** "session", "none" or "optional" (a session may be there: signing in replaces it). */
function authOf(op: Operation): string {
  const security = op.security ?? [];
  const anonymous = security.length === 0 || security.some((r) => Object.keys(r).length === 0);
  const session = security.some((r) => 'sessionCookie' in r);
  if (session && anonymous) return 'optional';
  return session ? 'session' : 'none';
}

export function apiReference(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, string[]>();
  let count = 0;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      count++;
      const tag = op.tags?.[0] ?? 'other';
      const row = `| \`${method.toUpperCase()} ${cell(path)}\` | \`${op.operationId ?? ''}\` | ${cell(op.summary ?? '')} | ${authOf(op)} |`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
    }
  }
  const sections = [...byTag.entries()].map(
    ([tag, rows]) => `## ${tag}\n\n| Method and path | operationId | Summary | Session |\n|---|---|---|---|\n${rows.join('\n')}\n`,
  );
  return `# API reference

${notice('the OpenAPI document (scripts/openapi.ts)')}
${count} operations. The full document, with every request and response schema, is served at
\`/api/v1/openapi.json\` (readable at \`/api/docs\`). "Session" says whether an operation needs the session cookie
(\`session\`), needs none (\`none\`), or takes one when there is one (\`optional\`: signing in replaces it).
Errors are always \`{"error":{"code":"…","message":"…"}}\` with a stable UPPER_SNAKE code. Clients that are not
browsers and use the session cookie send \`Origin: <base URL>\` on POST, PUT, PATCH and DELETE.

${sections.join('\n')}`;
}

export function cliReference(): string {
  const [head = '', ...rest] = USAGE.split('\n');
  const blank = rest.findIndex((l, i) => i > 0 && l.trim() === '' && rest.slice(i + 1).every((x) => !/^ {2}\S/.test(x)));
  const commandLines = blank === -1 ? rest : rest.slice(0, blank);
  const footer = blank === -1 ? [] : rest.slice(blank + 1);
  const commands: Array<{ usage: string; text: string[] }> = [];
  for (const line of commandLines) {
    if (/^ {2}\S/.test(line)) {
      // "  user list [--json]            List accounts." — the usage, two or more spaces, what it does.
      const m = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line)!;
      commands.push({ usage: m[1]!, text: m[2] ? [m[2]] : [] });
    } else if (/^ {4,}\S/.test(line) && commands.length > 0) {
      commands[commands.length - 1]!.text.push(line.trim());
    }
  }
  const rows = commands.map((c) => `| \`passdesk ${cell(c.usage)}\` | ${cell(c.text.join(' '))} |`);
  return `# Command line reference

${notice('the usage text in src/cli.ts')}
${head.trim()}. \`passdesk help\` prints the same text.

| Command | What it does |
|---|---|
${rows.join('\n')}

${footer.join('\n').trim()}
`;
}

/** Every reference page, by its path in the repository. */
export async function referencePages(): Promise<Record<string, string>> {
  return {
    [REFERENCE_PAGES.configuration]: configurationReference(),
    [REFERENCE_PAGES.api]: apiReference(await openApiDocument()),
    [REFERENCE_PAGES.cli]: cliReference(),
  };
}

async function main(command: string | undefined): Promise<number> {
  const pages = await referencePages();
  if (command === 'generate') {
    for (const [path, text] of Object.entries(pages)) {
      await mkdir(dirname(join(ROOT, path)), { recursive: true });
      await writeFile(join(ROOT, path), text);
      process.stdout.write(`wrote ${path}\n`);
    }
    return 0;
  }
  if (command === 'check') {
    let stale = 0;
    for (const [path, text] of Object.entries(pages)) {
      if ((await readFile(join(ROOT, path), 'utf8').catch(() => '')) !== text) {
        process.stderr.write(`${path} is out of date: run npm run docs:generate\n`);
        stale++;
      }
    }
    return stale === 0 ? 0 : 1;
  }
  process.stderr.write('usage: node --import tsx scripts/docs.ts generate | check\n');
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv[2]);
}
