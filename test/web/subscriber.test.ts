import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createWebServer } from '../../src/web/server.js';
import { SUBSCRIBER_COOKIE, sessionToken } from '../../src/web/session.js';
import { localDate } from '../../src/util/time.js';
import { Client, lastLink, makeWorld, type World } from './world.js';

let w: World;
let app: FastifyInstance;

beforeAll(async () => {
  w = await makeWorld();
  app = await createWebServer(w.ctx, { mailer: w.mailer, exportSections: { sends: async (id) => [{ subscriberId: id, date: 'example' }] } });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await w?.cleanup();
});

/** A client signed in as `id` (session cookie made directly). */
function signedIn(id: string, authAgoMs = 0): Client {
  const c = new Client(app);
  const sub = w.subscribers.find((s) => s.id === id)!;
  c.cookies.set(SUBSCRIBER_COOKIE, sessionToken({ secret: w.ctx.config.secret, secure: false, now: () => new Date(Date.now() - authAgoMs) }, 'subscriber', sub));
  return c;
}

async function signUp(c: Client, email: string, extra: Record<string, string | string[]> = {}) {
  await c.get('/signup?lang=fr');
  return c.post('/signup', { email, lang: 'fr', timezone: 'Europe/Paris', editionTime: '07:00', topics: ['sport', 'culture'], personalization: 'on', tracking: 'on', newsletter: 'on', ...extra });
}

describe('sign-up and magic-link sign-in', () => {
  it('records consents with time and source, mails a confirmation link that works once', async () => {
    const c = new Client(app);
    const res = await signUp(c, 'Nouvelle@Exemple.fr', { home: 'Rennes', storyLangs: ['en'] });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Si cette adresse peut recevoir un lien');
    const sub = (await w.ctx.store.getSubscriberByEmail('nouvelle@exemple.fr'))!;
    expect(sub.status).toBe('pending');
    expect(sub.home?.name).toBe('Rennes');
    expect(sub.prefs.followTopics).toEqual(['sport', 'culture']);
    expect(sub.prefs.languages).toEqual(['fr', 'en']);
    expect(sub.consents.personalization).toMatchObject({ granted: true, source: 'web-signup-form' });
    expect(sub.consents.tracking.granted).toBe(true);
    expect(Date.parse(sub.consents.newsletter.at)).toBeGreaterThan(0);

    const link = lastLink(w.mails, 'nouvelle@exemple.fr');
    expect(link).toMatch(/^http:\/\/localhost:3000\/login\//);
    const path = new URL(link).pathname;
    // Opening the link (what a mail scanner does) neither confirms nor uses it up.
    const page = await c.get(path);
    expect(page.statusCode).toBe(200);
    expect((await w.ctx.store.getSubscriber(sub.id))!.status).toBe('pending');
    const token = decodeURIComponent(path.split('/').pop()!);
    const ok = await c.post('/login/confirm', { token });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/edition');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/kq_sub=.*HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect((await w.ctx.store.getSubscriber(sub.id))!.status).toBe('active');
    // Used once: a second use is refused, exactly like a forged token.
    const again = await new Client(app).post('/login/confirm', { token }, { csrf: false });
    expect(again.statusCode).toBe(403); // no CSRF cookie in a fresh client
    const other = new Client(app);
    await other.get(path);
    const reuse = await other.post('/login/confirm', { token });
    const forged = await other.post('/login/confirm', { token: `${token.slice(0, -2)}xx` });
    expect(reuse.statusCode).toBe(404);
    expect(forged.statusCode).toBe(404);
    expect(reuse.body.replace(/value="[^"]+"/g, '')).toBe(forged.body.replace(/value="[^"]+"/g, ''));
    // The new subscriber sees a page (their first edition is not built yet).
    const ed = await c.get('/edition');
    expect(ed.statusCode).toBe(200);
  });

  it('WEB-12: one mail per address per cooldown whatever the source address, same answer for known and unknown', async () => {
    const before = w.mails.length;
    const answers = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const c = new Client(app);
      await c.get('/signup');
      const r = await c.post(
        '/signup',
        { email: 'victim@exemple.fr', lang: 'fr', timezone: 'Europe/Paris', editionTime: '07:00' },
        { remoteAddress: `203.0.113.${i + 1}` },
      );
      expect(r.statusCode).toBe(200);
      answers.add(r.body.replace(/value="[^"]+"/g, ''));
    }
    expect(w.mails.length - before).toBe(1);
    const c = new Client(app);
    await c.get('/login');
    const known = await c.post('/login', { email: 'sub-bob@exemple.fr' }, { remoteAddress: '198.51.100.1' });
    const unknown = await c.post('/login', { email: 'nobody@exemple.fr' }, { remoteAddress: '198.51.100.1' });
    expect(known.body.replace(/value="[^"]+"/g, '')).toBe(unknown.body.replace(/value="[^"]+"/g, ''));
    expect(answers.size).toBe(1);
  });

  it('refuses bad input with a clear message and keeps nothing', async () => {
    const c = new Client(app);
    await c.get('/signup');
    const tz = await c.post('/signup', { email: 'tz@exemple.fr', lang: 'fr', timezone: 'Mars/Olympus', editionTime: '07:00' });
    expect(tz.statusCode).toBe(400);
    expect(tz.body).toContain('unknown time zone');
    const mail = await c.post('/signup', { email: 'not-an-address', lang: 'fr', timezone: 'Europe/Paris', editionTime: '07:00' });
    expect(mail.statusCode).toBe(400);
    const time = await c.post('/signup', { email: 'x@exemple.fr', lang: 'fr', timezone: 'Europe/Paris', editionTime: '25:00' });
    expect(time.statusCode).toBe(400);
    expect(await w.ctx.store.getSubscriberByEmail('tz@exemple.fr')).toBeNull();
  });

  it('STO-01/02/03: operator objects, unknown fields and other content types never reach the store', async () => {
    const c = new Client(app);
    await c.get('/signup');
    const json = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/json', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      payload: JSON.stringify({ email: { $ne: null }, lang: 'fr', _csrf: c.csrf }),
    });
    expect(json.statusCode).toBe(400);
    const bracket = await c.post('/signup', { 'email[$ne]': 'x', lang: 'fr' });
    expect(bracket.statusCode).toBe(400);
    const mass = await c.post('/signup', { email: 'mass@exemple.fr', lang: 'fr', status: 'active', role: 'editor' });
    expect(mass.statusCode).toBe(400);
    const repeated = await c.post('/signup', { email: ['a@exemple.fr', 'b@exemple.fr'], lang: 'fr' });
    expect(repeated.statusCode).toBe(400);
    const text = await app.inject({ method: 'POST', url: '/signup', headers: { 'content-type': 'text/plain' }, payload: 'email=a@exemple.fr' });
    expect(text.statusCode).toBe(415);
    const proto = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"isAdmin":true},"email":"a@b.fr"}' });
    expect(proto.statusCode).toBe(400);
    for (const e of ['mass@exemple.fr', 'a@exemple.fr', 'b@exemple.fr']) expect(await w.ctx.store.getSubscriberByEmail(e)).toBeNull();
  });

  it('suggests places from the gazetteer for the autocomplete', async () => {
    const r = await app.inject({ method: 'GET', url: '/places?q=Lyo&lang=fr' });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)[0]).toMatchObject({ label: expect.stringContaining('Lyon') });
    expect((await app.inject({ method: 'GET', url: '/places?q=Lyo&x=1' })).statusCode).toBe(400);
  });
});

describe('editions', () => {
  it('shows the stored edition: same items, order and reasons, escaped, links through /c/', async () => {
    const c = signedIn('sub-alice');
    const res = await c.get('/edition');
    expect(res.statusCode).toBe(200);
    const sub = w.subscribers[0]!;
    const edition = (await w.ctx.store.getEdition(sub.id, localDate(w.clock.now(), sub.timezone)))!;
    const titles = [...res.body.matchAll(/<h3 class="headline"><a href="(\/c\/[^"]+)"[^>]*>([^<]*)<\/a>/g)];
    const bySection = edition.sections.flatMap((s) => s.itemIds.map((id) => edition.items.find((i) => i.articleId === id)!));
    expect(titles.map((m) => m[2])).toEqual(bySection.map((i) => escape(i.title)));
    for (const it of edition.items) for (const r of it.reasons) expect(res.body).toContain(escape(r.text));
    expect(titles.every((m) => /^\/c\/[\w-]+\.[\w-]+$/.test(m[1]!))).toBe(true);
    expect(res.body).toContain('rel="noopener noreferrer" referrerpolicy="no-referrer"');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('WEB-05: titles and summaries are escaped exactly once', async () => {
    // Put the hostile article in an edition.
    const sub = w.subscribers[1]!;
    const edition = (await w.ctx.store.listEditions({ subscriberId: sub.id, limit: 1 }))[0]!;
    const hostile = (await w.ctx.store.getArticle('art-1'))!;
    const item = { ...edition.items[0]!, articleId: hostile.id, title: hostile.title, summary: hostile.summary, source: '"><svg onload=alert(1)>' };
    const old = edition.items[0]!.articleId;
    // The edition may already show the hostile article further down (editions follow the clock): that copy goes.
    const sections = edition.sections.map((s) => ({ ...s, itemIds: s.itemIds.filter((id) => id !== hostile.id).map((id) => (id === old ? hostile.id : id)) }));
    const rest = edition.items.slice(1).filter((i) => i.articleId !== hostile.id);
    await w.ctx.store.saveEdition({ ...edition, createdAt: new Date().toISOString(), sections, items: [item, ...rest] });
    const res = await signedIn(sub.id).get(`/edition/${edition.date}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/<script>alert|<img src=x|<svg onload/);
    expect(res.body).toContain('Use &amp;lt;script&amp;gt; tags &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('WEB-15: date parameters are checked, nothing else is reachable', async () => {
    const c = signedIn('sub-alice');
    expect((await c.get('/edition/2024-13-45')).statusCode).toBe(400);
    expect((await c.get('/edition/2024-02-30')).statusCode).toBe(404);
    expect((await c.get('/edition/9999-01-01')).statusCode).toBe(404);
    expect([400, 404]).toContain((await c.get('/edition/..%2f..%2fetc')).statusCode);
    expect((await c.get('/edition?tz=Mars/Olympus')).statusCode).toBe(400);
    // Another subscriber's edition is never shown: dates are looked up for the signed-in reader only.
    expect((await new Client(app).get('/edition')).headers.location).toBe('/login');
  });

  it('lists past editions', async () => {
    const res = await signedIn('sub-alice').get('/editions');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/href="\/edition\/\d{4}-\d{2}-\d{2}"/);
  });

  it('more / less like this and mutes change the preferences', async () => {
    const c = signedIn('sub-alice');
    await c.get('/edition');
    const more = await c.post('/feedback', { articleId: 'art-0', action: 'more', anchor: 'a-1' });
    expect(more.statusCode).toBe(303);
    expect(more.headers.location).toBe('/edition?notice=noted#a-1');
    await c.post('/feedback', { articleId: 'art-2', action: 'less' });
    await c.post('/feedback', { articleId: 'art-0', action: 'mute-source', feedId: w.feeds[1]!.id });
    await c.post('/feedback', { articleId: 'art-0', action: 'mute-topic', topic: 'culture' });
    const s = (await w.ctx.store.getSubscriber('sub-alice'))!;
    expect(s.prefs.feedback.map((f) => [f.articleId, f.signal])).toEqual([
      ['art-0', 1],
      ['art-2', -1],
    ]);
    expect(s.prefs.muteSources).toEqual([w.feeds[1]!.id]);
    expect(s.prefs.muteTopics).toEqual(['culture']);
    expect((await c.post('/feedback', { articleId: 'nope', action: 'more' })).statusCode).toBe(400);
    expect((await c.post('/feedback', { articleId: 'art-0', action: 'mute-topic', topic: '{"$ne":1}' })).statusCode).toBe(400);
    expect((await c.post('/feedback', { articleId: 'art-0', action: 'delete-all' })).statusCode).toBe(400);
    // Without a session: 401, without a CSRF token: 403.
    expect((await new Client(app).post('/feedback', { articleId: 'art-0', action: 'more' }, { csrf: false })).statusCode).toBe(403);
    expect((await c.post('/feedback', { articleId: 'art-0', action: 'more' }, { csrf: false })).statusCode).toBe(403);
  });
});

describe('My profile', () => {
  it('shows what Kiosque believes, with the clicks it came from', async () => {
    const res = await signedIn('sub-alice').get('/me');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Rubriques qui vous intéressent');
    expect(res.body).toMatch(/<meter min="0" max="1" value="[\d.]+"><\/meter> \S/);
    expect(res.body).toMatch(/<span class="click-count">6<\/span>/);
  });

  it('saves explicit fields only; consents change with time and source', async () => {
    const c = signedIn('sub-bob');
    await c.get('/me');
    const before = (await w.ctx.store.getSubscriber('sub-bob'))!;
    const ok = await c.post('/me', { lang: 'en', timezone: 'America/New_York', editionTime: '08:30', diversity: '0.8', followTopics: ['sciences'], muteTopics: ['sport'], newsletter: 'on', mutePlaces: ['geonames:2996944', '{"$ne":1}'] });
    expect(ok.statusCode).toBe(303);
    const after = (await w.ctx.store.getSubscriber('sub-bob'))!;
    expect(after).toMatchObject({ timezone: 'America/New_York', editionTime: '08:30', diversity: 0.8 });
    expect(after.prefs.followTopics).toEqual(['sciences']);
    expect(after.prefs.muteTopics).toEqual(['sport']);
    expect(after.prefs.mutePlaces).toEqual(['geonames:2996944']);
    expect((await c.get('/me')).body).toMatch(/name="mutePlaces" value="geonames:2996944" checked> Lyon/);
    expect(after.consents.tracking).toMatchObject({ granted: false, source: 'web-profile' });
    expect(after.consents.newsletter).toEqual(before.consents.newsletter);
    expect(after.prefs.languages).toBeUndefined();
    // Stories in French too, for an English reader; then their own language only again.
    await c.post('/me', { lang: 'en', timezone: 'America/New_York', editionTime: '08:30', storyLangs: ['fr'], followTopics: ['sciences'] });
    const both = (await w.ctx.store.getSubscriber('sub-bob'))!;
    expect(both.prefs.languages).toEqual(['fr', 'en']);
    expect(both.prefs.followTopics).toEqual(['sciences']);
    expect((await c.get('/me')).body).toMatch(/name="storyLangs" value="fr" checked> Français/);
    await c.post('/me', { lang: 'en', timezone: 'America/New_York', editionTime: '08:30', followTopics: ['sciences'] });
    expect((await w.ctx.store.getSubscriber('sub-bob'))!.prefs.languages).toBeUndefined();
    expect((await c.post('/me', { lang: 'en', timezone: 'America/New_York', editionTime: '08:30', storyLangs: ['x'.repeat(40)] })).statusCode).toBe(400);
    expect((await c.post('/me', { lang: 'en', timezone: 'Mars/Olympus', editionTime: '08:30' })).statusCode).toBe(400);
    expect((await c.post('/me', { lang: 'en', timezone: 'Europe/Paris', editionTime: '08:30', email: 'other@exemple.fr' })).statusCode).toBe(400);
    expect((await c.post('/me', { lang: 'en', timezone: 'Europe/Paris', editionTime: '08:30', diversity: '1e309' })).statusCode).toBe(400);
    expect((await w.ctx.store.getSubscriber('sub-bob'))!.email).toBe('sub-bob@exemple.fr');
  });

  it('turning personalization off rebuilds today\'s edition without personalization', async () => {
    const c = signedIn('sub-carol');
    await c.get('/me');
    const r = await c.post('/me/personalization', { enabled: 'off' });
    expect(r.statusCode).toBe(303);
    const sub = (await w.ctx.store.getSubscriber('sub-carol'))!;
    expect(sub.consents.personalization).toMatchObject({ granted: false, source: 'web-profile' });
    const ed = (await w.ctx.store.getEdition(sub.id, localDate(w.clock.now(), sub.timezone)))!;
    expect(ed.personalized).toBe(false);
    const page = await c.get('/edition');
    expect(page.body).toContain('Édition non personnalisée');
  });

  it('STO-09 / STO-10: export everything, then erase; sessions and old links end', async () => {
    const c = signedIn('sub-carol');
    const edition = (await w.ctx.store.listEditions({ subscriberId: 'sub-carol', limit: 1 }))[0]!;
    const { webClickLink } = await import('../../src/edition/build.js');
    const link = webClickLink('', w.ctx.config.secret, edition, edition.items[0]!);
    await c.get('/me');
    const exp = await c.post('/me/export');
    expect(exp.statusCode).toBe(200);
    expect(exp.headers['content-disposition']).toMatch(/attachment/);
    const data = JSON.parse(exp.body);
    expect(data.subscriber.id).toBe('sub-carol');
    expect(data.subscriber.consents.tracking).toMatchObject({ granted: false });
    expect(data.editions.length).toBeGreaterThan(0);
    expect(data.sends).toEqual([{ subscriberId: 'sub-carol', date: 'example' }]);
    expect(JSON.stringify(data)).not.toContain('sub-alice@');

    // An old sign-in needs a fresh link first (re-authentication).
    const stale = signedIn('sub-carol', 2 * 3600_000);
    await stale.get('/me');
    const again = await stale.post('/me/export');
    expect(again.headers.location).toBe('/me?notice=reauth');

    expect((await c.post('/me/erase', { confirmEmail: 'wrong@exemple.fr' })).statusCode).toBe(400);
    const erased = await c.post('/me/erase', { confirmEmail: 'sub-carol@exemple.fr' });
    expect(erased.statusCode).toBe(200);
    expect(String(erased.headers['set-cookie'])).toMatch(/kq_sub=;/);
    expect(await w.ctx.store.getSubscriber('sub-carol')).toBeNull();
    expect(await w.ctx.store.listEditions({ subscriberId: 'sub-carol' })).toEqual([]);
    expect((await c.get('/edition')).headers.location).toBe('/login');
    expect((await app.inject({ method: 'GET', url: link })).statusCode).toBe(404);
    // The address is kept only as a salted hash, so nothing is sent to it again.
    const { suppressionHash } = await import('../../src/newsletter/message.js');
    expect(await w.ctx.store.isSuppressed(suppressionHash(w.ctx.config.secret, 'sub-carol@exemple.fr'))).toBe(true);
    const suppressions = JSON.stringify(await w.ctx.store.getSuppression(suppressionHash(w.ctx.config.secret, 'sub-carol@exemple.fr')));
    expect(suppressions).not.toContain('sub-carol@');
  });
});

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
