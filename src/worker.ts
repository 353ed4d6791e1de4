// `passdesk worker`: delivers the outboxes — mail and events out — with no HTTP, until SIGTERM/SIGINT. Several may
// share one PostgreSQL (their leases keep them off each other's rows). Migrates first, like serve.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openStore } from './store/index.js';
import { systemClock } from './core/clock.js';
import { systemRandom } from './core/random.js';
import { createMailSystem } from './mail/setup.js';
import { createEventsSystem } from './events/setup.js';

export async function runWorker(config: Config, logger: Logger): Promise<number> {
  const store = openStore(config.databaseUrl, { poolSize: 4 });
  try {
    await store.migrate();
    const mail = createMailSystem({ config, store, clock: systemClock, random: systemRandom, logger, role: 'worker' });
    logger.info({ mode: mail.mode }, mail.describe());
    const events = createEventsSystem({ settings: config.eventsOut, store, clock: systemClock, logger, dataDir: config.dataDir, role: 'worker' });
    if (events.routing) logger.info(events.describe());
    if (!mail.worker && !events.routing) {
      logger.error('passdesk worker has nothing to do: set PASSDESK_SMTP_URL, PASSDESK_EVENTS_SYSLOG_URL or PASSDESK_EVENTS_WEBHOOK_URL');
      await mail.close();
      return 78;
    }
    mail.worker?.start();
    events.start();
    await mail.startRetention();
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, 'worker stopping');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await mail.close();
    await events.close();
    return 0;
  } finally {
    await store.close();
  }
}
