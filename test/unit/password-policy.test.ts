import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  characterClasses,
  contextTerms,
  defaultPasswordPolicy,
  describePolicy,
  evaluatePassword,
  findApproximate,
  isMostlyTerms,
  passwordRulesAttribute,
  policyChecklist,
  requiredMinLength,
  type PasswordPolicy,
  type PolicyContext,
  type ViolationCode,
} from '../../src/core/password-policy.js';
import { sharedStrengthEstimator } from '../../src/policy/strength-estimator.js';

const estimator = sharedStrengthEstimator();
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

function ctx(overrides: Partial<PolicyContext> = {}, policy: Partial<PasswordPolicy> = {}): PolicyContext {
  return {
    policy: { ...defaultPasswordPolicy, ...policy },
    purpose: 'choose',
    now: NOW,
    email: 'john.smith@acme-corp.com',
    displayName: 'John Smith',
    serviceNames: ['Passdesk', 'Acme Corp'],
    lookups: { strength: (p, inputs) => estimator.estimate(p, inputs) },
    ...overrides,
  };
}

async function codes(candidate: string, c: PolicyContext = ctx()): Promise<ViolationCode[]> {
  return (await evaluatePassword(candidate, c)).violations.map((v) => v.code);
}

describe('length: code points after NFC, never truncated', () => {
  const cases: Array<[string, string, ViolationCode[]]> = [
    ['11 characters get the count in the message', 'fjord-quilt', ['PASSWORD_TOO_SHORT']],
    ['15 unusual words pass', 'fjord quilt owl7', []],
    ['é typed decomposed counts once (NFC): 14 code points', 'cafe\u0301 fjord qui', ['PASSWORD_TOO_SHORT']],
    ['é typed composed: the same 14', 'caf\u00e9 fjord qui', ['PASSWORD_TOO_SHORT']],
    ['é decomposed, one more letter: 15 pass', 'cafe\u0301 fjord quil', []],
    ['emoji count as one each: 🔐 + 14 = 15', '🔐fjord quilt ow', []],
    ['CJK: 15 characters pass', '雪の日に古い城で静かに本を読む', []],
    ['spaces are characters', 'owl   fjord   quilt', []],
  ];
  for (const [name, candidate, expected] of cases) {
    it(name, async () => {
      const v = (await evaluatePassword(candidate, ctx())).violations.filter((x) => x.code === 'PASSWORD_TOO_SHORT' || x.code === 'PASSWORD_TOO_LONG');
      assert.deepEqual(
        v.map((x) => x.code),
        expected,
      );
    });
  }

  it('says how many are needed and how many were typed', async () => {
    const [v] = (await evaluatePassword('fjord-quilt', ctx())).violations;
    assert.equal(v?.message, 'Use at least 15 characters — you have 11.');
    assert.deepEqual(v?.detail, { minLength: 15, length: 11 });
  });

  it('256 code points pass the length rule; 257 do not', async () => {
    const ok = Array.from({ length: 256 }, (_, i) => 'qwfpgjluyarstdhneiozxcvbkm'[(i * 7) % 26]).join('');
    assert.ok(!(await codes(ok)).includes('PASSWORD_TOO_LONG'));
    assert.deepEqual(await codes(ok + 'q'), ['PASSWORD_TOO_LONG']);
  });

  it('a 1 MB input gets one clear error in milliseconds, without running any other rule', async () => {
    // Every rule that costs more than a look at the length is a lookup: counted, none may run.
    let lookups = 0;
    const refuse = async (): Promise<never> => {
      lookups++;
      throw new Error('not reached');
    };
    const started = performance.now();
    const result = await evaluatePassword(
      'x'.repeat(1 << 20),
      ctx({ lookups: { strength: refuse, breached: refuse, isCurrentPassword: refuse, isRecentPassword: refuse } }),
    );
    const ms = performance.now() - started;
    assert.deepEqual(
      result.violations.map((v) => v.code),
      ['PASSWORD_TOO_LONG'],
    );
    assert.equal(result.violations[0]?.message, 'Use at most 256 characters.');
    assert.equal(lookups, 0);
    assert.ok(ms < 50, `took ${ms.toFixed(1)} ms`);
  });

  it('accounts with a second factor need 8 (NIST SP 800-63B-4 §3.1.1.2)', async () => {
    assert.ok((await codes('nebula-7q', ctx())).includes('PASSWORD_TOO_SHORT'));
    assert.ok(!(await codes('nebula-7q', ctx({ hasSecondFactor: true }))).includes('PASSWORD_TOO_SHORT'));
  });
});

describe('common and weak passwords (zxcvbn-ts dictionaries)', () => {
  for (const candidate of ['passwordpassword', 'iloveyou12345678', 'qwertyuiopasdfgh', 'P@ssw0rd1234567!']) {
    it(`"${candidate}" is refused as common or weak`, async () => {
      const c = await codes(candidate);
      assert.ok(c.includes('PASSWORD_COMMON') || c.includes('PASSWORD_TOO_WEAK'), c.join(','));
    });
  }

  it('a heavily used password is called common, with its own reason', async () => {
    const r = await evaluatePassword('iloveyou12345678', ctx());
    assert.ok(r.violations.some((v) => v.code === 'PASSWORD_COMMON' && /commonly used/.test(v.message)));
  });

  it('a weak one gets the estimator’s advice and a strength score', async () => {
    const r = await evaluatePassword('aaaaaaaaaaaaaaaa', ctx());
    const weak = r.violations.find((v) => v.code === 'PASSWORD_TOO_WEAK');
    assert.ok(weak, JSON.stringify(r.violations));
    assert.match(weak.message, /[Rr]epeat/);
    assert.ok(r.strength && r.strength.score < 3);
  });

  it('an unusual passphrase passes with a strong score', async () => {
    const r = await evaluatePassword('violet kettle marches sideways', ctx());
    assert.deepEqual(r.violations, []);
    assert.ok(r.ok);
    assert.ok(r.strength && r.strength.score >= 3, JSON.stringify(r.strength));
  });

  it('the minimum score is configurable', async () => {
    assert.ok(!(await codes('aaaaaaaaaaaaaaaa', ctx({}, { minStrengthScore: 0 }))).includes('PASSWORD_TOO_WEAK'));
  });
});

describe('names, email and service names (with leetspeak, typos and decorations)', () => {
  const refused = ['JohnSmith2024!!!', 'j0hn.$m1th.1985!', 'smith-john-00000', 'Jonh-Smith-2024!!', 'acmecorp-1234567', 'PASSDESK-2026-!!!', 'JOHN.SMITH@ACME'];
  for (const candidate of refused) {
    it(`"${candidate}" is refused as personal`, async () => {
      assert.ok((await codes(candidate)).includes('PASSWORD_PERSONAL_INFO'), candidate);
    });
  }
  it('a passphrase that mentions a name among other words is fine', async () => {
    assert.ok(!(await codes('john hikes the misty ridge')).includes('PASSWORD_PERSONAL_INFO'));
  });
  it('the terms come from the email’s local part and domain, the display name and service names', () => {
    const terms = contextTerms({ email: 'mary-jane.watson@mail.dailybugle.co.uk', displayName: 'MJ Watson', serviceNames: ['Passdesk'] });
    for (const t of ['mary', 'jane', 'maryjanewatson', 'watson', 'dailybugle', 'passdesk']) assert.ok(terms.includes(t), t);
    assert.ok(!terms.includes('mj'), 'two-letter words are too short to ban');
    assert.ok(!terms.includes('mail') && !terms.includes('co'));
  });
  it('a mailbox provider’s name is not personal', () => {
    assert.ok(!contextTerms({ email: 'someone@gmail.com' }).includes('gmail'));
  });
});

describe('the organisation’s banned terms', () => {
  const policy = { bannedTerms: ['Contoso', 'winter'] };
  for (const candidate of ['Contoso123456789!', 'C0nt0s0-2024-2025', 'K0nt0so2024-2025', 'contosocontoso99', 'W1nter!W1nter!99']) {
    it(`"${candidate}" is refused`, async () => {
      assert.ok((await codes(candidate, ctx({}, policy))).includes('PASSWORD_BANNED_TERM'), candidate);
    });
  }
  it('each reason is its own violation: banned and personal together', async () => {
    const c = await codes('JohnContoso2024!', ctx({}, policy));
    assert.ok(c.includes('PASSWORD_PERSONAL_INFO') && c.includes('PASSWORD_BANNED_TERM'), c.join());
  });
  it('without banned terms configured, the rule says nothing', async () => {
    assert.ok(!(await codes('Contoso123456789!')).includes('PASSWORD_BANNED_TERM'));
  });
});

describe('breached passwords', () => {
  it('a breached candidate gets its own reason', async () => {
    const r = await evaluatePassword('violet kettle marches sideways', ctx({ lookups: { breached: async () => ({ status: 'breached', count: 3 }) } }));
    assert.deepEqual(
      r.violations.map((v) => v.code),
      ['PASSWORD_BREACHED'],
    );
    assert.match(r.violations[0]!.message, /data breaches/);
  });
  it('an unreachable checker that fails closed refuses the choice but never a sign-in', async () => {
    const lookups = { breached: async () => ({ status: 'unavailable' as const, reason: 'timeout' }) };
    assert.deepEqual(await codes('violet kettle marches sideways', ctx({ lookups })), ['PASSWORD_BREACH_CHECK_UNAVAILABLE']);
    assert.deepEqual(await codes('violet kettle marches sideways', ctx({ lookups, purpose: 'sign-in' })), []);
  });
});

describe('organisation options: composition, history, minimum age, reuse', () => {
  it('character classes, Active Directory style', () => {
    assert.deepEqual(characterClasses('abc'), ['lowercase']);
    assert.deepEqual(characterClasses('aB3 '), ['lowercase', 'uppercase', 'digit', 'symbol']);
    assert.deepEqual(characterClasses('雪Ab'), ['lowercase', 'uppercase', 'other-letter']);
  });
  it('"3 of 4" refuses two classes and accepts three', async () => {
    const policy = { minCharacterClasses: 3 };
    assert.ok((await codes('violet kettle marches sideways', ctx({}, policy))).includes('PASSWORD_COMPOSITION'));
    assert.ok(!(await codes('Violet kettle marches sideways', ctx({}, policy))).includes('PASSWORD_COMPOSITION'));
  });
  it('the current password is refused on change', async () => {
    const r = await codes('violet kettle marches sideways', ctx({ purpose: 'change', lookups: { isCurrentPassword: async () => true } }));
    assert.deepEqual(r, ['PASSWORD_UNCHANGED']);
  });
  it('history: one of the last N is refused, the lookup gets N', async () => {
    let asked = 0;
    const r = await codes(
      'violet kettle marches sideways',
      ctx(
        {
          purpose: 'change',
          lookups: {
            isCurrentPassword: async () => false,
            isRecentPassword: async (_p, n) => {
              asked = n;
              return true;
            },
          },
        },
        { historyCount: 5 },
      ),
    );
    assert.deepEqual(r, ['PASSWORD_REUSED']);
    assert.equal(asked, 5);
  });
  it('history is not consulted (no argon2 work) for a candidate that already fails', async () => {
    let asked = false;
    await evaluatePassword(
      'short',
      ctx(
        {
          purpose: 'change',
          lookups: {
            isRecentPassword: async () => {
              asked = true;
              return true;
            },
          },
        },
        { historyCount: 5 },
      ),
    );
    assert.equal(asked, false);
  });
  it('minimum age with the clock: refused one hour after a change, accepted a day later', async () => {
    const policy = { minAgeMs: 86_400_000 };
    const changedAt = NOW - 3_600_000;
    const early = await evaluatePassword('violet kettle marches sideways', ctx({ purpose: 'change', passwordChangedAt: changedAt }, policy));
    assert.deepEqual(
      early.violations.map((v) => v.code),
      ['PASSWORD_CHANGED_TOO_RECENTLY'],
    );
    assert.match(early.violations[0]!.message, /2026-11-24 11:00 UTC/);
    const later = await evaluatePassword(
      'violet kettle marches sideways',
      ctx({ purpose: 'change', passwordChangedAt: changedAt, now: NOW + 86_400_000 }, policy),
    );
    assert.deepEqual(later.violations, []);
  });
  it('minimum age does not apply to choosing a password by reset or help desk', async () => {
    assert.deepEqual(await codes('violet kettle marches sideways', ctx({ purpose: 'choose', passwordChangedAt: NOW }, { minAgeMs: 86_400_000 })), []);
  });
});

describe('fuzzy matching primitives', () => {
  const chars = (s: string): string[] => Array.from(s);
  it('exact and one-edit substrings are found with their spans', () => {
    assert.deepEqual(findApproximate(chars('xxsmithxx'), chars('smith'), 0), [[2, 7]]);
    assert.ok(findApproximate(chars('xxsmtihxx'), chars('smith'), 1).length === 0, 'a transposition is two edits');
    assert.ok(findApproximate(chars('xxsmitxx'), chars('smith'), 1).length > 0, 'one missing letter');
    assert.ok(findApproximate(chars('xxsmiithxx'), chars('smith'), 1).length > 0, 'one extra letter');
  });
  it('a term with digits and symbols around it is "mostly terms"; with other words it is not', () => {
    assert.equal(isMostlyTerms('Smith!!!2024####', ['smith']), true);
    assert.equal(isMostlyTerms('smith brews ginger beer', ['smith']), false);
  });
});

describe('the policy in words and for password managers', () => {
  it('describes the defaults in plain sentences', () => {
    const s = describePolicy(defaultPasswordPolicy, { breachedCheck: true });
    assert.ok(s[0]!.startsWith('Use at least 15 characters (8 if you use two-step verification).'));
    assert.ok(s.some((x) => /data breaches/.test(x)));
    assert.ok(!s.some((x) => /expire/.test(x)), 'no expiry by default');
  });
  it('mentions every organisation option that is on', () => {
    const s = describePolicy(
      { ...defaultPasswordPolicy, minCharacterClasses: 3, historyCount: 5, minAgeMs: 86_400_000, maxAgeMs: 90 * 86_400_000, bannedTerms: ['x'] },
      { breachedCheck: false },
    ).join(' ');
    for (const phrase of ['at least 3 of', 'last 5 passwords', 'wait 1 day', 'expire after 90 days', 'banned']) assert.ok(s.includes(phrase), phrase);
  });
  it('passwordrules carries the lengths, and the classes only when composition is on', () => {
    assert.equal(passwordRulesAttribute(defaultPasswordPolicy), 'minlength: 15; maxlength: 256; allowed: lower, upper, digit, special;');
    assert.match(
      passwordRulesAttribute({ ...defaultPasswordPolicy, minCharacterClasses: 3 }),
      /required: lower; required: upper; required: digit; required: special;$/,
    );
  });
  it('the checklist, passwordrules and the evaluation name the same minimum, with and without a second factor', async () => {
    for (const hasSecondFactor of [false, true]) {
      const min = requiredMinLength(defaultPasswordPolicy, hasSecondFactor);
      const length = policyChecklist(defaultPasswordPolicy, { breachedCheck: false, forChange: true, hasSecondFactor }).find((i) => i.key === 'length');
      assert.match(length?.text ?? '', new RegExp(`^At least ${min} characters${hasSecondFactor ? ', as you use two-step verification' : ' \\('}`));
      assert.match(passwordRulesAttribute(defaultPasswordPolicy, { hasSecondFactor }), new RegExp(`^minlength: ${min};`));
      const short = await evaluatePassword('x'.repeat(min - 1), { policy: defaultPasswordPolicy, purpose: 'choose', now: 0, hasSecondFactor });
      assert.match(short.violations.find((v) => v.code === 'PASSWORD_TOO_SHORT')?.message ?? '', new RegExp(`at least ${min} characters`));
      const enough = await evaluatePassword('x'.repeat(min), { policy: defaultPasswordPolicy, purpose: 'choose', now: 0, hasSecondFactor });
      assert.equal(
        enough.violations.some((v) => v.code === 'PASSWORD_TOO_SHORT'),
        false,
      );
    }
    assert.deepEqual([requiredMinLength(defaultPasswordPolicy, false), requiredMinLength(defaultPasswordPolicy, true)], [15, 8]);
  });
});
