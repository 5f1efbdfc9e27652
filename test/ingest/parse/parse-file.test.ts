import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseFileResultLine, parseFileToJson } from '../../../src/ingest/parse/parse-file.js';
import { stableId } from '../../../src/util/ids.js';

let dir = '';
const path = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosque-parse-'));
  writeFileSync(
    path('good.xml'),
    '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf\u00e9</title><link>https://c.example/</link>' +
      '<item><title>Premier</title><link>https://c.example/1</link><pubDate>Sat, 21 Nov 2026 18:30:00 +0100</pubDate><author>r@c.example (R\u00e9dac)</author><description>&lt;p&gt;Bonjour&lt;/p&gt;</description></item>' +
      '<item><title>Sans lien</title><guid isPermaLink="false">g2</guid></item></channel></rss>',
    'latin1',
  );
  writeFileSync(path('empty.xml'), '');
  writeFileSync(path('binary.bin'), randomBytes(4096));
  writeFileSync(path('png.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), randomBytes(100)]));
  writeFileSync(path('page.html'), '<!DOCTYPE html><html><head><title>Accueil</title></head><body><p>Bienvenue</body></html>');
  writeFileSync(path('huge.xml'), Buffer.alloc(2048, 0x20));
  mkdirSync(path('a-directory'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseFileToJson', () => {
  it('a good feed: documented JSON shape, stable ids, key order', async () => {
    const r = await parseFileToJson(path('good.xml'));
    expect(r).toEqual({
      file: path('good.xml'),
      ok: true,
      feed: { title: 'Café', siteUrl: 'https://c.example/' },
      items: [
        {
          id: stableId('url:https://c.example/1'),
          url: 'https://c.example/1',
          title: 'Premier',
          publishedAt: '2026-11-21T17:30:00.000Z',
          author: 'Rédac',
          summary: 'Bonjour',
          contentHtml: '<p>Bonjour</p>',
          text: 'Bonjour',
        },
        { id: stableId('guid:g2'), title: 'Sans lien', summary: '', contentHtml: '', text: '' },
      ],
    });
    const line = parseFileResultLine(r);
    expect(line).not.toContain('\n');
    expect(line.startsWith(`{"file":${JSON.stringify(path('good.xml'))},"ok":true,"feed":`)).toBe(true);
    expect(line).toContain('{"id":"' + stableId('url:https://c.example/1') + '","url":"https://c.example/1","title":"Premier","publishedAt":');
    expect((await parseFileToJson(path('good.xml'))).ok && JSON.stringify(await parseFileToJson(path('good.xml')))).toBe(line);
  });

  it('never throws: every failure is one clear line', async () => {
    const cases: [string, RegExp][] = [
      ['empty.xml', /^not a feed: the file is empty$/],
      ['binary.bin', /^not a feed/],
      ['png.png', /^not a feed: binary content$/],
      ['page.html', /^not a feed: this (is|looks like) an HTML page/],
      ['missing.xml', /^file not found$/],
      ['a-directory', /^is a directory$/],
    ];
    for (const [name, re] of cases) {
      const r = await parseFileToJson(path(name));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(re);
        expect(r.error).not.toMatch(/\n/);
        expect(r.file).toBe(path(name));
      }
    }
  });

  it('refuses files above the size limit without reading them', async () => {
    const r = await parseFileToJson(path('huge.xml'), { maxBytes: 1024 });
    expect(r).toEqual({ file: path('huge.xml'), ok: false, error: 'file too large: 2048 bytes (limit 1024)' });
  });
});
