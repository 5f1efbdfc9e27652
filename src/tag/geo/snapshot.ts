/**
 * On-disk snapshot of the built gazetteer (V8 serialization of flat columns),
 * so a new process loads in a fraction of the build time. The file name
 * carries a hash of the gazetteer's own sources and data-package versions:
 * any change makes a new snapshot; a missing, stale or unreadable one just
 * means building again. Nothing here is committed; the directory is the OS
 * temp dir unless KIOSQUE_GEO_CACHE_DIR says otherwise (KIOSQUE_GEO_CACHE=0
 * turns it off).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { entryAt, type Gazetteer, type GeoEntry, type PlaceKind, type PlaceLevel } from './gazetteer.js';

const KINDS: PlaceKind[] = ['country', 'region', 'city'];
const FORMAT = 5;
/** Separator of joined string columns (one long string deserializes far faster than 100k short ones). */
const SEP = '\u0000';
const join0 = (xs: (string | null | undefined)[]): string => xs.map((x) => x ?? '').join(SEP);
const split0 = (s: string): string[] => (s ? s.split(SEP) : []);

interface Snapshot {
  format: number;
  n: number;
  /** GeoNames id of each entry, or -1 when its geoId is in `otherIds`. */
  geonamesId: Float64Array;
  /** Joined geoIds of the entries that are not GeoNames cities, in entry order. */
  otherIds: string;
  /** Joined names. */
  name: string;
  /** [entry index, French name] where there is one. */
  nameFr: [number, string][];
  /** Dictionary-coded short columns: index into the table (0 = none for admin1/feature). */
  countryTable: string[];
  country: Uint16Array;
  admin1Table: string[];
  admin1: Uint16Array;
  featureTable: string[];
  feature: Uint8Array;
  kind: Uint8Array;
  level: Int8Array;
  lat: Float64Array;
  lon: Float64Array;
  population: Float64Array;
  keys: string;
  values: Int32Array;
  multi: Int32Array;
  prefixes: string;
  lowerStarts: string;
  countries: [string, number][];
  admin1s: [string, number][];
}

/** Codes a column of short strings as indexes into a table of its distinct values (index 0 = undefined). */
function dictionary(values: (string | undefined)[], withNone: boolean): { table: string[]; codes: number[] } {
  const table: string[] = withNone ? [''] : [];
  const index = new Map<string, number>();
  const codes = values.map((v) => {
    if (v === undefined || v === '') {
      if (withNone) return 0;
      v = '';
    }
    let k = index.get(v);
    if (k === undefined) {
      k = table.length;
      table.push(v);
      index.set(v, k);
    }
    return k;
  });
  return { table, codes };
}

export function snapshotEnabled(): boolean {
  return process.env.KIOSQUE_GEO_CACHE !== '0';
}

/** Path of the snapshot for the current sources and package versions. */
export function snapshotPath(packageVersions: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  h.update(`format ${FORMAT}\n`);
  for (const f of ['gazetteer.ts', 'data.ts', 'normalize.ts', 'common-words-en.ts', 'snapshot.ts']) {
    try {
      h.update(readFileSync(join(here, f)));
    } catch {
      h.update(`missing ${f}`);
    }
  }
  for (const v of packageVersions) h.update(v);
  const dir = process.env.KIOSQUE_GEO_CACHE_DIR || join(tmpdir(), 'kiosque-geo');
  return join(dir, `gazetteer-${h.digest('hex').slice(0, 16)}.v8`);
}

export function writeSnapshot(path: string, gaz: Gazetteer): void {
  const n = gaz.size;
  const es: GeoEntry[] = [];
  for (let i = 0; i < n; i++) es.push(entryAt(gaz, i));
  const keys: string[] = [];
  const values = new Int32Array(gaz.byKey.size);
  let k = 0;
  for (const [key, v] of gaz.byKey) {
    keys.push(key);
    values[k++] = v;
  }
  const country = dictionary(es.map((e) => e.countryCode), false);
  const admin1 = dictionary(es.map((e) => e.admin1), true);
  const feature = dictionary(es.map((e) => e.feature), true);
  if (country.table.length > 65535 || admin1.table.length > 65535 || feature.table.length > 255) throw new Error('snapshot: dictionary too large');
  const s: Snapshot = {
    format: FORMAT,
    n,
    geonamesId: Float64Array.from(es.map((e) => (e.geoId.startsWith('geonames:') ? Number(e.geoId.slice(9)) : -1))),
    otherIds: join0(es.filter((e) => !e.geoId.startsWith('geonames:')).map((e) => e.geoId)),
    name: join0(es.map((e) => e.name)),
    nameFr: es.filter((e) => e.nameFr).map((e) => [e.idx, e.nameFr!]),
    countryTable: country.table,
    country: Uint16Array.from(country.codes),
    admin1Table: admin1.table,
    admin1: Uint16Array.from(admin1.codes),
    featureTable: feature.table,
    feature: Uint8Array.from(feature.codes),
    kind: Uint8Array.from(es.map((e) => KINDS.indexOf(e.kind))),
    level: Int8Array.from(es.map((e) => e.level)),
    lat: Float64Array.from(es.map((e) => e.lat)),
    lon: Float64Array.from(es.map((e) => e.lon)),
    population: Float64Array.from(es.map((e) => e.population)),
    keys: join0(keys),
    values,
    multi: gaz.multi,
    prefixes: join0([...gaz.prefixes]),
    lowerStarts: join0([...gaz.lowerStarts]),
    countries: [...gaz.countries].map(([cc, e]) => [cc, e.idx]),
    admin1s: [...gaz.admin1].map(([key, e]) => [key, e.idx]),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, serialize(s));
  renameSync(tmp, path); // atomic: a concurrent reader sees the old file or the whole new one
  // snapshots of older sources are never read again: keep the directory to one (~20 MB)
  for (const f of readdirSync(dirname(path))) {
    const old = join(dirname(path), f);
    if (/^gazetteer-[0-9a-f]{16}\.v8$/.test(f) && old !== path) {
      try {
        unlinkSync(old);
      } catch {
        // another process may have removed it
      }
    }
  }
}

/** Entry with a fixed shape, as the builder makes them. */
class SnapEntry implements GeoEntry {
  constructor(
    public idx: number,
    public geoId: string,
    public name: string,
    public kind: PlaceKind,
    public level: PlaceLevel,
    public countryCode: string,
    public lat: number,
    public lon: number,
    public population: number,
    public nameFr?: string,
    public admin1?: string,
    public feature?: string,
  ) {}
}

export function readSnapshot(path: string): Omit<Gazetteer, 'loadMs' | 'loadPhases'> | undefined {
  let s: Snapshot;
  try {
    s = deserialize(readFileSync(path)) as Snapshot;
  } catch {
    return undefined;
  }
  if (!s || s.format !== FORMAT) return undefined;
  const n = s.n;
  const name = split0(s.name);
  const otherIds = split0(s.otherIds);
  if (name.length !== n) return undefined;
  // geoIds without building entries: GeoNames ids are numbers, the others are listed in order
  const otherAt = new Int32Array(n);
  let other = 0;
  for (let i = 0; i < n; i++) otherAt[i] = s.geonamesId[i]! >= 0 ? -1 : other++;
  if (other !== otherIds.length) return undefined;
  const geoIdAt = (i: number): string => (otherAt[i]! < 0 ? 'geonames:' + s.geonamesId[i]! : otherIds[otherAt[i]!]!);
  const nameFr = new Map(s.nameFr);
  const materialize = (i: number): GeoEntry =>
    new SnapEntry(
      i,
      geoIdAt(i),
      name[i]!,
      KINDS[s.kind[i]!]!,
      s.level[i]! as PlaceLevel,
      s.countryTable[s.country[i]!]!,
      s.lat[i]!,
      s.lon[i]!,
      s.population[i]!,
      nameFr.get(i),
      s.admin1[i] ? s.admin1Table[s.admin1[i]!] : undefined,
      s.feature[i] ? s.featureTable[s.feature[i]!] : undefined,
    );
  const entryCache: (GeoEntry | undefined)[] = new Array(n);
  const at = (i: number): GeoEntry => (entryCache[i] ??= materialize(i));
  const keys = split0(s.keys);
  if (keys.length !== s.values.length) return undefined;
  const byKey = new Map<string, number>();
  for (let k = 0; k < keys.length; k++) byKey.set(keys[k]!, s.values[k]!);
  return {
    size: n,
    entryCache,
    materialize,
    geoIdAt,
    byKey,
    multi: s.multi,
    prefixes: new Set(split0(s.prefixes)),
    countries: new Map(s.countries.map(([cc, i]) => [cc, at(i)])),
    admin1: new Map(s.admin1s.map(([key, i]) => [key, at(i)])),
    lowerStarts: new Set(split0(s.lowerStarts)),
  };
}
