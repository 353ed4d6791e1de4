// Prometheus metrics (prom-client), one registry per app instance so tests can run many apps.
//
// Whoever reads /metrics (the operator's scraper, and anyone with the dashboards) must not learn from them
// whether an address has an account (issue 11 #4; DESIGN.md: no enumeration through metrics). Each metric was
// checked against what a stranger can trigger for an address of their choice:
// - passdesk_sign_in_total{outcome}: success, failure, throttled. A wrong password, an unknown address, a disabled
//   account and an account without a password are one outcome, "failure", as they are one 401 to the client;
//   the reason stays in the account's audit trail. Throttling is counted per (typed address, IP) and per IP,
//   known or not, so "throttled" moves the same for both. "success" needs the right password.
// - passdesk_http_requests_total{method,route,status}: route patterns (never URLs or addresses) and statuses,
//   which are the same for known and unknown addresses by design.
// - passdesk_http_request_duration_seconds, passdesk_password_hash_duration_seconds{operation}: an unknown address
//   is verified against a dummy hash ("verify" either way), so counts move alike; the durations show no more than
//   the response time the client measures itself.
// - Mail: no metric counts messages (see mail/metrics.ts).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SignInOutcome } from './flows/deps.js';

export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeSignIn(outcome: SignInOutcome): void;
  observeHash(operation: 'hash' | 'verify', seconds: number): void;
}

/** What /metrics may say about a sign-in: never why it failed. */
export type PublicSignInOutcome = 'success' | 'failure' | 'throttled';

export function publicSignInOutcome(outcome: SignInOutcome): PublicSignInOutcome {
  return outcome === 'success' || outcome === 'throttled' ? outcome : 'failure';
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
    help: 'Sign-in attempts by outcome (success, failure, throttled); a failure never says why.',
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
  for (const outcome of ['success', 'failure', 'throttled'] as const) signIns.inc({ outcome }, 0);
  return {
    registry,
    observeRequest: (method, route, status, seconds) => {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    observeSignIn: (outcome) => signIns.inc({ outcome: publicSignInOutcome(outcome) }),
    observeHash: (operation, seconds) => hashes.observe({ operation }, seconds),
  };
}
