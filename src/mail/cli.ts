// `passdesk mail status` (`passdesk worker` is src/worker.ts).
import type { Config } from '../config.js';
import { openStore } from '../store/index.js';

export interface MailCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export async function mailStatus(config: Config, io: MailCliIo, options: { json: boolean }): Promise<number> {
  const store = openStore(config.databaseUrl, { poolSize: 1 });
  try {
    await store.migrate();
    const counts = await store.outbox.countMessagesByState();
    const recentFailures = (await store.outbox.listMessages({ limit: 200 })).filter((m) => m.state === 'failed' || m.state === 'retrying').slice(0, 10);
    const next = await store.outbox.nextDueAt();
    if (options.json) {
      io.stdout(
        JSON.stringify(
          {
            ...counts,
            nextAttemptAt: next === null ? null : new Date(next).toISOString(),
            problems: recentFailures.map((m) => ({ id: m.id, to: m.to, template: m.template, state: m.state, attempts: m.attempts, lastError: m.lastError })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    io.stdout(`queued ${counts.queued}  sending ${counts.sending}  retrying ${counts.retrying}  sent ${counts.sent}  failed ${counts.failed}`);
    if (next !== null) io.stdout(`next attempt due ${new Date(next).toISOString()}`);
    for (const m of recentFailures) {
      io.stdout(`  ${m.state.padEnd(8)} ${m.to.padEnd(32)} ${m.template.padEnd(28)} attempts ${m.attempts}  ${m.lastError ?? ''}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
