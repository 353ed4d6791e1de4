// Prometheus metrics (prom-client), one registry per app instance so tests can run many apps.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SignInOutcome } from './flows/deps.js';

export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeSignIn(outcome: SignInOutcome): void;
  observeHash(operation: 'hash' | 'verify', seconds: number): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'passdesk_' });
  const requests = new Counter({
    name: 'passdesk_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'passdesk_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'passdesk_sign_in_total',
    help: 'Sign-in attempts by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const hashes = new Histogram({
    name: 'passdesk_password_hash_duration_seconds',
    help: 'Time spent in argon2id, by operation (hash or verify).',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1],
    registers: [registry],
  });
  for (const outcome of ['success', 'unknown_account', 'wrong_password', 'disabled', 'no_password', 'throttled'] as const) signIns.inc({ outcome }, 0);
  return {
    registry,
    observeRequest: (method, route, status, seconds) => {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    observeSignIn: (outcome) => signIns.inc({ outcome }),
    observeHash: (operation, seconds) => hashes.observe({ operation }, seconds),
  };
}
