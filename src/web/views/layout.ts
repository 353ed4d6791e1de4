import { html, type SafeHtml } from '../html.js';
import type { ChecklistItem } from '../../core/password-policy.js';
import { assetUrl, type AssetName } from '../assets/index.js';
import { translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import { footerContent, type PageLook } from './support.js';
import { directionOf } from '../../core/i18n/negotiate.js';

export interface LayoutOptions {
  title: string;
  organizationName: string;
  body: SafeHtml;
  /** The signed-in person's name, shown with a sign-out button. */
  signedIn?: { displayName: string; csrf: string } | undefined;
  /** Shown in the footer so a person in trouble knows whom to ask (PASSDESK_SUPPORT_CONTACT), when no look is given. */
  supportContact?: string | undefined;
  /** The organisation's look (src/look.ts): logo, its stylesheets, the support contact and legal links. */
  look?: PageLook | undefined;
  /** Further same-origin scripts for this page (the passkey pages), after app.js. */
  scripts?: readonly AssetName[] | undefined;
  /** The reader's language (English unless given). */
  translator?: Translator | undefined;
}

const NO_LOOK: PageLook = { logoUrl: null, stylesheets: [], support: null, privacyUrl: null, termsUrl: null };

// Referrer policy stays no-referrer (later pages carry one-time tokens in their URLs). Under it a browser
// sends `Origin: null` on form posts; the Origin check accepts that only with `Sec-Fetch-Site: same-origin`
// (see http/plugins/security.ts). The empty icon stops the browser asking for /favicon.ico (a 404 on every first visit).
export function layout(o: LayoutOptions): SafeHtml {
  const t = translatorOf(o);
  const look: PageLook | undefined = o.look ?? (o.supportContact ? { ...NO_LOOK, support: { text: o.supportContact } } : undefined);
  return html`<!doctype html>
<html lang="${t.locale}" dir="${directionOf(t.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${t.t('page.layout.title', { title: o.title, org: o.organizationName })}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
${(look?.stylesheets ?? []).map(
  (href) => html`<link rel="stylesheet" href="${href}">
`,
)}<script src="${assetUrl('app.js')}" defer></script>
${(o.scripts ?? []).map(
  (name) => html`<script src="${assetUrl(name)}" defer></script>
`,
)}</head>
<body>
<a class="skip" href="#main">${t.t('page.layout.skip')}</a>
<header class="top">
  <a class="brand" href="/">${look?.logoUrl ? html`<img class="logo" id="logo" src="${look.logoUrl}" alt="${o.organizationName}">` : o.organizationName}</a>
  ${
    o.signedIn
      ? html`<nav aria-label="${t.t('page.layout.accountNav')}"><a href="/security">${t.t('page.layout.security')}</a>
      <form method="post" action="/sign-out" class="inline"><input type="hidden" name="_csrf" value="${o.signedIn.csrf}"><button type="submit" class="link">${t.t('page.layout.signOut')}</button></form></nav>`
      : ''
  }
</header>
<main id="main">
${o.body}
</main>
<footer class="foot">${footerContent(t, look, o.organizationName)}</footer>
</body>
</html>`;
}

export function alertBox(kind: 'error' | 'notice', message: string | undefined | null): SafeHtml {
  if (!message) return html``;
  return kind === 'error'
    ? html`<div class="alert error" role="alert" id="form-error" tabindex="-1">${message}</div>`
    : html`<div class="alert notice" role="status">${message}</div>`;
}

export interface PasswordFieldOptions {
  id: string;
  name: string;
  label: string;
  autocomplete: 'current-password' | 'new-password';
  hint?: string | undefined;
  error?: string | undefined;
  autofocus?: boolean | undefined;
  /** The id of the field this one must equal (for the confirmation box). */
  matches?: string | undefined;
  translator?: Translator | undefined;
  /** For a new password: the `passwordrules` hint for password managers and the live checklist under it. */
  newPassword?: { passwordRules: string; checklist: SafeHtml; checklistId: string } | undefined;
}

export function passwordField(o: PasswordFieldOptions): SafeHtml {
  const t = translatorOf(o);
  const describedBy = [o.hint ? `${o.id}-hint` : '', o.error ? `${o.id}-error` : '', o.newPassword?.checklistId ?? ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${o.id}">${o.label}</label>
  ${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="field-error" id="${o.id}-error">${o.error}</p>` : ''}
  <div class="password-row">
    <input type="password" id="${o.id}" name="${o.name}" autocomplete="${o.autocomplete}" required
      autocapitalize="off" spellcheck="false"${o.autofocus ? html` autofocus` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}${o.matches ? html` data-matches="${o.matches}"` : ''}${o.newPassword ? html` passwordrules="${o.newPassword.passwordRules}" data-policy-check="${o.newPassword.checklistId}"` : ''}>
    <div class="visually-hidden" data-password-status aria-live="polite"></div>
    <button type="button" class="toggle" data-toggle="${o.id}" aria-controls="${o.id}" aria-pressed="false" aria-label="${t.t('page.passwordField.showLabel')}" hidden
      data-shown-status="${t.t('page.passwordField.shown')}" data-hidden-status="${t.t('page.passwordField.hidden')}">${t.t('page.passwordField.show')}</button>
  </div>
  ${o.newPassword ? o.newPassword.checklist : ''}
</div>`;
}

/**
 * The password rules as a checklist under a new-password box. Without JavaScript it shows the rules,
 * and after a refused submit which were met; app.js ticks it while the person types and announces the
 * outcome through one polite live region (not each item, which would chatter at every keystroke).
 */
export function passwordChecklist(id: string, items: readonly ChecklistItem[], failedCodes?: readonly string[], t: Translator = translatorOf({})): SafeHtml {
  const known = failedCodes !== undefined;
  return html`<div class="checklist" id="${id}">
  <p class="checklist-title">${t.t('page.checklist.title')}</p>
  <ul>
    ${items.map((item) => {
      const failed = known && item.codes.some((c) => failedCodes.includes(c));
      const state = failed ? 'unmet' : known && !item.onSubmit ? 'met' : 'unchecked';
      return html`<li class="rule ${state}" data-codes="${item.codes.join(' ')}"${item.onSubmit ? html` data-on-submit` : ''}><span class="mark" aria-hidden="true">${state === 'met' ? '✓' : state === 'unmet' ? '✗' : '•'}</span> ${item.text}${item.onSubmit ? html` <span class="muted">${t.t('page.checklist.onSubmit')}</span>` : ''}<span class="visually-hidden" data-state>${state === 'met' ? ` ${t.t('page.checklist.met')}` : state === 'unmet' ? ` ${t.t('page.checklist.unmet')}` : ''}</span></li>`;
    })}
  </ul>
  <div class="strength" data-strength hidden>
    <span id="${id}-strength-name">${t.t('page.checklist.strength')}</span>
    <meter id="${id}-strength" min="0" max="4" low="2" high="3" optimum="4" value="0" aria-labelledby="${id}-strength-name" aria-describedby="${id}-strength-label"></meter>
    <strong id="${id}-strength-label" data-strength-label></strong>
    <ul class="strength-advice" data-strength-advice></ul>
  </div>
  <p class="visually-hidden" data-status aria-live="polite" data-met-text="${t.t('page.checklist.met')}" data-unmet-text="${t.t('page.checklist.unmet')}" data-all-met-text="${t.t('page.checklist.allMet')}"></p>
</div>`;
}

/**
 * A second step before an action: a disclosure whose summary opens it, and inside, what will change and the real
 * submit (with a password box only when the action needs one). Plain HTML, so it works without the script, and with
 * it there is no native confirm() dialog. `kind: 'confirm'` marks a destructive action (remove, sign out, replace);
 * `'action'` a harmless one (rename).
 */
export function disclosureStep(o: {
  kind: 'confirm' | 'action';
  summary: SafeHtml | string;
  whatChanges?: string | undefined;
  body: SafeHtml;
  id?: string | undefined;
}): SafeHtml {
  return html`<details class="${o.kind}"${o.id ? html` id="${o.id}"` : ''}><summary>${o.summary}</summary>
    <div class="confirm-box">${o.whatChanges ? html`<p class="what-changes">${o.whatChanges}</p>` : ''}${o.body}</div>
  </details>`;
}

/** A status in words with a mark (never colour alone): good ✓, needs attention !, off –. */
export function statusBadge(status: 'good' | 'attention' | 'off', words: string): SafeHtml {
  const mark = status === 'good' ? '✓' : status === 'attention' ? '!' : '–';
  return html`<span class="status-badge ${status}"><span class="mark" aria-hidden="true">${mark}</span> ${words}</span>`;
}
