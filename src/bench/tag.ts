/**
 * `kiosque bench tag --input FILE.jsonl`: tags every row (language, keywords,
 * vector, topics, places) through the real TaggingEngine and reports speed and
 * peak memory. Rows need "title" and/or "text"; when they carry a "label" that
 * maps to a taxonomy topic, the classifier is first trained on them (untimed),
 * so topics come from the linear model as in production.
 *
 * Before the clock starts: the gazetteer is loaded, and the tagging code is
 * run over the rows (up to WARM_UP_ROWS, in the timed pass's batches) by a
 * throwaway engine, so the timed pass sees the optimised code a long-running
 * ingest runs after its first minutes. With only 200 rows of warm-up, V8 was
 * still compiling hot functions during the timed pass: about a third of its
 * CPU time went to the compiler threads, a cost an ingest pays once per
 * process. (Ten rounds over the same 200 rows are not enough either: the
 * other rows take branches those never did, and functions were deoptimised
 * and compiled again inside the timed pass.) The timed engine itself is
 * freshly loaded from the kv (its word tables start empty) and results are
 * never reused between documents; the process-wide word memos (stems, which
 * training has filled with every row anyway, and gazetteer name lookups)
 * have seen the rows, as they have seen the day's news in a running ingest.
 * KIOSQUE_BENCH_COLD=1 skips the warm-up and empties the stem memo: the cost
 * of a first batch in a fresh process.
 */
import { readFileSync, existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UserError } from '../util/errors.js';
import { memoryKv, TaggingEngine, type TagInput, type TopicExample } from '../tag/tagger.js';
import { loadTaxonomy } from '../tag/taxonomy.js';
import { clearStemMemo } from '../tag/text.js';

export interface BenchTagResult {
  docs: number;
  seconds: number;
  docsPerSecond: number;
  peakRssMb: number;
  /** CPU time of this process during the timed pass (user + system): less sensitive than wall time to other load on the machine. */
  cpuSeconds: number;
  docsPerCpuSecond: number;
}

/** Most rows tagged by a throwaway engine before timing, to warm the JIT (the whole input when smaller). */
export const WARM_UP_ROWS = 2000;

interface BenchRow {
  input: TagInput;
  label?: string;
}

function readRows(file: string): BenchRow[] {
  if (!existsSync(file)) throw new UserError(`bench tag: input file not found: ${file}`);
  const rows: BenchRow[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new UserError(`${file}:${i + 1}: not valid JSON`);
    }
    if (!o || typeof o !== 'object' || (typeof o.text !== 'string' && typeof o.title !== 'string')) {
      throw new UserError(`${file}:${i + 1}: expected an object with "title" or "text" (strings)`);
    }
    const input: TagInput = {
      id: o.id === undefined ? String(i + 1) : String(o.id),
      title: typeof o.title === 'string' ? o.title : '',
      text: typeof o.text === 'string' ? o.text : '',
    };
    if (typeof o.lang === 'string') input.langHint = o.lang;
    rows.push({ input, ...(typeof o.label === 'string' ? { label: o.label } : {}) });
  }
  if (!rows.length) throw new UserError(`${file}: no rows`);
  return rows;
}

export interface BenchTagOptions {
  input: string;
  batchSize?: number;
  /** false: leave place detection out (to see the text part alone). Default true. */
  places?: boolean;
}

export async function benchTag(opts: BenchTagOptions): Promise<BenchTagResult> {
  const rows = readRows(opts.input);
  const taxonomy = loadTaxonomy();
  const engine = new TaggingEngine(taxonomy);
  // Untimed: teach the classifier from labels that name a topic ("sport", "business" → économie…).
  const examples: TopicExample[] = [];
  for (const r of rows) {
    const topicId = r.label ? taxonomy.topicForSection(r.label) : undefined;
    if (topicId && taxonomy.get(topicId)?.kind === 'subject') examples.push({ ...r.input, topicId, source: 'manual' });
  }
  if (examples.length) {
    engine.learn(examples, { retrain: false });
    engine.retrain();
  }
  // Time a freshly loaded engine, as `kiosque ingest` runs one: state through the kv, memos cold.
  const kv = memoryKv();
  await engine.save(kv);
  const engineOptions = { taxonomy, ...(opts.places === false ? { places: false as const } : {}) };
  const cold = process.env.KIOSQUE_BENCH_COLD === '1';
  const batchSize = opts.batchSize ?? 100;
  if (!cold) {
    // JIT warm-up on a throwaway engine: the timed engine below starts with empty word tables.
    const throwaway = await TaggingEngine.load(kv, engineOptions);
    const warmRows = rows.slice(0, WARM_UP_ROWS);
    for (let i = 0; i < warmRows.length; i += batchSize) throwaway.tag(warmRows.slice(i, i + batchSize).map((r) => r.input), { learn: false });
  }
  const tagger = await TaggingEngine.load(kv, engineOptions);
  if (cold) clearStemMemo();
  // The gazetteer loads once per process (like the engine's state): before the clock starts. The document that
  // loads it is the input's own first row: a French sentence before an English timed pass sent the English-only
  // warm-up's optimised code (per-language lookups, French branches never taken) back to the interpreter, and
  // about a third of the timed pass's CPU went to compiling it all again.
  tagger.tag([rows[0]!.input], { learn: false, updateFrequencies: false });
  // So does the first full collection after it: ~150 ms marking a heap that just grew by the gazetteer and the
  // warm-up's garbage, which fell inside the timed pass. Later collections (the tagging's own) are timed.
  collectGarbage();
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  let docs = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize).map((r) => r.input);
    docs += tagger.tag(batch, { learn: false }).length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return {
    docs,
    seconds: Math.round(seconds * 1000) / 1000,
    docsPerSecond: Math.round(docs / seconds),
    peakRssMb: Math.round(peakRssMb * 10) / 10,
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    docsPerCpuSecond: Math.round(docs / cpuSeconds),
  };
}

/** A full garbage collection now (the bench's own setup garbage), through V8's gc() exposed at run time. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc === 'function') (gc as () => void)();
}
