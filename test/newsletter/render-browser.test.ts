/**
 * The e-mail as a mail client's renderer shows it: the HTML part of an .eml
 * written by the outbox, opened in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core), on a desktop and a phone, light
 * and dark. Screenshots go to test-artifacts/ (git-ignored).
 * Set KIOSQUE_EML=<file.eml> to render another message (e.g. one from the demo).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { createMailer } from '../../src/mail/mailer.js';
import { buildEditionMessage } from '../../src/newsletter/message.js';
import { editionFor, subscriberFor } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
if (!HAS_BROWSER) console.warn(`newsletter rendering test skipped: ${CHROMIUM} not found (apt-get install chromium)`);
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');

let browser: Browser | undefined;
let html = '';

describe.skipIf(!HAS_BROWSER)('the edition e-mail in a browser engine', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    let file = process.env.KIOSQUE_EML;
    if (!file) {
      const dir = mkdtempSync(join(tmpdir(), 'kiosque-eml-'));
      const mailer = createMailer({ mailFrom: 'Kiosque <edition@news.example>', editionsDir: dir, smtpRatePerSecond: 10 });
      const sub = subscriberFor('s1', { name: 'Élodie', home: { name: 'Rennes', countryCode: 'FR', lat: 48.1, lon: -1.7 } });
      file = (await mailer.send(buildEditionMessage(editionFor(sub), sub, { baseUrl: 'https://news.example', secret: 'x'.repeat(40) }))).file!;
    }
    html = (await simpleParser(readFileSync(file))).html as string;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const [name, viewport, colorScheme] of [
    ['desktop-light', { width: 1024, height: 900 }, 'light'],
    ['phone-light', { width: 375, height: 800 }, 'light'],
    ['phone-dark', { width: 375, height: 800 }, 'dark'],
  ] as const) {
    it(`${name}: opens, stays within the screen, readable`, async () => {
      // Mail clients run no scripts and load no remote content by default.
      const ctx = await browser!.newContext({ viewport, colorScheme, javaScriptEnabled: false, offline: true });
      const page = await ctx.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: `${ARTIFACTS}/newsletter-${name}.png`, fullPage: true });
      await page.screenshot({ path: `${ARTIFACTS}/newsletter-${name}-top.png` });
      // A string, so this file needs no DOM types (the project compiles for Node).
      const m = (await page.evaluate(`(() => {
        const card = document.querySelector('.k-card');
        const title = document.querySelector('.k-h3');
        return {
          scrollWidth: document.documentElement.scrollWidth,
          cardWidth: card.getBoundingClientRect().width,
          titles: document.querySelectorAll('.k-h3').length,
          links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
          cardBg: getComputedStyle(card).backgroundColor,
          titleColor: getComputedStyle(title).color,
        };
      })()`)) as { scrollWidth: number; cardWidth: number; titles: number; links: (string | null)[]; cardBg: string; titleColor: string };
      expect(m.titles).toBeGreaterThan(0);
      expect(m.scrollWidth).toBeLessThanOrEqual(viewport.width);
      expect(m.cardWidth).toBeLessThanOrEqual(Math.min(640, viewport.width));
      expect(m.links.every((h) => !!h && /^https?:\/\//.test(h))).toBe(true);
      const lum = (rgb: string) => {
        const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      // Text stays readable on its background in both schemes.
      expect(Math.abs(lum(m.cardBg) - lum(m.titleColor))).toBeGreaterThan(120);
      if (colorScheme === 'dark') expect(lum(m.cardBg)).toBeLessThan(60);
      else expect(lum(m.cardBg)).toBeGreaterThan(200);
      await ctx.close();
    }, 60_000);
  }
});
