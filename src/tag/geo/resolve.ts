/**
 * Resolution: picks one gazetteer entry per detected mention. Each candidate
 * gets a prior (population, kind, how the name refers to it) plus context:
 * an explicit qualifier ("Paris, Texas"), the feed's home country, countries
 * and regions named in the same text, and coherence with the other mentions
 * (same country, same first-level region, nearby).
 */
import type { Lang, PlaceMention } from '../../model.js';
import type { Candidate, Detection } from './detect.js';
import { AliasType, type Gazetteer, type GeoEntry } from './gazetteer.js';

export interface ResolveOptions {
  feedCountry?: string;
}

export interface Resolved {
  detection: Detection;
  entry: GeoEntry;
  confidence: number;
}

const LOG10 = Math.log(10);

function basePrior(e: GeoEntry): number {
  let s = 0.8 * (Math.log(e.population + 100) / LOG10);
  if (e.kind === 'country') s += 1.5;
  else if (e.level === 1) s += 0.8;
  else if (e.level === -1) s += 0.5;
  if (e.feature === 'PPLC') s += 0.8;
  else if (e.feature === 'PPLA') s += 0.4;
  else if (e.feature === 'PPLX' || e.feature === 'PPLL') s -= 0.5;
  return s;
}

let priorCache: Float64Array = new Float64Array(0);

/** Score of a candidate before context: population, kind, capital, how the name refers to it. */
export function prior(c: Candidate): number {
  const e = c.entry;
  if (e.idx >= priorCache.length) {
    const grown = new Float64Array(Math.max(e.idx + 1, priorCache.length * 2, 1 << 17)).fill(NaN);
    grown.set(priorCache);
    priorCache = grown;
  }
  let base = priorCache[e.idx]!;
  if (Number.isNaN(base)) base = priorCache[e.idx] = basePrior(e);
  return c.type === AliasType.Alt ? base - 0.3 : base;
}

/** Candidates kept per mention (by prior) when weighing coherence. */
const MAX_CANDIDATES = 25;

/** Room per group when a group and a candidate number are packed into one. */
const CANDIDATE_SLOTS = 32;

/** What one distinct mention says about where the text is: best weight per country and per first-level region. */
interface Evidence {
  countries: Map<string, number>;
  admin1s: Map<string, number>;
  /** Weight of each candidate as a witness for the others. */
  weights: Float64Array;
}

function admin1Key(e: GeoEntry): string | undefined {
  return e.level >= 1 && e.admin1 ? `${e.countryCode}.${e.admin1}` : undefined;
}

/**
 * Evidence from one mention's candidates: every candidate votes for its
 * country and region, weighted by its share of the prior (floor 0.25, so a
 * small town still counts when its neighbours agree).
 */
function evidenceOf(cands: Candidate[], regions: (string | undefined)[]): Evidence {
  const n = cands.length;
  const priors = new Float64Array(n);
  let top = -Infinity;
  for (let k = 0; k < n; k++) {
    const p = prior(cands[k]!);
    priors[k] = p;
    if (p > top) top = p;
  }
  let sum = 0;
  for (let k = 0; k < n; k++) sum += priors[k] = Math.exp((priors[k]! - top) * 1.2);
  const countries = new Map<string, number>();
  const admin1s = new Map<string, number>();
  const strength = n === 1 ? 1 : 0.8;
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const w = strength * (0.25 + 0.75 * (priors[k]! / sum));
    weights[k] = w;
    const cc = cands[k]!.entry.countryCode;
    if (cc && (countries.get(cc) ?? 0) < w) countries.set(cc, w);
    const a = regions[k];
    if (a && (admin1s.get(a) ?? 0) < w) admin1s.set(a, w);
  }
  return { countries, admin1s, weights };
}

/** What resolution derives from a candidate list alone, whatever the text: the same in every article naming the place. */
interface CandidateFacts {
  /** The candidates weighed (the MAX_CANDIDATES of highest prior). */
  cands: Candidate[];
  /** Each candidate's first-level region key. */
  regions: (string | undefined)[];
  evidence: Evidence;
  /** A national capital named like a region of its own country is meant as the capital ("Washington"). */
  capitalBonus: Float64Array | undefined;
}

function candidateFacts(list: Candidate[]): CandidateFacts {
  const cands = list.length > MAX_CANDIDATES ? [...list].sort((a, b) => prior(b) - prior(a)).slice(0, MAX_CANDIDATES) : list;
  // filled by push: a packed array like every other (map() may give another elements kind, with its own hidden class)
  const regions: (string | undefined)[] = [];
  for (const c of cands) regions.push(admin1Key(c.entry));
  const regionCcs = new Set(cands.filter((c) => c.entry.level === 1).map((c) => c.entry.countryCode));
  const capitalBonus = regionCcs.size ? Float64Array.from(cands, (c) => (c.entry.feature === 'PPLC' && regionCcs.has(c.entry.countryCode) ? 1.5 : 0)) : undefined;
  return { cands, regions, evidence: evidenceOf(cands, regions), capitalBonus };
}

/**
 * CandidateFacts by candidate list: detection shares one list between all
 * mentions of a name written alike (detect.ts admissibleFor), so each is
 * worked out once per process rather than once per article. Lists are never
 * changed after they are made (narrowed lists are new arrays).
 */
const factsByList = new WeakMap<Candidate[], CandidateFacts>();

function factsOf(list: Candidate[]): CandidateFacts {
  let facts = factsByList.get(list);
  if (!facts) factsByList.set(list, (facts = candidateFacts(list)));
  return facts;
}

/** Mentions of one name in one text, decided together. */
interface Group {
  key: string;
  rep: Detection;
  cands: Candidate[];
  facts: CandidateFacts;
  members: number[];
}

/**
 * The grid of spatialSupport, kept between texts: one slot per 1° × 1° cell
 * (rows and columns one wider on each side, so a neighbour of a cell on the
 * edge is still a slot), holding the first point in the cell, or -1. Points
 * of one text are chained through POINT_NEXT. Only the cells a text filled
 * are set back to -1 after it, so a text costs its own points, not the grid.
 * A Map of arrays per text was a tenth of resolution's time, most of it
 * allocation and hashing. Numbers are kept in typed arrays: a plain array of
 * numbers has one hidden class while every value is a small integer and
 * another once one is not, and code compiled for one was sent back to the
 * interpreter by the other.
 */
const GRID_COLS = 400;
const GRID_OFFSET = GRID_COLS + 1;
const GRID_SIZE = 184 * GRID_COLS;
const gridHead = new Int32Array(GRID_SIZE).fill(-1);
/** Per point of the current text: next point in its cell, its cell, group × CANDIDATE_SLOTS + candidate. Grown on demand. */
let pointNext = new Int32Array(256);
let pointCell = new Int32Array(256);
let pointPacked = new Int32Array(256);
/** Per group of the current text: best weight of a nearby candidate, 0 between uses. */
let bestOfGroup = new Float64Array(64);
/** Spatial support of the current text, candidate ci of group gi at gi × CANDIDATE_SLOTS + ci. */
let supportBuf = new Float64Array(64 * CANDIDATE_SLOTS);
const touchedGroups: number[] = [];

/** Grid slot of a point, or -1 when it lies off the map (never for a valid latitude and longitude). */
function gridSlot(lat: number, lon: number): number {
  const slot = (Math.floor(lat) + 90) * GRID_COLS + (Math.floor(lon) + 180) + GRID_OFFSET;
  return slot >= 0 && slot < GRID_SIZE ? slot : -1;
}

/**
 * Spatial support of every candidate: for each other name, the best weight of
 * one of its candidates lying within 120 km (full within 40 km). Candidates
 * of different names that sit together ("Paris" and "Henry County" in
 * Tennessee) hold each other up even when neither is the most populous.
 * Returns a buffer reused by the next text: candidate ci of group gi at
 * gi × CANDIDATE_SLOTS + ci, or undefined when no name has several candidates
 * (then no support is ever read).
 *
 * This module's per-text work is written as loops over indices, without arrow
 * functions: an arrow made per call is a new closure each time, and the full
 * collections that come every few batches drop the optimised code of closures
 * no longer alive, so it was compiled again and again in a long run.
 */
function spatialSupport(groups: Group[], evidence: Evidence[]): Float64Array | undefined {
  // only names with several candidates read their support: most texts have none, and no grid is needed
  let several = false;
  let points = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const n = groups[gi]!.cands.length;
    if (n >= 2) several = true;
    points += n;
  }
  if (!several) return undefined;
  if (points > pointNext.length) {
    const size = Math.max(points, pointNext.length * 2);
    pointNext = new Int32Array(size);
    pointCell = new Int32Array(size);
    pointPacked = new Int32Array(size);
  }
  if (groups.length > bestOfGroup.length) {
    bestOfGroup = new Float64Array(Math.max(groups.length, bestOfGroup.length * 2));
    supportBuf = new Float64Array(bestOfGroup.length * CANDIDATE_SLOTS);
  }
  // points put in last to first, each at the head of its cell's chain: every chain reads in text order, as the
  // order in which other names are first met decides the order of the sum below (and so its last bits)
  let count = 0;
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const cands = groups[gi]!.cands;
    for (let ci = cands.length - 1; ci >= 0; ci--) {
      const e = cands[ci]!.entry;
      if (e.kind === 'country' || e.level === -1) continue;
      const slot = gridSlot(e.lat, e.lon);
      if (slot < 0) continue;
      pointNext[count] = gridHead[slot]!;
      pointCell[count] = slot;
      pointPacked[count] = gi * CANDIDATE_SLOTS + ci;
      gridHead[slot] = count++;
    }
  }
  const best = bestOfGroup;
  const touched = touchedGroups;
  const support = supportBuf;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    // a name with one candidate has nothing to decide: its support is never read
    if (g.cands.length < 2) continue;
    for (let ci = 0; ci < g.cands.length; ci++) {
      support[gi * CANDIDATE_SLOTS + ci] = 0;
      const e = g.cands[ci]!.entry;
      if (e.kind === 'country' || e.level === -1) continue;
      const slot = gridSlot(e.lat, e.lon);
      if (slot < 0) continue;
      for (let dy = -GRID_COLS; dy <= GRID_COLS; dy += GRID_COLS) {
        for (let dx = -1; dx <= 1; dx++) {
          for (let p = gridHead[slot + dy + dx]!; p >= 0; p = pointNext[p]!) {
            const packed = pointPacked[p]!;
            const gj = Math.floor(packed / CANDIDATE_SLOTS);
            const cj = packed - gj * CANDIDATE_SLOTS;
            const other = groups[gj]!;
            if (gj === gi || other.key === g.key) continue;
            const km = quickKm(e, other.cands[cj]!.entry);
            if (km >= 120) continue;
            const w = evidence[gj]!.weights[cj]! * (km < 40 ? 1 : 0.5);
            if (best[gj] === 0) touched.push(gj);
            if (best[gj]! < w) best[gj] = w;
          }
        }
      }
      let sum = 0;
      for (let t = 0; t < touched.length; t++) {
        const gj = touched[t]!;
        sum += best[gj]!;
        best[gj] = 0;
      }
      touched.length = 0;
      support[gi * CANDIDATE_SLOTS + ci] = sum;
    }
  }
  for (let p = 0; p < count; p++) gridHead[pointCell[p]!] = -1;
  return support;
}

/** Score of candidate ci of group gi in this text: prior, capital bonus, feed country, other names' countries and regions, nearby places. */
function scoreOf(groups: Group[], evidence: Evidence[], spatial: Float64Array | undefined, feedCountry: string | undefined, gi: number, ci: number): number {
  const key = groups[gi]!.key;
  const facts = groups[gi]!.facts;
  const c = facts.cands[ci]!;
  const e = c.entry;
  let s = prior(c) + (facts.capitalBonus?.[ci] ?? 0);
  if (feedCountry && e.countryCode === feedCountry) s += 1.0;
  let cc = 0;
  let ad = 0;
  const a = facts.regions[ci];
  for (let gj = 0; gj < groups.length; gj++) {
    if (groups[gj]!.key === key) continue;
    const ev = evidence[gj]!;
    if (e.countryCode) cc += ev.countries.get(e.countryCode) ?? 0;
    if (a) ad += ev.admin1s.get(a) ?? 0;
  }
  s += 0.7 * Math.min(cc, 5) + 1.2 * Math.min(ad, 4) + 1.0 * Math.min(spatial ? spatial[gi * CANDIDATE_SLOTS + ci]! : 0, 4);
  return s;
}

/** Each group's margin between its best and second candidate, for the text being resolved (one array for all texts). */
let marginBuf = new Float64Array(64);

/** Resolves every detection; returns one entry per detection, in text order. */
export function resolveDetections(dets: Detection[], _gaz: Gazetteer, opts: ResolveOptions): Resolved[] {
  // mentions of the same name share one decision (ten "Paris" are one question); a qualified one is its own
  const groupOf: number[] = [];
  const groups: Group[] = [];
  const byName = new Map<string, number>();
  for (let k = 0; k < dets.length; k++) {
    const d = dets[k]!;
    const name = d.qualifier !== undefined ? `${d.key}#${k}` : `${d.key}|${d.candidates.length}`;
    let g = byName.get(name);
    if (g === undefined) {
      g = groups.length;
      byName.set(name, g);
      const facts = factsOf(d.candidates);
      // a qualified mention ("Paris, Texas") is evidence for the bare ones ("Paris") of the same text
      groups.push({ key: d.qualifier !== undefined ? `${d.key}#${k}` : d.key, rep: d, cands: facts.cands, facts, members: [] });
    }
    groups[g]!.members.push(k);
    groupOf.push(g);
  }
  const evidence: Evidence[] = [];
  for (let gi = 0; gi < groups.length; gi++) evidence.push(groups[gi]!.facts.evidence);
  const spatial = spatialSupport(groups, evidence);
  const feedCountry = opts.feedCountry;
  const picks: GeoEntry[] = [];
  if (marginBuf.length < groups.length) marginBuf = new Float64Array(Math.max(groups.length, marginBuf.length * 2));
  const margins = marginBuf;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    if (g.cands.length === 1) {
      margins[gi] = 10;
      picks.push(g.cands[0]!.entry);
      continue;
    }
    let best = g.cands[0]!;
    let bestS = -Infinity;
    let second = -Infinity;
    for (let ci = 0; ci < g.cands.length; ci++) {
      const sc = scoreOf(groups, evidence, spatial, feedCountry, gi, ci);
      if (sc > bestS) {
        second = bestS;
        bestS = sc;
        best = g.cands[ci]!;
      } else if (sc > second) second = sc;
    }
    margins[gi] = g.cands.length > 1 ? bestS - second : 10;
    picks.push(best.entry);
  }
  const resolved: Resolved[] = [];
  for (let k = 0; k < dets.length; k++) {
    const d = dets[k]!;
    const gi = groupOf[k]!;
    const conf = 1 / (1 + Math.exp(-margins[gi]! * 1.5));
    resolved.push({ detection: d, entry: picks[gi]!, confidence: Math.round(conf * Math.min(1, d.score) * 1000) / 1000 });
  }
  return resolved;
}

/** Equirectangular distance: accurate enough under a few hundred km, and cheap. */
function quickKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return EARTH_KM * Math.sqrt(x * x + y * y);
}

/** The stored form of a resolved mention; `name` is the place's own name in `lang` ("France" for "française"). */
export function toMention(r: Resolved, lang: Lang): PlaceMention {
  const e = r.entry;
  const m: PlaceMention = {
    name: lang === 'fr' && e.nameFr ? e.nameFr : e.name,
    geoId: e.geoId,
    kind: e.kind,
    countryCode: e.countryCode,
    lat: e.lat,
    lon: e.lon,
    confidence: r.confidence,
  };
  if (e.admin1) m.admin1 = e.admin1;
  return m;
}

const EARTH_KM = 6371.0088;

/** Great-circle distance in kilometres. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The country the text is mostly about: weighted votes of its resolved places, headline counting double. */
export function mainCountry(resolved: Resolved[]): string | undefined {
  const votes = new Map<string, number>();
  for (const r of resolved) {
    const cc = r.entry.countryCode;
    if (!cc) continue;
    let w = r.entry.kind === 'country' ? 1.5 : r.entry.kind === 'region' ? 1.2 : 1;
    if (r.detection.inTitle) w *= 2;
    w *= 0.5 + 0.5 * r.confidence;
    votes.set(cc, (votes.get(cc) ?? 0) + w);
  }
  let best: string | undefined;
  let bestW = 0;
  for (const [cc, w] of votes) {
    if (w > bestW) {
      best = cc;
      bestW = w;
    }
  }
  return best;
}
