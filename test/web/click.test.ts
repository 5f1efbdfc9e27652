import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Edition } from '../../src/model.js';
import { createWebServer } from '../../src/web/server.js';
import { webClickLink } from '../../src/edition/build.js';
import { signToken } from '../../src/util/tokens.js';
import { isScannerRequest } from '../../src/web/click.js';
import { makeWorld, type World } from './world.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' };
let w: World;
let app: FastifyInstance;
let edition: Edition;
const link = (i = 0, articleId?: string) => webClickLink('', w.ctx.config.secret, edition, edition.items[i]!, articleId);
const clicksOf = async (articleId: string) => w.ctx.store.listClicks({ articleId });

beforeAll(async () => {
  w = await makeWorld();
  edition = (await w.ctx.store.listEditions({ subscriberId: 'sub-alice', limit: 1 }))[0]!;
}, 60_000);
beforeEach(async () => {
  // A fresh server per test: its memory of recent clicks starts empty.
  await app?.close();
  app = await createWebServer(w.ctx, { mailer: w.mailer });
});
afterAll(async () => {
  await app?.close();
  await w?.cleanup();
});

describe('GET /c/<token>', () => {
  it('WEB-07: redirects to the stored URL only, whatever the query, and records the click with section and reason', async () => {
    const item = edition.items[0]!;
    const res = await app.inject({ method: 'GET', url: `${link(0)}?url=https://evil.example&u=//evil.example`, headers: UA });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(item.url);
    expect(res.headers['cache-control']).toBe('no-store');
    const clicks = await clicksOf(item.articleId);
    const mine = clicks.filter((c) => c.editionId === edition.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ subscriberId: 'sub-alice', position: item.position, section: item.section, reason: item.reasons[0]!.code });
  });

  it('WEB-07: tampered, unknown and malformed tokens get the same plain 404 without Location', async () => {
    const valid = link(1).slice(3);
    const flipped = valid.slice(0, -3) + (valid.at(-3) === 'A' ? 'B' : 'A') + valid.slice(-2);
    const unknownArticle = signToken({ s: 'sub-alice', a: 'no-such-article', e: edition.id, p: 1 }, w.ctx.config.secret, 'click');
    const otherPurpose = signToken({ s: 'sub-alice', a: edition.items[0]!.articleId }, w.ctx.config.secret, 'unsubscribe');
    const bodies = new Set<string>();
    for (const path of [
      `/c/${flipped}`,
      `/c/${unknownArticle}`,
      `/c/${otherPurpose}`,
      '/c/',
      '/c/..%2f..%2fadmin',
      '/c/%2f%2fevil.example',
      `/c/${valid}%0d%0aSet-Cookie:%20x=1`,
      '/c/' + 'a'.repeat(2000),
    ]) {
      const r = await app.inject({ method: 'GET', url: path, headers: UA });
      expect(r.statusCode, path).toBe(404);
      expect(r.headers.location).toBeUndefined();
      expect(r.headers['set-cookie']).toBeUndefined();
      bodies.add(r.body);
    }
    expect(bodies).toEqual(new Set(['Not found']));
    // Longer than any token: refused by the router, still no redirect.
    const long = await app.inject({ method: 'GET', url: `/c/${'a'.repeat(3000)}`, headers: UA });
    expect(long.statusCode).toBe(414);
    expect(long.headers.location).toBeUndefined();
  });

  it('refuses a stored URL that is not http(s)', async () => {
    const t = signToken({ s: 'sub-alice', a: 'art-5', e: edition.id, p: 1 }, w.ctx.config.secret, 'click');
    expect((await app.inject({ method: 'GET', url: `/c/${t}`, headers: UA })).statusCode).toBe(404);
  });

  it('WEB-08: HEAD, prefetch, scanners and quick repeats are not counted', async () => {
    const id = edition.items[2]!.articleId;
    const url = link(2);
    expect((await app.inject({ method: 'HEAD', url, headers: UA })).statusCode).toBe(302);
    expect((await app.inject({ method: 'GET', url, headers: { ...UA, 'sec-purpose': 'prefetch' } })).statusCode).toBe(302);
    for (const ua of ['Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery) SafeLinks', 'Proofpoint URL Defense', 'Mimecast', 'Barracuda Sentinel', 'curl/8.0', '']) {
      expect((await app.inject({ method: 'GET', url, headers: { 'user-agent': ua } })).statusCode).toBe(302);
    }
    expect((await clicksOf(id)).filter((c) => c.editionId === edition.id)).toHaveLength(0);
    await app.inject({ method: 'GET', url, headers: UA });
    await app.inject({ method: 'GET', url, headers: UA });
    await app.inject({ method: 'GET', url, headers: UA });
    expect((await clicksOf(id)).filter((c) => c.editionId === edition.id)).toHaveLength(1);
    // Later (past the repeat window) it counts again.
    w.clock.advance(30_000);
    await app.inject({ method: 'GET', url, headers: UA });
    expect((await clicksOf(id)).filter((c) => c.editionId === edition.id)).toHaveLength(2);
  });

  it('WEB-08: a burst over many links of one edition (a scanner opening every link) stops counting', async () => {
    const before = (await w.ctx.store.listClicks({ subscriberId: 'sub-alice' })).length;
    for (let i = 3; i < Math.min(edition.items.length, 11); i++) {
      if (!edition.items[i]!.url?.startsWith('http')) continue;
      expect((await app.inject({ method: 'GET', url: link(i), headers: UA })).statusCode).toBe(302);
    }
    const after = (await w.ctx.store.listClicks({ subscriberId: 'sub-alice' })).length;
    expect(after - before).toBeLessThanOrEqual(2);
  });

  it('STO-11: without tracking consent the click is only an anonymous count', async () => {
    const carol = (await w.ctx.store.listEditions({ subscriberId: 'sub-carol', limit: 1 }))[0]!;
    const it0 = carol.items[0]!;
    const r = await app.inject({ method: 'GET', url: webClickLink('', w.ctx.config.secret, carol, it0), headers: UA });
    expect(r.statusCode).toBe(302);
    const clicks = (await w.ctx.store.listClicks({ articleId: it0.articleId })).filter((c) => c.position === it0.position && c.subscriberId === null);
    expect(clicks.length).toBeGreaterThanOrEqual(1);
    expect(clicks[0]!.editionId).toBeUndefined();
    expect(await w.ctx.store.listClicks({ subscriberId: 'sub-carol' })).toEqual([]);
  });

  it('"also covered by" links lead to the other source\'s article', async () => {
    const i = edition.items.findIndex((x) => x.alsoCoveredBy.length);
    if (i < 0) return; // the small world has no duplicates
    const other = edition.items[i]!.alsoCoveredBy[0]!;
    const r = await app.inject({ method: 'GET', url: link(i, other.articleId), headers: UA });
    expect(r.headers.location).toBe((await w.ctx.store.getArticle(other.articleId))!.url);
  });

  it('recognises scanner requests', () => {
    expect(isScannerRequest({ method: 'HEAD', headers: UA })).toBe(true);
    expect(isScannerRequest({ method: 'GET', headers: { ...UA, purpose: 'prefetch' } })).toBe(true);
    expect(isScannerRequest({ method: 'GET', headers: { 'user-agent': 'Googlebot/2.1' } })).toBe(true);
    expect(isScannerRequest({ method: 'GET', headers: UA })).toBe(false);
  });
});
