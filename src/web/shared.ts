/** Helpers the subscriber and editor pages share: taxonomy labels, the build cache, places. */
import type { HomePlace, Lang } from '../model.js';
import type { RecentClick, Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import { currentSettings, prepareFromStore } from '../edition/build.js';
import type { EditorSettings } from '../personalize/settings.js';
import type { PreparedBuild } from '../personalize/plan.js';
import { topicLabel } from '../personalize/labels.js';
import { currentTaxonomy, type Taxonomy } from '../tag/taxonomy.js';

let taxonomyCache: { at: number; store: Store; taxonomy: Taxonomy } | undefined;

/** The taxonomy in force, re-read at most every 30 s (editors may change it). */
export async function taxonomyOf(store: Store, now = Date.now()): Promise<Taxonomy> {
  if (taxonomyCache && taxonomyCache.store === store && now - taxonomyCache.at < 30_000) return taxonomyCache.taxonomy;
  const taxonomy = await currentTaxonomy(store);
  taxonomyCache = { at: now, store, taxonomy };
  return taxonomy;
}

export function forgetTaxonomy(): void {
  taxonomyCache = undefined;
}

export function labelFor(taxonomy: Taxonomy, lang: Lang): (id: string) => string {
  return (id) => taxonomy.get(id)?.labels[lang] ?? topicLabel(id, lang);
}

type Prepared = { prepared: PreparedBuild; clicks: RecentClick[] };
const builds = new Map<string, { at: number; value: Promise<Prepared> }>();

/**
 * What a build shares (candidates, clusters, clicks), for the profile page and
 * the editors' preview: kept 30 s per settings, so moving a slider twice
 * does not reload every candidate.
 */
export async function preparedFor(store: Store, settings: EditorSettings, now: Date, maxAgeMs = 30_000): Promise<Prepared> {
  const key = JSON.stringify(settings);
  const hit = builds.get(key);
  if (hit && now.getTime() - hit.at < maxAgeMs && hit.at <= now.getTime()) return hit.value;
  if (builds.size > 8) builds.clear();
  const value = prepareFromStore(store, settings, now);
  builds.set(key, { at: now.getTime(), value });
  value.catch(() => builds.delete(key));
  return value;
}

export function forgetBuilds(): void {
  builds.clear();
}

export async function currentPrepared(store: Store, now: Date, log?: Logger) {
  const { settings, version } = await currentSettings(store, log);
  return { settings, version, ...(await preparedFor(store, settings, now)) };
}

/**
 * A home place from what the form sent: a gazetteer id (the autocomplete),
 * or the typed text ("Lyon" or a full suggestion label "Lyon, Auvergne-Rhône-Alpes, France").
 */
export async function resolveHomePlace(text: string | undefined, geoId: string | undefined, lang: Lang): Promise<HomePlace | undefined | null> {
  const typed = (text ?? '').trim();
  if (!typed && !geoId) return undefined;
  const geo = await import('../tag/geo/index.js');
  const first = typed.split(',')[0]!.trim();
  const suggestions = first ? geo.suggestPlaces(first, { lang, limit: 20 }) : [];
  const hit =
    (geoId ? suggestions.find((s) => s.geoId === geoId) : undefined) ??
    suggestions.find((s) => s.label.toLowerCase() === typed.toLowerCase()) ??
    suggestions.find((s) => s.name.toLowerCase() === first.toLowerCase()) ??
    suggestions[0];
  if (!hit) return null;
  return { name: hit.name, geoId: hit.geoId, countryCode: hit.countryCode, ...(hit.admin1 ? { admin1: hit.admin1 } : {}), lat: hit.lat, lon: hit.lon };
}

export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A real calendar date (2024-02-30 is not). */
export function isCalendarDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isFinite(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const localDates = new Map<string, string>();

/** localDate, remembered per zone and minute (Intl formatters are slow to build; the edition page asks on every view). */
export function localDateCached(now: Date, timeZone: string, localDate: (at: Date, tz: string) => string): string {
  const key = `${timeZone}|${Math.floor(now.getTime() / 60_000)}`;
  let d = localDates.get(key);
  if (d === undefined) {
    if (localDates.size > 5000) localDates.clear();
    d = localDate(now, timeZone);
    localDates.set(key, d);
  }
  return d;
}

/**
 * Rendered pages kept a short while (the edition page is read far more often
 * than it changes), as UTF-8 bytes cut where each response puts its own CSRF
 * token: serving one is a memory copy, not a template run and a re-encoding.
 */
export class PageCache {
  private readonly m = new Map<string, { at: number; parts: Buffer[] }>();
  constructor(
    private readonly maxEntries = 2000,
    private readonly ttlMs = 60_000,
  ) {}
  get(key: string, now: number): Buffer[] | undefined {
    const e = this.m.get(key);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs || now < e.at) {
      this.m.delete(key);
      return undefined;
    }
    return e.parts;
  }
  set(key: string, html: string, now: number): Buffer[] {
    if (this.m.size >= this.maxEntries) this.m.delete(this.m.keys().next().value as string);
    const parts = html.split(CSRF_PLACEHOLDER).map((p) => Buffer.from(p, 'utf8'));
    this.m.set(key, { at: now, parts });
    return parts;
  }
  clear(): void {
    this.m.clear();
  }
}

/** The page bytes with `token` where the placeholders were. */
export function withToken(parts: Buffer[], token: string): Buffer {
  if (parts.length === 1) return parts[0]!;
  const t = Buffer.from(token, 'utf8');
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i) out.push(t);
    out.push(p);
  });
  return Buffer.concat(out);
}

export const CSRF_PLACEHOLDER = '__KQ_CSRF_TOKEN__';
