// The pages people see. Plain HTML forms that work without JavaScript; app.js only adds comfort
// (show/hide, the confirmation check before submit).
import { deviceNameIn } from '../../core/device.js';
import { supportBox, supportOf, type PageLook } from './support.js';
import { html, raw, type SafeHtml } from '../html.js';
import { alertBox, disclosureStep, layout, passwordChecklist, passwordField, statusBadge } from './layout.js';
import type { ChecklistItem } from '../../core/password-policy.js';
import type { DeviceView } from '../../flows/sessions.js';
import { challengeFields, challengeScripts, type ChallengeView } from './challenge.js';
import type { AssetName } from '../assets/index.js';
import { element, link, localTime, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import type { CheckupItem } from '../../core/checkup.js';
import { checkupSection } from './checkup.js';
import { RECOVERY_CODE_COUNT } from '../../core/recovery-codes.js';
import { recoveryCodesPanel } from './recovery-codes.js';

export interface PageContext {
  config: {
    organizationName: string;
    supportContact?: string | undefined;
    look?: PageLook | undefined;
    registration: 'open' | 'closed';
    /** Set when accounts live in a directory: people sign in with a username (uid, sAMAccountName, UPN) or email. */
    directory?: { kind: string } | null | undefined;
  };
  /** The reader's language (English unless given). */
  translator?: Translator | undefined;
}

/** The scripts of pages with passkey buttons: the @simplewebauthn/browser bundle, then ours. */
export const PASSKEY_SCRIPTS = ['webauthn-browser.js', 'passkeys.js'] as const satisfies readonly AssetName[];

export function page(
  ctx: PageContext,
  title: string,
  body: SafeHtml,
  signedIn?: { displayName: string; csrf: string },
  o: { scripts?: readonly AssetName[] } = {},
): SafeHtml {
  return layout({
    title,
    organizationName: ctx.config.organizationName,
    supportContact: ctx.config.supportContact,
    look: ctx.config.look,
    body,
    signedIn,
    scripts: o.scripts,
    translator: ctx.translator,
  });
}

/**
 * Where the passkey script shows what went wrong: right under the passkey button, not under the password form's.
 * Empty and hidden until then (the script adds the alert style), so a page without a passkey problem has no alert box.
 */
/** The passkey script's error box, with the sentences it shows when the browser gives no message of ours. */
const passkeyError = (t: Translator): SafeHtml =>
  html`<div role="alert" id="passkey-error" tabindex="-1" data-cancelled="${t.t('page.passkeys.cancelled')}" data-failed="${t.t('page.passkeys.failed')}" hidden></div>`;

/**
 * Said instead of the passkey buttons when the page was opened at an IP address (http://127.0.0.1:8080): WebAuthn
 * needs a domain name as its relying party id, so the script leaves the buttons hidden and shows this.
 */
function passkeyIpNote(t: Translator): SafeHtml {
  return html`<p class="muted" id="passkey-ip-note" hidden>${t.t('page.passkeys.ipAddress')}</p>`;
}

export function errorPage(ctx: PageContext, o: { code: string; message: string; status: number }): SafeHtml {
  const t = translatorOf(ctx);
  const action =
    o.code === 'AUTHENTICATION_REQUIRED'
      ? html`<a class="button" href="/sign-in">${t.t('page.error.signIn')}</a>`
      : html`<a class="button" href="/">${t.t('page.error.home')}</a>`;
  return page(
    ctx,
    t.t('page.error.title'),
    html`<section class="card">
  <h1>${o.status === 404 ? t.t('page.error.notFound') : t.t('page.error.failed')}</h1>
  ${alertBox('error', o.message)}
  <p class="muted">${t.t('page.error.reference', { code: o.code })}</p>
  <p>${action}</p>
</section>`,
  );
}

/**
 * The sign-in's first field: an email address, or with a directory the username or email its filter matches (no email
 * keyboard). `webauthn` in its autocomplete lets the browser offer saved passkeys in the field's autofill
 * (conditional mediation, which client/passkeys.ts starts where the browser has it).
 */
function loginField(ctx: PageContext, t: Translator, value: string | undefined): SafeHtml {
  const autofocus = value ? html`` : html` autofocus`;
  if (ctx.config.directory) {
    return html`<label for="email">${t.t('page.signIn.login')}</label>
      <input type="text" id="email" name="email" autocomplete="username webauthn" autocapitalize="off" spellcheck="false" required maxlength="254" value="${value ?? ''}"${autofocus}>`;
  }
  return html`<label for="email">${t.t('page.common.email')}</label>
      <input type="email" id="email" name="email" autocomplete="username webauthn" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${value ?? ''}"${autofocus}>`;
}

export function signInPage(
  ctx: PageContext,
  o: { csrf: string; email?: string | undefined; error?: string | undefined; notice?: string | undefined; challenge?: ChallengeView | undefined },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.signIn.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.signIn.title')}</h1>
  ${alertBox('error', o.error)}${alertBox('notice', o.notice)}
  <form method="post" action="/sign-in" novalidate>
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      ${loginField(ctx, t, o.email)}
    </div>
    ${passwordField({ id: 'password', name: 'password', label: t.t('page.common.password'), autocomplete: 'current-password', autofocus: Boolean(o.email), translator: t })}
    ${challengeFields(o.challenge, t)}
    <button type="submit" class="primary">${t.t('page.signIn.submit')}</button>
  </form>
  <div id="passkey-sign-in-box" hidden><p class="muted">${t.t('page.signIn.passkeyIntro')}</p>
  <p><button type="button" class="secondary" id="passkey-sign-in">${t.t('page.signIn.passkeyButton')}</button></p>
  ${passkeyError(t)}</div>
  ${passkeyIpNote(t)}
  <p><a href="/reset" id="forgot-password">${t.t('page.signIn.forgot')}</a></p>
  ${ctx.config.registration === 'open' ? html`<p>${markup(t, 'page.signIn.newHere', { a: link('/sign-up') })}</p>` : ''}
  ${supportBox(t, supportOf(ctx))}
</section>`,
    undefined,
    { scripts: challengeScripts(o.challenge, PASSKEY_SCRIPTS) },
  );
}

/** The second step of sign-in: a passkey, a code from the authenticator app, or a recovery code. */
export function secondFactorPage(ctx: PageContext, o: { csrf: string; flowId: string; methods: readonly string[]; error?: string | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.common.confirmItsYou'),
    html`<section class="card narrow">
  <h1>${t.t('page.common.confirmItsYou')}</h1>
  ${alertBox('error', o.error)}
  ${secondFactorForms({
    translator: t,
    action: '/sign-in/second-factor',
    flowField: 'flowId',
    flowId: o.flowId,
    csrf: o.csrf,
    methods: o.methods,
    passkey: { optionsUrl: '/api/v1/passkeys/second-factor/options', verifyUrl: '/api/v1/sessions/second-factor', next: 'account' },
  })}
  <p><a href="/sign-in">${t.t('page.secondFactor.startAgain')}</a></p>
</section>`,
    undefined,
    { scripts: PASSKEY_SCRIPTS },
  );
}

export interface PasskeyStep {
  /** Where the script gets the options, and where it sends the passkey's answer (`{flowId, method: "passkey", response}`). */
  optionsUrl: string;
  verifyUrl: string;
  /** Step-up: no flow id is sent (the challenge is bound to the session). */
  flowless?: boolean;
  /** After success: "account" (the security page, or the password page when it must change) or a path. */
  next: string;
}

/**
 * The ways to prove the second factor, at sign-in and in a reset: "Use a passkey" (a button the script
 * drives), the authenticator-code form, and the recovery-code form behind a disclosure.
 */
export function secondFactorForms(o: {
  action: string;
  flowField: string;
  flowId: string;
  csrf: string;
  methods: readonly string[];
  passkey?: PasskeyStep;
  translator?: Translator | undefined;
}): SafeHtml {
  const t = translatorOf(o);
  const passkey = o.passkey && o.methods.includes('passkey');
  const totp = o.methods.includes('totp');
  return html`${
    passkey && o.passkey
      ? html`<div id="passkey-step" hidden>
    <p>${t.t('page.secondFactor.passkeyIntro')}</p>
    <button type="button" class="primary" id="use-passkey"${o.passkey.flowless ? '' : html` data-flow-id="${o.flowId}"`} data-options-url="${o.passkey.optionsUrl}" data-verify-url="${o.passkey.verifyUrl}" data-next="${o.passkey.next}">${t.t('page.secondFactor.passkeyButton')}</button>
    ${passkeyError(t)}
  </div>
  ${passkeyIpNote(t)}
  <noscript><p class="muted">${t.t('page.secondFactor.passkeyNeedsScript', { fallback: totp ? 'totp' : 'recoveryCode' })}</p></noscript>`
      : ''
  }
  ${
    totp || !passkey
      ? html`<form method="post" action="${o.action}" novalidate id="second-factor-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="hidden" name="${o.flowField}" value="${o.flowId}">
    <input type="hidden" name="method" value="totp">
    <div class="field">
      <label for="code">${t.t('page.secondFactor.totpLabel')}</label>
      <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="32" required${passkey ? '' : html` autofocus`}>
    </div>
    <button type="submit" class="primary">${t.t('page.common.continue')}</button>
  </form>`
      : ''
  }
  ${
    o.methods.includes('recovery_code')
      ? html`<details>
    <summary>${t.t('page.secondFactor.recoverySummary')}</summary>
    <form method="post" action="${o.action}" novalidate id="recovery-code-form">
      <input type="hidden" name="_csrf" value="${o.csrf}">
      <input type="hidden" name="${o.flowField}" value="${o.flowId}">
      <input type="hidden" name="method" value="recovery_code">
      <div class="field">
        <label for="recovery-code">${t.t('page.secondFactor.recoveryLabel')}</label>
        <input type="text" id="recovery-code" name="code" autocomplete="off" autocapitalize="off" spellcheck="false" maxlength="32" required>
      </div>
      <button type="submit">${t.t('page.secondFactor.recoverySubmit')}</button>
    </form>
  </details>`
      : ''
  }`;
}

/** What the pages need to show a new-password box: the password-manager rules and the checklist. */
export interface NewPasswordRules {
  passwordRules: string;
  checklist: ChecklistItem[];
  /** The codes of the violations a refused submit reported, to mark the checklist. */
  failedCodes?: readonly string[] | undefined;
}

export function newPasswordOptions(
  rules: NewPasswordRules,
  id: string,
  t: Translator = translatorOf({}),
): { passwordRules: string; checklist: SafeHtml; checklistId: string } {
  const checklistId = `${id}-rules`;
  return { passwordRules: rules.passwordRules, checklistId, checklist: passwordChecklist(checklistId, rules.checklist, rules.failedCodes, t) };
}

export function signUpPage(
  ctx: PageContext,
  o: {
    csrf: string;
    email?: string | undefined;
    displayName?: string | undefined;
    error?: string | undefined;
    rules: NewPasswordRules;
    challenge?: ChallengeView | undefined;
  },
): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.signUp.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.signUp.title')}</h1>
  ${alertBox('error', o.error)}
  <form method="post" action="/sign-up" novalidate>
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <div class="field">
      <label for="displayName">${markup(t, 'page.signUp.nameLabel', { muted: element('span', { class: 'muted' }) })}</label>
      <input type="text" id="displayName" name="displayName" autocomplete="name" maxlength="100" value="${o.displayName ?? ''}">
    </div>
    <div class="field">
      <label for="email">${t.t('page.common.email')}</label>
      <input type="email" id="email" name="email" autocomplete="username" inputmode="email" autocapitalize="off" spellcheck="false" required maxlength="254" value="${o.email ?? ''}">
    </div>
    ${passwordField({ id: 'password', name: 'password', label: t.t('page.common.password'), autocomplete: 'new-password', hint: t.t('page.signUp.passwordHint'), newPassword: newPasswordOptions(o.rules, 'password', t), translator: t })}
    ${challengeFields(o.challenge, t)}
    <button type="submit" class="primary">${t.t('page.signUp.submit')}</button>
  </form>
  <p>${markup(t, 'page.signUp.haveAccount', { a: link('/sign-in') })}</p>
</section>`,
    undefined,
    { scripts: challengeScripts(o.challenge) },
  );
}

/** Why a session ended, in words (the stored reason picks the branch; an unknown one reads "signed out"). */
function revokeReason(t: Translator, reason: string | null): string {
  // Stored reasons are kebab-case (store/sessions.ts RevokeReason); ICU select keys cannot hold "-".
  return t.t('page.security.revoked', { reason: reason !== null && /^[a-z-]+$/.test(reason) ? reason.replace(/-/g, '_') : 'other' });
}

export function securityPage(
  ctx: PageContext,
  o: {
    csrf: string;
    displayName: string;
    email: string;
    passwordChangedAt: number | null;
    devices: DeviceView[];
    factors?: readonly string[];
    securityQuestions?: boolean;
    /** The help desk or administrator role: a link to the console. */
    helpDesk?: boolean;
    passkeys?: ReadonlyArray<{ id: string; name: string; createdAt: number; lastUsedAt: number | null; backedUp: boolean }>;
    /** The security checkup, shown first (web/views/checkup.ts). */
    checkup?: readonly CheckupItem[] | undefined;
    notice?: string | undefined;
    error?: string | undefined;
    /** Parts other views make (web/views/account-data.ts): a pending deletion on top, the sign-in address, "Your data". */
    parts?: { banner?: SafeHtml; address?: SafeHtml; data?: SafeHtml; language?: SafeHtml };
  },
): SafeHtml {
  // This device first: it is the one a person recognises, then the others by last activity.
  const live = o.devices.filter((d) => d.revokedAt === null).sort((a, b) => Number(b.current) - Number(a.current));
  const ended = o.devices.filter((d) => d.revokedAt !== null);
  const others = live.filter((d) => !d.current).length;
  const secondFactor = (o.factors ?? []).length > 0 || (o.passkeys ?? []).length > 0;
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.security.title'),
    html`<section class="card">
  <h1>${t.t('page.security.title')}</h1>
  ${alertBox('notice', o.notice)}${alertBox('error', o.error)}${o.parts?.banner ?? ''}
  <p class="muted">${t.t('page.security.signedInAs', { name: o.displayName, email: o.email })}</p>
  ${o.checkup ? checkupSection(t, o.checkup) : ''}
  <h2>${t.t('page.security.passwordHeading')}</h2>
  <p id="password-age">${o.passwordChangedAt ? markup(t, 'page.security.passwordChanged', { when: localTime(t, o.passwordChangedAt) }) : t.t('page.security.noPassword')}</p>
  <p><a class="button" href="/security/password">${t.t('page.security.changePassword')}</a></p>
  <h2>${t.t('page.common.twoStep')}</h2>
  <div class="status-line">${secondFactor ? statusBadge('good', t.t('page.status.on')) : statusBadge('off', t.t('page.status.off'))}
  <p id="two-factor-summary">${secondFactor ? t.t('page.security.twoStepOn', { ways: secondFactorWays((o.factors ?? []).length > 0, (o.passkeys ?? []).length > 0) }) : t.t('page.security.twoStepOff')} <a href="/security/two-factor" id="two-factor-link">${secondFactor ? t.t('page.security.manageTwoStep') : t.t('page.security.setUpTwoStep')}</a></p></div>
  ${(o.factors ?? []).length > 0 ? html`<ul class="factor-names" id="factor-names">${(o.factors ?? []).map((n) => html`<li>${n}</li>`)}</ul>` : ''}
  ${passkeySection(t, o.csrf, o.passkeys ?? [], {
    firstFactor: !secondFactor,
    onlySecondFactor: (o.factors ?? []).length === 0 && (o.passkeys ?? []).length === 1,
    org: ctx.config.organizationName,
    email: o.email,
  })}
  ${o.securityQuestions ? html`<p>${markup(t, 'page.security.questionsLine', { a: link('/security/questions', { id: 'security-questions-link' }) })}</p>` : ''}
  ${o.parts?.address ?? ''}
  <h2>${t.t('page.security.emailHeading')}</h2>
  <p>${markup(t, 'page.security.emailLine', { a: link('/security/email', { id: 'email-settings-link' }) })}</p>
  ${o.parts?.language ?? ''}
  ${
    o.helpDesk
      ? html`<h2>${t.t('page.security.helpDeskHeading')}</h2>
  <p>${markup(t, 'page.security.helpDeskLine', { a: link('/admin', { id: 'help-desk-link' }) })}</p>`
      : ''
  }
  <h2>${t.t('page.security.activityHeading')}</h2>
  <p>${markup(t, 'page.security.activityLine', { a: link('/security/activity', { id: 'activity-link' }) })}</p>
  <h2>${t.t('page.security.devicesHeading')}</h2>
  <ul class="devices" id="devices">
  ${live.map(
    (d) => html`<li class="device" data-session-id="${d.id}">
    <div class="grow"><strong>${deviceNameIn(t, d.device)}</strong>${d.current ? html` <span class="badge">${t.t('page.security.thisDevice')}</span>` : ''}
    <div class="muted">${d.ip ? markup(t, 'page.security.deviceLineWithIp', { signedIn: localTime(t, d.createdAt, { relative: true }), lastActive: localTime(t, d.lastSeenAt, { relative: true }), ip: d.ip }) : markup(t, 'page.security.deviceLine', { signedIn: localTime(t, d.createdAt, { relative: true }), lastActive: localTime(t, d.lastSeenAt, { relative: true }) })}</div></div>
    ${
      d.current
        ? ''
        : html`<div class="item-actions">${disclosureStep({
            kind: 'confirm',
            summary: html`${t.t('page.security.signOutOpen')}<span class="visually-hidden"> ${deviceNameIn(t, d.device)}</span>`,
            whatChanges: t.t('page.security.signOutWhatChanges', { device: deviceNameIn(t, d.device) }),
            body: html`<form method="post" action="/security/sessions/${d.id}/revoke">
      <input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit" class="danger">${t.t('page.security.signOutDevice', { device: deviceNameIn(t, d.device) })}</button></form>`,
          })}</div>`
    }
  </li>`,
  )}
  </ul>
  ${
    others > 0
      ? disclosureStep({
          kind: 'confirm',
          id: 'sign-out-others-step',
          summary: t.t('page.security.signOutOthersOpen'),
          whatChanges: t.t('page.security.signOutOthersWhatChanges', { count: others }),
          body: html`<form method="post" action="/security/sessions/revoke-others"><input type="hidden" name="_csrf" value="${o.csrf}">
      <button type="submit" class="danger">${t.t('page.security.signOutOthers', { count: others })}</button></form>`,
        })
      : html`<p class="muted">${t.t('page.security.noOthers')}</p>`
  }
  ${
    ended.length > 0
      ? html`<h3>${t.t('page.security.endedHeading')}</h3><ul class="devices ended" id="ended-devices">
    ${ended.map((d) => html`<li class="device"><div><strong>${deviceNameIn(t, d.device)}</strong><div class="muted">${revokeReason(t, d.revokedReason)} ${d.revokedAt ? localTime(t, d.revokedAt, { relative: true }) : ''}</div></div></li>`)}
  </ul>`
      : ''
  }
  ${o.parts?.data ?? ''}
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
    { scripts: PASSKEY_SCRIPTS },
  );
}

/**
 * Passkeys on the security page: each with rename and remove (plain forms), and "Add a passkey", which the
 * script drives (WebAuthn needs it) and shows only where the browser supports passkeys. Before the first factor the
 * box says what adding one changes; the recovery codes that come with it are shown once in the panel below, which
 * the script fills in after it has reloaded this section with the passkey in it (client/passkeys.ts).
 */
function passkeySection(
  t: Translator,
  csrf: string,
  passkeys: ReadonlyArray<{ id: string; name: string; createdAt: number; lastUsedAt: number | null; backedUp: boolean }>,
  o: { firstFactor: boolean; onlySecondFactor: boolean; org: string; email: string },
): SafeHtml {
  return html`<h2 id="passkeys-heading">${t.t('page.passkeys.heading')}</h2>
  <p class="muted">${t.t('page.passkeys.intro')}</p>
  ${
    passkeys.length > 0
      ? html`<ul class="devices" id="passkeys">
  ${passkeys.map(
    (p) => html`<li class="device passkey" data-passkey-id="${p.id}">
    <div class="grow"><strong class="passkey-name">${p.name}</strong>${p.backedUp ? html` <span class="badge">${t.t('page.passkeys.synced')}</span>` : ''}
    <div class="muted">${p.lastUsedAt ? markup(t, 'page.passkeys.added', { added: localTime(t, p.createdAt, { relative: true }), lastUsed: localTime(t, p.lastUsedAt, { relative: true }) }) : markup(t, 'page.passkeys.addedNotUsed', { added: localTime(t, p.createdAt, { relative: true }) })}</div></div>
    <div class="item-actions">
    ${disclosureStep({
      kind: 'action',
      summary: t.t('page.passkeys.renameOpen'),
      body: html`<form method="post" action="/security/passkeys/${p.id}/rename" class="passkey-rename">
        <input type="hidden" name="_csrf" value="${csrf}">
        <div class="field"><label for="passkey-name-${p.id}">${t.t('page.passkeys.newName')}</label>
        <input type="text" id="passkey-name-${p.id}" name="name" maxlength="64" required value="${p.name}"></div>
        <button type="submit" class="secondary">${t.t('page.passkeys.renameSave')}</button>
      </form>`,
    })}
    ${disclosureStep({
      kind: 'confirm',
      summary: t.t('page.passkeys.removeOpen'),
      whatChanges: t.t('page.passkeys.removeWhatChanges', { name: p.name, last: o.onlySecondFactor ? 'true' : 'false' }),
      body: html`<form method="post" action="/security/passkeys/${p.id}/remove" class="passkey-remove">
        <input type="hidden" name="_csrf" value="${csrf}">
        <input type="hidden" name="username" value="" autocomplete="username">
        <div class="field"><label for="passkey-remove-password-${p.id}">${t.t('page.common.currentPassword')}</label>
        <p class="hint" id="passkey-remove-password-${p.id}-hint">${t.t('page.passkeys.removePassword')}</p>
        <input type="password" id="passkey-remove-password-${p.id}" name="currentPassword" autocomplete="current-password" required maxlength="1024" aria-describedby="passkey-remove-password-${p.id}-hint"></div>
        <button type="submit" class="danger">${t.t('page.passkeys.remove')}</button>
      </form>`,
    })}
    </div>
  </li>`,
  )}
  </ul>`
      : html`<p id="no-passkeys">${t.t('page.passkeys.none')}</p>`
  }
  <div id="passkey-add" hidden>
    ${o.firstFactor ? html`<p id="passkey-first-factor-note">${t.t('page.passkeys.whatChanges', { count: RECOVERY_CODE_COUNT })}</p>` : ''}
    <div class="field"><label for="new-passkey-name">${markup(t, 'page.passkeys.newPasskeyName', { muted: element('span', { class: 'muted' }) })}</label>
    <input type="text" id="new-passkey-name" maxlength="64" autocomplete="off"></div>
    <button type="button" class="secondary" id="add-passkey">${t.t('page.passkeys.add')}</button>
    ${passkeyError(t)}
  </div>
  ${passkeyIpNote(t)}
  <noscript><p class="muted">${t.t('page.passkeys.needsScript')}</p></noscript>
  ${recoveryCodesPanel(t, {
    id: 'passkey-recovery-codes',
    listId: 'passkey-recovery-codes-list',
    intro: t.t('page.passkeys.recoveryCodesIntro'),
    continueHref: '/security?notice=passkey-added',
    continueId: 'passkey-codes-saved',
    org: o.org,
    email: o.email,
  })}`;
}

/** Which second factors signing in asks for: the `ways` select of page.security.twoStepOn and page.twoFactor.on. */
export function secondFactorWays(app: boolean, passkey: boolean): 'both' | 'passkey' | 'app' {
  return app && passkey ? 'both' : passkey ? 'passkey' : 'app';
}

export interface ChangePasswordPageOptions {
  csrf: string;
  email: string;
  displayName: string;
  rules: NewPasswordRules;
  error?: string | undefined;
  /** Which box the error belongs to, so it is shown beside it. */
  errorField?: 'currentPassword' | 'newPassword' | 'confirmPassword' | undefined;
  mustChangeReason?: string | undefined;
  signOutOtherSessions?: boolean | undefined;
}

export function changePasswordPage(ctx: PageContext, o: ChangePasswordPageOptions): SafeHtml {
  const fieldError = (f: ChangePasswordPageOptions['errorField']): string | undefined => (o.errorField === f ? o.error : undefined);
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.changePassword.title'),
    html`<section class="card narrow">
  <h1>${t.t('page.changePassword.heading')}</h1>
  ${o.mustChangeReason ? alertBox('notice', o.mustChangeReason) : ''}
  ${alertBox('error', o.error)}
  <form method="post" action="/security/password" novalidate id="change-password-form">
    <input type="hidden" name="_csrf" value="${o.csrf}">
    <input type="text" name="username" autocomplete="username" value="${o.email}" hidden readonly>
    ${passwordField({ id: 'currentPassword', name: 'currentPassword', label: t.t('page.common.currentPassword'), autocomplete: 'current-password', error: fieldError('currentPassword'), autofocus: !o.errorField || o.errorField === 'currentPassword', translator: t })}
    ${passwordField({ id: 'newPassword', name: 'newPassword', label: t.t('page.common.newPassword'), autocomplete: 'new-password', hint: t.t('page.common.newPasswordHint'), error: fieldError('newPassword'), autofocus: o.errorField === 'newPassword', newPassword: newPasswordOptions(o.rules, 'newPassword', t), translator: t })}
    ${passwordField({ id: 'confirmPassword', name: 'confirmPassword', label: t.t('page.common.confirmNewPassword'), autocomplete: 'new-password', error: fieldError('confirmPassword'), matches: 'newPassword', autofocus: o.errorField === 'confirmPassword', translator: t })}
    <p class="field-error" id="confirm-mismatch" role="alert" hidden>${t.t('error.PASSWORD_CONFIRMATION_MISMATCH')}</p>
    <div class="field check">
      <input type="checkbox" id="signOutOtherSessions" name="signOutOtherSessions" value="on"${o.signOutOtherSessions === false ? '' : html` checked`}>
      <label for="signOutOtherSessions">${t.t('page.changePassword.signOutOthers')}</label>
    </div>
    <button type="submit" class="primary">${t.t('page.changePassword.submit')}</button>
    <a href="/security" class="secondary-link">${t.t('page.common.cancel')}</a>
  </form>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

export function apiDocsPage(
  ctx: PageContext,
  spec: { info?: { title?: string; version?: string }; paths?: Record<string, Record<string, { summary?: string; description?: string; tags?: string[] }>> },
): SafeHtml {
  const ops: Array<{ method: string; path: string; summary: string; description: string }> = [];
  for (const [path, methods] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, summary: op.summary ?? '', description: op.description ?? '' });
    }
  }
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.api.title'),
    html`<section class="card wide">
  <h1>${spec.info?.title ?? t.t('page.api.title')} <span class="muted">${spec.info?.version ?? ''}</span></h1>
  <p>${markup(t, 'page.api.intro', { a: link('/api/v1/openapi.json'), code: element('code'), example: raw('{"error":{"code":"…","message":"…"}}') })}</p>
  <table class="ops"><thead><tr><th>${t.t('page.api.method')}</th><th>${t.t('page.api.path')}</th><th>${t.t('page.api.what')}</th></tr></thead><tbody>
  ${ops.map((op) => html`<tr><td><code>${op.method}</code></td><td><code>${op.path}</code></td><td><strong>${op.summary}</strong>${op.description ? html`<br><span class="muted">${op.description}</span>` : ''}</td></tr>`)}
  </tbody></table>
</section>`,
  );
}
