import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configKeys } from '../../src/config.js';

test('the README’s configuration table lists every configuration key', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const [key, spec] of Object.entries(configKeys)) {
    assert.ok(readme.includes(`| \`${spec.env}\` | \`${key}\` |`), `README lists ${spec.env} (${key})`);
  }
});
