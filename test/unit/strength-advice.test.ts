// The strength bar's advice is ours: every warning and suggestion key the estimator (zxcvbn-ts) can give has our
// own sentence in the catalog, and nothing the estimator writes in English ever reaches a person.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import { STRENGTH_SUGGESTION_IDS, STRENGTH_WARNING_IDS, strengthAdvice } from '../../src/core/strength-advice.js';
import { translator } from '../../src/core/i18n/translator.js';
import { evaluatePassword, defaultPasswordPolicy } from '../../src/core/password-policy.js';

const en = translator('en');

describe('strength advice', () => {
  it('every key of the estimator has a sentence of ours, and we name no key it lacks', () => {
    assert.deepEqual(Object.keys(STRENGTH_WARNING_IDS).sort(), Object.keys(zxcvbnEn.translations.warnings).sort());
    assert.deepEqual(Object.keys(STRENGTH_SUGGESTION_IDS).sort(), Object.keys(zxcvbnEn.translations.suggestions).sort());
  });

  it('no sentence of ours is the estimator’s', () => {
    const theirs = new Set([...Object.values(zxcvbnEn.translations.warnings), ...Object.values(zxcvbnEn.translations.suggestions)]);
    for (const id of [...Object.values(STRENGTH_WARNING_IDS), ...Object.values(STRENGTH_SUGGESTION_IDS)]) assert.ok(!theirs.has(en.format(id)), id);
  });

  it('maps keys to our words, each suggestion once; an unknown key is left out, never shown raw', () => {
    const table: Array<[{ warning: string | null; suggestions: string[] }, { warning: string | null; suggestions: string[] }]> = [
      [
        { warning: null, suggestions: [] },
        { warning: null, suggestions: [] },
      ],
      [
        { warning: 'userInputs', suggestions: ['anotherWord', 'anotherWord'] },
        { warning: en.t('policy.strength.warning.userInputs'), suggestions: [en.t('policy.strength.suggestion.anotherWord')] },
      ],
      [
        { warning: 'There should not be any personal or page related data.', suggestions: ['Add more words that are less common.', 'l33t'] },
        { warning: null, suggestions: [en.t('policy.strength.suggestion.l33t')] },
      ],
      [
        { warning: 'toString', suggestions: ['constructor'] },
        { warning: null, suggestions: [] },
      ],
    ];
    for (const [found, expected] of table) assert.deepEqual(strengthAdvice(en, found), expected, JSON.stringify(found));
  });

  it('the policy engine words a refusal with our advice and gives the keys in the detail', async () => {
    const r = await evaluatePassword('grace1906grace', {
      policy: { ...defaultPasswordPolicy, minLength: 8 },
      purpose: 'choose',
      now: 0,
      lookups: { strength: async () => ({ score: 0, warning: 'userInputs', suggestions: ['anotherWord'], commonShare: 0 }) },
    });
    assert.deepEqual(r.strength, {
      score: 0,
      label: 'Very weak',
      warning: en.t('policy.strength.warning.userInputs'),
      suggestions: [en.t('policy.strength.suggestion.anotherWord')],
    });
    const weak = r.violations.find((v) => v.code === 'PASSWORD_TOO_WEAK');
    assert.equal(weak?.message, `${en.t('policy.strength.warning.userInputs')} ${en.t('policy.strength.suggestion.anotherWord')}`);
    assert.deepEqual(weak?.detail, { score: 0, minScore: defaultPasswordPolicy.minStrengthScore, warning: 'userInputs', suggestions: ['anotherWord'] });
  });
});
