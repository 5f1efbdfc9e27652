import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentTaxonomy, loadTaxonomy, normalizePhrase, parseTaxonomy, saveTaxonomy } from '../../src/tag/taxonomy.js';
import { memoryKv } from '../../src/tag/tagger.js';
import { UserError } from '../../src/util/errors.js';

const REQUIRED = ['international', 'politique', 'economie', 'sciences', 'technologie', 'sante', 'environnement', 'culture', 'sport', 'societe', 'faits-divers', 'local'];

function minimal(extra: Record<string, unknown> = {}) {
  return { version: 1, topics: [{ id: 'sport', labels: { fr: 'Sport', en: 'Sport' }, sections: ['Sport'], ...extra }] };
}

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('taxonomy file feeds/topics.json', () => {
  const tax = loadTaxonomy();

  it('has every required topic with French and English labels', () => {
    for (const id of REQUIRED) {
      expect(tax.has(id)).toBe(true);
      expect(tax.label(id, 'fr').length).toBeGreaterThan(0);
      expect(tax.label(id, 'en').length).toBeGreaterThan(0);
    }
    expect(tax.label('economie', 'fr')).toBe('Économie');
    expect(tax.get('local')?.kind).toBe('scope');
    expect(tax.subjectIds).not.toContain('local');
  });

  it('maps feed sections and RSS categories, in French and English, ignoring case and accents', () => {
    expect(tax.topicForSection('Économie')).toBe('economie');
    expect(tax.topicForSection('ECONOMIE - Entreprises')).toBe('economie');
    expect(tax.topicForSection('Business')).toBe('economie');
    expect(tax.topicForSection('Faits-Divers')).toBe('faits-divers');
    expect(tax.topicForSection('Sport')).toBe('sport');
    expect(tax.topicForSection('Régions')).toBe('local');
    expect(tax.topicForSection('À la une')).toBeUndefined();
    expect(tax.topicForSection(undefined)).toBeUndefined();
    expect(tax.topicForCategories(['Divers', 'Ligue des champions'])).toBe('sport');
    expect(tax.topicForCategories(['climate change'])).toBe('environnement');
    expect(tax.topicForCategories([])).toBeUndefined();
  });

  it('normalizes phrases', () => {
    expect(normalizePhrase('  Faits-Divers ! ')).toBe('faits divers');
    expect(normalizePhrase('Économie')).toBe('economie');
  });
});

describe('taxonomy validation', () => {
  it('accepts a minimal taxonomy with defaults', () => {
    const t = parseTaxonomy(minimal());
    expect(t.ids).toEqual(['sport']);
    expect(t.get('sport')?.kind).toBe('subject');
  });

  it('names what is wrong, on one line', () => {
    const cases: [unknown, RegExp][] = [
      [{ version: 2, topics: [] }, /version/],
      [{ version: 1, topics: [] }, /topics: must list at least one topic/],
      [minimal({ id: 'Sport!' }), /topics\[0\]\.id: must be lower-case/],
      [{ version: 1, topics: [{ id: 'sport', labels: { fr: 'Sport' } }] }, /topics\[0\]\.labels\.en/],
      [minimal({ sections: ['Sport', ''] }), /topics\[0\]\.sections\[1\]: must not be empty/],
      [minimal({ colour: 'red' }), /topics\[0\]/],
      [{ version: 1, topics: [minimal().topics[0], minimal().topics[0]] }, /"sport" appears twice/],
      [
        { version: 1, topics: [minimal().topics[0], { id: 'foot', labels: { fr: 'Foot', en: 'Soccer' }, sections: ['sport'] }] },
        /section "sport" maps to both "sport" and "foot"/,
      ],
      ['not an object', /\(root\)/],
    ];
    for (const [value, pattern] of cases) {
      const e = errorOf(() => parseTaxonomy(value, 'topics.json'));
      expect(e.message).toMatch(pattern);
      expect(e.message).toMatch(/^topics\.json: /);
      expect(e.message).not.toContain('\n');
    }
  });

  it('reports unreadable and invalid files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-tax-'));
    expect(errorOf(() => loadTaxonomy(join(dir, 'missing.json'))).message).toMatch(/cannot read taxonomy .*ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "version": 1, ');
    expect(errorOf(() => loadTaxonomy(bad)).message).toMatch(/not valid JSON/);
  });
});

describe('taxonomy kept in the store', () => {
  it('validates before saving and is preferred to the file', async () => {
    const kv = memoryKv();
    expect((await currentTaxonomy(kv)).ids.length).toBeGreaterThanOrEqual(12);
    await expect(saveTaxonomy(kv, { version: 1, topics: [{ id: 'Bad' }] })).rejects.toThrow(UserError);
    expect(kv.keys()).toEqual([]);
    await saveTaxonomy(kv, minimal());
    expect((await currentTaxonomy(kv)).ids).toEqual(['sport']);
  });
});
