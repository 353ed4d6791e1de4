/**
 * `node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [REQUESTS] [TOP]` — where a server's CPU went.
 *
 * Reads a V8 CPU profile (as written by `npm run bench:session` with BENCH_CPU_PROF) and prints the functions
 * with the most self time, then self time by package or source file, and the inclusive time of the functions
 * with the most of it. With REQUESTS (the bench prints how many responses it served), each figure is also given
 * in µs per request.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A package name from node_modules, our own file below src/ or dist/, or node's internals. */
function whereOf(url: string): string {
  if (url === '') return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(?:src|dist)\/(.+)$/.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

function main(): void {
  const [file, requestsArg, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [REQUESTS] [TOP]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const requests = Number(requestsArg) || 0;
  const top = Number(topArg) || 40;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${whereOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfByFunction = new Map<string, number>();
  const selfByWhere = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    selfByFunction.set(label(n), (selfByFunction.get(label(n)) ?? 0) + us);
    const where = n.callFrame.url === '' ? `(${n.callFrame.functionName})` : whereOf(n.callFrame.url);
    selfByWhere.set(where, (selfByWhere.get(where) ?? 0) + us);
    // Inclusive: each distinct function on the stack counted once (recursion does not double it).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const fmt = (us: number): string =>
    `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%${requests ? ` ${(us / requests).toFixed(2).padStart(7)} µs/req` : ''}`;
  const print = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${fmt(us)}  ${k}`);
  };
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled${requests ? `, ${requests} requests` : ''}`);
  print('self time by function', selfByFunction);
  print('self time by package or file', selfByWhere);
  print('inclusive time by function', inclusive);
}

main();
