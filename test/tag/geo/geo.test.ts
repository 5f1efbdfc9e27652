import { describe, expect, it } from 'vitest';
import { extractOccurrences, extractPlaces, haversineKm, lookupPlace, resolveSpan, suggestPlaces, getGazetteer } from '../../../src/tag/geo/index.js';
import { nameKey } from '../../../src/tag/geo/normalize.js';

const names = (text: string, lang: 'fr' | 'en', feedCountry?: string): string[] =>
  extractOccurrences(text, { lang, feedCountry }).occurrences.map((o) => o.surface);

const occ = (text: string, lang: 'fr' | 'en', surface: string) => extractOccurrences(text, { lang }).occurrences.find((o) => o.surface === surface);

describe('gazetteer', () => {
  it('loads countries, regions, départements, counties and cities', () => {
    const g = getGazetteer();
    expect(g.size).toBeGreaterThan(130000);
    expect(g.countries.get('FR')?.nameFr).toBeUndefined(); // "France" in both languages
    expect(g.countries.get('DE')?.nameFr).toBe('Allemagne');
    expect(g.admin1.get('US.TX')?.name).toBe('Texas');
    expect(lookupPlace('fr-dept:42')?.name).toBe('Loire');
    expect(lookupPlace('geonames:2988507')?.name).toBe('Paris');
    expect(lookupPlace('country:FR')?.kind).toBe('country');
    expect(lookupPlace('nope:1')).toBeNull();
  });

  it('normalizes names without case, accents or punctuation', () => {
    expect(nameKey('Saint-Étienne')).toBe('saint etienne');
    expect(nameKey('U.S.')).toBe('u s');
    expect(nameKey("Côte d'Ivoire")).toBe('cote d ivoire');
  });

  it('measures distances', () => {
    const paris = { lat: 48.8566, lon: 2.3522 };
    const lyon = { lat: 45.764, lon: 4.8357 };
    expect(haversineKm(paris, lyon)).toBeGreaterThan(385);
    expect(haversineKm(paris, lyon)).toBeLessThan(400);
    expect(haversineKm(paris, paris)).toBe(0);
  });
});

describe('French text', () => {
  it('finds cities, départements, régions and multi-word names', () => {
    const text = 'Les inondations à Lyon ont touché la Drôme et la Bretagne. Le ministre s’est rendu à Saint-Étienne.';
    const found = extractOccurrences(text, { lang: 'fr' }).occurrences;
    const lyon = found.find((o) => o.surface === 'Lyon');
    expect(lyon?.countryCode).toBe('FR');
    expect(lyon?.geoId).toBe('geonames:2996944');
    expect(found.find((o) => o.surface === 'Drôme')?.geoId).toBe('fr-dept:26');
    expect(found.find((o) => o.surface === 'Bretagne')?.kind).toBe('region');
    expect(found.find((o) => o.surface === 'Saint-Étienne')?.countryCode).toBe('FR');
  });

  it('reads lowercase adjectives of nationality and demonyms', () => {
    const r = extractPlaces('Le président français a reçu les ministres allemandes et une délégation britannique.', { lang: 'fr' });
    const ccs = r.places.map((p) => p.countryCode);
    expect(r.places.find((p) => p.countryCode === 'DE')?.name).toBe('Allemagne'); // the place's name, not "allemandes"
    expect(ccs).toContain('FR');
    expect(ccs).toContain('DE');
    expect(ccs).toContain('GB');
  });

  it('reads French names with lowercase words and prefers the longer reading', () => {
    const found = names("L'Union européenne aide la République démocratique du Congo et les Émirats arabes unis. Au Tigré, la guerre continue.", 'fr');
    expect(found).toEqual(['Union européenne', 'République démocratique du Congo', 'Émirats arabes unis', 'Tigré']);
    expect(occ('Au Tigré, la guerre continue.', 'fr', 'Tigré')?.countryCode).toBe('ET');
  });

  it('reads demonyms of cities', () => {
    const r = extractPlaces('Les supporters marseillais ont envahi le stade. Une Lyonnaise a gagné.', { lang: 'fr' });
    expect(r.places.map((p) => p.name)).toEqual(['Marseille', 'Lyon']);
  });

  it('maps French exonyms to the right cities', () => {
    const text = 'Le sommet réunit Londres, Pékin, Moscou, Bruxelles, Genève et Munich, puis Le Caire, Alger, Varsovie et Séoul.';
    const found = extractOccurrences(text, { lang: 'fr' }).occurrences;
    const cc = (n: string): string | undefined => found.find((o) => o.surface === n)?.countryCode;
    expect(cc('Londres')).toBe('GB');
    expect(cc('Pékin')).toBe('CN');
    expect(cc('Moscou')).toBe('RU');
    expect(cc('Bruxelles')).toBe('BE');
    expect(cc('Genève')).toBe('CH');
    expect(cc('Munich')).toBe('DE');
    expect(cc('Le Caire')).toBe('EG');
    expect(cc('Alger')).toBe('DZ');
    expect(cc('Varsovie')).toBe('PL');
    expect(cc('Séoul')).toBe('KR');
    expect(occ('Il vit à La Nouvelle-Orléans.', 'fr', 'La Nouvelle-Orléans')?.admin1).toBe('LA');
  });

  it('keeps city names that open a sentence, skips ordinary words and persons', () => {
    expect(names('Rennes a accueilli le sommet. Il est sept heures à Sète.', 'fr')).toEqual(['Rennes', 'Sète']);
    expect(names('Nice a voté dimanche. M. Paris est arrivé.', 'fr')).toEqual(['Nice']);
    expect(names('Orange a annoncé ses résultats. Cela concerne tous les clients.', 'fr')).toEqual([]);
    expect(occ('Il habite à Tours depuis dix ans.', 'fr', 'Tours')?.countryCode).toBe('FR');
  });

  it('knows small communes, placed within their arrondissement', () => {
    const p = occ('Un incendie a détruit une grange à Lavau-sur-Loire, en Loire-Atlantique, près de Nantes.', 'fr', 'Lavau-sur-Loire');
    expect(p?.geoId).toMatch(/^fr-insee:/);
    const lavau = { lat: 47.306, lon: -1.97 };
    expect(haversineKm(p!, lavau)).toBeLessThan(60);
  });

  it('picks the main country', () => {
    const r = extractPlaces('La préfecture du Rhône a fermé les écoles de Lyon et de Villeurbanne après les orages.', { lang: 'fr', title: 'Orages à Lyon' });
    expect(r.mainCountry).toBe('FR');
    expect(r.places[0]?.name).toBe('Lyon');
  });
});

describe('English text', () => {
  it('uses a nearby region to resolve a city', () => {
    const tx = occ('The festival moved to Paris, Texas, last year.', 'en', 'Paris');
    expect(tx?.countryCode).toBe('US');
    expect(tx?.admin1).toBe('TX');
    const me = occ('She grew up in Portland, Maine, before moving.', 'en', 'Portland');
    expect(me?.admin1).toBe('ME');
    const fr = occ('The summit was held in Paris on Monday.', 'en', 'Paris');
    expect(fr?.countryCode).toBe('FR');
  });

  it('uses the other places of the article', () => {
    const text = 'Flooding closed roads in Alexandria and Arlington. Virginia officials said Fairfax County schools will reopen.';
    expect(occ(text, 'en', 'Alexandria')?.admin1).toBe('VA');
  });

  it('reads a bare national capital named like a region as the capital', () => {
    expect(occ('Talks in Washington ended on Friday.', 'en', 'Washington')?.admin1).toBe('DC');
  });

  it('uses the feed country', () => {
    const text = 'Crowds gathered in Hamilton on Saturday.';
    expect(extractPlaces(text, { lang: 'en', feedCountry: 'NZ' }).places[0]?.countryCode).toBe('NZ');
    expect(extractPlaces(text, { lang: 'en', feedCountry: 'GB' }).places[0]?.countryCode).toBe('GB');
    expect(extractOccurrences('Crowds gathered in London on Saturday.', { lang: 'en' }).occurrences[0]?.countryCode).toBe('GB');
  });

  it('skips common words and person names', () => {
    expect(names('Nice weather in Reading this weekend.', 'en')).toEqual(['Reading']);
    expect(names('Paris Hilton arrived with George Washington and Mr. Lincoln.', 'en')).toEqual([]);
    expect(names('The new mobile phone went on sale in March.', 'en')).toEqual([]);
    expect(names('Manchester United beat Aston Villa in Manchester.', 'en')).toEqual(['Manchester']);
    expect(names('Hillary Clinton spoke. Later, Clinton said the talks went well.', 'en')).toEqual([]);
  });

  it('finds multi-word names, abbreviations and demonyms', () => {
    const found = names('New York and Rio de Janeiro hosted U.S. and French delegations; Charleston, W.Va. followed.', 'en');
    expect(found).toEqual(expect.arrayContaining(['New York', 'Rio de Janeiro', 'U.S', 'French', 'Charleston', 'W.Va']));
    const rio = occ('Rio de Janeiro', 'en', 'Rio de Janeiro');
    expect(rio?.countryCode).toBe('BR');
  });

  it('reads lists of counties', () => {
    const text = 'Unemployment rose in Clarke, Madison, Oconee and Oglethorpe counties, the Georgia Department of Labor said.';
    const found = extractOccurrences(text, { lang: 'en' }).occurrences;
    for (const n of ['Clarke', 'Madison', 'Oconee', 'Oglethorpe']) {
      const o = found.find((x) => x.surface === n);
      expect(o?.geoId).toMatch(/^us-county:GA\./);
    }
  });

  it('reads datelines in capitals', () => {
    const r = extractOccurrences('MANSFIELD, La. -- The mayor of Mansfield said on Monday that the plan was approved.', { lang: 'en' });
    const m = r.occurrences.find((o) => o.surface === 'MANSFIELD');
    expect(m?.admin1).toBe('LA');
  });

  it('keeps continents out of the stored places', () => {
    const text = 'Europe and Africa met in Brussels.';
    expect(extractPlaces(text, { lang: 'en' }).places.map((p) => p.name)).toEqual(['Brussels']);
    expect(names(text, 'en')).toEqual(['Europe', 'Africa', 'Brussels']);
  });

  it('returns one PlaceMention per place with all fields', () => {
    const r = extractPlaces('Russia and Georgia traded accusations. Russian troops stayed near Tbilisi.', { lang: 'en' });
    const georgia = r.places.find((p) => p.name === 'Georgia');
    expect(georgia?.countryCode).toBe('GE');
    for (const p of r.places) {
      expect(p.geoId).toMatch(/:/);
      expect(Number.isFinite(p.lat) && Number.isFinite(p.lon)).toBe(true);
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
    }
  });
});

describe('resolveSpan', () => {
  it('resolves a given span with the text as context', () => {
    const text = 'The Lamar County sheriff said the fire in Paris spread quickly. Texas troopers helped.';
    const start = text.indexOf('Paris');
    const p = resolveSpan(text, start, start + 5, { lang: 'en' });
    expect(p?.admin1).toBe('TX');
  });

  it('resolves lowercase and unknown spans sensibly', () => {
    const text = 'we flew from london to new york.';
    const p = resolveSpan(text, 13, 19, { lang: 'en' });
    expect(p?.countryCode).toBe('GB');
    expect(resolveSpan('Zzyzxqv is here', 0, 7, { lang: 'en' })).toBeNull();
  });
});

describe('suggestPlaces', () => {
  it('orders by population and ignores accents and case', () => {
    const s = suggestPlaces('paris', { lang: 'fr', limit: 5 });
    expect(s[0]?.geoId).toBe('geonames:2988507');
    expect(s[0]?.label).toContain('France');
    const se = suggestPlaces('saint-eti', { lang: 'fr', limit: 3 });
    expect(se[0]?.name).toBe('Saint-Étienne');
    const acc = suggestPlaces('SAO PAU', { lang: 'en', limit: 3 });
    expect(acc[0]?.name).toBe('São Paulo');
  });

  it('filters by country and limits', () => {
    const s = suggestPlaces('lon', { lang: 'en', limit: 4, country: 'US' });
    expect(s.length).toBeLessThanOrEqual(4);
    for (const x of s) expect(x.countryCode).toBe('US');
    expect(suggestPlaces('', { lang: 'en' })).toEqual([]);
  });

  it('uses French names in French labels', () => {
    const s = suggestPlaces('allem', { lang: 'fr', limit: 3 });
    expect(s[0]?.name).toBe('Allemagne');
  });
});

describe('documentText option', () => {
  it('gives the same places as building title + text again, and is ignored when it does not fit', () => {
    const title = 'Floods in Lyon';
    const text = 'Rescue teams from Marseille and Grenoble reached Lyon on Monday, the mayor of Paris said.';
    const plain = extractPlaces(text, { lang: 'en', title });
    expect(plain.places.length).toBeGreaterThan(0);
    expect(extractPlaces(text, { lang: 'en', title, documentText: `${title}\n${text}` })).toEqual(plain);
    // a string of another length is not the document: rebuilt from title and text
    expect(extractPlaces(text, { lang: 'en', title, documentText: 'Nothing here' })).toEqual(plain);
    expect(extractOccurrences(text, { lang: 'en', title, documentText: `${title}\n${text}` })).toEqual(extractOccurrences(text, { lang: 'en', title }));
  });
});
