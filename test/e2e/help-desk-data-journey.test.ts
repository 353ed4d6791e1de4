// The console's accounts in and out in Chromium (issue 15): an administrator imports a small CSV file with one bad
// line and reads the per-line report, exports every account as a download, downloads a person's data and then
// deletes the account, and finds all of it — including their own views of the audit log — in the audit log. Every
// page is checked at 1280 and 390 px: no sideways scroll (scrollWidth <= innerWidth) and no axe-core violation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { registerAccount } from '../../src/flows/register.js';
import { PASSWORD } from '../helpers/app.js';
import { layoutAndAxeProblems } from '../helpers/browser.js';
import { startJourney, type Journey } from '../helpers/journey.js';

const ADMIN = 'admin@example.org';
const LEAVER = 'leaving.person.with.a.rather.long.address@example.org';
const REASON = 'Moving the old portal’s people';

describe('help desk import, export and deletion in Chromium', { timeout: 120_000 }, () => {
  let j: Journey;
  let dir: string;
  let page: Page;

  before(async () => {
    j = await startJourney({ expectedStatuses: [] });
    dir = await mkdtemp(join(tmpdir(), 'passdesk-console-'));
    for (const [email, role] of [
      [ADMIN, 'admin'],
      [LEAVER, 'user'],
      ['already@example.org', 'user'],
    ] as const) {
      await registerAccount(j.app.deps, { email, password: PASSWORD, role }, { ip: null, userAgent: null }, { kind: 'cli' });
    }
    page = await (await j.newContext({ viewport: { width: 1280, height: 900 } }, { label: 'admin' })).newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(ADMIN);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');
  });

  after(async () => {
    await j?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function clean(what: string): Promise<void> {
    assert.deepEqual(await layoutAndAxeProblems(page), [], what);
  }

  it('the check itself sees what it looks for: a sideways scroll and an axe violation (a guard on the guard)', async () => {
    const scratch = await (await j.newContext({}, { watch: false })).newPage();
    await scratch.setContent(
      '<html lang="en"><head><title>t</title></head><body><main><img src="data:,"><div style="width:2000px">x</div></main></body></html>',
    );
    const found = await layoutAndAxeProblems(scratch, [390]);
    assert.ok(
      found.some((p) => p.startsWith('390px: scrollWidth')),
      found.join('; '),
    );
    assert.ok(
      found.some((p) => p.startsWith('390px axe image-alt')),
      found.join('; '),
    );
  });

  it('imports a small file with one bad line and shows the per-line report', async () => {
    await page.goto('/admin');
    await page.locator('#import-link').click();
    await page.waitForURL('**/admin/import');
    await clean('import form');
    const file = join(dir, 'people.csv');
    await writeFile(
      file,
      ['email,name,role,password_hash', 'new.one@example.org,New One,user,', 'already@example.org,Already,user,', 'not an address,Broken,user,', ''].join('\n'),
    );
    await page.getByLabel('File (.csv, .jsonl or .ndjson; up to 32 MiB)').setInputFiles(file);
    await page.getByLabel('Reason (kept in the audit log)').fill(REASON);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForURL('**/admin/import');
    assert.match((await page.locator('#import-summary').textContent()) ?? '', /1 account created \(1 without a password\), 1 already present, 1 refused\./);
    const rows = await page.locator('#import-report tbody tr').evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())
          .filter(Boolean)
          .join(' '),
      ),
    );
    assert.deepEqual(rows, [
      '2 Created',
      '3 Already present An account with this address exists; it was left as it is. exists',
      '4 Refused Not an email address. invalid-email',
    ]);
    await clean('import report');
  });

  it('exports every account as a CSV download, without hashes', async () => {
    await page.locator('#export-link').click();
    await page.waitForURL('**/admin/export');
    await clean('export form');
    await page.getByLabel('Reason (kept in the audit log)').fill(REASON);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.match(download.suggestedFilename(), /^passdesk-accounts-\d{4}-\d\d-\d\d\.csv$/);
    const text = await readFile((await download.path()) ?? '', 'utf8');
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'email,name,role,password_hash');
    assert.ok(lines.some((l) => l.startsWith('new.one@example.org,')));
    assert.ok(!text.includes('$argon2id$'), 'no hash unless asked');
  });

  it('downloads a person’s data, then deletes the account, and sees what was removed', async () => {
    await page.goto(`/admin?q=${encodeURIComponent(LEAVER)}`);
    await page.locator('#results a').first().click();
    await page.waitForURL(/\/admin\/accounts\/[^/?]+$/);
    await page.locator('#delete-link').click();
    await page.waitForURL(/\/delete$/);
    await clean('delete page');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the export' }).click()]);
    const exported = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as { account: { email: string } };
    assert.equal(exported.account.email, LEAVER);
    await page.reload();
    assert.match((await page.locator('#export-state').textContent()) ?? '', /You downloaded it at/);
    await page.getByLabel(`Type ${LEAVER} to confirm`).fill(LEAVER);
    await page.getByLabel('Reason (the person reads it in the email telling them)').fill('Left the company');
    await page.getByRole('button', { name: 'Delete the account' }).click();
    await page.waitForSelector('#account-deleted');
    assert.match((await page.locator('#deleted-intro').textContent()) ?? '', /was deleted/);
    assert.equal(await page.locator('#deleted-removed li').count(), 7);
    await clean('deleted page');
    assert.equal(await j.app.deps.store.accounts.findAccountByEmail(LEAVER), null);
  });

  it('the audit log shows the import, the exports, the deletion and the views of the audit log itself', async () => {
    await page.goto('/admin/audit');
    await page.getByLabel('Event type (or a family such as admin.*)').fill('admin.*');
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.waitForURL(/\/admin\/audit\?/);
    const types = await page.locator('#audit-events li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event-type')));
    for (const type of ['admin.accounts.import', 'admin.accounts.export', 'admin.account.export', 'admin.account.delete', 'admin.audit.read']) {
      assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    }
    assert.equal(types[0], 'admin.audit.read', 'the first view (unfiltered) is listed, newest first; this page’s own read is not');
    await clean('audit log');
    assert.deepEqual(j.problems, []);
  });
});
