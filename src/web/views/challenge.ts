// What a form guarded by a bot challenge carries (flows/challenge.ts): the no-JavaScript ticket, the field the page's
// script fills with a solved proof of work, and a line that says what happens. Without script the ticket is the proof:
// it is accepted a few seconds after the page was made, so most people never notice; someone quicker is asked to
// wait and press the button again.
import { html, type SafeHtml } from '../html.js';
import { assetUrl, type AssetName } from '../assets/index.js';
import { translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';

export interface ChallengeView {
  purpose: 'sign-up' | 'reset' | 'sign-in';
  ticket: string;
  /** How long the ticket (or the next one for this address) takes to become valid. */
  waitSeconds: number;
}

/** The page script (ours) and the worker it starts (altcha's, served from node_modules). */
export const CHALLENGE_SCRIPTS = ['challenge.js'] as const satisfies readonly AssetName[];

export function challengeFields(view: ChallengeView | undefined, t: Translator = translatorOf({})): SafeHtml | string {
  if (!view) return '';
  return html`<input type="hidden" name="_ticket" value="${view.ticket}">
    <input type="hidden" name="_challenge" value="" data-challenge="${view.purpose}" data-challenge-worker="${assetUrl('altcha-pbkdf2-worker.js')}">
    <p class="hint" id="challenge-status" data-challenge-status data-checking="${t.t('page.challenge.checking')}" data-done="${t.t('page.challenge.done')}" aria-live="polite">${t.t('page.challenge.status', { seconds: view.waitSeconds })}</p>`;
}

export function challengeScripts(view: ChallengeView | undefined, others: readonly AssetName[] = []): readonly AssetName[] {
  return view ? [...others, ...CHALLENGE_SCRIPTS] : others;
}
