import { describe, expect, it } from 'vitest';
import { analyze, clearStemMemo, detectLanguage, isStopword, normalizeLangHint, pickSurface, scanWords, stemOf, surfaceForms, tokenize, HotWords, WordTable } from '../../src/tag/text.js';

describe('detectLanguage', () => {
  it('tells French from English on news sentences', () => {
    expect(detectLanguage("Le gouvernement a annoncé mardi que la réforme des retraites serait examinée par l'Assemblée nationale dès la semaine prochaine.")).toBe('fr');
    expect(detectLanguage('The government said on Tuesday that the pension reform would be debated by Parliament as early as next week.')).toBe('en');
    expect(detectLanguage('Tempête : routes coupées en Bretagne')).toBe('fr');
    expect(detectLanguage('Storm cuts roads in Brittany')).toBe('en');
  });

  it('falls back to the feed hint on empty or unreadable text, then to the default', () => {
    expect(detectLanguage('', 'fr-FR')).toBe('fr');
    expect(detectLanguage('12 000 — 45 %', 'fr')).toBe('fr');
    expect(detectLanguage('', undefined)).toBe('en');
    expect(detectLanguage('', undefined, 'fr')).toBe('fr');
  });

  it('keeps the hint for a short ambiguous title but not against a clearly other-language text', () => {
    expect(detectLanguage('Macron', 'fr')).toBe('fr');
    expect(detectLanguage('The minister said the plan would be announced by the end of the year and that it was the best option for the country.', 'fr')).toBe('en');
  });

  it('normalizes hints', () => {
    expect(normalizeLangHint('fr_CA')).toBe('fr');
    expect(normalizeLangHint('EN-gb')).toBe('en');
    expect(normalizeLangHint('de')).toBeUndefined();
    expect(normalizeLangHint(undefined)).toBeUndefined();
  });
});

describe('tokenize', () => {
  it('keeps accents, drops French elisions and numbers, splits hyphenated glue but keeps compounds', () => {
    const words = tokenize("L'économie d'aujourd'hui : les élections à Saint-Étienne, qu'il a-t-il dit ? 12 000 COVID-19, jusqu'au porte-parole", 'fr');
    expect(words).toContain('économie');
    expect(words).toContain('élections');
    expect(words).toContain('saint-étienne');
    expect(words).toContain('covid-19');
    expect(words).toContain('porte-parole');
    expect(words).toContain('il');
    expect(words).not.toContain("l'économie");
    expect(words).not.toContain("aujourd'hui");
    expect(words).not.toContain('a-t-il');
    expect(words).not.toContain('12');
    expect(words).not.toContain('000');
    expect(words.some((w) => w.startsWith("qu'") || w.startsWith("jusqu'"))).toBe(false);
  });

  it('handles typographic apostrophes and English possessives and contractions', () => {
    expect(tokenize('L’État et l’Europe', 'fr')).toEqual(['état', 'et', 'europe']);
    const en = tokenize("Britain's economy won't grow, they're told by O'Neill", 'en');
    expect(en).toContain('britain');
    expect(en).toContain("o'neill");
    expect(en).not.toContain('won');
    expect(en).not.toContain("britain's");
  });

  it('keeps original spans when lower-casing changes lengths (İ)', () => {
    const text = "Séisme près d'İzmir, puis Lyon-Part-Dieu";
    const words = tokenize(text, 'fr');
    expect(words).toContain('i\u0307zmir');
    expect(words).toContain('séisme');
    const doc = analyze(text, 'fr');
    const spelled = Array.from(doc.starts, (s, i) => text.slice(s, doc.ends[i]));
    // The word whose length changed stands whole; the others keep exact spans.
    expect(spelled).toContain("d'İzmir");
    expect(spelled).toContain('Séisme');
    expect(spelled).toContain('Lyon-Part-Dieu');
  });

  it('splits on punctuation and symbols, including non-breaking spaces and guillemets', () => {
    expect(tokenize('«\u00a0Bonjour\u00a0» — dit-elle…', 'fr')).toEqual(['bonjour', 'dit', 'elle']);
  });
});

describe('stopwords and stemming', () => {
  it('has French and English stopword sets', () => {
    expect(isStopword('les', 'fr')).toBe(true);
    expect(isStopword('selon', 'fr')).toBe(true);
    expect(isStopword('the', 'en')).toBe(true);
    expect(isStopword('said', 'en')).toBe(true);
    expect(isStopword('élections', 'fr')).toBe(false);
  });

  it('stems with the language’s Porter stemmer, the same stem for inflections, and "" for stopwords', () => {
    expect(stemOf('élections', 'fr')).toBe(stemOf('élection', 'fr'));
    expect(stemOf('elections', 'en')).toBe('elect');
    expect(stemOf('les', 'fr')).toBe('');
    // Memoized: same answer again.
    expect(stemOf('élections', 'fr')).toBe(stemOf('élections', 'fr'));
  });
});

describe('surface forms', () => {
  it('shows the most frequent spelling of a stem, lower-case unless always capitalised', () => {
    const doc = analyze('Élections municipales : les élections de mars. Macron parle des élections. Macron.', 'fr');
    const forms = surfaceForms(doc, new Set([stemOf('élections', 'fr'), stemOf('macron', 'fr')]));
    expect(forms.get(stemOf('élections', 'fr'))).toBe('élections');
    expect(forms.get(stemOf('macron', 'fr'))).toBe('Macron');
  });

  it('pickSurface merges case variants and keeps acronyms', () => {
    expect(pickSurface(new Map([['NHS', 3]]))).toBe('NHS');
    expect(pickSurface(new Map([['Élections', 2], ['élections', 1]]))).toBe('élections');
  });
});

describe('WordTable', () => {
  it('finds words from spans without slicing and grows', () => {
    const t = new WordTable();
    for (let i = 0; i < 50_000; i++) t.set(`w${i}`, WordTable.hash(`w${i}`, 0, `w${i}`.length), i);
    const text = 'xx w123 w49999 zz';
    expect(t.get(text, 3, 7, WordTable.hash(text, 3, 7))).toBe(123);
    expect(t.get(text, 8, 14, WordTable.hash(text, 8, 14))).toBe(49999);
    expect(t.get(text, 0, 2, WordTable.hash(text, 0, 2))).toBeUndefined();
    expect(t.size).toBe(50_000);
  });
});

describe('WordTable, short and long words', () => {
  it('tells apart words that share a hash bucket, inline (≤ 8 characters) or pooled', () => {
    const t = new WordTable();
    const words = ['a', 'ab', 'abc', 'abcdefgh', 'abcdefghi', 'élection', 'élections', 'ab\u{1F600}', 'porte-parole'];
    // One hash for all: only the characters can tell them apart.
    words.forEach((w, i) => t.set(w, 7, i));
    const text = words.join(' ');
    let at = 0;
    words.forEach((w, i) => {
      expect(t.get(text, at, at + w.length, 7)).toBe(i);
      at += w.length + 1;
    });
    expect(t.get('abcdefgx', 0, 8, 7)).toBeUndefined();
    expect(t.get('abcdefghx', 0, 9, 7)).toBeUndefined();
    expect(t.get('b', 0, 1, 7)).toBeUndefined();
  });
});

describe('scanWords hashes', () => {
  it("gives each word the hash of its own characters, whatever ends it, so one word is one entry in the word tables", () => {
    const s = scanWords("The cat, the dog; the end. L'État et l'économie, porte-parole (covid-19) the", 'fr');
    const words: string[] = [];
    for (let k = 0; k < s.count; k++) {
      words.push(s.src.slice(s.starts[k]!, s.ends[k]!));
      expect(s.hashes[k]).toBe(WordTable.hash(s.src, s.starts[k]!, s.ends[k]!));
    }
    expect(words.filter((w) => w === 'the')).toHaveLength(4);
  });
});

describe('HotWords', () => {
  it('answers cached words by their characters, not only their hash, and forgets a word its entry is given to', () => {
    const hot = new HotWords(4);
    const text = 'le marché élections anticonstitutionnellement ab';
    const span = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    const [a, b] = span('marché');
    expect(hot.get(text, a, b, 42)).toBe(HotWords.NONE);
    hot.set(text, a, b, 42, 7);
    expect(hot.get(text, a, b, 42)).toBe(7);
    // Same hash and length, other characters (an odd length: the last pair holds one character).
    expect(hot.get('marchx', 0, 6, 42)).toBe(HotWords.NONE);
    expect(hot.get('xarché', 0, 6, 42)).toBe(HotWords.NONE);
    // Same hash and characters of another length.
    expect(hot.get('march', 0, 5, 42)).toBe(HotWords.NONE);
    // A word sharing the entry (same hash) replaces the first one.
    const [c, d] = span('ab');
    hot.set(text, c, d, 42, -1);
    expect(hot.get(text, c, d, 42)).toBe(-1);
    expect(hot.get(text, a, b, 42)).toBe(HotWords.NONE);
    // Words over ten characters are never kept.
    const [e, f] = span('anticonstitutionnellement');
    hot.set(text, e, f, 9, 3);
    expect(hot.get(text, e, f, 9)).toBe(HotWords.NONE);
    const [g, h] = span('élections');
    hot.set(text, g, h, 5, 0);
    expect(hot.get(text, g, h, 5)).toBe(0);
    hot.clear();
    expect(hot.get(text, g, h, 5)).toBe(HotWords.NONE);
  });
});

describe('stem memo', () => {
  it('answers the same stems from the memo as from the stemmer, after many other words', () => {
    const words = ['élections', 'elections', 'the', 'of', 'government', 'gouvernement', 'porte-paroles', 'ab', 'économiques', 'marché'];
    const fresh = (lang: 'fr' | 'en') => {
      clearStemMemo();
      return words.map((w) => stemOf(w, lang));
    };
    for (const lang of ['fr', 'en'] as const) {
      const expected = fresh(lang);
      // Thousands of other words in between: the memo's table grows and rehashes.
      for (let i = 0; i < 20_000; i++) stemOf(`w${i.toString(36)}`, lang);
      expect(words.map((w) => stemOf(w, lang))).toEqual(expected);
      expect(words.map((w) => stemOf(w, lang))).toEqual(expected);
    }
  });
});
