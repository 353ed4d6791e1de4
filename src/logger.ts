// pino, JSON by default, pretty for a person at a terminal. Secrets are redacted by path as a second
// line of defence: the code never logs a password, token or cookie on purpose.
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'cookie',
  '*.cookie',
  'headers.cookie',
  'headers.authorization',
  '*.headers.cookie',
  '*.headers.authorization',
  'set-cookie',
  '*["set-cookie"]',
  'secret',
  '*.secret',
  'flowId',
  '*.flowId',
  'recoveryCodes',
  '*.recoveryCodes',
  'otpauthUrl',
  '*.otpauthUrl',
];

/** `destination` (JSON only; stdout otherwise) lets the log-hygiene tests read what this very logger writes. */
export function createLogger(options: { level: string; format: 'json' | 'pretty'; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'passdesk' },
    ...(options.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } } }
      : {}),
  };
  return options.destination && options.format === 'json' ? pino(settings, options.destination) : pino(settings);
}
