/**
 * GET /c/<signed token>: records a click and sends the reader to the
 * article's own stored URL. The token names a record (subscriber, article,
 * edition, position); the target is looked up server-side and re-checked to
 * be http(s), so no parameter can choose it (WEB-07). Anything wrong is the
 * same plain 404.
 *
 * Not recorded (WEB-08): HEAD, prefetch/prerender, known link scanners and
 * bots, a repeat of the same link within a few seconds, and bursts that open
 * several links of one edition within two seconds (a scanner, not a reader).
 * Without tracking consent the click only counts in aggregate (STO-11).
 * Tokens of an erased subscriber give 404 (STO-10).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Click, Edition } from '../model.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { verifyToken } from '../util/tokens.js';
import { stableId } from '../util/ids.js';

export interface ClickOptions {
  store: Store;
  secret: string;
  clock: Clock;
  /** Requests per minute per client address (generous: many readers share one NAT). */
  ratePerMinute?: number;
  /** Same link again within this time is not counted again. */
  repeatWindowMs?: number;
  /** This many different links of one edition within burstWindowMs is a scanner. */
  burstLinks?: number;
  burstWindowMs?: number;
}

interface ClickPayload extends Record<string, unknown> {
  s: string;
  a: string;
  e?: string;
  p?: number;
}

/** User agents of link scanners, previewers and crawlers (lower case substrings). */
const BOT_UA = /bot\b|bot\/|crawler|spider|slurp|preview|scanner|safelinks|proofpoint|mimecast|barracuda|symantec|forcepoint|trendmicro|sophos|fireeye|ironport|messagelabs|urldefense|headlesschrome|phantomjs|python-requests|python-urllib|curl\/|wget\/|go-http-client|java\/|okhttp|libwww|httpclient|axios\/|node-fetch|undici|facebookexternalhit|whatsapp|skypeuripreview|outlook-ios|microsoft office|ms-office|^$/i;

export function isScannerRequest(req: Pick<FastifyRequest, 'method' | 'headers'>): boolean {
  if (req.method !== 'GET') return true;
  const h = req.headers;
  const purpose = `${h['sec-purpose'] ?? ''} ${h['purpose'] ?? ''} ${h['x-purpose'] ?? ''} ${h['x-moz'] ?? ''}`.toLowerCase();
  if (/prefetch|preview|prerender/.test(purpose)) return true;
  return BOT_UA.test(String(h['user-agent'] ?? ''));
}

/** Small bounded map: oldest entries go first when full. */
class Bounded<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(k: K, v: V): this {
    if (!this.has(k) && this.size >= this.max) this.delete(this.keys().next().value as K);
    return super.set(k, v);
  }
}

export function clickPlugin(opts: ClickOptions): FastifyPluginAsync {
  const repeatMs = opts.repeatWindowMs ?? 10_000;
  const burstLinks = opts.burstLinks ?? 3;
  const burstMs = opts.burstWindowMs ?? 2_000;
  const lastByToken = new Bounded<string, number>(100_000);
  const recentByEdition = new Bounded<string, { at: number; p: number }[]>(20_000);
  const itemInfo = new Bounded<string, Map<number, { section: string; reason?: string }>>(2_000);
  // An article's stored URL, kept a minute: reading the whole article (text, HTML) on every click is the slow part.
  const articleUrls = new Bounded<string, { at: number; id: string; url: string | undefined }>(20_000);

  async function articleUrl(id: string, now: number): Promise<{ id: string; url: string | undefined } | null> {
    const hit = articleUrls.get(id);
    if (hit && now - hit.at < 60_000 && now >= hit.at) return hit;
    const a = await opts.store.getArticle(id);
    if (!a) return null;
    const entry = { at: now, id: a.id, url: a.url };
    articleUrls.set(id, entry);
    return entry;
  }

  async function infoFor(editionId: string | undefined, position: number | undefined) {
    if (!editionId || typeof position !== 'number') return undefined;
    let m = itemInfo.get(editionId);
    if (!m) {
      const e: Edition | null = await opts.store.getEditionById(editionId);
      if (!e) return undefined;
      m = new Map(e.items.map((it) => [it.position, { section: it.section, ...(it.reasons[0] ? { reason: it.reasons[0].code } : {}) }]));
      itemInfo.set(editionId, m);
    }
    return m.get(position);
  }

  /** True when this click looks like a person: not a repeat, not part of a burst. */
  function countable(token: string, p: ClickPayload, now: number): boolean {
    const last = lastByToken.get(token);
    lastByToken.set(token, now);
    if (last !== undefined && now - last < repeatMs) return false;
    if (!p.e) return true;
    const recent = (recentByEdition.get(p.e) ?? []).filter((r) => now - r.at < burstMs);
    recent.push({ at: now, p: p.p ?? -1 });
    recentByEdition.set(p.e, recent);
    return new Set(recent.map((r) => r.p)).size < burstLinks;
  }

  return async (app: FastifyInstance) => {
    app.get<{ Params: { token: string } }>(
      '/c/:token',
      {
        schema: { params: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string' } } } },
        config: { rateLimit: { max: opts.ratePerMinute ?? 600, timeWindow: 60_000 } },
      },
      async (req, reply) => {
        const token = req.params.token;
        const p = verifyToken<ClickPayload>(token, opts.secret, 'click');
        if (!p || typeof p.s !== 'string' || typeof p.a !== 'string') return reply.callNotFound();
        const [subscriber, article] = await Promise.all([opts.store.getSubscriber(p.s), articleUrl(p.a, opts.clock.now().getTime())]);
        if (!subscriber || !article?.url) return reply.callNotFound();
        let target: URL;
        try {
          target = new URL(article.url);
        } catch {
          return reply.callNotFound();
        }
        if (target.protocol !== 'http:' && target.protocol !== 'https:') return reply.callNotFound();

        const now = opts.clock.now();
        if (!isScannerRequest(req) && countable(token, p, now.getTime())) {
          const tracked = subscriber.consents.tracking.granted;
          const info = await infoFor(p.e, p.p);
          const click: Click = {
            // One id per link per time bucket: a retry or a second instance cannot count it twice.
            id: stableId(`click:${token}:${Math.floor(now.getTime() / repeatMs)}`),
            subscriberId: tracked ? subscriber.id : null,
            articleId: article.id,
            ...(tracked && p.e ? { editionId: p.e } : {}),
            ...(typeof p.p === 'number' ? { position: p.p } : {}),
            ...(info ? { section: info.section, ...(info.reason ? { reason: info.reason } : {}) } : {}),
            at: now.toISOString(),
          };
          await opts.store.addClick(click);
          if (tracked && (!subscriber.lastEngagedAt || now.getTime() - Date.parse(subscriber.lastEngagedAt) > 3600_000)) {
            await opts.store.updateSubscriber(subscriber.id, { lastEngagedAt: click.at });
          }
        }
        return reply
          .code(302)
          .header('location', target.toString())
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .send();
      },
    );
  };
}
