// `passdesk events status [--json]` and `passdesk events retry [--destination syslog|URL]`.
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/index.js';
import { systemClock } from '../core/clock.js';
import { describeWebhook, webhookDestination } from './webhook.js';

export interface EventsCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const STATES = ['queued', 'sending', 'retrying', 'sent', 'failed'] as const;

/** Destination keys as people know them: "syslog tls://…", the webhook's URL without its query, or "not configured". */
function destinationNames(config: Config): Map<string, string> {
  const names = new Map<string, string>();
  const s = config.eventsOut?.syslog;
  if (s) names.set('syslog', `syslog ${s.protocol}://${s.host}:${s.port}`);
  for (const url of config.eventsOut?.webhookUrls ?? []) names.set(webhookDestination(url), `webhook ${describeWebhook(url)}`);
  return names;
}

export async function eventsStatus(config: Config, io: EventsCliIo, options: { json: boolean }): Promise<number> {
  const store = openStore(config.databaseUrl, { poolSize: 1 });
  try {
    await store.migrate();
    const names = destinationNames(config);
    const byDestination = new Map<string, Record<(typeof STATES)[number], number>>();
    for (const key of names.keys()) byDestination.set(key, { queued: 0, sending: 0, retrying: 0, sent: 0, failed: 0 });
    for (const c of await store.eventDeliveries.countDeliveries()) {
      const counts = byDestination.get(c.destination) ?? { queued: 0, sending: 0, retrying: 0, sent: 0, failed: 0 };
      counts[c.state] = c.count;
      byDestination.set(c.destination, counts);
    }
    const problems = await store.eventDeliveries.listDeliveries({ limit: 10, states: ['retrying', 'failed'] });
    const label = (key: string): string => names.get(key) ?? `${key} (not configured: its copies wait)`;
    if (options.json) {
      const destinations = [...byDestination].map(([key, counts]) => ({ destination: key, name: label(key), ...counts }));
      const recent = problems.map((p) => ({
        destination: p.destination,
        eventId: p.eventId,
        type: p.eventType,
        state: p.state,
        attempts: p.attempts,
        lastError: p.lastError,
      }));
      io.stdout(JSON.stringify({ destinations, problems: recent }, null, 2));
      return 0;
    }
    if (byDestination.size === 0) io.stdout('events out: nothing configured and nothing queued');
    for (const [key, c] of byDestination) {
      io.stdout(`${label(key)}: queued ${c.queued}  sending ${c.sending}  retrying ${c.retrying}  sent ${c.sent}  failed ${c.failed}`);
    }
    for (const p of problems)
      io.stdout(`  ${p.state.padEnd(8)} ${label(p.destination)}  event ${p.eventId} ${p.eventType}  attempts ${p.attempts}  ${p.lastError ?? ''}`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function eventsRetry(config: Config, io: EventsCliIo, options: { destination: string | undefined }): Promise<number> {
  let destination: string | undefined;
  if (options.destination !== undefined) {
    destination =
      options.destination === 'syslog' ? 'syslog' : webhookDestination(URL.canParse(options.destination) ? new URL(options.destination).toString() : '');
    if (!destinationNames(config).has(destination)) {
      io.stderr(`passdesk: ${options.destination} is not a configured events destination (syslog, or a URL of PASSDESK_EVENTS_WEBHOOK_URL as written there)`);
      return 1;
    }
  }
  const store = openStore(config.databaseUrl, { poolSize: 1 });
  try {
    await store.migrate();
    const n = await store.eventDeliveries.requeueFailed({ now: systemClock.now(), ...(destination ? { destination } : {}) });
    io.stdout(`${n} failed event ${n === 1 ? 'copy' : 'copies'} queued again; the events worker sends them now.`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function eventsCommand(argv: string[], io: EventsCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'status') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true });
    return eventsStatus(loadConfig(), io, { json: values.json });
  }
  if (sub === 'retry') {
    const { values } = parseArgs({ args: rest, options: { destination: { type: 'string' } }, strict: true });
    return eventsRetry(loadConfig(), io, { destination: values.destination });
  }
  io.stderr('Usage: passdesk events status [--json] | passdesk events retry [--destination syslog|URL]');
  return 2;
}
