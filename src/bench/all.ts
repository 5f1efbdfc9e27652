import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared beside the project root (evaluation data; absent on a fresh clone elsewhere). */
const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

type BenchResult = Record<string, unknown> | { skipped: string };

/**
 * `npm run bench`: every benchmark with its default inputs, as one JSON
 * object. A benchmark whose input is missing says so instead of failing.
 */
export async function runAllBenchmarks(): Promise<Record<string, BenchResult>> {
  const out: Record<string, BenchResult> = {};
  const bbc = resolve(SHARED, 'topics/bbc-en.jsonl');
  if (existsSync(bbc)) {
    const { benchTag } = await import('./tag.js');
    out.tag = { input: 'bbc-en.jsonl', ...(await benchTag({ input: bbc })) };
  } else {
    out.tag = { skipped: `input ${bbc} not found` };
  }
  const { benchStore } = await import('../store/bench.js');
  out.store = { ...(await benchStore()) };
  const { benchHttp } = await import('../web/bench.js');
  out.http = { ...(await benchHttp({ duration: 5 })) };
  const { benchSend } = await import('../newsletter/bench.js');
  out.send = { ...(await benchSend()) };
  // 20,000 subscribers keep `npm run bench` to a few minutes; the 100,000 target runs with `kiosque bench editions`.
  const { benchEditions } = await import('./editions.js');
  out.editions = { ...(await benchEditions({ subscribers: 20_000, articles: 2_000 })) };
  return out;
}
