import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { buildConfirmationMessage, buildEditionMessage, editionSubject, unsubscribeUrl } from '../../src/newsletter/message.js';
import { renderEdition } from '../../src/edition/render.js';
import { webClickLink } from '../../src/edition/build.js';
import { verifyToken } from '../../src/util/tokens.js';
import { topicLabel } from '../../src/personalize/labels.js';
import { createMailer, type Mailer } from '../../src/mail/mailer.js';
import { startSmtpSink, type SmtpSink } from '../mail/smtp-sink.js';
import { editionFor, subscriberFor } from './fixtures.js';

const ctx = { baseUrl: 'https://news.example', secret: 's'.repeat(40) };
const sub = subscriberFor('sub-1');
const edition = editionFor(sub);

function headerLines(raw: string): string[] {
  return raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}
const headerCount = (raw: string, name: string) => headerLines(raw).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;
/** Texts of the <h3> titles, in order. */
const titles = (html: string) => [...html.matchAll(/<h3[^>]*>([\s\S]*?)<\/h3>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
const blockquotes = (html: string) => [...html.matchAll(/<blockquote[^>]*>([\s\S]*?)<\/blockquote>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());

let sink: SmtpSink;
let mailer: Mailer;
let raw: string;
beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: 'Kiosque <edition@news.example>', editionsDir: '', smtpRatePerSecond: 100 });
  await mailer.send(buildEditionMessage(edition, sub, ctx));
  raw = sink.messages[0]!.raw;
});
afterAll(async () => {
  await mailer.close();
  await sink.close();
});

describe('edition e-mail (EML-01, EML-05, EML-07)', () => {
  it('is multipart/alternative with a text and an HTML part, one List-Unsubscribe (HTTPS) and one List-Unsubscribe-Post', async () => {
    expect(headerLines(raw).find((l) => /^content-type:/i.test(l))).toMatch(/multipart\/alternative/);
    expect(headerCount(raw, 'List-Unsubscribe')).toBe(1);
    expect(headerCount(raw, 'List-Unsubscribe-Post')).toBe(1);
    expect(headerLines(raw)).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const lu = headerLines(raw).find((l) => l.startsWith('List-Unsubscribe:'))!;
    expect(lu).toBe(`List-Unsubscribe: <${unsubscribeUrl(ctx.baseUrl, ctx.secret, sub)}>`);
    expect(lu).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
    expect(headerCount(raw, 'List-Id')).toBe(1);
    expect(headerCount(raw, 'Message-ID')).toBe(1);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toBeTruthy();
    expect(parsed.html).toBeTruthy();
    // Every line of the raw message within the 998-byte limit.
    expect(Math.max(...raw.split('\r\n').map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(998);
  });

  it('no header or recipient can be injected through a headline, a name or a place', async () => {
    expect(sink.messages[0]!.to).toEqual(['sub-1@exemple.fr']);
    const lines = headerLines(raw).map((l) => l.toLowerCase());
    for (const bad of ['bcc:', 'x-injected:', 'x-evil:']) expect(lines.some((l) => l.startsWith(bad))).toBe(false);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).not.toMatch(/[\r\n]/);
    expect(parsed.subject).toMatch(/^Kiosque · Dimanche 22 novembre — Breaking Bcc: attacker@evil\.test X-Injected: 1/);
  });

  it('has the same items, order and reasons as the web edition, rendered from the same Markdown', async () => {
    // As the build writes the web edition (src/edition/build.ts writeEditionFiles).
    const web = renderEdition(edition, {
      lang: 'fr',
      readerName: sub.name!,
      placeName: sub.home!.name,
      now: new Date(edition.createdAt),
      topicLabel: (id) => topicLabel(id, 'fr'),
      linkFor: (it) => webClickLink(ctx.baseUrl, ctx.secret, edition, it),
      linkForAlso: (it, i) => webClickLink(ctx.baseUrl, ctx.secret, edition, it, it.alsoCoveredBy[i]!.articleId),
    });
    const parsed = await simpleParser(raw);
    const html = parsed.html as string;
    expect(titles(html)).toEqual(titles(web.html));
    expect(titles(html)).toHaveLength(3);
    expect(blockquotes(html)).toEqual(blockquotes(web.html));
    // The Markdown differs only in the click tokens (per message) — the text around them is the same.
    const msg = buildEditionMessage(edition, sub, ctx);
    const strip = (md: string) => md.replace(/\/c\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '/c/T');
    expect(strip(msg.markdown)).toBe(strip(web.markdown));
  });

  it('links only through the click redirect, with a token naming subscriber, article, edition, position and message', async () => {
    const html = (await simpleParser(raw)).html as string;
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    const clicks = hrefs.filter((h) => h.includes('/c/'));
    // a1, its "also covered by", a2 (the redirect, never its javascript: URL), a3
    expect(clicks.length).toBe(4);
    for (const h of hrefs) expect(h).toMatch(/^https:\/\/news\.example\/(c|u)\/|^https:\/\/news\.example\/me$/);
    const payloads = clicks.map((h) => verifyToken<{ s: string; a: string; e: string; p: number; m: string }>(h.split('/c/')[1]!, ctx.secret, 'click'));
    expect(payloads.map((p) => p?.a)).toEqual(['a1', 'a9', 'a2', 'a3']);
    for (const p of payloads) expect(p).toMatchObject({ s: 'sub-1', e: edition.id, m: expect.any(String) });
    expect(html).not.toMatch(/<script|<img|<[^>]*\son\w+=|href="javascript:/i);
    expect(html).toContain('Texte &lt;img src=x onerror=alert(1)&gt;'); // shown as text, escaped
  });

  it('header with date and place, footer with why, profile and unsubscribe; text part without tags', async () => {
    const parsed = await simpleParser(raw);
    const html = parsed.html as string;
    expect(html).toMatch(/dimanche 22 novembre 2026/);
    expect(html).toMatch(/Édition de Rennes X-Evil: 1/);
    expect(html).toMatch(/parce que vous vous êtes abonné·e à l&#39;édition de Kiosque le 1 novembre 2026/);
    expect(html).toContain('href="https://news.example/me"');
    expect(html).toContain(`href="${unsubscribeUrl(ctx.baseUrl, ctx.secret, sub)}"`);
    expect(html).toMatch(/<meta name="color-scheme" content="light dark">/);
    expect(html).toMatch(/prefers-color-scheme:dark/);
    expect(html).toMatch(/style="[^"]*max-width:640px/);
    const text = parsed.text!;
    expect(text).toMatch(/Titre 2 : les électeurs de Rennes votent/);
    expect(text).toMatch(/Se désabonner/);
    expect(text).toContain(unsubscribeUrl(ctx.baseUrl, ctx.secret, sub));
    expect(text).not.toMatch(/<[a-z/][^>]*>/i);
  });

  it('a stable Message-ID per subscriber and date; subjects in the subscriber language; inactivity notice', () => {
    const a = buildEditionMessage(edition, sub, ctx);
    expect(buildEditionMessage(edition, sub, ctx).messageId).toBe(a.messageId);
    expect(a.messageId).toMatch(/^edition\.2026-11-22\.[0-9a-f]{16}@news\.example$/);
    expect(buildEditionMessage(editionFor(sub, '2026-11-23'), sub, ctx).messageId).not.toBe(a.messageId);
    const en = subscriberFor('sub-en', { lang: 'en', name: undefined });
    const enEd = editionFor(en, '2026-11-22', { items: editionFor(en).items.map((it) => ({ ...it, title: it.position === 1 ? 'Storm hits the coast' : it.title })) });
    expect(editionSubject(enEd)).toBe('Kiosque · Sunday 22 November — Storm hits the coast');
    expect(editionSubject(enEd, { weekly: true })).toBe('Kiosque · The week of 22 November — Storm hits the coast');
    const enMsg = buildEditionMessage(enEd, en, ctx);
    expect(enMsg.html).toMatch(/because you subscribed to the Kiosque edition on 1 November 2026/);
    expect(enMsg.html).not.toMatch(/Dear|Cher/);
    const reduced = buildEditionMessage(edition, sub, { ...ctx, reducedCadence: true });
    expect(reduced.text).toMatch(/une fois par semaine/);
    expect(reduced.subject).toMatch(/^Kiosque · La semaine du 22 novembre — /);
  });

  it('the double opt-in message carries a confirmation link and no List-Unsubscribe (EML-09)', async () => {
    const pending = subscriberFor('p-1', { status: 'pending' });
    const msg = buildConfirmationMessage(pending, ctx, new Date('2026-11-22T10:00:00Z'));
    expect(msg.headers).toBeUndefined();
    expect(msg.text).toMatch(/https:\/\/news\.example\/newsletter\/confirm\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    expect(msg.subject).toBe('Confirmez votre abonnement à Kiosque');
    const stream = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const out = await stream.sendMail({ ...msg, from: 'k@news.example' });
    expect(headerCount(String(out.message), 'List-Unsubscribe')).toBe(0);
  });
});
