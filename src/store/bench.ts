/**
 * Store throughput on the SQLite backend (JSON figures): bulk edition saves
 * in batches (one transaction each), article upserts, and the reads the
 * edition stage does. Uses a throwaway file, deleted afterwards.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Article, Edition, EditionItem, Subscriber } from '../model.js';
import { openSqliteStore } from './sqlite.js';
import { activeSubscriber, allConsentsGranted } from '../subscribers/subscriber.js';

export interface StoreBenchOptions {
  editions?: number;
  itemsPerEdition?: number;
  batch?: number;
  articles?: number;
}

export interface StoreBenchResult {
  backend: 'sqlite';
  editions: number;
  itemsPerEdition: number;
  batch: number;
  editionsPerSecond: number;
  editionSaveMs: number;
  articles: number;
  articlesPerSecond: number;
  listArticlesMs: number;
  getEditionMs: number;
  fileBytes: number;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export async function benchStore(opts: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const editions = opts.editions ?? 20_000;
  const itemsPerEdition = opts.itemsPerEdition ?? 12;
  const batch = opts.batch ?? 1000;
  const articles = opts.articles ?? 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-bench-store-'));
  const file = join(dir, 'bench.db');
  const store = openSqliteStore(file);
  try {
    const now = '2026-11-22T06:00:00.000Z';
    const articleAt = (i: number): Article => ({
      id: `a${i}`,
      feedId: `f${i % 300}`,
      guidHash: `g${i}`,
      url: `https://exemple.fr/a/${i}`,
      title: `Article numéro ${i} sur les élections régionales`,
      publishedAt: new Date(Date.parse(now) - i * 60_000).toISOString(),
      fetchedAt: now,
      summary: 'Résumé court de l’article, environ deux cents caractères. '.repeat(3),
      contentHtml: '<p>' + 'Texte de l’article. '.repeat(40) + '</p>',
      text: 'Texte de l’article. '.repeat(40),
      categories: ['Politique'],
      section: 'France',
      simhash: '0123456789abcdef',
      clusterId: `c${i}`,
    });
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < articles; i += batch) {
      await store.upsertArticles(Array.from({ length: Math.min(batch, articles - i) }, (_, j) => articleAt(i + j)));
    }
    const articleMs = ms(t0);

    const subscribers = Math.max(1, editions);
    const sub = (i: number): Subscriber =>
      activeSubscriber(
        { id: `s${String(i).padStart(7, '0')}`, email: `s${i}@exemple.fr`, at: now, source: 'bench' },
        { consents: { ...allConsentsGranted(now, 'bench'), tracking: { granted: false, at: now, source: 'bench' } }, diversity: 0.3 },
      );
    for (let i = 0; i < subscribers; i++) await store.createSubscriber(sub(i));

    const item = (i: number, p: number): EditionItem => ({
      articleId: `a${(i * 7 + p) % articles}`,
      clusterId: `c${p}`,
      title: `Article numéro ${p} sur les élections régionales`,
      url: `https://exemple.fr/a/${p}`,
      source: 'Exemple',
      feedId: `f${p % 300}`,
      summary: 'Résumé court de l’article, environ deux cents caractères. '.repeat(3),
      publishedAt: now,
      topics: ['politique'],
      alsoCoveredBy: [],
      section: 'une',
      position: p,
      score: 0.5,
      scoreParts: { relevance: 0.3, recency: 0.2 },
      reasons: [{ code: 'top-story', text: 'À la une partout' }],
    });
    const editionOf = (i: number): Edition => ({
      id: `e${i}`,
      subscriberId: sub(i).id,
      date: '2026-11-22',
      lang: 'fr',
      personalized: true,
      settingsVersion: 1,
      createdAt: now,
      sections: [{ id: 'une', title: 'À la une', itemIds: Array.from({ length: itemsPerEdition }, (_, p) => `a${p}`) }],
      items: Array.from({ length: itemsPerEdition }, (_, p) => item(i, p)),
      metrics: { intraListDiversity: 0.5, topicEntropy: 1, topicCoverage: 0.4, calibrationKl: 0.1, sources: 5, localShare: 0.2, nationalShare: 0.5, worldShare: 0.3 },
    });
    t0 = process.hrtime.bigint();
    for (let i = 0; i < editions; i += batch) {
      await store.saveEditions(Array.from({ length: Math.min(batch, editions - i) }, (_, j) => editionOf(i + j)));
    }
    const editionMs = ms(t0);

    t0 = process.hrtime.bigint();
    await store.listArticles({ since: new Date(Date.parse(now) - 48 * 3600_000).toISOString(), limit: 20_000 });
    const listMs = ms(t0);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await store.getEdition(sub((i * 37) % editions).id, '2026-11-22');
    const getMs = ms(t0) / 1000;

    return {
      backend: 'sqlite',
      editions,
      itemsPerEdition,
      batch,
      editionsPerSecond: Math.round((editions / editionMs) * 1000),
      editionSaveMs: Math.round(editionMs),
      articles,
      articlesPerSecond: Math.round((articles / articleMs) * 1000),
      listArticlesMs: Math.round(listMs),
      getEditionMs: Number(getMs.toFixed(3)),
      fileBytes: statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
