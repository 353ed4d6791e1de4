// What every flow may use. Flows are plain functions of these (DESIGN.md: explicit dependencies);
// app.ts is the one place that builds them.
import type { Store } from '../store/index.js';
import type { PasswordHasher } from '../credentials/password-hasher.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { BasicPasswordPolicy } from '../core/password-rules.js';
import type { AttemptLimiter } from '../core/attempt-limiter.js';
import type { MailDeps } from '../mail/notices.js';

export interface FlowConfig {
  registration: 'open' | 'closed';
  sessionIdleTimeoutMs: number;
  sessionAbsoluteTimeoutMs: number;
  passwordPolicy: BasicPasswordPolicy;
}

export type SignInOutcome = 'success' | 'unknown_account' | 'wrong_password' | 'disabled' | 'no_password' | 'throttled';

export interface FlowObservers {
  signIn?(outcome: SignInOutcome): void;
}

/** Sign-in failure counters: per (typed email, IP) and per IP. */
export interface SignInThrottle {
  perAccountAndIp: AttemptLimiter;
  perIp: AttemptLimiter;
}

export interface FlowDeps {
  store: Store;
  signInThrottle?: SignInThrottle;
  hasher: PasswordHasher;
  clock: Clock;
  random: Random;
  config: FlowConfig;
  observe?: FlowObservers;
  /** Branding and addressing for queued mail; absent (no mail queued) in the CLI's account commands. */
  mail?: MailDeps;
}

/** Facts about the request a flow records (audit, device list). Never secrets. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}
