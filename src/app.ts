// The one place that wires dependencies: config → store, hasher, metrics, flows → HTTP server.
import { availableLocales } from './core/i18n/translator.js';
import { createDurationSample, openDirectory, type Directory } from './directory/index.js';
import type { DirectoryBackend } from './methods/directory-account.js';
import { syncDirectoryAccounts } from './flows/directory-sync.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import pino from 'pino';
import { assertDefaultLanguage, type Config } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import { systemRandom, type Random } from './core/random.js';
import { openStore, type Store } from './store/index.js';
import { createPasswordHasher, type PasswordHasher } from './credentials/password-hasher.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { BreachedLookup, FlowConfig, FlowDeps } from './flows/deps.js';
import { sendExpiryReminders } from './flows/password-expiry.js';
import { sendCheckupReminders } from './flows/checkup.js';
import { SIGN_UP_CODE_MAX_FAILURES_PER_IP, SIGN_UP_CODE_WINDOW_MS, SIGN_UP_MAIL_MAX_PER_ADDRESS, SIGN_UP_MAIL_WINDOW_MS } from './flows/sign-up.js';
import { breachedOptionsFromConfig, createBreachedPasswords, type BreachedPasswords } from './breached/index.js';
import type { PasswordPolicy } from './core/password-policy.js';
import { sharedStrengthEstimator, type StrengthEstimator } from './policy/strength-estimator.js';
import { buildServer } from './http/server.js';
import { createLogger } from './logger.js';
import type { HttpContext } from './http/shared/context.js';
import { memoryAttemptLimiters, type AttemptLimiters } from './core/attempt-limiter.js';
import { openRedisAttemptLimiters } from './store/redis-attempt-limiter.js';
import { createSecretBox } from './core/secret-box.js';
import { assertSecretMatchesDatabase } from './secret-check.js';
import { runRetention } from './flows/retention.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createKeyedHash } from './core/keyed-hash.js';
import { DEFAULT_DELAY_SCHEDULE } from './core/sign-in-delay.js';
import { createChallengeService } from './core/challenge.js';
import { CHALLENGE_ISSUE_MAX_PER_IP, CHALLENGE_ISSUE_WINDOW_MS, SIGN_UP_CHALLENGE_AFTER_PER_IP, SIGN_UP_WINDOW_MS } from './flows/challenge.js';
import { backgroundTasks } from './flows/background.js';
import { RESET_CODE_MAX_FAILURES_PER_IP, RESET_MAX_PER_IP, RESET_THROTTLE_WINDOW_MS } from './flows/reset-password.js';
import { NOT_ME_MAX_PER_IP, NOT_ME_THROTTLE_WINDOW_MS } from './flows/not-me.js';
import { EMAIL_CHANGE_CODE_WINDOW_MS, EMAIL_CHANGE_MAX_REQUESTS, EMAIL_CHANGE_MAX_WRONG_CODES, EMAIL_CHANGE_REQUEST_WINDOW_MS } from './flows/change-email.js';
import { runDueAccountDeletions } from './flows/account-data.js';
import {
  PASSKEY_CHALLENGE_SWEEP_INTERVAL_MS,
  PASSWORDLESS_OPTIONS_MAX_PER_IP,
  PASSWORDLESS_OPTIONS_WINDOW_MS,
  sweepExpiredPasskeyChallenges,
} from './flows/passkeys.js';
import { createMailSystem, mailMode, type MailSystem } from './mail/setup.js';
import { registerMailMetrics } from './mail/metrics.js';
import type { MailTransport } from './mail/smtp.js';
import { buildMetricsServer, describeMetrics } from './http/plugins/metrics.js';
import { createEventsSystem, type EventsSystem } from './events/setup.js';
import type { EventSender } from './events/sender.js';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Use an already opened store (tests); otherwise one is opened from config.databaseUrl. */
  store?: Store;
  hasher?: PasswordHasher;
  strength?: StrengthEstimator;
  /** Run migrations at start (default true). */
  migrate?: boolean;
  /** Replaces the mail transport the configuration names (tests). */
  mailTransport?: MailTransport;
  /** How often an idle mail worker looks for due messages (default 250 ms). */
  mailPollIntervalMs?: number;
  /** Use this directory instead of the one PASSDESK_DIRECTORY_* names (tests). */
  directory?: Directory;
  /** Replaces the event senders PASSDESK_EVENTS_* name (tests). */
  eventSenders?: EventSender[];
}

export interface App {
  server: FastifyInstance;
  deps: FlowDeps;
  config: Config;
  metrics: Metrics;
  ctx: HttpContext;
  logger: Logger;
  /** Outbox delivery: mode (smtp, dev-mailbox, off) and the worker, started by listen() unless PASSDESK_MAIL_WORKER=false. */
  mail: MailSystem;
  /** Events out (syslog, webhooks): its workers are started by listen() unless PASSDESK_EVENTS_WORKER=false. */
  events: EventsSystem;
  /** The separate /metrics listener (PASSDESK_METRICS_LISTEN), started by listen(); null when not configured. */
  metricsServer: FastifyInstance | null;
  /** Starts listening; resolves to the address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function defaultLogger(config: Config): Logger {
  if (config.environment === 'test') return pino({ level: 'silent' });
  const format = config.logFormat ?? (config.environment === 'development' && process.stdout.isTTY ? 'pretty' : 'json');
  return createLogger({ level: config.logLevel, format });
}

/** How long the start-up check of the SMTP server waits for it (connect, greeting, TLS, login). */
export const SMTP_CHECK_TIMEOUT_MS = 5_000;

/** How often the server looks for passwords entering their expiry-reminder window. */
const EXPIRY_SWEEP_INTERVAL_MS = 3_600_000;
/** How often the server looks for accounts due their monthly checkup reminder (PASSDESK_CHECKUP_REMINDERS). */
const CHECKUP_SWEEP_INTERVAL_MS = 3_600_000;

/** The breached-password sources as flows see them. */
export function breachedLookup(breached: BreachedPasswords): BreachedLookup {
  return {
    check: (password) => breached.check(password),
    active: () => breached.isActive(),
  };
}

/** The part of the configuration flows read, in the flows' own terms. */
export function flowConfig(config: Config): FlowConfig {
  const policy: PasswordPolicy = {
    minLength: config.passwordMinLength,
    minLengthWithSecondFactor: config.passwordMinLengthWithSecondFactor,
    maxLength: config.passwordMaxLength,
    minStrengthScore: config.passwordMinStrength,
    bannedTerms: config.passwordBannedTerms,
    minCharacterClasses: config.passwordMinCharacterClasses,
    historyCount: config.passwordHistory,
    minAgeMs: config.passwordMinAge ?? 0,
    maxAgeMs: config.passwordMaxAge ?? 0,
    expiryReminderDays: config.passwordExpiryReminderDays,
  };
  return {
    registration: config.registration,
    defaultLanguage: config.defaultLanguage,
    sessionIdleTimeoutMs: config.sessionIdleTimeout,
    sessionAbsoluteTimeoutMs: config.sessionAbsoluteTimeout,
    passwordPolicy: policy,
    serviceNames: [...new Set(['Passdesk', config.organizationName])],
    resetTokenTtlMs: config.resetTokenTtl,
    stepUpMaxAgeMs: config.stepUpMaxAge,
    securityQuestions: { enabled: config.securityQuestions, count: config.securityQuestionCount },
    resetTwoMethodRoles: config.resetTwoMethodRoles,
    requireTwoFactorRoles: config.requireTwoFactorRoles,
    adminApproval: { enabled: config.adminApproval, privilegedRoles: config.adminApprovalRoles, windowMs: config.adminApprovalWindow },
    webauthn: { rpId: config.webauthnRpId, rpName: config.organizationName, origins: config.webauthnOrigins },
    helpdeskEmail: config.helpdeskEmail,
    checkupReminders: config.checkupReminders,
    accountDeletion: { selfService: config.selfDeletion, graceMs: config.selfDeletionGrace },
    signInLimits: {
      accountLimit: config.signInAccountLimit,
      deviceLimit: config.signInDeviceLimit,
      coolOffMs: config.signInCoolOff,
      delays: { ...DEFAULT_DELAY_SCHEDULE, from: config.signInDelayFrom },
    },
  };
}

interface FlowDepsInputs {
  config: Config;
  store: Store;
  hasher: PasswordHasher;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  breached: BreachedPasswords;
  mail: MailSystem;
  strength: StrengthEstimator | undefined;
  /** Where the attempt limits are counted: this process, or Redis shared by every node. */
  limiters: AttemptLimiters;
  /** The organisation's directory (PASSDESK_DIRECTORY_KIND), or null: passwords in Passdesk's own database. */
  directory: Directory | null;
}

/** What every flow is given: the store, the hasher, the throttles, keys and services, built from the configuration. */
function flowDeps(o: FlowDepsInputs): FlowDeps {
  const { config, store, hasher, clock, random, logger, metrics, breached, mail, limiters } = o;
  const cap = config.challengeIpCap;
  return {
    store,
    hasher,
    signInThrottle: {
      perAccountAndIp: limiters.create({ name: 'sign-in-pair', limit: config.signInMaxFailuresPerAccount, windowMs: config.signInThrottleWindow }),
      // Remembers up to the challenge cap's worth (flows/challenge.ts counts past the limit).
      perIp: limiters.create({
        name: 'sign-in-ip',
        limit: config.signInMaxFailuresPerIp,
        keep: config.signInMaxFailuresPerIp * cap,
        windowMs: config.signInThrottleWindow,
      }),
    },
    resetThrottle: {
      perIp: limiters.create({ name: 'reset-ip', limit: RESET_MAX_PER_IP, keep: RESET_MAX_PER_IP * cap, windowMs: RESET_THROTTLE_WINDOW_MS }),
      codePerIp: limiters.create({ name: 'reset-code-ip', limit: RESET_CODE_MAX_FAILURES_PER_IP, windowMs: RESET_THROTTLE_WINDOW_MS }),
    },
    notMeThrottle: { perIp: limiters.create({ name: 'not-me-ip', limit: NOT_ME_MAX_PER_IP, windowMs: NOT_ME_THROTTLE_WINDOW_MS }) },
    emailChangeThrottle: {
      perAccount: limiters.create({ name: 'email-change-code', limit: EMAIL_CHANGE_MAX_WRONG_CODES, windowMs: EMAIL_CHANGE_CODE_WINDOW_MS }),
      requests: limiters.create({ name: 'email-change-request', limit: EMAIL_CHANGE_MAX_REQUESTS, windowMs: EMAIL_CHANGE_REQUEST_WINDOW_MS }),
    },
    passkeyOptionsThrottle: {
      perIp: limiters.create({ name: 'passkey-options-ip', limit: PASSWORDLESS_OPTIONS_MAX_PER_IP, windowMs: PASSWORDLESS_OPTIONS_WINDOW_MS }),
    },
    background: backgroundTasks({ onError: (name, err) => logger.error({ err, task: name }, 'background task failed') }),
    secret: config.secretBytes,
    clock,
    random,
    strength: o.strength ?? sharedStrengthEstimator(),
    breached: breachedLookup(breached),
    config: flowConfig(config),
    observe: { signIn: metrics.observeSignIn },
    mail: mail.deps,
    secondFactorSecrets: createSecretBox({ serverSecrets: [config.secretBytes], purpose: 'totp-secret', random }),
    recoveryCodeKeys: createKeyedHash({ serverSecrets: [config.secretBytes], purpose: 'recovery-code' }),
    challenges: createChallengeService({
      serverSecret: config.secretBytes,
      settings: {
        mode: config.challenge,
        maxNumber: config.challengeMaxNumber,
        ttlMs: config.challengeTtl,
        fallbackDelayMs: config.challengeFallbackDelay,
        ipCapFactor: config.challengeIpCap,
      },
      clock,
      random,
    }),
    signUpThrottle: {
      perIp: limiters.create({
        name: 'sign-up-ip',
        limit: SIGN_UP_CHALLENGE_AFTER_PER_IP,
        keep: SIGN_UP_CHALLENGE_AFTER_PER_IP * cap,
        windowMs: SIGN_UP_WINDOW_MS,
      }),
      mailPerAddress: limiters.create({ name: 'sign-up-mail-address', limit: SIGN_UP_MAIL_MAX_PER_ADDRESS, windowMs: SIGN_UP_MAIL_WINDOW_MS }),
      codePerIp: limiters.create({ name: 'sign-up-code-ip', limit: SIGN_UP_CODE_MAX_FAILURES_PER_IP, windowMs: SIGN_UP_CODE_WINDOW_MS }),
    },
    attemptLimiters: limiters,
    ...(o.directory ? { directory: directoryBackend(o.directory, config, limiters) } : {}),
    challengeIssueThrottle: { perIp: limiters.create({ name: 'challenge-issue-ip', limit: CHALLENGE_ISSUE_MAX_PER_IP, windowMs: CHALLENGE_ISSUE_WINDOW_MS }) },
  };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options;
  // After the catalogs are registered (languages added at start count).
  assertDefaultLanguage(config, availableLocales());
  // Refused before anything is opened: a public base URL with no SMTP would expose the dev mailbox.
  if (!options.mailTransport) mailMode(config);
  const logger = options.logger ?? defaultLogger(config);
  const metrics = createMetrics({ defaultMetrics: config.environment !== 'test' });
  const ownsStore = !options.store;
  const store = options.store ?? openStore(config.databaseUrl);
  const closeOnFailure: Array<() => Promise<void>> = [];
  try {
    if (options.migrate ?? true) {
      const { applied } = await store.migrate();
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
    await assertSecretMatchesDatabase(store, config.secretBytes, (options.clock ?? systemClock).now());
    const breached = createBreachedPasswords({ ...breachedOptionsFromConfig(config), clock: options.clock ?? systemClock, logger });
    let smtpCheck: Promise<void> | null = null;
    let jobs: NodeJobs | null = null;
    // Names this process in leases (retention): which machine and process, and unique across restarts.
    const nodeOwner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const ownsHasher = !options.hasher;
    const hasher =
      options.hasher ??
      (await createPasswordHasher({
        params: { memoryKib: config.argon2MemoryKib, iterations: config.argon2Iterations, parallelism: config.argon2Parallelism },
        ...(config.hashThreads !== undefined ? { threads: config.hashThreads } : {}),
        observe: metrics.observeHash,
      }));
    const clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    const mail = createMailSystem({
      config,
      store,
      clock,
      random,
      logger,
      observe: registerMailMetrics(metrics.registry, store),
      transport: options.mailTransport,
      pollIntervalMs: options.mailPollIntervalMs,
    });
    store.onMailCommitted(() => mail.worker?.poke());
    logger[mail.mode === 'off' ? 'warn' : 'info']({ mailMode: mail.mode }, mail.describe());
    const events = eventsOut({ config, store, clock, logger, senders: options.eventSenders, pollIntervalMs: options.mailPollIntervalMs });
    closeOnFailure.push(() => events.close());
    const limiters = await attemptLimiters(config, clock, logger);
    closeOnFailure.push(() => limiters.close());
    const directory = options.directory ?? (config.directory ? openDirectory(config.directory, { clock }) : null);
    if (directory) closeOnFailure.push(() => directory.close());
    const deps = flowDeps({ config, store, hasher, clock, random, logger, metrics, breached, mail, strength: options.strength, limiters, directory });
    const devMailbox = mail.mode === 'dev-mailbox' ? { store, bodies: mail.bodies } : undefined;
    const { server, ctx } = await buildServer({ config, deps, metrics, logger, routes: { devMailbox } });
    const metricsServer = await buildMetricsServer(ctx, logger);
    logger.info(describeMetrics(ctx));
    if (!ctx.cookies.secure) {
      logger.warn({ baseUrl: config.baseUrl }, 'PASSDESK_BASE_URL is plain http on a non-loopback host: session cookies cannot be Secure; serve over https');
    }
    return {
      server,
      deps,
      config,
      metrics,
      ctx,
      logger,
      mail,
      events,
      metricsServer,
      async listen() {
        // The estimator's dictionaries take a second to load: not on the first person's sign-in.
        deps.strength?.warm();
        const address = await server.listen({ host: config.host, port: config.port });
        if (metricsServer && config.metricsListen) await metricsServer.listen({ host: config.metricsListen.host, port: config.metricsListen.port });
        if (config.mailWorker) {
          mail.worker?.start();
          // A wrong host, port or password shows at start, not at the first email; the worker still queues and
          // retries (mail/outbox-worker.ts), so this is a warning and start-up does not wait for it.
          smtpCheck = mail.checkSmtp(SMTP_CHECK_TIMEOUT_MS).then((reason) => {
            if (reason !== null)
              logger.warn({ reason }, `mail: the SMTP server did not answer at start (${reason}); emails stay queued in the outbox and are retried`);
          });
        }
        if (config.eventsWorker) events.start();
        jobs = await startNodeJobs({ deps, config, logger, mail, owner: nodeOwner });
        return address;
      },
      async close() {
        await server.close();
        await metricsServer?.close();
        await deps.background?.idle();
        await smtpCheck; // at most SMTP_CHECK_TIMEOUT_MS; its warning is never written after close
        await mail.close();
        await events.close();
        await jobs?.stop();
        if (ownsHasher) await hasher.close();
        await breached.close();
        await deps.attemptLimiters?.close();
        await directory?.close();
        if (ownsStore) await store.close();
      },
    };
  } catch (err) {
    for (const close of closeOnFailure) await close().catch(() => undefined);
    if (ownsStore) await store.close();
    throw err;
  }
}

/** Events out: every event the configuration sends is copied in its transaction; the workers deliver the copies. */
function eventsOut(o: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  senders: EventSender[] | undefined;
  pollIntervalMs: number | undefined;
}): EventsSystem {
  const events = createEventsSystem({
    settings: o.config.eventsOut,
    store: o.store,
    clock: o.clock,
    logger: o.logger,
    dataDir: o.config.dataDir,
    senders: o.senders,
    pollIntervalMs: o.pollIntervalMs,
  });
  o.store.routeEvents(events.routing);
  o.store.onEventsCommitted(() => events.poke());
  if (events.routing) o.logger.info({ destinations: events.senders.map((s) => s.description) }, events.describe());
  return events;
}

/** The directory and the gates that keep Passdesk's binds inside its lockout, shared by every node through the limiters. */
function directoryBackend(directory: Directory, config: Config, limiters: AttemptLimiters): DirectoryBackend {
  return {
    directory,
    // One bind per entry at a time; the window only frees a gate whose holder died (a bind times out long before).
    bindGate: limiters.create({ name: 'directory-bind', limit: 1, windowMs: Math.max(30_000, 3 * config.directoryTimeout) }),
    noticeGate: limiters.create({ name: 'directory-lock-notice', limit: 1, windowMs: 3_600_000 }),
    groupRoles: config.directory?.groupRoles ?? [],
    refusalTimes: createDurationSample(32),
  };
}

interface NodeJobs {
  /** Stops the timers and waits for a retention run in progress. */
  stop(): Promise<void>;
}

/** The periodic work of a serving node: passkey-challenge sweep, retention and due account deletions (one node at a time), expiry reminders. */
async function startNodeJobs(o: { deps: FlowDeps; config: Config; logger: Logger; mail: MailSystem; owner: string }): Promise<NodeJobs> {
  const { deps, config, logger, mail } = o;
  const nodeOwner = o.owner;
  let expirySweep: NodeJS.Timeout | undefined;
  const checkupSweep = startCheckupSweep(deps, config, logger);
  let retentionRun: Promise<unknown> | null = null;
  // Abandoned passkey ceremonies leave challenge rows; a bounded sweep drops the expired ones.
  const challengeSweep = setInterval(() => {
    sweepExpiredPasskeyChallenges(deps).catch((err: unknown) => logger.error({ err }, 'passkey challenge sweep failed'));
  }, PASSKEY_CHALLENGE_SWEEP_INTERVAL_MS);
  challengeSweep.unref();
  // Retention: one node at a time (a lease), hourly, starting now; each run deletes in small batches.
  const retention = (): void => {
    if (retentionRun !== null) return;
    retentionRun = runRetention(deps, {
      owner: nodeOwner,
      settings: {
        sessionsMs: config.retentionSessions,
        eventsMs: config.retentionEvents,
        flowsMs: config.retentionFlows,
        eventDeliveriesMs: config.retentionEventDeliveries,
      },
    })
      .then(
        (r) => {
          if (r.ran && Object.values(r.deleted).some((n) => n > 0)) logger.info({ deleted: r.deleted }, 'retention');
        },
        (err: unknown) => logger.error({ err }, 'retention failed'),
      )
      // Accounts whose own deletion is due (flows/account-data.ts): on the same timer, one node at a time (a lease).
      .then(() => runDueAccountDeletions(deps, { owner: nodeOwner }))
      .then(
        (r) => {
          if (r.deleted > 0 || r.kept > 0) logger.info({ deleted: r.deleted, kept: r.kept }, 'account deletions');
        },
        (err: unknown) => logger.error({ err }, 'account deletions failed'),
      )
      .finally(() => {
        retentionRun = null;
      });
  };
  retention();
  const retentionTimer = setInterval(retention, config.retentionInterval);
  retentionTimer.unref();
  // Every node sweeps (a delete by age is harmless to repeat), so retention holds without a worker too.
  await mail.startRetention();
  if (config.passwordMaxAge !== undefined) {
    const sweep = (): void => {
      sendExpiryReminders(deps).then(
        (n) => {
          if (n > 0) logger.info({ reminders: n }, 'password expiry reminders queued');
        },
        (err: unknown) => logger.error({ err }, 'password expiry reminders failed'),
      );
    };
    sweep();
    expirySweep = setInterval(sweep, EXPIRY_SWEEP_INTERVAL_MS);
    expirySweep.unref();
  }
  // Sessions of entries deleted or disabled in the directory end within one interval (flows/directory-sync.ts).
  let directorySync: NodeJS.Timeout | undefined;
  if (deps.directory) {
    let running = false;
    directorySync = setInterval(() => {
      if (running) return;
      running = true;
      syncDirectoryAccounts(deps)
        .then(
          (r) => {
            if (r.ended > 0) logger.info({ ended: r.ended, checked: r.checked }, 'directory: sessions of gone or disabled entries ended');
            if (!r.complete) logger.warn('directory: unreachable during the account sync; trying again next interval');
          },
          (err: unknown) => logger.error({ err }, 'directory account sync failed'),
        )
        .finally(() => {
          running = false;
        });
    }, config.directorySyncInterval);
    directorySync.unref();
  }
  return {
    async stop() {
      if (directorySync) clearInterval(directorySync);
      if (expirySweep) clearInterval(expirySweep);
      await checkupSweep?.stop();
      clearInterval(retentionTimer);
      clearInterval(challengeSweep);
      await retentionRun;
    },
  };
}

/** The monthly checkup reminder's hourly sweep (flows/checkup.ts), when the organisation turned it on; once at start too. */
function startCheckupSweep(deps: FlowDeps, config: Config, logger: Logger): { stop(): Promise<void> } | null {
  if (!config.checkupReminders) return null;
  let running: Promise<void> | null = null;
  const sweep = (): void => {
    if (running !== null) return;
    running = sendCheckupReminders(deps)
      .then(
        (n) => {
          if (n > 0) logger.info({ reminders: n }, 'security checkup reminders queued');
        },
        (err: unknown) => logger.error({ err }, 'security checkup reminders failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, CHECKUP_SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** PASSDESK_REDIS_URL: every node counts in Redis; unset: this process counts alone (one node). */
async function attemptLimiters(config: Config, clock: Clock, logger: Logger): Promise<AttemptLimiters> {
  if (!config.redisUrl) return memoryAttemptLimiters(clock);
  return openRedisAttemptLimiters(config.redisUrl, clock, { prefix: config.redisPrefix, log: logger });
}
