import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSecurityAnswers, normalizeSecurityAnswer, SECURITY_QUESTIONS } from '../../src/core/security-questions.js';

describe('security answers are compared after normalisation', () => {
  const same: Array<[string, string]> = [
    ['  São  Paulo! ', 'sao paulo'],
    ['New-York', 'new york'],
    ['ＡＢＢＡ', 'abba'], // full-width letters (NFKC)
    ['Zoë', 'zoe'],
    ['O’Brien', "o'brien"],
    ['Ford Fiesta 1.1', 'ford fiesta 11'],
  ];
  for (const [a, b] of same) test(`"${a}" matches "${b}"`, () => assert.equal(normalizeSecurityAnswer(a), normalizeSecurityAnswer(b)));

  test('different answers stay different, in any script', () => {
    assert.notEqual(normalizeSecurityAnswer('Paris'), normalizeSecurityAnswer('Parish'));
    assert.equal(normalizeSecurityAnswer('Москва'), 'москва');
    assert.equal(normalizeSecurityAnswer('東京'), '東京');
  });
});

describe('checkSecurityAnswers', () => {
  const [q1, q2, q3] = SECURITY_QUESTIONS.map((q) => q.id);
  const ok = [
    { questionId: q1!, answer: 'Blur, 1995' },
    { questionId: q2!, answer: 'Hannah' },
    { questionId: q3!, answer: 'Mill Lane' },
  ];
  const cases: Array<[string, Array<{ questionId: string; answer: string }>, string | null]> = [
    ['three good answers', ok, null],
    ['too few', ok.slice(0, 2), 'WRONG_COUNT'],
    ['an unknown question', [...ok.slice(0, 2), { questionId: 'mothers-maiden-name', answer: 'Smith' }], 'UNKNOWN_QUESTION'],
    ['the same question twice', [ok[0]!, ok[1]!, { questionId: q1!, answer: 'Oasis' }], 'DUPLICATE_QUESTION'],
    ['an answer of two letters', [ok[0]!, ok[1]!, { questionId: q3!, answer: ' A-b ' }], 'ANSWER_TOO_SHORT'],
    ['an answer of 201 characters', [ok[0]!, ok[1]!, { questionId: q3!, answer: 'x'.repeat(201) }], 'ANSWER_TOO_LONG'],
    ['one answer for two questions', [ok[0]!, ok[1]!, { questionId: q3!, answer: 'HANNAH!' }], 'SAME_ANSWER'],
  ];
  for (const [name, answers, code] of cases) {
    test(`${name} → ${code ?? 'accepted'}`, () => assert.equal(checkSecurityAnswers(answers, 3)?.code ?? null, code));
  }
});
