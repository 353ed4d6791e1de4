// The colour maths of the organisation's look (core/colour-contrast.ts) against WCAG's own figures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contrastRatio, formatRatio, parseHexColour, primaryPalette, relativeLuminance, toHex, WHITE } from '../../src/core/colour-contrast.js';

const rgb = (hex: string) => parseHexColour(hex)!;

describe('colour contrast (WCAG 2.2)', () => {
  it('parses six- and three-digit hex, any case, and nothing else', () => {
    assert.deepEqual(parseHexColour('#1F5fd1'), { r: 0x1f, g: 0x5f, b: 0xd1 });
    assert.deepEqual(parseHexColour('#15d'), { r: 0x11, g: 0x55, b: 0xdd });
    for (const bad of ['1f5fd1', '#1f5fd', '#1f5fd1ff', 'blue', 'rgb(0,0,0)', '#ggg', '']) assert.equal(parseHexColour(bad), null, bad);
    assert.equal(toHex(rgb('#ABCDEF')), '#abcdef');
  });

  it('relative luminance: black 0, white 1', () => {
    assert.equal(relativeLuminance(rgb('#000')), 0);
    assert.equal(relativeLuminance(WHITE), 1);
  });

  const known: Array<[string, string, number]> = [
    ['#000000', '#ffffff', 21],
    ['#767676', '#ffffff', 4.54], // the lightest grey that passes AA on white (WebAIM)
    ['#777777', '#ffffff', 4.48],
    ['#595959', '#ffffff', 7.0],
    ['#ff0000', '#ffffff', 4.0],
    ['#1f5fd1', '#ffffff', 5.81], // app.css's default --accent
  ];
  for (const [a, b, expected] of known) {
    it(`${a} on ${b} ≈ ${expected}:1, whichever is first`, () => {
      assert.ok(Math.abs(contrastRatio(rgb(a), rgb(b)) - expected) < 0.01, `${contrastRatio(rgb(a), rgb(b))}`);
      assert.equal(contrastRatio(rgb(a), rgb(b)), contrastRatio(rgb(b), rgb(a)));
    });
  }

  it('a ratio is written rounded down, so a failing 4.499 never reads as 4.50', () => {
    assert.equal(formatRatio(4.4999), '4.49:1');
    assert.equal(formatRatio(21), '21.00:1');
  });
});

describe('the palette from one primary colour', () => {
  it('a readable colour gives the accent, white text on it, a darker hover and the focus ring', () => {
    const result = primaryPalette(rgb('#1F5FD1'));
    assert.ok('palette' in result);
    assert.deepEqual(result.palette, { accent: '#1f5fd1', accentForeground: '#ffffff', accentHover: '#194ca7' });
    assert.ok(contrastRatio(WHITE, rgb(result.palette.accentHover)) > contrastRatio(WHITE, rgb(result.palette.accent)), 'hover only gets more readable');
  });

  it('refuses a colour white text cannot be read on, with the ratio', () => {
    const result = primaryPalette(rgb('#ffcc00'));
    assert.ok('problem' in result);
    assert.equal(result.problem.pairing, 'white-text-on-colour');
    assert.equal(formatRatio(result.problem.ratio), '1.51:1');
  });

  it('refuses a colour that passes on white but not as link text on the grey page (#767676: 4.54 on white)', () => {
    const result = primaryPalette(rgb('#767676'));
    assert.ok('problem' in result);
    assert.equal(result.problem.pairing, 'colour-text-on-page');
    assert.ok(result.problem.ratio < 4.5);
  });
});
