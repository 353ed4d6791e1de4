// `passdesk breached import|status|check`. The password for `check` comes from standard input or a hidden
// prompt, never from argv; neither it nor its hash is printed.
import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { BreachedSetError } from './format.js';
import { importBreachedFile, type ImportProgress } from './import.js';
import { breachedOptionsFromConfig, createBreachedPasswords } from './index.js';

export const BREACHED_USAGE = `  breached import FILE          Import a Pwned Passwords file (SHA1HEX:COUNT lines) as the offline
                                breached-password set; a running server picks it up within a second.
  breached status [--json]      Show the offline set and the range API in use.
  breached check                Read a password from standard input (or a hidden prompt) and say
                                whether it is breached. Exit 0: not found; 3: breached; 69: cannot tell.`;

export interface BreachedCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  readPassword: (prompt: string) => Promise<string>;
}

export async function breachedCommand(argv: string[], io: BreachedCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'import') return await importCommand(rest, io);
    if (sub === 'status') return await statusCommand(rest, io);
    if (sub === 'check') return await checkCommand(rest, io);
  } catch (err) {
    if (err instanceof BreachedSetError) {
      io.stderr(`passdesk: ${err.message}`);
      return 1;
    }
    throw err;
  }
  io.stderr(`passdesk: unknown breached command "${sub ?? ''}"\n\nUsage:\n${BREACHED_USAGE}`);
  return 2;
}

async function importCommand(argv: string[], io: BreachedCliIo): Promise<number> {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
  const source = positionals[0];
  if (!source || positionals.length > 1) {
    io.stderr('passdesk: breached import needs one FILE');
    return 2;
  }
  const config = loadConfig({ persistSecret: false });
  const started = performance.now();
  const progress = progressReporter(io);
  // Ctrl-C stops between chunks and removes the temporary files; the previous set stays in place.
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await importBreachedFile({ source: resolve(source), destination: config.breachedFile, onProgress: progress.update, signal: abort.signal });
    progress.done();
    const seconds = (performance.now() - started) / 1000;
    if (result.invalidLines > 0) {
      io.stderr(`passdesk: skipped ${result.invalidLines.toLocaleString('en')} invalid line(s) (first at line ${result.firstInvalidLines.join(', ')})`);
    }
    io.stdout(
      `Imported ${result.entries.toLocaleString('en')} distinct hashes from ${result.validLines.toLocaleString('en')} valid lines ` +
        `(${result.invalidLines.toLocaleString('en')} invalid, ${result.blankLines.toLocaleString('en')} blank) into ${result.path} ` +
        `(${formatBytes(result.bytes)}, ${(result.bytes / result.entries).toFixed(2)} bytes per hash) in ${seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function statusCommand(argv: string[], io: BreachedCliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
  const config = loadConfig({ persistSecret: false });
  const breached = createBreachedPasswords(breachedOptionsFromConfig(config));
  try {
    const { offline, online } = breached.describe();
    const bytes = offline && offline.entries !== null ? statSync(offline.path).size : null;
    if (values.json) {
      io.stdout(JSON.stringify({ offline: offline && { ...offline, bytes }, online }, null, 2));
      return 0;
    }
    if (offline && offline.entries !== null) {
      io.stdout(
        `Offline set: ${offline.path}: ${offline.entries.toLocaleString('en')} hashes, ${formatBytes(bytes ?? 0)}, imported ${new Date(offline.importedAt ?? 0).toISOString()}`,
      );
    } else {
      io.stdout(`Offline set: none at ${config.breachedFile} (import one with: passdesk breached import FILE)`);
    }
    io.stdout(
      online
        ? `Range API: ${online.url} (timeout ${online.timeoutMs} ms; when unreachable: fail ${online.onError})`
        : 'Range API: off (set PASSDESK_BREACHED_API_URL to use one)',
    );
    return 0;
  } finally {
    await breached.close();
  }
}

async function checkCommand(argv: string[], io: BreachedCliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { password: { type: 'string' } }, strict: true });
  if (values.password !== undefined) {
    io.stderr('passdesk: --password is not accepted (command lines are visible to other users); pipe it on standard input instead');
    return 2;
  }
  const config = loadConfig({ persistSecret: false });
  const breached = createBreachedPasswords(breachedOptionsFromConfig(config));
  try {
    const password = await io.readPassword('Password to check: ');
    const result = await breached.check(password);
    if (result.status === 'breached') {
      io.stdout(`Breached: this password appears in known data breaches${result.count ? ` (seen ${result.count.toLocaleString('en')} times)` : ''}.`);
      return 3;
    }
    if (result.status === 'unavailable') {
      io.stdout(`Unknown: ${result.reason}.`);
      return 69; // EX_UNAVAILABLE
    }
    const { offline, online } = breached.describe();
    const sources = [offline?.entries != null ? 'the offline set' : null, online ? 'the range API' : null].filter(Boolean);
    io.stdout(
      sources.length
        ? `Not found in ${sources.join(' or ')}.`
        : 'Not found: no breached-password source is configured (import a set with: passdesk breached import FILE).',
    );
    return 0;
  } finally {
    await breached.close();
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** A bar redrawn in place on a terminal (at most 10 times a second); a plain line every 10 s otherwise. */
function progressReporter(io: BreachedCliIo): { update: (p: ImportProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  const interval = tty ? 100 : 10_000;
  let last = performance.now();
  let drawn = false;
  const started = last;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < interval) return;
      last = now;
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : null;
      const what =
        p.phase === 'reading'
          ? `reading ${formatBytes(p.done)}${p.total ? ` of ${formatBytes(p.total)}` : ''}, ${p.validLines.toLocaleString('en')} hashes, ${(p.validLines / ((now - started) / 1000)).toFixed(0)}/s`
          : `sorting and writing, part ${p.done} of ${p.total}`;
      if (tty) {
        const width = 30;
        const filled = fraction === null ? 0 : Math.round(fraction * width);
        const pct = fraction === null ? '' : `${(fraction * 100).toFixed(0).padStart(3)}% `;
        process.stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${pct}${what}`);
        drawn = true;
      } else {
        io.stderr(`passdesk: ${fraction === null ? '' : `${(fraction * 100).toFixed(0)}% `}${what}`);
      }
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}
