// npm run bench:breached — the offline breached-password set at 10 million hashes:
// import time and peak memory (the real `passdesk breached import` in a child process), bytes per hash on disk,
// and warm lookup latency (half present, half absent). Everything it generates is deleted at the end.
// BENCH_BREACHED_LINES=1000000 for a quicker look.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBreachedPasswords } from '../src/breached/index.js';
import { OfflineSet } from '../src/breached/offline-set.js';
import { systemClock } from '../src/core/clock.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LINES = Number(process.env.BENCH_BREACHED_LINES ?? 10_000_000);
const LOOKUPS = 100_000;
const SAMPLE_EVERY = Math.max(1, Math.floor(LINES / (LOOKUPS / 2)));

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Random SHA-1 lines in no order, with counts like the real corpus (mostly small). Keeps every n-th hash. */
function generate(path: string): Uint8Array[] {
  const kept: Uint8Array[] = [];
  const fd = openSync(path, 'w');
  const batch = 100_000;
  try {
    for (let done = 0; done < LINES; done += batch) {
      const n = Math.min(batch, LINES - done);
      const bytes = randomBytes(20 * n);
      const lines: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const hash = bytes.subarray(i * 20, i * 20 + 20);
        if ((done + i) % SAMPLE_EVERY === 0) kept.push(new Uint8Array(hash));
        lines[i] = `${hash.toString('hex').toUpperCase()}:${1 + Math.floor(1000 / (1 + (hash[19]! % 100)))}`;
      }
      writeSync(fd, lines.join('\r\n') + '\r\n');
    }
  } finally {
    closeSync(fd);
  }
  return kept;
}

/** Runs the real CLI (`passdesk ARGS`) and samples the child's peak RSS (VmHWM) from /proc while it runs. */
async function runCli(args: string[], env: Record<string, string>): Promise<{ seconds: number; peakRssBytes: number | null; stdout: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PASSDESK_') && k !== 'NODE_OPTIONS') clean[k] = v;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let peak: number | null = null;
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak ?? 0, Number(m[1]) * 1024);
    } catch {
      /* not Linux, or already gone */
    }
  };
  const timer = setInterval(sample, 20);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`passdesk ${args.join(' ')} failed (exit ${code}):\n${stdout}\n${stderr}`);
  return { seconds: (performance.now() - started) / 1000, peakRssBytes: peak, stdout: stdout.trim() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'passdesk-bench-breached-'));
  try {
    const source = join(dir, 'pwned.txt');
    const destination = join(dir, 'breached-passwords.bin');
    console.log(`Generating ${LINES.toLocaleString('en')} random SHA-1 lines (unsorted, CRLF)…`);
    const g0 = performance.now();
    const present = generate(source);
    const sourceBytes = statSync(source).size;
    console.log(`  ${(sourceBytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

    console.log('Importing with `passdesk breached import` in a child process…');
    const imported = await runCli(['breached', 'import', source], { PASSDESK_DATA_DIR: dir, PASSDESK_BREACHED_FILE: destination });
    console.log(`  ${imported.stdout}`);
    // What the same CLI process takes before importing anything (Node, tsx, the CLI's modules).
    const baseline = await runCli(['config', 'keys'], { PASSDESK_DATA_DIR: dir });
    rmSync(source);
    const setBytes = statSync(destination).size;

    const set = new OfflineSet({ path: destination, clock: systemClock });
    const entries = set.header?.entries ?? 0;
    const absent = Array.from({ length: LOOKUPS / 2 }, () => new Uint8Array(randomBytes(20)));
    const queries = present.slice(0, LOOKUPS / 2).flatMap((p, i) => [p, absent[i]!]);
    // Warm: the page cache holds the file after one pass over it (the import just wrote it, too).
    for (const q of queries.slice(0, 20_000)) await set.lookup(q);
    const timings: number[] = [];
    let found = 0;
    for (const q of queries) {
      const t = performance.now();
      const match = await set.lookup(q);
      timings.push(performance.now() - t);
      if (match) found++;
    }
    set.close();
    timings.sort((a, b) => a - b);
    if (found < queries.length / 2) throw new Error(`only ${found} of ${queries.length / 2} present hashes were found`);

    // The whole check as the policy engine calls it: NFC, SHA-1, lookup.
    const breached = createBreachedPasswords({ offlinePath: destination });
    const checkTimings: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const password = `bench password ${i} ${randomBytes(6).toString('hex')}`;
      const t = performance.now();
      await breached.check(password);
      checkTimings.push(performance.now() - t);
    }
    await breached.close();
    checkTimings.sort((a, b) => a - b);

    const results = {
      when: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      lines: LINES,
      sourceBytes,
      entries,
      importSeconds: Number(imported.seconds.toFixed(2)),
      /** As the import itself reports it, without the CLI's start-up. */
      importOwnSeconds: Number(/ in ([\d.]+) s$/.exec(imported.stdout)?.[1] ?? 'NaN'),
      importLinesPerSecond: Math.round(LINES / imported.seconds),
      importPeakRssBytes: imported.peakRssBytes,
      cliBaselinePeakRssBytes: baseline.peakRssBytes,
      setBytes,
      bytesPerEntry: Number((setBytes / entries).toFixed(3)),
      lookups: queries.length,
      lookupFalsePositives: found - queries.length / 2,
      lookupP50Ms: Number(percentile(timings, 50).toFixed(4)),
      lookupP99Ms: Number(percentile(timings, 99).toFixed(4)),
      lookupMaxMs: Number(timings[timings.length - 1]!.toFixed(4)),
      checkP50Ms: Number(percentile(checkTimings, 50).toFixed(4)),
      checkP99Ms: Number(percentile(checkTimings, 99).toFixed(4)),
    };
    const rows: Array<[string, string]> = [
      ['Hashes (lines; distinct)', `${LINES.toLocaleString('en')}; ${entries.toLocaleString('en')}`],
      [
        'Import time: the CLI process (the import itself)',
        `${results.importSeconds} s (${results.importOwnSeconds} s); ${results.importLinesPerSecond.toLocaleString('en')} lines/s, input ${mib(sourceBytes)} MiB`,
      ],
      [
        'Import peak RSS (the CLI alone: `passdesk config keys`)',
        results.importPeakRssBytes === null || baseline.peakRssBytes === null
          ? 'n/a (needs /proc)'
          : `${mib(results.importPeakRssBytes)} MiB (${mib(baseline.peakRssBytes)} MiB; the import adds ${mib(results.importPeakRssBytes - baseline.peakRssBytes)} MiB)`,
      ],
      ['Bytes per hash on disk (goal ≤ 9)', `${results.bytesPerEntry} (${(setBytes / 2 ** 20).toFixed(1)} MiB)`],
      [
        `Lookup p50 / p99 / max, warm, ${queries.length.toLocaleString('en')} (half present) (goal p99 < 0.2 ms)`,
        `${results.lookupP50Ms} / ${results.lookupP99Ms} / ${results.lookupMaxMs} ms`,
      ],
      ['check() p50 / p99 (NFC + SHA-1 + lookup, 20,000 absent)', `${results.checkP50Ms} / ${results.checkP99Ms} ms`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log('');
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    const outDir = join(ROOT, 'bench/results');
    mkdirSync(outDir, { recursive: true });
    const outFile = join(outDir, `breached-${results.when.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
    console.log(`\nWrote ${outFile}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
