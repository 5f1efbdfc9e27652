/**
 * Speed checks for the parse stage, as a benchmark function with JSON output
 * (never as timed unit tests): ING-17 snippet payload (< 200 ms), ING-08 entity
 * bomb rejection (< 100 ms), ING-22 deep nesting, a 500-item feed, and optionally
 * a directory of feed files (e.g. ../shared/data/feeds).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFeed } from './parse.js';
import { parseFileToJson } from './parse-file.js';

export interface BenchCase {
  name: string;
  /** Median over the timed runs, after one untimed warm-up run. */
  medianMs: number;
  budgetMs?: number;
  withinBudget?: boolean;
}

export interface BenchParseResult {
  cases: BenchCase[];
  corpus?: { dir: string; files: number; parsed: number; items: number; ms: number };
}

async function timeIt(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn().catch(() => undefined);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn().catch(() => undefined);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10;
}

function lol9(): string {
  let dtd = '<!ENTITY lol "lol">';
  for (let i = 2; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 2 ? '' : i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>`;
}

function bigFeed(items: number): string {
  const body = '<p>Le conseil municipal a approuvé la ligne de tramway. <a href="/suite">Lire</a></p>'.repeat(25);
  const list = Array.from(
    { length: items },
    (_, i) => `<item><title>Article ${i}</title><link>/a/${i}?utm_source=rss</link><guid>g${i}</guid><pubDate>Sat, 21 Nov 2026 18:30:00 +0100</pubDate><description><![CDATA[${body}]]></description></item>`,
  ).join('');
  return `<rss version="2.0"><channel><title>Bench</title>${list}</channel></rss>`;
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

export async function benchParse(opts: { runs?: number; corpusDir?: string } = {}): Promise<BenchParseResult> {
  const runs = opts.runs ?? 5;
  const ing17 = `<rss version="2.0"><channel><title>t</title><item><title>x</title><description>${'&lt;'.repeat(60_000)}</description></item></channel></rss>`;
  const deep = `<rss version="2.0"><channel><title>t</title><item><title>x</title><description><![CDATA[${'<div>'.repeat(10_000)}x${'</div>'.repeat(10_000)}]]></description></item></channel></rss>`;
  const big = bigFeed(500);
  const cases: BenchCase[] = [];
  const add = (name: string, medianMs: number, budgetMs?: number) =>
    cases.push(budgetMs === undefined ? { name, medianMs } : { name, medianMs, budgetMs, withinBudget: medianMs < budgetMs });
  add('ING-17 60,000 &lt; parse+normalize', await timeIt(() => parseFeed(ing17), runs), 200);
  add('ING-08 lol9 rejection', await timeIt(() => parseFeed(lol9()), runs), 100);
  add('ING-22 10,000 nested div', await timeIt(() => parseFeed(deep), runs));
  add(`500-item feed (${Math.round(big.length / 1024)} KB)`, await timeIt(() => parseFeed(big, { baseUrl: 'https://bench.example/' }), Math.min(runs, 3)));
  const result: BenchParseResult = { cases };
  if (opts.corpusDir) {
    const files = [...walk(opts.corpusDir)];
    let parsed = 0;
    let items = 0;
    const t = performance.now();
    for (const f of files) {
      const r = await parseFileToJson(f);
      if (r.ok) {
        parsed++;
        items += r.items.length;
      }
    }
    result.corpus = { dir: opts.corpusDir, files: files.length, parsed, items, ms: Math.round(performance.now() - t) };
  }
  return result;
}
