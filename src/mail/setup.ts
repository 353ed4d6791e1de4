// Builds the mail side from configuration: how flows queue (MailDeps), and how the worker delivers —
// SMTP when PASSDESK_SMTP_URL is set, the dev mailbox when it is not, the service is not in production and
// the base URL is loopback (or PASSDESK_DEV_MAILBOX=true), and nothing (messages wait in the outbox, with a
// warning) in production without SMTP. See mailMode.
// It also owns the retention sweep: sent and failed messages are deleted PASSDESK_MAIL_RETENTION after they
// settled, whatever the mode (their bodies are already gone; what is left is who was mailed what, and when).
import { DEFAULT_LOCALE } from '../core/i18n/translator.js';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError, isLoopbackHost, type Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { Store } from '../store/index.js';
import type { SecretBox } from '../core/secret-box.js';
import { createMailBodyBox } from './sealed-body.js';
import type { MailDeps } from './notices.js';
import { createOutboxWorker, errorText, type DeliveryObserver, type OutboxWorker } from './outbox-worker.js';
import { claimWorkerOwner, type WorkerOwner } from './worker-owner.js';
import { createDevMailboxTransport, createSmtpTransport, readDkimKey, type MailTransport } from './smtp.js';

export type MailMode = 'smtp' | 'dev-mailbox' | 'off';

export interface MailSystem {
  mode: MailMode;
  deps: MailDeps;
  /** Null when mode is "off". */
  worker: OutboxWorker | null;
  /** Seals and opens message bodies (mail/sealed-body.ts). */
  bodies: SecretBox;
  /** Deletes sent and failed messages settled more than the retention ago (by the injected clock); how many. */
  sweepRetention(): Promise<number>;
  /** One sweep now, then one an hour until close(); a failed sweep is logged and tried again at the next. */
  startRetention(): Promise<void>;
  /** One line for the start-up log. */
  describe(): string;
  /**
   * When this node delivers over SMTP: connects to the server once and resolves to why it could not (null when
   * it answered, or when there is no SMTP server to reach). Never rejects.
   */
  checkSmtp(timeoutMs: number): Promise<string | null>;
  close(): Promise<void>;
}

export type MailConfig = Pick<
  Config,
  | 'baseUrl'
  | 'devMailbox'
  | 'secretBytes'
  | 'organizationName'
  | 'supportContact'
  | 'environment'
  | 'smtpUrl'
  | 'smtpSecurity'
  | 'smtpCaFile'
  | 'mailFrom'
  | 'mailReplyTo'
  | 'mailLogoUrl'
  | 'look'
  | 'dkimPrivateKey'
  | 'dkimSelector'
  | 'dkimDomain'
  | 'mailMaxAttempts'
  | 'mailRetryBase'
> &
  Partial<Pick<Config, 'notMeTokenTtl' | 'mailRetention' | 'retentionInterval' | 'dataDir'>>;

/** How long sent and failed messages stay in the outbox unless configured. */
export const DEFAULT_MAIL_RETENTION_MS = 30 * 86_400_000;
/** How often the retention sweep runs unless PASSDESK_RETENTION_INTERVAL says (real time; the cutoff comes from the injected clock). */
export const RETENTION_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * SMTP when configured. Without it: in production nothing is sent (messages wait in the outbox); otherwise the
 * dev mailbox, which shows every message (reset links included) to anyone who can reach the service, so it turns
 * itself on only for a base URL that only this machine can open, and elsewhere only when the operator says so.
 * A base URL anyone else can reach, with no SMTP and no opt-in, is refused at start (a ConfigError: exit 78).
 */
export function mailMode(config: Pick<Config, 'smtpUrl' | 'environment' | 'baseUrl' | 'devMailbox'>): MailMode {
  if (config.smtpUrl) return 'smtp';
  if (config.environment === 'production') {
    if (config.devMailbox) throw new ConfigError('PASSDESK_DEV_MAILBOX: the dev mailbox is never on in production; set PASSDESK_SMTP_URL to send mail');
    return 'off';
  }
  if (config.devMailbox || isLoopbackHost(new URL(config.baseUrl).hostname)) return 'dev-mailbox';
  throw new ConfigError(
    `PASSDESK_SMTP_URL is not set and PASSDESK_BASE_URL (${config.baseUrl}) is not loopback, so the dev mailbox would show every email, reset links included, to anyone: ` +
      'set PASSDESK_SMTP_URL to send mail, or PASSDESK_ENV=production to keep messages queued unsent, or PASSDESK_DEV_MAILBOX=true if this server is truly private',
  );
}

/** A host name for Message-IDs and the default From: the base URL's, or "localhost" for an IP address. */
export function mailDomain(baseUrl: string): string {
  const host = new URL(baseUrl).hostname;
  return /[a-z]/i.test(host) && !host.startsWith('[') ? host : 'localhost';
}

export function defaultFrom(config: Pick<Config, 'baseUrl' | 'organizationName' | 'mailFrom'>): string {
  if (config.mailFrom) return config.mailFrom;
  const name = config.organizationName.replace(/["\\\r\n]/g, '');
  return `"${name}" <no-reply@${mailDomain(config.baseUrl)}>`;
}

function fromDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'localhost';
}

export interface CreateMailSystemOptions {
  config: MailConfig;
  store: Pick<Store, 'outbox'>;
  clock: Clock;
  random: Random;
  logger?: Logger | undefined;
  observe?: DeliveryObserver | undefined;
  /** Replaces the transport the configuration names (tests of failure modes). */
  transport?: MailTransport | undefined;
  pollIntervalMs?: number | undefined;
  /** Which kind of process delivers: part of the worker's lease owner id (mail/worker-owner.ts). */
  role?: 'serve' | 'worker' | undefined;
}

/** What flows need to queue mail (FlowDeps.mail); also the CLI's, which queues for the server's worker to send. */
export function mailDeps(
  config: Pick<MailConfig, 'baseUrl' | 'secretBytes' | 'organizationName' | 'supportContact' | 'mailLogoUrl' | 'look' | 'notMeTokenTtl'> & {
    defaultLanguage?: string;
  },
  bodies: MailDeps['bodies'],
): MailDeps {
  return {
    branding: {
      baseUrl: config.baseUrl,
      secret: config.secretBytes,
      organizationName: config.organizationName,
      supportContact: config.supportContact,
      // The organisation's look (src/look.ts); PASSDESK_MAIL_LOGO_URL, when set, wins for emails.
      support: config.look.support,
      logoUrl: config.mailLogoUrl ?? config.look.mailLogoUrl ?? undefined,
      primaryColor: config.look.palette?.accent,
      privacyUrl: config.look.privacyUrl,
      termsUrl: config.look.termsUrl,
    },
    messageIdDomain: mailDomain(config.baseUrl),
    bodies,
    notMeTokenTtlMs: config.notMeTokenTtl,
    defaultLanguage: config.defaultLanguage ?? DEFAULT_LOCALE,
  };
}

export function createMailSystem(o: CreateMailSystemOptions): MailSystem {
  const { config } = o;
  const mode = o.transport ? (o.transport.kind === 'smtp' ? 'smtp' : 'dev-mailbox') : mailMode(config);
  const from = defaultFrom(config);
  if ((config.dkimPrivateKey === undefined) !== (config.dkimSelector === undefined)) {
    throw new ConfigError('PASSDESK_DKIM_PRIVATE_KEY and PASSDESK_DKIM_SELECTOR: set both, or neither');
  }
  let transport: MailTransport | null = o.transport ?? null;
  if (!transport && mode === 'smtp' && config.smtpUrl) {
    let privateKey: string | undefined;
    if (config.dkimPrivateKey) {
      try {
        privateKey = readDkimKey(config.dkimPrivateKey);
      } catch (err) {
        throw new ConfigError(`PASSDESK_DKIM_PRIVATE_KEY: cannot read the key file: ${(err as Error).message}`);
      }
    }
    transport = createSmtpTransport({
      url: config.smtpUrl,
      security: config.smtpSecurity,
      caFile: config.smtpCaFile,
      from,
      replyTo: config.mailReplyTo,
      ...(privateKey && config.dkimSelector
        ? { dkim: { domainName: config.dkimDomain ?? fromDomain(from), keySelector: config.dkimSelector, privateKey } }
        : {}),
    });
  } else if (!transport && mode === 'dev-mailbox') {
    transport = createDevMailboxTransport();
  }
  const bodies = createMailBodyBox({ serverSecrets: [config.secretBytes], random: o.random });
  const retentionMs = config.mailRetention ?? DEFAULT_MAIL_RETENTION_MS;
  let retentionTimer: NodeJS.Timeout | null = null;
  const sweepRetention = async (): Promise<number> => {
    const deleted = await o.store.outbox.deleteFinishedMessages({ before: o.clock.now() - retentionMs });
    if (deleted > 0) o.logger?.info({ deleted }, 'mail retention: old sent and failed messages deleted');
    return deleted;
  };
  const sweepLogged = (): Promise<void> =>
    sweepRetention().then(
      () => undefined,
      (err: unknown) => {
        o.logger?.error({ err }, 'mail retention sweep failed');
      },
    );
  const unstableOwner = (): string => `${hostname()}:${process.pid}:${o.random.uuid().slice(0, 8)}`;
  // Stable across restarts of this node, distinct between live processes: a restart takes back its own leases.
  const owner: WorkerOwner | null = transport
    ? config.dataDir
      ? claimWorkerOwner(config.dataDir, o.role ?? 'serve', unstableOwner)
      : { id: unstableOwner(), release() {} }
    : null;
  const worker =
    transport && owner
      ? createOutboxWorker({
          store: o.store,
          transport,
          clock: o.clock,
          bodies,
          owner: owner.id,
          maxAttempts: config.mailMaxAttempts,
          retryBaseMs: config.mailRetryBase,
          logger: o.logger,
          observe: o.observe,
          pollIntervalMs: o.pollIntervalMs,
        })
      : null;
  return {
    mode,
    worker,
    bodies,
    sweepRetention,
    async startRetention() {
      if (retentionTimer) return;
      retentionTimer = setInterval(() => {
        void sweepLogged();
      }, config.retentionInterval ?? RETENTION_SWEEP_INTERVAL_MS);
      retentionTimer.unref();
      await sweepLogged();
    },
    deps: mailDeps(config, bodies),
    async checkSmtp(timeoutMs) {
      if (!worker || !transport?.verify) return null;
      try {
        await transport.verify(timeoutMs);
        return null;
      } catch (err) {
        // The same redaction as delivery errors: a URL in the message loses its user:pass@.
        return errorText(err);
      }
    },
    describe() {
      if (mode === 'off') return 'mail: no PASSDESK_SMTP_URL in production; messages are queued in the outbox but not sent until SMTP is configured';
      if (mode === 'dev-mailbox')
        return `mail: dev mailbox on (no PASSDESK_SMTP_URL): messages are kept and shown at ${config.baseUrl}/dev/mailbox, nothing is sent`;
      return `mail: ${transport?.description ?? 'SMTP'}, from ${from}; dev mailbox off`;
    },
    async close() {
      if (retentionTimer) clearInterval(retentionTimer);
      retentionTimer = null;
      await worker?.stop();
      owner?.release();
      transport?.close();
    },
  };
}
