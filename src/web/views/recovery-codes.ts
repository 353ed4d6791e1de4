// New recovery codes, shown once, on every path that makes them: an authenticator app confirmed or a new set made
// (/security/two-factor, views/two-factor.ts) and a first passkey added (the security page, filled in by
// client/passkeys.ts). Copy, download and print, then "I have saved my recovery codes".
import { html, type SafeHtml } from '../html.js';
import type { Translator } from '../../core/i18n/translator.js';

export interface RecoveryCodesPanelOptions {
  /** The section's id; the list's is `listId`. */
  id: string;
  listId: string;
  /** The codes, or none when a script fills them in (the passkey path): the panel is then hidden. */
  codes?: readonly string[] | undefined;
  intro: string;
  /** Where "I have saved my recovery codes" leads. */
  continueHref: string;
  continueId: string;
  org: string;
  email?: string | undefined;
}

/** The text of a downloaded recovery-codes file (client/app.ts makes the same from the data attributes). */
export function recoveryCodesFile(heading: string, intro: string, codes: readonly string[]): string {
  return `${heading}\n${intro}\n\n${codes.join('\n')}\n`;
}

/**
 * New recovery codes, shown once: the list, "Copy codes" and "Print" (with script), "Download (.txt)" (a data: link,
 * which works without script too), and the step that says they were saved.
 */
export function recoveryCodesPanel(t: Translator, o: RecoveryCodesPanelOptions): SafeHtml {
  const heading = o.email ? t.t('page.recoveryCodes.fileHeadingEmail', { org: o.org, email: o.email }) : t.t('page.recoveryCodes.fileHeading', { org: o.org });
  const fileIntro = t.t('page.recoveryCodes.fileIntro');
  const codes = o.codes ?? [];
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(recoveryCodesFile(heading, fileIntro, codes))}`;
  return html`<section class="recovery-codes-panel printable" id="${o.id}" aria-labelledby="${o.id}-heading"${o.codes ? '' : html` hidden`} data-file-heading="${heading}" data-file-intro="${fileIntro}">
    <h2 id="${o.id}-heading" tabindex="-1">${t.t('page.recoveryCodes.heading')}</h2>
    <p>${o.intro}</p>
    <ul class="recovery-codes" id="${o.listId}">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    <div class="code-actions no-print">
      <button type="button" class="secondary js-only" data-copy="#${o.listId}" data-copied="${t.t('page.recoveryCodes.copied')}">${t.t('page.recoveryCodes.copy')}</button>
      <a class="button" href="${href}" download="recovery-codes.txt" data-download-codes="#${o.listId}" id="${o.id}-download">${t.t('page.recoveryCodes.download')}</a>
      <button type="button" class="secondary js-only" data-print>${t.t('page.recoveryCodes.print')}</button>
      <span class="copy-status" role="status"></span>
    </div>
    <p class="no-print"><a class="button primary" href="${o.continueHref}" id="${o.continueId}">${t.t('page.recoveryCodes.saved')}</a></p>
  </section>`;
}
