/**
 * `kiosque eval topics`: trains the product's topic classifier (same text
 * analysis, same TF-IDF, same linear model as the tagger) on labelled rows
 * and reports accuracy and macro-F1, either TRAIN → TEST or stratified k-fold.
 */
import type { Lang } from '../model.js';
import { UserError } from '../util/errors.js';
import { readJsonlObjects } from '../util/jsonl.js';
import { seededRng } from '../util/random.js';
import { detectLanguage, normalizeLangHint } from '../tag/text.js';
import { featureStems, TfIdfModel, type TermCounts } from '../tag/tfidf.js';
import { LinearTopicModel, type ClassifierOptions } from '../tag/topics.js';
import { documentText } from '../tag/tagger.js';

export interface LabelledRow {
  id: string;
  title: string;
  text: string;
  label: string;
  lang?: string;
}

export interface EvalTopicsOptions {
  train?: string;
  test?: string;
  data?: string;
  folds?: number;
  seed?: number;
  classifier?: ClassifierOptions;
}

export interface EvalTopicsResult {
  accuracy: number;
  macroF1: number;
  n: number;
}

/** Reads `{"id","title","text","label","lang"}` rows; one-line UserError on any bad line. */
export function readLabelledRows(file: string): LabelledRow[] {
  const rows: LabelledRow[] = [];
  for (const { value: o, line, where } of readJsonlObjects(file, 'labelled file')) {
    if (typeof o.label !== 'string' || !o.label) throw new UserError(`${where}: missing "label" (string)`);
    if (typeof o.text !== 'string' && typeof o.title !== 'string') throw new UserError(`${where}: needs "text" or "title" (string)`);
    if (o.text !== undefined && typeof o.text !== 'string') throw new UserError(`${where}: "text" must be a string`);
    if (o.title !== undefined && typeof o.title !== 'string') throw new UserError(`${where}: "title" must be a string`);
    rows.push({
      id: o.id === undefined ? String(line) : String(o.id),
      title: (o.title as string | undefined) ?? '',
      text: (o.text as string | undefined) ?? '',
      label: o.label,
      lang: typeof o.lang === 'string' ? o.lang : undefined,
    });
  }
  if (rows.length === 0) throw new UserError(`${file}: no rows`);
  return rows;
}

interface Prepared {
  lang: Lang;
  stems: string[];
  label: string;
}

function prepare(rows: readonly LabelledRow[]): Prepared[] {
  return rows.map((r) => {
    const text = documentText(r.title, r.text);
    const lang = normalizeLangHint(r.lang) ?? detectLanguage(text);
    return { lang, stems: featureStems(r.title, text, lang), label: r.label };
  });
}

/** Trains on `train` (document frequencies from train only) and returns predicted labels for `test`. */
export function trainAndPredict(train: readonly Prepared[], test: readonly Prepared[], classifier: ClassifierOptions = {}): string[] {
  const tfidf = new TfIdfModel();
  const counts: TermCounts[] = train.map((d) => {
    const tc = tfidf.countTerms(d.stems, true);
    tfidf.addDocument(d.lang, tc);
    return tc;
  });
  const examples = train.map((d, i) => ({ x: tfidf.weigh(d.lang, counts[i]!), label: d.label }));
  const model = LinearTopicModel.train(examples, tfidf.vocabularySize, classifier);
  return test.map((d) => model.predictLabel(tfidf.weigh(d.lang, tfidf.countTerms(d.stems, false))) ?? '');
}

/** Accuracy and macro-F1 (over the labels present in gold or predictions). */
export function scoreLabels(gold: readonly string[], predicted: readonly string[]): { accuracy: number; macroF1: number } {
  const labels = [...new Set([...gold, ...predicted])].filter((l) => l !== '').sort();
  let correct = 0;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i]!;
    const p = predicted[i]!;
    if (g === p) {
      correct++;
      tp.set(g, (tp.get(g) ?? 0) + 1);
    } else {
      fn.set(g, (fn.get(g) ?? 0) + 1);
      if (p) fp.set(p, (fp.get(p) ?? 0) + 1);
    }
  }
  let f1Sum = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const denom = 2 * t + (fp.get(l) ?? 0) + (fn.get(l) ?? 0);
    f1Sum += denom > 0 ? (2 * t) / denom : 0;
  }
  return { accuracy: gold.length ? correct / gold.length : 0, macroF1: labels.length ? f1Sum / labels.length : 0 };
}

/** Stratified fold number for each row: each label's rows shuffled (seeded), then dealt round-robin. */
export function stratifiedFolds(labels: readonly string[], folds: number, seed: number): Int32Array {
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    let list = byLabel.get(l);
    if (!list) byLabel.set(l, (list = []));
    list.push(i);
  });
  const rng = seededRng(seed);
  const fold = new Int32Array(labels.length);
  let offset = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const idx = byLabel.get(label)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    // Continue dealing where the previous label stopped, so fold sizes stay even.
    idx.forEach((row, k) => (fold[row] = (k + offset) % folds));
    offset = (offset + idx.length) % folds;
  }
  return fold;
}

export async function evalTopics(opts: EvalTopicsOptions): Promise<EvalTopicsResult> {
  const seed = opts.seed ?? 42;
  const classifier = { seed, ...(opts.classifier ?? {}) };
  if (opts.data) {
    if (opts.train || opts.test) throw new UserError('eval topics: give either --data (k-fold) or --train and --test, not both');
    const folds = opts.folds ?? 5;
    if (!Number.isInteger(folds) || folds < 2) throw new UserError(`eval topics: --folds must be an integer >= 2 (got ${opts.folds})`);
    const rows = readLabelledRows(opts.data);
    if (rows.length < folds) throw new UserError(`eval topics: ${rows.length} rows cannot make ${folds} folds`);
    const prepared = prepare(rows);
    const fold = stratifiedFolds(
      prepared.map((p) => p.label),
      folds,
      seed,
    );
    const predicted = new Array<string>(rows.length);
    for (let f = 0; f < folds; f++) {
      const trainIdx: number[] = [];
      const testIdx: number[] = [];
      for (let i = 0; i < rows.length; i++) (fold[i] === f ? testIdx : trainIdx).push(i);
      const preds = trainAndPredict(
        trainIdx.map((i) => prepared[i]!),
        testIdx.map((i) => prepared[i]!),
        classifier,
      );
      testIdx.forEach((row, k) => (predicted[row] = preds[k]!));
    }
    const gold = prepared.map((p) => p.label);
    return { ...scoreLabels(gold, predicted), n: rows.length };
  }
  if (!opts.train || !opts.test) throw new UserError('eval topics: give --train TRAIN.jsonl and --test TEST.jsonl, or --data FILE.jsonl --folds K');
  const train = prepare(readLabelledRows(opts.train));
  const test = prepare(readLabelledRows(opts.test));
  const predicted = trainAndPredict(train, test, classifier);
  return { ...scoreLabels(test.map((t) => t.label), predicted), n: test.length };
}
