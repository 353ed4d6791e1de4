// The console's pages for accounts in and out (issue 15): import a file and read its per-line report, export every
// account, and delete one account after downloading its data. Plain forms that work without JavaScript; the flows
// (flows/help-desk/import.ts, delete-account.ts) decide who may do what and record it.
import { html, type SafeHtml } from '../html.js';
import { alertBox } from './layout.js';
import { page, type PageContext } from './pages.js';
import { localTime, markup, translatorOf } from '../i18n.js';
import type { Translator } from '../../core/i18n/translator.js';
import type { ImportReport, LineOutcome } from '../../flows/help-desk/import.js';
import type { DeletedAccount } from '../../flows/help-desk/delete-account.js';
import { consoleNav, csrfField, reasonFields, type ConsoleOffers, type SignedIn } from './help-desk.js';

type Base = SignedIn & ConsoleOffers;

/** The form's fields a refused submission shows again (never the file or the pasted lines: they may hold hashes). */
export interface KeptFields {
  reason: string;
  ticket: string;
}

/** The two formats as radio buttons (with "from the file name" for an upload). */
function formatChoice(t: Translator, prefix: string, o: { auto: boolean }): SafeHtml {
  const options: Array<[string, string]> = [
    ...(o.auto ? [['auto', t.t('page.helpDesk.data.formatAuto')] as [string, string]] : []),
    ['csv', t.t('page.helpDesk.audit.csv')],
    ['jsonl', t.t('page.helpDesk.audit.jsonl')],
  ];
  return html`<fieldset class="choice"><legend>${t.t('page.helpDesk.data.format')}</legend>
    ${options.map(
      (
        [value, label],
        i,
      ) => html`<div class="field check"><input type="radio" id="${prefix}-format-${value}" name="format" value="${value}"${i === 0 ? html` checked` : ''}>
      <label for="${prefix}-format-${value}">${label}</label></div>`,
    )}
  </fieldset>`;
}

export function importPage(ctx: PageContext, o: Base & { maxMib: number; error?: string | undefined; kept?: KeptFields | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.helpDesk.import.title'),
    html`<section class="card wide console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.import.title')}</h1>
  ${alertBox('error', o.error)}${o.error ? html`<p class="muted" id="choose-again">${t.t('page.helpDesk.import.chooseAgain')}</p>` : ''}
  <p>${t.t('page.helpDesk.import.intro')}</p>
  <form method="post" action="/admin/import" enctype="multipart/form-data" id="import-form">
    ${csrfField(o.csrf)}
    <div class="field"><label for="import-file">${t.t('page.helpDesk.import.file', { mib: o.maxMib })}</label>
      <input type="file" id="import-file" name="file" accept=".csv,.jsonl,.ndjson,text/csv,application/jsonl"></div>
    <div class="field"><label for="import-pasted">${t.t('page.helpDesk.import.paste')}</label>
      <textarea id="import-pasted" name="pasted" rows="6" autocomplete="off" spellcheck="false"></textarea></div>
    ${formatChoice(t, 'import', { auto: true })}
    ${reasonFields(t, 'import', { label: t.t('page.helpDesk.data.reason'), ...o.kept })}
    <button type="submit" class="primary">${t.t('page.helpDesk.import.submit')}</button>
  </form>
  <p class="muted">${t.t('page.helpDesk.import.larger')}</p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

/** How many report lines a page lists: a long file lists only the lines that were not created. */
export const REPORT_LINES_SHOWN = 1000;

function reportRow(t: Translator, l: LineOutcome): SafeHtml {
  const why = l.reason === null ? '' : html`${t.t(`page.helpDesk.import.problem.${l.reason}`)} <code>${l.reason}</code>`;
  return html`<tr data-line="${String(l.line)}" data-outcome="${l.outcome}"><td>${String(l.line)}</td><td>${t.t(`page.helpDesk.import.outcome.${l.outcome}`)}</td><td>${why}</td></tr>`;
}

export function importReportPage(ctx: PageContext, o: Base & { report: ImportReport }): SafeHtml {
  const t = translatorOf(ctx);
  const r = o.report;
  const long = r.lines.length > REPORT_LINES_SHOWN;
  const lines = (long ? r.lines.filter((l) => l.outcome !== 'created') : r.lines).slice(0, REPORT_LINES_SHOWN);
  return page(
    ctx,
    t.t('page.helpDesk.import.reportTitle'),
    html`<section class="card wide console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.import.reportTitle')}</h1>
  <p class="alert notice" id="import-summary">${t.t('page.helpDesk.import.summary', { created: r.created, withoutPassword: r.withoutPassword, skipped: r.skipped, failed: r.failed })}</p>
  ${long ? html`<p class="muted" id="only-problems">${t.t('page.helpDesk.import.onlyProblems', { shown: REPORT_LINES_SHOWN })}</p>` : ''}
  <table class="ops report" id="import-report">
    <thead><tr><th scope="col">${t.t('page.helpDesk.import.line')}</th><th scope="col">${t.t('page.helpDesk.import.outcome')}</th><th scope="col">${t.t('page.helpDesk.import.why')}</th></tr></thead>
    <tbody>${lines.map((l) => reportRow(t, l))}</tbody>
  </table>
  <p><a class="button" href="/admin/import" id="import-again">${t.t('page.helpDesk.import.again')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

export function exportPage(ctx: PageContext, o: Base & { error?: string | undefined; kept?: KeptFields | undefined }): SafeHtml {
  const t = translatorOf(ctx);
  return page(
    ctx,
    t.t('page.helpDesk.export.title'),
    html`<section class="card wide console">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.export.title')}</h1>
  ${alertBox('error', o.error)}
  <p>${t.t('page.helpDesk.export.intro')}</p>
  <form method="post" action="/admin/export" id="export-form">
    ${csrfField(o.csrf)}
    ${formatChoice(t, 'export', { auto: false })}
    <div class="field check"><input type="checkbox" id="export-hashes" name="withHashes" value="yes" aria-describedby="export-hashes-hint">
      <label for="export-hashes">${t.t('page.helpDesk.export.hashes')}</label></div>
    <p class="hint" id="export-hashes-hint">${t.t('page.helpDesk.export.hashesHint')}</p>
    ${reasonFields(t, 'export', { label: t.t('page.helpDesk.data.reason'), ...o.kept })}
    <button type="submit" class="primary">${t.t('page.helpDesk.export.submit')}</button>
  </form>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

export interface DeletePageOptions extends Base {
  account: { id: string; email: string; displayName: string; directoryId: string | null };
  /** When this administrator downloaded the export within the window; null: not yet. */
  exportedAt: number | null;
  windowMinutes: number;
  error?: string | undefined;
  kept?: KeptFields | undefined;
}

export function deleteAccountPage(ctx: PageContext, o: DeletePageOptions): SafeHtml {
  const t = translatorOf(ctx);
  const a = o.account;
  const name = a.displayName || a.email;
  return page(
    ctx,
    t.t('page.helpDesk.delete.title', { name }),
    html`<section class="card wide console" id="delete-account" data-account-id="${a.id}">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.delete.title', { name })}</h1>
  ${alertBox('error', o.error)}
  <p class="wrap" id="delete-email">${a.email}</p>
  <p>${t.t('page.helpDesk.delete.intro')}</p>
  ${a.directoryId ? html`<p class="muted" id="delete-directory">${t.t('page.helpDesk.delete.directory')}</p>` : ''}
  <div class="steps">
    <h2>${t.t('page.helpDesk.delete.exportHeading')}</h2>
    <p>${t.t('page.helpDesk.delete.exportIntro')}</p>
    <p><a class="button" href="/api/v1/admin/accounts/${a.id}/export" id="account-export-link" download>${t.t('page.helpDesk.delete.exportLink')}</a></p>
    <p id="export-state"${o.exportedAt === null ? html` class="muted"` : ''}>${o.exportedAt === null ? t.t('page.helpDesk.delete.notExported', { minutes: o.windowMinutes }) : markup(t, 'page.helpDesk.delete.exported', { when: localTime(t, o.exportedAt) })}</p>
  </div>
  <form method="post" action="/admin/accounts/${a.id}/delete" class="steps" id="delete-form">
    ${csrfField(o.csrf)}
    <h2>${t.t('page.helpDesk.delete.confirmHeading')}</h2>
    <div class="field"><label for="delete-confirm">${t.t('page.helpDesk.delete.confirmLabel', { email: a.email })}</label>
      <input type="text" id="delete-confirm" name="confirm" required maxlength="254" autocomplete="off" autocapitalize="off" spellcheck="false"></div>
    ${reasonFields(t, 'delete', { label: t.t('page.helpDesk.delete.reason'), ...o.kept })}
    <button type="submit" class="danger">${t.t('page.helpDesk.delete.submit')}</button>
  </form>
  <p><a href="/admin/accounts/${a.id}">${t.t('page.helpDesk.backToAccount')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}

/** What the deletion removed, counted from the export it answered (the data itself is not shown again). */
export function accountDeletedPage(ctx: PageContext, o: Base & { deleted: DeletedAccount }): SafeHtml {
  const t = translatorOf(ctx);
  const d = o.deleted;
  const e = d.export;
  const items: Array<[string, string]> = [
    ['sessions', t.t('page.helpDesk.deleted.sessions', { count: e.sessions.length })],
    ['factors', t.t('page.helpDesk.deleted.factors', { count: e.secondFactors.length })],
    ['recovery-codes', t.t('page.helpDesk.deleted.recoveryCodes', { count: e.recoveryCodesLeft })],
    ['questions', t.t('page.helpDesk.deleted.questions', { count: e.securityQuestions.length })],
    ['trusted-devices', t.t('page.helpDesk.deleted.trustedDevices', { count: e.trustedDevices })],
    ['own-events', t.t('page.helpDesk.deleted.ownEvents', { count: e.events.filter((ev) => ev.actorId === null).length })],
    ['dropped-mail', t.t('page.helpDesk.deleted.droppedMail', { count: d.removed.droppedMail })],
  ];
  return page(
    ctx,
    t.t('page.helpDesk.deleted.title'),
    html`<section class="card wide console" id="account-deleted">
  ${consoleNav(t, o)}
  <h1>${t.t('page.helpDesk.deleted.title')}</h1>
  <p class="alert notice wrap" id="deleted-intro">${t.t('page.helpDesk.deleted.intro', { email: e.account.email })}</p>
  <h2>${t.t('page.helpDesk.deleted.removedHeading')}</h2>
  <ul id="deleted-removed">${items.map(([key, text]) => html`<li data-removed="${key}">${text}</li>`)}</ul>
  <p class="wrap" id="deleted-kept">${t.t('page.helpDesk.deleted.kept', { count: d.removed.keptEvents, reference: d.reference })}</p>
  ${d.directory ? html`<p class="muted" id="deleted-directory">${t.t('page.helpDesk.deleted.directory')}</p>` : ''}
  <p><a class="button" href="/admin">${t.t('page.helpDesk.searchLink')}</a></p>
</section>`,
    { displayName: o.displayName, csrf: o.csrf },
  );
}
