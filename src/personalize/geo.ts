/**
 * Geography for ranking: distance from home, and local / national / world
 * classes for the geographic mix.
 */
import type { HomePlace, PlaceMention } from '../model.js';

export type GeoClass = 'local' | 'national' | 'world';
export const GEO_CLASSES: readonly GeoClass[] = ['local', 'national', 'world'];

const EARTH_KM = 6371.0088;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance (haversine), in km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a =
    Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function validCoords(p: { lat: number; lon: number }): boolean {
  return Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;
}

export interface LocalMatch {
  /** 1 at home, falling with distance; 0 when nothing is near. */
  score: number;
  /** The place that made the match (for "near you: Lyon"). */
  place?: PlaceMention;
  km?: number;
}

/**
 * How local an article is for a home: cities and regions within the radius
 * score high (1 at 0 km, 0.5 at the radius), the home admin region scores
 * 0.6, a mention of the home country only 0.15 (national, not local).
 */
export function localMatch(places: readonly PlaceMention[], home: HomePlace | undefined, radiusKm: number): LocalMatch {
  if (!home || places.length === 0) return { score: 0 };
  let best: LocalMatch = { score: 0 };
  const homeOk = validCoords(home);
  for (const p of places) {
    const conf = Number.isFinite(p.confidence) ? Math.max(0, Math.min(1, p.confidence)) : 0.5;
    let s = 0;
    let km: number | undefined;
    if (p.kind !== 'country' && homeOk && validCoords(p)) {
      km = haversineKm(home.lat, home.lon, p.lat, p.lon);
      s = 1 / (1 + (km / radiusKm) ** 2);
      if (km > radiusKm * 4) s = 0;
    }
    if (p.kind !== 'country' && home.admin1 && p.admin1 === home.admin1 && p.countryCode === home.countryCode) {
      s = Math.max(s, 0.6);
    }
    if (s === 0 && p.countryCode === home.countryCode) s = 0.15;
    s *= 0.5 + 0.5 * conf;
    if (s > best.score) best = { score: s, place: p, km };
  }
  return best;
}

/** Local when a place is within the radius or in the home region; national in the home country; else world. */
export function geoClass(
  places: readonly PlaceMention[],
  mainCountry: string | undefined,
  home: HomePlace | undefined,
  radiusKm: number,
  defaultCountry: string,
  sourceCountry?: string,
): GeoClass {
  const country = home?.countryCode ?? defaultCountry;
  if (home) {
    const m = localMatch(places, home, radiusKm);
    if (m.score >= 0.3) return 'local';
  }
  if (mainCountry) return mainCountry === country ? 'national' : 'world';
  if (places.length > 0) return places.some((p) => p.countryCode === country) ? 'national' : 'world';
  // No place at all: the publisher's country is the best guess.
  if (sourceCountry) return sourceCountry === country ? 'national' : 'world';
  return 'national';
}
