/**
 * Places: the public API of the geo tagger.
 *
 *   extractPlaces(text, { lang, title?, feedCountry? }) → { places, mainCountry? }
 *   resolveSpan(text, start, end, { lang, feedCountry? }) → PlaceMention | null
 *   suggestPlaces(prefix, { lang, limit?, country? }) → autocomplete rows
 *   lookupPlace(geoId) → gazetteer record | null
 *   haversineKm(a, b) → km
 *
 * The gazetteer loads on first use (getGazetteer) and stays in memory.
 */
import type { Lang, PlaceMention } from '../../model.js';
import { detectPlaces, newDetection, type Candidate, type Detection } from './detect.js';
import { AliasType, entryAt, entryByGeoId, expandNames, getGazetteer, namesOf, type Gazetteer, type GeoEntry, type PlaceKind } from './gazetteer.js';
import { nameKey } from './normalize.js';
import { mainCountry, resolveDetections, toMention, type Resolved } from './resolve.js';

export { haversineKm } from './resolve.js';
export { getGazetteer } from './gazetteer.js';

export interface ExtractOptions {
  lang: Lang;
  title?: string;
  /** ISO 3166-1 alpha-2 home country of the feed. */
  feedCountry?: string;
  /**
   * title + "\n" + text, when the caller has built it already (the tagger
   * has): spares building it again. Ignored unless its length fits.
   */
  documentText?: string;
}

/**
 * The text detection reads: title, newline, body, as one flat string. join()
 * makes a flat string where `a + b` makes a rope, slower to read character by
 * character (detection ran ~15 % slower on one).
 */
function fullText(text: string, opts: ExtractOptions): { full: string; titleEnd: number } {
  if (!opts.title) return { full: text, titleEnd: 0 };
  const titleEnd = opts.title.length + 1;
  const given = opts.documentText;
  if (given !== undefined && given.length === titleEnd + text.length) return { full: given, titleEnd };
  return { full: [opts.title, '\n', text].join(''), titleEnd };
}

/** One resolved occurrence with its character offsets in `text` and the words as written. */
export interface PlaceOccurrence extends PlaceMention {
  start: number;
  end: number;
  surface: string;
}

/** Every place occurrence in text order (offsets refer to `text`; the title only adds context). */
export function extractOccurrences(text: string, opts: ExtractOptions): { occurrences: PlaceOccurrence[]; mainCountry?: string } {
  const gaz = getGazetteer();
  const { full, titleEnd } = fullText(text, opts);
  const resolved = detectAndResolve(full, gaz, opts, titleEnd);
  const occurrences: PlaceOccurrence[] = [];
  for (const r of resolved) {
    if (r.detection.start < titleEnd) continue;
    occurrences.push({ ...toMention(r, opts.lang), start: r.detection.start - titleEnd, end: r.detection.end - titleEnd, surface: r.detection.surface });
  }
  return { occurrences, mainCountry: mainCountry(resolved) };
}

/** What detectAndResolve answers for a text without places (never changed by its callers). */
const NO_PLACES: Resolved[] = [];

/** Population under which a place is kept only when the text supports it. */
export const MINOR_POPULATION = 1000;

function detectAndResolve(text: string, gaz: Gazetteer, opts: ExtractOptions, titleEnd: number): Resolved[] {
  const dets = detectPlaces(text, gaz, { lang: opts.lang, titleEnd });
  // No place: nothing to resolve (and no empty array from filter() or map(), whose other hidden class sent code
  // compiled for non-empty ones back to the interpreter).
  if (dets.length === 0) return NO_PLACES;
  const resolved = resolveDetections(dets, gaz, { feedCountry: opts.feedCountry });
  return keepSupported(resolved);
}

/** Population under which a town named without a locative needs a neighbour of the same region. */
export const SMALL_POPULATION = 20000;

/**
 * Drops small places the text does not support. A post-office locality
 * ("Lanexa") needs another place of its first-level region; a small town
 * ("Jones", Oklahoma) named without "in"/"à" before it needs one too: alone,
 * such a word is more likely a surname than a town.
 */
function keepSupported(resolved: Resolved[]): Resolved[] {
  const byRegion = new Map<string, Set<string>>();
  for (const r of resolved) {
    const e = r.entry;
    if (e.population < MINOR_POPULATION || !e.admin1 || e.level < 1) continue;
    const k = `${e.countryCode}.${e.admin1}`;
    const names = byRegion.get(k);
    if (names) names.add(r.detection.key);
    else byRegion.set(k, new Set([r.detection.key]));
  }
  // a loop, not filter() with arrows: closures made per call lose their optimised code at each full collection
  const kept: Resolved[] = [];
  for (let k = 0; k < resolved.length; k++) {
    const r = resolved[k]!;
    const e = r.entry;
    const d = r.detection;
    let keep = true;
    if (e.kind === 'city' && d.qualifier === undefined) {
      if (e.population < MINOR_POPULATION) keep = d.score >= 1 && (d.locative === true || d.firstToken !== d.lastToken) && supported(byRegion, r);
      else if (e.population < SMALL_POPULATION && !d.locative) keep = d.firstToken !== d.lastToken || supported(byRegion, r);
    }
    if (keep) kept.push(r);
  }
  return kept;
}

/** Whether another name of the text lies in r's first-level region. */
function supported(byRegion: Map<string, Set<string>>, r: Resolved): boolean {
  const names = byRegion.get(`${r.entry.countryCode}.${r.entry.admin1}`);
  if (!names) return false;
  return names.size > 1 || !names.has(r.detection.key);
}

/** Most mentioned first, then first mentioned. */
function byMentionsThenFirst(a: { n: number; first: number }, b: { n: number; first: number }): number {
  return b.n - a.n || a.first - b.first;
}

/**
 * The places an article is about: one PlaceMention per distinct place (most
 * mentioned first), named by the gazetteer in `lang` ("France" for
 * "le président français"), and its main country. Areas without a country
 * (continents, the EU) are left out; extractOccurrences still reports them.
 */
export function extractPlaces(text: string, opts: ExtractOptions): { places: PlaceMention[]; mainCountry?: string } {
  const gaz = getGazetteer();
  const { full, titleEnd } = fullText(text, opts);
  const resolved = detectAndResolve(full, gaz, opts, titleEnd);
  if (resolved.length === 0) return { places: [] };
  const byId = new Map<string, { m: PlaceMention; n: number; first: number }>();
  for (const [k, r] of resolved.entries()) {
    // continents and multinational areas (Europe, the EU, the Caucasus) have no country: an article
    // mentioning them is not "near" anyone, so they stay out of the stored places
    if (!r.entry.countryCode) continue;
    const seen = byId.get(r.entry.geoId);
    if (!seen) byId.set(r.entry.geoId, { m: toMention(r, opts.lang), n: 1, first: k });
    else {
      seen.n++;
      if (r.confidence > seen.m.confidence) seen.m.confidence = r.confidence;
    }
  }
  const ranked = [...byId.values()].sort(byMentionsThenFirst);
  const places: PlaceMention[] = [];
  for (let k = 0; k < ranked.length; k++) places.push(ranked[k]!.m);
  const main = mainCountry(resolved);
  return main ? { places, mainCountry: main } : { places };
}

/**
 * Resolves given spans of `text` (gold mentions, an editor's selection): each
 * span is treated as a place whatever its case, and the rest of the text
 * (plus the other spans) gives context. Null where no gazetteer name fits.
 */
export function resolveSpans(text: string, spans: { start: number; end: number }[], opts: { lang: Lang; feedCountry?: string }): (PlaceMention | null)[] {
  const gaz = getGazetteer();
  const own = detectPlaces(text, gaz, { lang: opts.lang });
  const forced: (Detection | null)[] = spans.map((s) => spanDetection(text, s.start, s.end, gaz, own));
  const dets: Detection[] = forced.filter((d): d is Detection => d !== null);
  for (const d of own) if (!spans.some((s) => s.start < d.end && d.start < s.end)) dets.push(d);
  dets.sort((a, b) => a.start - b.start);
  const resolved = resolveDetections(dets, gaz, { feedCountry: opts.feedCountry });
  const byDet = new Map<Detection, Resolved>(resolved.map((r) => [r.detection, r]));
  return forced.map((d) => {
    if (!d) return null;
    const r = byDet.get(d)!;
    return toMention(r, opts.lang);
  });
}

export function resolveSpan(text: string, start: number, end: number, opts: { lang: Lang; feedCountry?: string }): PlaceMention | null {
  return resolveSpans(text, [{ start, end }], opts)[0] ?? null;
}

const TRAILING = /(?:'s|’s|'|’)$/;

/** A detection for a given span: the matching own detection, else a direct lookup of the span's words. */
function spanDetection(text: string, start: number, end: number, gaz: Gazetteer, own: Detection[]): Detection | null {
  const exact = own.find((d) => d.start === start && d.end === end);
  if (exact) return { ...exact, candidates: [...exact.candidates] };
  const surface = text.slice(start, end);
  const candidates = lookupCandidates(gaz, surface);
  if (!candidates.length) {
    // the span may cover a longer or shorter detection ("the Ohio River" ⊃ "Ohio")
    const inner = own.find((d) => d.start >= start && d.end <= end);
    if (inner) return { ...inner, start, end, surface, candidates: [...inner.candidates] };
    return null;
  }
  return newDetection(start, end, surface, nameKey(surface), -1, -1, candidates, undefined, undefined);
}

function lookupCandidates(gaz: Gazetteer, surface: string): Candidate[] {
  const tries = [surface, surface.replace(TRAILING, ''), surface.replace(/^(the|la|le|les|l')\s*/i, '')];
  const plain = surface.replace(TRAILING, '');
  if (/s$/i.test(plain)) tries.push(plain.slice(0, -1)); // "Palestinians"
  if (/es$/i.test(plain)) tries.push(plain.slice(0, -2));
  // a bare county name ("Clarke, Madison and Oconee counties")
  if (/^\p{Lu}[\p{L}' .-]+$/u.test(plain)) tries.push(`${plain} County`, `${plain} Parish`);
  for (const t of tries) {
    const list = namesOf(gaz, nameKey(t));
    if (list) return list.map((p) => ({ entry: entryAt(gaz, p >> 2), type: (p & 3) as AliasType }));
  }
  return [];
}

// ───────────────────────── autocomplete ─────────────────────────

export interface PlaceSuggestion {
  name: string;
  label: string;
  geoId: string;
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
}

let prefixIndex: { keys: string[]; idx: Int32Array } | undefined;

/** Sorted (name key, entry) pairs over every name and alternative name; built on first use. */
function getPrefixIndex(gaz: Gazetteer): { keys: string[]; idx: Int32Array } {
  if (prefixIndex) return prefixIndex;
  const pairs: [string, number][] = [];
  for (const [key, v] of gaz.byKey) {
    for (const p of expandNames(gaz, v)) {
      const type = p & 3;
      // countries by their common names only: their official and native forms ("Sakartvelo") would crowd short prefixes
      if (type === AliasType.Name || (type === AliasType.Alt && entryAt(gaz, p >> 2).kind !== 'country')) pairs.push([key, p >> 2]);
    }
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  prefixIndex = { keys: pairs.map((p) => p[0]), idx: Int32Array.from(pairs.map((p) => p[1])) };
  return prefixIndex;
}

/** Places whose name starts with `prefix` (accents and case ignored), most populous first. */
export function suggestPlaces(prefix: string, opts: { lang: Lang; limit?: number; country?: string }): PlaceSuggestion[] {
  const limit = Number.isFinite(opts.limit) ? Math.max(1, Math.min(Math.floor(opts.limit!), 100)) : 10;
  const q = nameKey(prefix);
  if (!q) return [];
  const gaz = getGazetteer();
  const { keys, idx } = getPrefixIndex(gaz);
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < q) lo = mid + 1;
    else hi = mid;
  }
  const seen = new Set<number>();
  const hits: GeoEntry[] = [];
  const country = opts.country?.toUpperCase();
  for (let k = lo; k < keys.length && keys[k]!.startsWith(q) && k - lo < 20000; k++) {
    const e = entryAt(gaz, idx[k]!);
    if (seen.has(e.idx) || e.level === -1) continue;
    if (country && e.countryCode !== country) continue;
    seen.add(e.idx);
    hits.push(e);
  }
  hits.sort((a, b) => rank(b) - rank(a));
  return hits.slice(0, limit).map((e) => suggestion(gaz, e, opts.lang));
}

function rank(e: GeoEntry): number {
  // a region's population is the sum of its towns: halve it so big cities still come first
  return e.kind === 'city' ? e.population : e.population / 2;
}

function displayName(e: GeoEntry, lang: Lang): string {
  return lang === 'fr' && e.nameFr ? e.nameFr : e.name;
}

function suggestion(gaz: Gazetteer, e: GeoEntry, lang: Lang): PlaceSuggestion {
  const parts = [displayName(e, lang)];
  if (e.kind !== 'country') {
    const region = e.admin1 && e.level > 1 ? gaz.admin1.get(`${e.countryCode}.${e.admin1}`) : undefined;
    if (region) parts.push(displayName(region, lang));
    const country = gaz.countries.get(e.countryCode);
    if (country) parts.push(displayName(country, lang));
  }
  const s: PlaceSuggestion = { name: displayName(e, lang), label: parts.join(', '), geoId: e.geoId, countryCode: e.countryCode, lat: e.lat, lon: e.lon };
  if (e.admin1) s.admin1 = e.admin1;
  return s;
}

export interface PlaceRecord {
  geoId: string;
  name: string;
  nameFr?: string;
  kind: PlaceKind;
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
  population: number;
}

/** The gazetteer record for an id from a PlaceMention or suggestion, or null. */
export function lookupPlace(geoId: string): PlaceRecord | null {
  const e = entryByGeoId(getGazetteer(), geoId);
  if (!e) return null;
  const r: PlaceRecord = { geoId: e.geoId, name: e.name, kind: e.kind, countryCode: e.countryCode, lat: e.lat, lon: e.lon, population: e.population };
  if (e.nameFr) r.nameFr = e.nameFr;
  if (e.admin1) r.admin1 = e.admin1;
  return r;
}

