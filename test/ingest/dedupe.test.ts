import { describe, expect, it } from 'vitest';
import { hammingHex64, jaccardEstimate, minhash, simhash64, storyTokens, StoryIndex } from '../../src/ingest/dedupe.js';

const A1 = {
  title: 'Tempête Armelle : la Bretagne balayée par des rafales à 150 km/h',
  text: "La tempête Armelle a frappé la Bretagne dans la nuit de samedi à dimanche. Une rafale de 152 km/h a été mesurée à la pointe du Raz et 138 km/h à Brest. Le Finistère et les Côtes-d'Armor étaient en vigilance rouge ; 90 000 foyers ont été privés d'électricité, selon Enedis, qui a mobilisé 800 techniciens.",
};
const A2 = {
  title: 'Rafales record dans le Finistère : 90 000 foyers sans électricité après la tempête Armelle',
  text: "Le Finistère a été le plus touché par la tempête Armelle, qui a traversé la Bretagne samedi soir. Des rafales de 152 km/h ont été relevées à la pointe du Raz. Enedis comptait 90 000 foyers privés d'électricité dimanche matin et a mobilisé 800 techniciens. Les Côtes-d'Armor étaient aussi en vigilance rouge.",
};
const B = {
  title: 'Le Stade rennais s’impose face à Lyon',
  text: "Porté par un doublé de son attaquant, le Stade rennais a battu l'Olympique lyonnais samedi soir au Roazhon Park. Les Bretons remontent à la cinquième place du classement de Ligue 1 avant la trêve internationale.",
};

describe('story dedupe', () => {
  it('folds accents and drops stop words', () => {
    expect(storyTokens("L'économie et les élections à Saint-Étienne")).toEqual(['econom', 'electi', 'saint', 'etienn']);
  });

  it('estimates Jaccard: reworded same story high, unrelated low', () => {
    const s1 = minhash(storyTokens(`${A1.title} ${A1.text}`));
    const s2 = minhash(storyTokens(`${A2.title} ${A2.text}`));
    const s3 = minhash(storyTokens(`${B.title} ${B.text}`));
    expect(jaccardEstimate(s1, s2)).toBeGreaterThan(jaccardEstimate(s1, s3));
    expect(jaccardEstimate(s1, s3)).toBeLessThan(0.1);
    expect(jaccardEstimate(s1, s1)).toBe(1);
  });

  it('simhash puts a lightly edited copy within a few bits', () => {
    const t = storyTokens(`${A1.title} ${A1.text}`);
    const edited = storyTokens(`${A1.title} ${A1.text.replace('800 techniciens', '850 techniciens')}`);
    expect(hammingHex64(simhash64(t), simhash64(edited))).toBeLessThanOrEqual(10);
    expect(hammingHex64(simhash64(t), simhash64(storyTokens(B.text)))).toBeGreaterThan(16);
    expect(simhash64(t)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('StoryIndex puts the same story from two sources in one cluster, and keeps others apart', () => {
    const idx = new StoryIndex();
    const at = '2026-11-22T06:00:00.000Z';
    expect(idx.assign({ id: 'a1', clusterId: 'c-a1', publishedAt: at, ...A1 })).toBe('c-a1');
    expect(idx.assign({ id: 'b', clusterId: 'c-b', publishedAt: at, ...B })).toBe('c-b');
    expect(idx.assign({ id: 'a2', clusterId: 'c-a2', publishedAt: at, ...A2 })).toBe('c-a1');
  });

  it('never merges stories days apart', () => {
    const idx = new StoryIndex();
    idx.assign({ id: 'a1', clusterId: 'c-a1', publishedAt: '2026-11-01T06:00:00Z', ...A1 });
    expect(idx.assign({ id: 'a2', clusterId: 'c-a2', publishedAt: '2026-11-22T06:00:00Z', ...A2 })).toBe('c-a2');
  });
});
