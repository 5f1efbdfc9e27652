/**
 * Place-extraction benchmark: gazetteer load time and memory, then
 * extractPlaces over every row of a JSONL file ({"title","text","lang"}),
 * reported as JSON. Run: npx tsx src/tag/geo/bench.ts FILE.jsonl
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.js';
import { getGazetteer } from './gazetteer.js';
import { extractPlaces } from './index.js';

export interface BenchGeoResult {
  loadMs: number;
  /** CPU time of the load (less sensitive than wall time to other processes on the machine). */
  loadCpuMs: number;
  heapMb: number;
  rssMb: number;
  docs: number;
  chars: number;
  seconds: number;
  cpuSeconds: number;
  docsPerSecond: number;
  /** Docs per CPU second of this process. */
  docsPerCpuSecond: number;
  msPer1000Chars: number;
  cpuMsPer1000Chars: number;
  placesPerDoc: number;
}

export function benchGeo(opts: { input: string; rounds?: number }): BenchGeoResult {
  if (!existsSync(opts.input)) throw new UserError(`bench geo: input file not found: ${opts.input}`);
  const rows: { title: string; text: string; lang: 'fr' | 'en' }[] = [];
  for (const line of readFileSync(opts.input, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    rows.push({
      title: typeof o.title === 'string' ? o.title : '',
      text: typeof o.text === 'string' ? o.text : '',
      lang: typeof o.lang === 'string' && o.lang.startsWith('fr') ? 'fr' : 'en',
    });
  }
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  getGazetteer();
  const loadMs = performance.now() - t0;
  const loadCpu = process.cpuUsage(c0);
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const rssMb = (process.memoryUsage().rss - rss0) / 1e6;
  // one untimed pass warms the JIT, as a long-running ingest would be
  for (const r of rows.slice(0, 200)) extractPlaces(r.text, { lang: r.lang, title: r.title });
  const rounds = opts.rounds ?? 1;
  let chars = 0;
  let places = 0;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  for (let k = 0; k < rounds; k++) {
    for (const r of rows) {
      chars += r.text.length + r.title.length;
      places += extractPlaces(r.text, { lang: r.lang, title: r.title }).places.length;
    }
  }
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(c1);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const docs = rows.length * rounds;
  const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
  return {
    loadMs: Math.round(loadMs),
    loadCpuMs: Math.round((loadCpu.user + loadCpu.system) / 1000),
    heapMb: Math.round(heapMb),
    rssMb: Math.round(rssMb),
    docs,
    chars,
    seconds: round(seconds),
    cpuSeconds: round(cpuSeconds),
    docsPerSecond: Math.round(docs / seconds),
    docsPerCpuSecond: Math.round(docs / cpuSeconds),
    msPer1000Chars: round((seconds * 1000) / (chars / 1000), 4),
    cpuMsPer1000Chars: round((cpuSeconds * 1000) / (chars / 1000), 4),
    placesPerDoc: round(places / docs, 2),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/src\//, '/src/'))) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx src/tag/geo/bench.ts FILE.jsonl');
    process.exit(2);
  }
  console.log(JSON.stringify(benchGeo({ input: file })));
}
