// Two-step verification settings (/security/two-factor): the authenticator apps, setting one up (QR code, the key in
// groups of four with a copy button, an otpauth:// link for an app on the same phone) and recovery codes, shown
// once with copy, download and print and an "I have saved them" step. The same recovery-codes panel serves the
// passkey path on the security page, where the passkey script fills it in (client/passkeys.ts).
import { html, type SafeHtml } from '../html.js';
import { alertBox, disclosureStep, statusBadge } from './layout.js';
import { page, secondFactorWays, type PageContext } from './pages.js';
import { link, localTime, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import { RECOVERY_CODE_COUNT } from '../../core/recovery-codes.js';
import { recoveryCodesPanel } from './recovery-codes.js';

export interface TwoFactorPageOptions {
  csrf: string;
  displayName: string;
  /** Named in a downloaded recovery-codes file. */
  email?: string | undefined;
  factors: ReadonlyArray<{ id: string; name: string; confirmedAt: number }>;
  recoveryCodesRemaining: number;
  /** Passkeys count as second factors too; they are managed on the security page. */
  passkeyCount?: number;
  /** An authenticator app being set up: the QR code (SVG markup, generated locally), the secret in text and its URI. */
  enrolment?: { qrSvg: string; secret: string; otpauthUrl: string } | undefined;
  /** Shown once, right after the first factor was confirmed or a new set was made. */
  recoveryCodes?: readonly string[] | undefined;
  notice?: string | undefined;
  error?: string | undefined;
}

/** The key in groups of four (as authenticator apps show it); the text itself stays one word, so a copy pastes as it should. */
function groupedKey(secret: string): SafeHtml {
  return html`<code id="totp-secret" class="key">${(secret.match(/.{1,4}/g) ?? []).map((g) => html`<span>${g}</span>`)}</code>`;
}

function totpSetup(t: Translator, csrf: string, enrolment: NonNullable<TwoFactorPageOptions['enrolment']>): SafeHtml {
  const qr = `data:image/svg+xml;base64,${Buffer.from(enrolment.qrSvg, 'utf8').toString('base64')}`;
  return html`<h2>${t.t('page.twoFactor.setUp')}</h2>
  <ol class="steps">
    <li>${t.t('page.twoFactor.scan')}
      <div class="qr"><img id="totp-qr" alt="${t.t('page.twoFactor.qrAlt')}" width="200" height="200" src="${qr}"></div>
      <p><a href="${enrolment.otpauthUrl}" id="totp-link">${t.t('page.twoFactor.openOnThisPhone')}</a></p>
    </li>
    <li>${t.t('page.twoFactor.typeKey')}
      <div class="key-row">${groupedKey(enrolment.secret)}
        <button type="button" class="secondary js-only" data-copy="#totp-secret" data-copied="${t.t('page.twoFactor.keyCopied')}">${t.t('page.twoFactor.copyKey')}</button>
        <span class="copy-status" role="status"></span>
      </div>
      <p class="muted">${t.t('page.twoFactor.keyHint')}</p>
    </li>
    <li>${t.t('page.twoFactor.enterCode')}
      <form method="post" action="/security/two-factor/totp/confirm">
        <input type="hidden" name="_csrf" value="${csrf}">
        <div class="field">
          <label for="totp-code">${t.t('page.twoFactor.codeLabel')}</label>
          <input type="text" id="totp-code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="32" required>
        </div>
        <button type="submit" class="primary">${t.t('page.twoFactor.confirm')}</button>
      </form>
    </li>
  </ol>`;
}

/**
 * One authenticator app as a card: its name, a badge and its date; rename and remove each behind their own second step,
 * the remove one saying what will change and holding the only password box (web/views/layout.ts disclosureStep).
 */
function factorItem(t: Translator, csrf: string, f: TwoFactorPageOptions['factors'][number], last: boolean): SafeHtml {
  return html`<li class="device factor" data-factor-id="${f.id}">
    <div class="grow"><strong class="factor-name">${f.name}</strong> ${statusBadge('good', t.t('page.status.inUse'))}
    <div class="muted">${markup(t, 'page.twoFactor.added', { when: localTime(t, f.confirmedAt, { relative: true }) })}</div></div>
    <div class="item-actions">
    ${disclosureStep({
      kind: 'action',
      summary: t.t('page.common.rename'),
      body: html`<form method="post" action="/security/two-factor/${f.id}/rename" class="rename-factor">
        <input type="hidden" name="_csrf" value="${csrf}">
        <div class="field"><label for="factor-name-${f.id}">${t.t('page.twoFactor.name')}</label>
        <input type="text" id="factor-name-${f.id}" name="name" value="${f.name}" required maxlength="64" autocomplete="off"></div>
        <button type="submit" class="secondary">${t.t('page.twoFactor.renameSave')}</button>
      </form>`,
    })}
    ${disclosureStep({
      kind: 'confirm',
      summary: t.t('page.twoFactor.removeOpen'),
      whatChanges: t.t('page.twoFactor.removeWhatChanges', { name: f.name, last: last ? 'true' : 'false' }),
      body: html`<form method="post" action="/security/two-factor/${f.id}/remove" class="remove-factor">
        <input type="hidden" name="_csrf" value="${csrf}">
        <input type="hidden" name="username" value="" autocomplete="username">
        <div class="field"><label for="remove-password-${f.id}">${t.t('page.common.currentPassword')}</label>
        <p class="hint" id="remove-password-${f.id}-hint">${t.t('page.twoFactor.removePassword')}</p>
        <input type="password" id="remove-password-${f.id}" name="currentPassword" autocomplete="current-password" required maxlength="1024" aria-describedby="remove-password-${f.id}-hint"></div>
        <button type="submit" class="danger">${t.t('page.twoFactor.removeConfirm')}</button>
      </form>`,
    })}
    </div>
  </li>`;
}

/** New recovery codes end the old ones: said in the second step, before the button that does it. */
function regenerateForm(t: Translator, csrf: string): SafeHtml {
  return disclosureStep({
    kind: 'confirm',
    id: 'regenerate-recovery-codes-step',
    summary: t.t('page.twoFactor.regenerateOpen'),
    whatChanges: t.t('page.twoFactor.regenerateWhatChanges', { count: RECOVERY_CODE_COUNT }),
    body: html`<form method="post" action="/security/two-factor/recovery-codes" id="regenerate-recovery-codes">
    <input type="hidden" name="_csrf" value="${csrf}">
    <button type="submit" class="danger">${t.t('page.twoFactor.regenerate')}</button>
  </form>`,
  });
}

/** Everything but a fresh set of recovery codes: the apps, the passkeys' summary, the codes left, setting up an app. */
function twoFactorSettings(t: Translator, o: TwoFactorPageOptions, on: boolean): SafeHtml {
  const passkeys = o.passkeyCount ?? 0;
  const codesLeft = html`<p class="muted" id="recovery-codes-left">${t.t('page.twoFactor.codesLeft', { count: o.recoveryCodesRemaining })}</p>
  ${regenerateForm(t, o.csrf)}`;
  return html`${
    o.factors.length > 0
      ? html`<h2>${t.t('page.twoFactor.appsHeading')}</h2>
  <ul class="devices" id="factors">${o.factors.map((f) => factorItem(t, o.csrf, f, o.factors.length + passkeys === 1))}</ul>`
      : ''
  }
  ${passkeys > 0 ? html`<p id="passkey-summary">${markup(t, 'page.twoFactor.passkeySummary', { count: passkeys, a: link('/security') })}</p>` : ''}
  ${on ? codesLeft : ''}
  ${
    o.enrolment
      ? totpSetup(t, o.csrf, o.enrolment)
      : html`${on ? '' : html`<p id="first-factor-note">${t.t('page.twoFactor.whatChanges', { count: RECOVERY_CODE_COUNT })}</p>`}
  <form method="post" action="/security/two-factor/totp">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <button type="submit" class="primary" id="setup-totp">${t.t('page.twoFactor.setUp')}</button>
  </form>`
  }
  <p><a href="/security">${t.t('page.common.backToSecurity')}</a></p>`;
}

/** Security settings: two-step verification (authenticator apps and recovery codes). */
export function twoFactorPage(ctx: PageContext, o: TwoFactorPageOptions): SafeHtml {
  const passkeys = o.passkeyCount ?? 0;
  const on = o.factors.length > 0 || passkeys > 0;
  const t = translatorOf(ctx);
  // The first factor's setup page says what will change when it is confirmed; the status says what holds now.
  const setupNote = !on && o.enrolment ? html`<p id="first-factor-note">${t.t('page.twoFactor.whatChanges', { count: RECOVERY_CODE_COUNT })}</p>` : '';
  return page(
    ctx,
    t.t('page.common.twoStep'),
    html`<section class="card">
  <h1>${t.t('page.common.twoStep')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}
  <div class="status-line">${on ? statusBadge('good', t.t('page.status.on')) : statusBadge('off', t.t('page.status.off'))}
  <p id="two-factor-status">${on ? t.t('page.twoFactor.on', { ways: secondFactorWays(o.factors.length > 0, passkeys > 0) }) : t.t('page.twoFactor.off')}</p></div>
  ${setupNote}
  ${
    o.recoveryCodes
      ? recoveryCodesPanel(t, {
          id: 'recovery-codes-panel',
          listId: 'recovery-codes',
          codes: o.recoveryCodes,
          intro: t.t('page.twoFactor.recoveryCodesIntro'),
          continueHref: '/security/two-factor',
          continueId: 'recovery-codes-saved',
          org: ctx.config.organizationName,
          email: o.email,
        })
      : twoFactorSettings(t, o, on)
  }
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}
