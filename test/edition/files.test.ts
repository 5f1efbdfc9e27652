import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEditionFiles, webClickLink } from '../../src/edition/build.js';
import { writeFilesAtomic } from '../../src/edition/files.js';
import { renderEdition } from '../../src/edition/render.js';
import { topicLabel } from '../../src/personalize/labels.js';
import type { Edition, Subscriber } from '../../src/model.js';
import { editionFor, subscriberFor } from '../newsletter/fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosque-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deps = () => ({ editionsDir: join(dir, 'editions'), baseUrl: 'https://kiosque.example', secret: 's'.repeat(40) });

function expected(sub: Subscriber, e: Edition) {
  const d = deps();
  return renderEdition(e, {
    lang: e.lang,
    topicLabel: (id) => topicLabel(id, e.lang),
    ...(sub.name ? { readerName: sub.name } : {}),
    ...(sub.home?.name ? { placeName: sub.home.name } : {}),
    now: new Date(e.createdAt),
    linkFor: (it) => webClickLink(d.baseUrl, d.secret, e, it),
    linkForAlso: (it, i) => webClickLink(d.baseUrl, d.secret, e, it, it.alsoCoveredBy[i]!.articleId),
  });
}

describe('writeEditionFiles', () => {
  it('writes the three forms under editions/DATE/, leaves no temp file, and replaces them on a rebuild', async () => {
    const sub = subscriberFor('sub-1');
    const e = editionFor(sub);
    await writeEditionFiles(deps(), sub, e);
    const dateDir = join(dir, 'editions', e.date);
    expect(readdirSync(dateDir).sort()).toEqual(['sub-1.html', 'sub-1.json', 'sub-1.md']);
    const r = expected(sub, e);
    expect(readFileSync(join(dateDir, 'sub-1.json'), 'utf8')).toBe(r.json);
    expect(readFileSync(join(dateDir, 'sub-1.md'), 'utf8')).toBe(r.markdown);
    expect(readFileSync(join(dateDir, 'sub-1.html'), 'utf8')).toBe(r.html);

    const again = { ...e, items: e.items.slice(0, 1), sections: [{ id: 'une', title: 'À la une', itemIds: [e.items[0]!.articleId] }] };
    await writeEditionFiles(deps(), sub, again);
    expect(readdirSync(dateDir).sort()).toEqual(['sub-1.html', 'sub-1.json', 'sub-1.md']);
    expect(readFileSync(join(dateDir, 'sub-1.md'), 'utf8')).toBe(expected(sub, again).markdown);
  });

  it('makes the date directory again when it went away after the first write', async () => {
    const sub = subscriberFor('sub-2', { lang: 'en' });
    const e = editionFor(sub);
    await writeEditionFiles(deps(), sub, e);
    rmSync(join(dir, 'editions'), { recursive: true });
    await writeEditionFiles(deps(), sub, e);
    expect(readdirSync(join(dir, 'editions', e.date)).sort()).toEqual(['sub-2.html', 'sub-2.json', 'sub-2.md']);
  });
});

describe('writeFilesAtomic', () => {
  it('fails with the error and removes its temp file when the final name cannot be replaced', () => {
    const target = join(dir, 'out');
    mkdirSync(join(target, 'x.html'), { recursive: true });
    expect(() => writeFilesAtomic(target, [['x.html', '<p>x</p>']])).toThrow();
    expect(readdirSync(target)).toEqual(['x.html']);
  });
});
