// The reference pages under docs/reference/ are generated from the code (configKeys, the OpenAPI document, the
// CLI's usage text); committed pages that no longer match it fail here.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { configKeys } from '../../src/config.js';
import { formatDuration, referencePages, REFERENCE_PAGES } from '../../scripts/docs.js';

const root = new URL('../../', import.meta.url);

describe('the generated reference pages', () => {
  let pages: Record<string, string>;
  before(async () => {
    pages = await referencePages();
  });

  for (const path of Object.values(REFERENCE_PAGES)) {
    it(`${path} matches the code`, async () => {
      const committed = await readFile(new URL(path, root), 'utf8').catch(() => '(missing)');
      assert.ok(committed === pages[path], `${path} is out of date with the code: run npm run docs:generate`);
    });
  }

  it('the configuration reference lists every key with its variable', () => {
    const text = pages[REFERENCE_PAGES.configuration]!;
    for (const [key, spec] of Object.entries(configKeys)) {
      assert.ok(text.includes(`| \`${spec.env}\` | \`${key}\` |`), `lists ${spec.env} (${key})`);
    }
  });

  it('durations are written as the configuration accepts them', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(86_400_000), '24h');
    assert.equal(formatDuration(7_776_000_000), '90d');
    assert.equal(formatDuration(5000), '5s');
    assert.equal(formatDuration(1500), '1500ms');
  });
});
