// A method is one way of proving who you are (Kratos calls them strategies): password, totp, recovery-code,
// passkey, security-answers, email-code — one file each in this folder, each exporting one object of this shape.
// Flows (sign-in's second step, step-up, reset) ask the account's methods (second-factor.ts) instead of each
// other. Methods import nothing from flows/: only core/, store/, credentials/, mail/ and this folder.
import type { Account, AttemptBudget, Repositories } from '../store/index.js';
import type { FlowDeps } from './deps.js';

export type MethodId = 'password' | 'totp' | 'recovery_code' | 'passkey' | 'security_answers' | 'email_code';

/** What availability reads; a transaction's repositories serve as well as the store. */
export type MethodReadDeps = Pick<FlowDeps, 'config' | 'directory'> & { store: Pick<Repositories, 'accounts' | 'twoFactor' | 'passkeys' | 'securityAnswers'> };

/** What a challenge-response proof is bound to: the purpose, and the flow (the hash of its id) or session it belongs to. */
export interface ProofBinding {
  purpose: 'second_factor' | 'reset' | 'step_up';
  binding: string | null;
}

/** Where and when a proof was used, for what a method records. */
export interface MethodUse {
  now: number;
  ip: string | null;
  device: string | null;
  sessionId?: string | null | undefined;
  /** The flow it was used in, when the event says so (e.g. 'password-reset'). */
  via?: string | undefined;
}

export interface Method<Proof, Proven, Id extends MethodId = MethodId> {
  readonly id: Id;
  /** Step-up ranks methods: 1 something you know, 2 something you have; an account accepts its strongest kind. */
  readonly strength: number;
  /**
   * The account's budget a wrong proof uses up, or null when the flow's own limits bound it. The caller reserves a
   * slot before verify (with the flow's own counter, in one transaction) and gives it back when the proof is right.
   */
  readonly budget: AttemptBudget | null;
  /** Whether this account can prove itself this way now. */
  available(deps: MethodReadDeps, accountId: string): Promise<boolean>;
  /** What is proven (true, a code's id, the passkey used), or null when the proof is wrong. Uses no slot of its own. */
  verify(deps: FlowDeps, account: Account, proof: Proof, on: ProofBinding): Promise<Proven | null>;
}
