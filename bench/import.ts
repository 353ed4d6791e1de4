// `node --import tsx bench/import.ts [COUNT]`: imports COUNT accounts (every 10th with an {SSHA} hash, the rest
// without) through the admin flow on an in-memory SQLite app, while an existing account signs in over HTTP in a
// loop; prints the import's time and the sign-ins' p50/p99 during it.
import { startTestApp, PASSWORD } from '../test/helpers/app.js';
import { registerAccount } from '../src/flows/register.js';
import { importAccounts } from '../src/flows/help-desk/import.js';

const count = Number(process.argv[2] ?? 100_000);
const t = await startTestApp({ config: { registration: 'closed' } });
await registerAccount(t.app.deps, { email: 'existing@example.org', password: PASSWORD }, { ip: null, userAgent: null }, { kind: 'cli' });
const rows = ['email,name,role,password_hash'];
for (let i = 0; i < count; i++) rows.push(`p${i}@example.org,Person ${i},user,${i % 10 === 0 ? '{SSHA}h/xButA9eGTkhobSdFrCjjkdJ2vjBFgY' : ''}`);
const text = rows.join('\n');
let importing = true;
const times: number[] = [];
const signIns = (async () => {
  while (importing) {
    const started = performance.now();
    const res = await t.client().signIn('existing@example.org', PASSWORD);
    if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode}`);
    times.push(performance.now() - started);
  }
})();
const started = performance.now();
const report = await importAccounts(
  t.app.deps,
  { kind: 'cli', label: 'bench' },
  { text, format: 'csv', why: { reason: 'bench import' }, ctx: { ip: null, userAgent: null } },
);
const seconds = (performance.now() - started) / 1000;
importing = false;
await signIns;
times.sort((a, b) => a - b);
const q = (p: number): string => (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(1);
console.log(
  `${report.created} created in ${seconds.toFixed(1)} s (${Math.round(report.created / seconds)}/s); ${times.length} sign-ins meanwhile, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
);
await t.close();
