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
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { Gazetteer, GeoEntry, PlaceKind, PlaceLevel } from './gazetteer.js';

const KINDS: PlaceKind[] = ['country', 'region', 'city'];
const FORMAT = 3;
/** Separator of joined string columns (one long string deserializes far faster than 100k short ones). */
const SEP = '\u0000';
const join0 = (xs: (string | null | undefined)[]): string => xs.map((x) => x ?? '').join(SEP);
const split0 = (s: string): string[] => (s ? s.split(SEP) : []);

interface Snapshot {
  format: number;
  n: number;
  /** Joined string columns. */
  geoId: string;
  name: string;
  nameFr: string;
  countryCode: string;
  admin1: string;
  feature: string;
  keys: string;
  prefixes: string;
  lowerStarts: string;
  kind: Uint8Array;
  level: Int8Array;
  lat: Float64Array;
  lon: Float64Array;
  population: Float64Array;
  offsets: Int32Array;
  packed: Int32Array;
  countries: [string, number][];
  admin1s: [string, number][];
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
  const n = gaz.entries.length;
  const es = gaz.entries;
  const keys: string[] = [];
  const offsets = new Int32Array(gaz.byKey.size + 1);
  const packed: number[] = [];
  let k = 0;
  for (const [key, list] of gaz.byKey) {
    keys.push(key);
    offsets[k++] = packed.length;
    for (const p of list) packed.push(p);
  }
  offsets[k] = packed.length;
  const s: Snapshot = {
    format: FORMAT,
    n,
    geoId: join0(es.map((e) => e.geoId)),
    name: join0(es.map((e) => e.name)),
    nameFr: join0(es.map((e) => e.nameFr)),
    countryCode: join0(es.map((e) => e.countryCode)),
    admin1: join0(es.map((e) => e.admin1)),
    feature: join0(es.map((e) => e.feature)),
    keys: join0(keys),
    prefixes: join0([...gaz.prefixes]),
    lowerStarts: join0([...gaz.lowerStarts]),
    kind: Uint8Array.from(es.map((e) => KINDS.indexOf(e.kind))),
    level: Int8Array.from(es.map((e) => e.level)),
    lat: Float64Array.from(es.map((e) => e.lat)),
    lon: Float64Array.from(es.map((e) => e.lon)),
    population: Float64Array.from(es.map((e) => e.population)),
    offsets,
    packed: Int32Array.from(packed),
    countries: [...gaz.countries].map(([cc, e]) => [cc, e.idx]),
    admin1s: [...gaz.admin1].map(([key, e]) => [key, e.idx]),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, serialize(s));
  renameSync(tmp, path); // atomic: a concurrent reader sees the old file or the whole new one
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
  const geoId = split0(s.geoId);
  const name = split0(s.name);
  const nameFr = split0(s.nameFr);
  const countryCode = split0(s.countryCode);
  const admin1 = split0(s.admin1);
  const feature = split0(s.feature);
  if (geoId.length !== n || name.length !== n) return undefined;
  const entries: GeoEntry[] = new Array(n);
  const byGeoId = new Map<string, GeoEntry>();
  for (let i = 0; i < n; i++) {
    const e = new SnapEntry(
      i,
      geoId[i]!,
      name[i]!,
      KINDS[s.kind[i]!]!,
      s.level[i]! as PlaceLevel,
      countryCode[i]!,
      s.lat[i]!,
      s.lon[i]!,
      s.population[i]!,
      nameFr[i] || undefined,
      admin1[i] || undefined,
      feature[i] || undefined,
    );
    entries[i] = e;
    if (!e.geoId.startsWith('geonames:')) byGeoId.set(e.geoId, e);
  }
  const keys = split0(s.keys);
  const byKey = new Map<string, number[]>();
  for (let k = 0; k < keys.length; k++) {
    const a = s.offsets[k]!;
    const b = s.offsets[k + 1]!;
    byKey.set(keys[k]!, b - a === 1 ? [s.packed[a]!] : Array.from(s.packed.subarray(a, b)));
  }
  return {
    entries,
    byKey,
    prefixes: new Set(split0(s.prefixes)),
    byGeoId,
    countries: new Map(s.countries.map(([cc, i]) => [cc, entries[i]!])),
    admin1: new Map(s.admin1s.map(([key, i]) => [key, entries[i]!])),
    lowerStarts: new Set(split0(s.lowerStarts)),
  };
}
