// No words a person reads are written inline beside the catalog (src/core/i18n/catalogs/en.ts): not in the
// views and emails, and not in src/http, src/flows and src/methods, where a page notice, an API error message or
// a Zod field message is made. There is no allow-list: put a new sentence in the catalog and name its id.
// What the scanner does not count (log lines, developer and operator errors, OpenAPI text) is said in
// test/helpers/inline-sentences.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findInlineSentences, type InlineSentence } from '../helpers/inline-sentences.js';

const listed = (found: readonly InlineSentence[]): string[] => found.map((s) => `${s.file}:${s.line}: ${s.text}`);

describe('sentences live in the catalog', () => {
  it('the views write no sentence or phrase inline', () => {
    assert.deepEqual(listed(findInlineSentences(['src/web/views'], { fragments: true })), [], 'put them in the catalog, not inline');
  });

  it('the emails write no sentence inline', () => {
    // Only sentences: the rest of src/mail (the outbox worker, its CLI and setup) also holds short log lines
    // that run over several lines, SQL and operator output, which the phrase rule would take for words.
    // Left out too, for the operator and not for the person the email is for: a configuration error naming
    // its setting (PASSDESK_…) and a stored delivery error ("BODY_UNOPENABLE: …", the outbox's last_error).
    const found = findInlineSentences(['src/mail']).filter((s) => !/^[A-Z_]+:|PASSDESK_/.test(s.text));
    assert.deepEqual(listed(found), [], 'put them in the catalog, not inline');
  });

  it('src/http, src/flows and src/methods write no sentence or phrase inline', () => {
    assert.deepEqual(listed(findInlineSentences(['src/http', 'src/flows', 'src/methods'], { fragments: true })), [], 'put them in the catalog, not inline');
  });

  it('the scanner sees sentences, short phrases and Zod messages, and not what nobody using the service reads', () => {
    // A guard on the heuristic itself, on the shapes the catalog move found.
    const dir = 'test/fixtures/inline-sentences';
    assert.deepEqual(
      findInlineSentences([dir], { fragments: true }).map((s) => s.text),
      [
        'Enter the code.',
        'not valid',
        'this device',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text the scanner must find, placeholder and all
        'at most ${o.max} characters',
        'required',
        'the 8-digit code from the email',
        'Enter the code again.',
      ],
    );
    assert.deepEqual(
      findInlineSentences([dir]).map((s) => s.text),
      ['Enter the code.', 'Enter the code again.'],
      'without fragments, only sentences',
    );
  });
});
