import { describe, expect, it } from 'vitest';
import { detectPlaces, isQualifierGap, newDetection } from '../../../src/tag/geo/detect.js';
import { getGazetteer } from '../../../src/tag/geo/index.js';

describe('isQualifierGap', () => {
  it('answers what /^\\s*[,(]\\s*$/ answers on the slice, without slicing', () => {
    const re = /^\s*[,(]\s*$/;
    const parts = [' ', ',', '(', ')', 'a', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u200b', '\u0085', ';'];
    const gaps: string[] = [''];
    for (const a of parts) for (const b of parts) for (const c of ['', ...parts]) gaps.push(a + b + c);
    for (const gap of gaps) {
      const text = `Paris${gap}Texas`;
      expect(isQualifierGap(text, 5, 5 + gap.length), JSON.stringify(gap)).toBe(re.test(gap));
    }
    // every UTF-16 code unit as the white space around a comma
    for (let c = 0; c < 0x10000; c++) {
      const s = String.fromCharCode(c);
      if (isQualifierGap(`${s},${s}`, 0, 3) !== re.test(`${s},${s}`)) throw new Error(`code ${c.toString(16)}`);
    }
  });
});

describe('detectPlaces', () => {
  it('gives every detection the same fields in the same order (one hidden class), county lists and qualifiers included', () => {
    const text = 'Storms hit Paris, Texas. Clarke, Madison and Oconee counties flooded. Mr Lincoln spoke in London.';
    const found = detectPlaces(text, getGazetteer(), { lang: 'en', titleEnd: 0 });
    expect(found.length).toBeGreaterThan(3);
    const fields = Object.keys(newDetection(0, 1, 'x', 'x', 0, 0, [], undefined, undefined));
    for (const d of found) expect(Object.keys(d)).toEqual(fields);
    expect(found.some((d) => d.qualifier !== undefined)).toBe(true);
    expect(found.some((d) => d.key === 'madison county')).toBe(true);
    expect(found.some((d) => d.key === 'london' && d.locative === true)).toBe(true);
  });
});
