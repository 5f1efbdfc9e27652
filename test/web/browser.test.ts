/**
 * End to end in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core): a subscriber signs up, confirms through the mailed link,
 * reads the edition, clicks a story and finds the click counted, turns
 * personalization off, exports and erases; an editor moves a diversity weight,
 * sees the preview change, saves, and the next build uses the new version.
 * Screenshots go to test-artifacts/ (not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWebServer } from '../../src/web/server.js';
import { addEditor, editorLoginLink } from '../../src/cli/commands/editors.js';
import { lastLink, makeWorld, type World } from './world.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
if (!HAS_BROWSER) console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);
const ARTIFACTS = 'test-artifacts';
const READER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

let w: World;
let app: FastifyInstance;
let base: string;
let browser: Browser;

/** Each page fails the test on a CSP violation or a script error. */
async function newPage(ctx: BrowserContext, problems: string[]): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  // Article sites are not on the network here: answer for them.
  await page.route(/^https:\/\/[^/]*\.test\//, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>The article</h1>' }));
  return page;
}

describe.skipIf(!HAS_BROWSER)('in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    w = await makeWorld();
    app = await createWebServer(w.ctx, { mailer: w.mailer });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await w?.cleanup();
  });

  it('a subscriber signs up, reads, clicks, turns personalization off, exports and erases', async () => {
    const problems: string[] = [];
    const ctx = await browser.newContext({ userAgent: READER_UA, acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    const page = await newPage(ctx, problems);

    await page.goto(`${base}/signup?lang=fr`);
    await page.screenshot({ path: `${ARTIFACTS}/signup.png`, fullPage: true });
    await page.fill('input[name=email]', 'lectrice@exemple.fr');
    // The autocomplete offers gazetteer places as you type.
    await page.fill('input[name=home]', 'Lyo');
    await page.waitForSelector('#places option', { state: 'attached', timeout: 10_000 });
    const firstPlace = await page.$eval('#places option', (o) => (o as unknown as { value: string }).value);
    expect(firstPlace).toContain('Lyon');
    await page.fill('input[name=home]', firstPlace);
    await page.check('input[name=topics][value=sport]');
    await page.check('input[name=topics][value=economie]');
    // Consents are opt-in: nothing is ticked in advance.
    expect(await page.isChecked('input[name=personalization]')).toBe(false);
    await page.check('input[name=personalization]');
    await page.check('input[name=tracking]');
    await page.click('form.signup button[type=submit]');
    await page.waitForSelector('text=Ouvrez votre boîte mail');

    const sub = (await w.ctx.store.getSubscriberByEmail('lectrice@exemple.fr'))!;
    expect(sub.home?.name).toBe('Lyon');
    expect(sub.home?.geoId).toBeTruthy();
    const link = lastLink(w.mails, 'lectrice@exemple.fr');
    await page.goto(base + new URL(link).pathname);
    await page.click('#continue');
    await page.waitForURL(`${base}/edition`);
    // Their first edition comes with the next build.
    await w.build([sub.id]);
    // WEB-01/05: a story with hostile markup in its title and summary, shown as text, never run.
    const latest = (await w.ctx.store.listEditions({ subscriberId: sub.id, limit: 1 }))[0]!;
    const hostile = (await w.ctx.store.getArticle('art-1'))!;
    // The edition may already show it (editions follow the real clock here): that copy goes first.
    const built = { ...latest, items: latest.items.filter((it) => it.articleId !== hostile.id), sections: latest.sections.map((s) => ({ ...s, itemIds: s.itemIds.filter((id) => id !== hostile.id) })) };
    const last = built.items.length - 1;
    const swapped = built.items.map((it, i) => (i === last ? { ...it, articleId: hostile.id, title: hostile.title, summary: hostile.summary } : it));
    const sections = built.sections.map((s) => ({ ...s, itemIds: s.itemIds.map((id) => (id === built.items[last]!.articleId ? hostile.id : id)) }));
    await w.ctx.store.saveEdition({ ...built, createdAt: new Date().toISOString(), items: swapped, sections });
    await page.reload();
    expect(await page.locator('h3.headline a', { hasText: '<script>alert(1)</script>' }).count()).toBe(1);
    const headlines = page.locator('h3.headline a');
    expect(await headlines.count()).toBeGreaterThan(3);
    await page.screenshot({ path: `${ARTIFACTS}/edition-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/edition-phone.png`, fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Click a story: the browser lands on the article, and the click is counted.
    const title = (await headlines.first().textContent())!;
    await headlines.first().click();
    await page.waitForURL(/\.test\/article\//);
    expect(await page.textContent('h1')).toBe('The article');
    await page.goBack();
    await page.goto(`${base}/me`);
    expect(await page.textContent('.click-count')).toBe('1');
    expect(await page.textContent('.recent-clicks')).toContain(title.trim());
    await page.screenshot({ path: `${ARTIFACTS}/profile.png`, fullPage: true });

    // "More like this" from the edition.
    await page.goto(`${base}/edition`);
    await page.locator('.story button[value=more]').first().click();
    await page.waitForSelector('.notice');
    expect((await w.ctx.store.getSubscriber(sub.id))!.prefs.feedback).toHaveLength(1);

    // Personalization off: the edition shown is the editors' selection.
    await page.goto(`${base}/me`);
    await page.click('#toggle-personalization');
    await page.waitForURL(/\/edition/);
    expect(await page.textContent('.badge')).toContain('non personnalisée');

    // Export all data, then erase everything.
    await page.goto(`${base}/me`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(data.subscriber.email).toBe('lectrice@exemple.fr');
    expect(data.clicks).toHaveLength(1);
    expect(data.subscriber.consents.personalization.granted).toBe(false);
    await page.fill('input[name=confirmEmail]', 'lectrice@exemple.fr');
    await page.click('#erase');
    await page.waitForSelector('text=Vos données ont été effacées');
    expect(await w.ctx.store.getSubscriber(sub.id)).toBeNull();
    await page.goto(`${base}/edition`);
    expect(page.url()).toBe(`${base}/login`);
    expect(problems).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('an editor moves a diversity weight, sees the preview change, saves, and the next build uses it', async () => {
    const problems: string[] = [];
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await newPage(ctx, problems);
    const { editor } = await addEditor(w.ctx, 'redaction@exemple.fr');
    await page.goto(base + new URL(await editorLoginLink(w.ctx, editor)).pathname);
    await page.click('#continue');
    await page.waitForURL(`${base}/editor`);
    await page.screenshot({ path: `${ARTIFACTS}/editor-dashboard.png`, fullPage: true });

    await page.goto(`${base}/editor/settings`);
    // Moving the slider asks for the preview by itself (editor.js); the Preview button does the same without JS.
    await Promise.all([page.waitForURL(/\/editor\/settings\/preview/), page.locator('#f-mmrLambda').fill('0.1')]);
    await page.waitForSelector('#preview-result');
    expect(await page.textContent('#preview-result')).toContain('mmrLambda: 0.9 → 0.1');
    const changed = Number(await page.textContent('#preview-result .changed'));
    expect(changed).toBeGreaterThanOrEqual(0);
    expect(await page.inputValue('#f-mmrLambda')).toBe('0.1');
    await page.screenshot({ path: `${ARTIFACTS}/editor-preview.png`, fullPage: true });
    await page.fill('input[name=note]', 'browser test');
    await page.click('#save');
    await page.waitForURL(`${base}/editor/versions`);
    expect(await page.textContent('table.versions')).toContain('browser test');
    const saved = (await w.ctx.store.getSettings<{ mmrLambda: number }>())!;
    expect(saved.settings.mmrLambda).toBe(0.1);

    await w.build(['sub-alice']);
    const ed = (await w.ctx.store.listEditions({ subscriberId: 'sub-alice', limit: 1 }))[0]!;
    expect(ed.settingsVersion).toBe(saved.version);
    await page.goto(`${base}/editor/feeds`);
    await page.screenshot({ path: `${ARTIFACTS}/editor-feeds.png`, fullPage: true });
    expect(problems).toEqual([]);
    await ctx.close();
  }, 120_000);
});
