/**
 * `kiosque eval geo --corpus FILE.jsonl --json`: measures the place tagger on
 * a corpus of gold place spans.
 *
 * - resolution: given each gold span, pick the place (resolveSpans); Acc@161 km,
 *   mean and median error over gold spans that have coordinates. A span the
 *   gazetteer cannot place counts as wrong, at 20,039 km (half the equator).
 * - detection: own occurrences (extractOccurrences) matched one-to-one to gold
 *   spans by character overlap; precision, recall, F1.
 * - endToEnd: Acc@161 km over the matched pairs whose gold has coordinates.
 */
import type { Lang } from '../model.js';
import { UserError } from '../util/errors.js';
import { readJsonlObjects } from '../util/jsonl.js';
import { extractOccurrences, haversineKm, resolveSpans } from '../tag/geo/index.js';

export interface GeoGoldPlace {
  start: number;
  end: number;
  name?: string;
  lat?: number;
  lon?: number;
}

export interface GeoRow {
  id: string;
  text: string;
  lang?: string;
  places: GeoGoldPlace[];
}

export interface EvalGeoResult {
  resolution: { acc161: number; meanKm: number; medianKm: number; n: number; unresolved: number };
  detection: { precision: number; recall: number; f1: number; gold: number; found: number; matched: number };
  endToEnd: { acc161: number; n: number };
  docs: number;
  seconds: number;
}

/** Error charged for a span the gazetteer cannot place. */
export const MISS_KM = 20039;

export function readGeoRows(file: string): GeoRow[] {
  const rows: GeoRow[] = [];
  for (const { value: o, line, where } of readJsonlObjects(file, 'geo corpus')) {
    if (typeof o.text !== 'string') throw new UserError(`${where}: missing "text" (string)`);
    if (!Array.isArray(o.places)) throw new UserError(`${where}: missing "places" (array)`);
    const places: GeoGoldPlace[] = [];
    for (const [k, p] of (o.places as unknown[]).entries()) {
      const q = p as Record<string, unknown>;
      if (!q || typeof q.start !== 'number' || typeof q.end !== 'number' || q.start < 0 || q.end > o.text.length || q.start >= q.end) {
        throw new UserError(`${where}: places[${k}] needs numeric "start" < "end" within the text`);
      }
      const g: GeoGoldPlace = { start: q.start, end: q.end };
      if (typeof q.name === 'string') g.name = q.name;
      if (typeof q.lat === 'number' && typeof q.lon === 'number' && Number.isFinite(q.lat) && Number.isFinite(q.lon)) {
        g.lat = q.lat;
        g.lon = q.lon;
      }
      places.push(g);
    }
    rows.push({ id: String(o.id ?? line), text: o.text, lang: typeof o.lang === 'string' ? o.lang : undefined, places });
  }
  if (!rows.length) throw new UserError(`${file}: no rows`);
  return rows;
}

function rowLang(row: GeoRow): Lang {
  return row.lang?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Greedy one-to-one matching of found spans to gold spans by overlap (largest overlap first). */
export function matchByOverlap(gold: { start: number; end: number }[], found: { start: number; end: number }[]): [number, number][] {
  const pairs: [number, number, number][] = [];
  for (const [g, a] of gold.entries()) {
    for (const [f, b] of found.entries()) {
      const ov = Math.min(a.end, b.end) - Math.max(a.start, b.start);
      if (ov > 0) pairs.push([g, f, ov]);
    }
  }
  pairs.sort((x, y) => y[2] - x[2]);
  const usedG = new Set<number>();
  const usedF = new Set<number>();
  const out: [number, number][] = [];
  for (const [g, f] of pairs) {
    if (usedG.has(g) || usedF.has(f)) continue;
    usedG.add(g);
    usedF.add(f);
    out.push([g, f]);
  }
  return out;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export function evalGeoRows(rows: GeoRow[]): EvalGeoResult {
  const t0 = performance.now();
  const errors: number[] = [];
  let unresolved = 0;
  let goldN = 0;
  let foundN = 0;
  let matchedN = 0;
  let e2eN = 0;
  let e2eOk = 0;
  for (const row of rows) {
    const lang = rowLang(row);
    // resolution on gold spans
    const picks = resolveSpans(row.text, row.places, { lang });
    for (const [k, g] of row.places.entries()) {
      if (g.lat === undefined || g.lon === undefined) continue;
      const p = picks[k];
      if (!p) {
        unresolved++;
        errors.push(MISS_KM);
      } else errors.push(haversineKm(p, { lat: g.lat, lon: g.lon! }));
    }
    // detection and end to end on own occurrences
    const { occurrences } = extractOccurrences(row.text, { lang });
    goldN += row.places.length;
    foundN += occurrences.length;
    const pairs = matchByOverlap(row.places, occurrences);
    matchedN += pairs.length;
    for (const [g, f] of pairs) {
      const gold = row.places[g]!;
      if (gold.lat === undefined || gold.lon === undefined) continue;
      e2eN++;
      if (haversineKm(occurrences[f]!, { lat: gold.lat, lon: gold.lon }) <= 161) e2eOk++;
    }
  }
  const precision = foundN ? matchedN / foundN : 0;
  const recall = goldN ? matchedN / goldN : 0;
  return {
    resolution: {
      acc161: round(errors.length ? errors.filter((d) => d <= 161).length / errors.length : 0),
      meanKm: round(errors.length ? errors.reduce((s, d) => s + d, 0) / errors.length : 0, 1),
      medianKm: round(median(errors), 1),
      n: errors.length,
      unresolved,
    },
    detection: {
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall ? (2 * precision * recall) / (precision + recall) : 0),
      gold: goldN,
      found: foundN,
      matched: matchedN,
    },
    endToEnd: { acc161: round(e2eN ? e2eOk / e2eN : 0), n: e2eN },
    docs: rows.length,
    seconds: round((performance.now() - t0) / 1000, 2),
  };
}

export async function evalGeo(opts: { corpus: string }): Promise<EvalGeoResult> {
  return evalGeoRows(readGeoRows(opts.corpus));
}
