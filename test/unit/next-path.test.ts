// The confirm page's next= parameter: only paths on this site survive (no open redirect).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NEXT_PATH, safeNextPath } from '../../src/core/next-path.js';

describe('safeNextPath', () => {
  const kept: Array<[string, string]> = [
    ['/security', '/security'],
    ['/security/two-factor', '/security/two-factor'],
    ['/security/email?notice=x', '/security/email?notice=x'],
    ['/security/../sign-in', '/sign-in'],
    ['/a%2F%2Fb', '/a%2F%2Fb'],
  ];
  for (const [input, expected] of kept) {
    it(`keeps ${JSON.stringify(input)}`, () => assert.equal(safeNextPath(input), expected));
  }

  const refused: unknown[] = [
    undefined,
    null,
    42,
    '',
    'security',
    'https://evil.example/',
    'http://127.0.0.1:8080/security',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/security\\..\\x',
    'javascript:alert(1)',
    ' /security',
    '/secu rity',
    '/ok\r\nSet-Cookie: a=b',
    '/ok\u0000',
    '/ok\u007f',
    `/${'a'.repeat(600)}`,
    '/security/confirm',
    '/security/confirm?next=/x',
    '/sign-out',
    '/\t/evil.example',
    // Dot segments that resolve to a protocol-relative URL.
    '/.//evil.example',
    '/..//evil.example/login',
    '/%2e//evil.example',
    '/a/..//evil.example',
    '/./%2e//evil.example',
  ];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.equal(safeNextPath(input), DEFAULT_NEXT_PATH));
  }

  it('falls back to the given default', () => assert.equal(safeNextPath('//evil.example', '/security/two-factor'), '/security/two-factor'));
});
