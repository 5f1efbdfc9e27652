import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalTopics, readLabelledRows, scoreLabels, stratifiedFolds } from '../../src/eval/topics.js';
import { UserError } from '../../src/util/errors.js';
import { HAS_SHARED, NO_SHARED, sharedPath } from '../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosque-evaltopics-'));

function jsonl(name: string, rows: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return file;
}

const SPORT = [
  'Le club a gagné le match de football, deux buts en finale.',
  'The team won the match, the striker scored in the final.',
  'Le joueur a marqué un but, son équipe est championne.',
  'The coach praised players after the championship win.',
  'Victoire de l’équipe en coupe : le match se joue au stade.',
  'Football: goals, players and a cup final at the stadium.',
];
const ECO = [
  'La Bourse recule, les marchés craignent l’inflation.',
  'Shares fell on the stock market as inflation rose.',
  'L’entreprise annonce des bénéfices et un investissement.',
  'The company reported profits and new investment.',
  'Les taux d’intérêt et l’inflation pèsent sur la croissance.',
  'Interest rates and inflation weigh on growth and markets.',
];

function rows(texts: string[], label: string, offset = 0) {
  return texts.map((text, i) => ({ id: `${label}-${i + offset}`, title: '', text, label, lang: /[éèàç’]|\b(le|la|les)\b/i.test(text) ? 'fr' : 'en' }));
}

describe('evalTopics on small hand-written files', () => {
  it('trains on TRAIN and scores TEST', async () => {
    const train = jsonl('train.jsonl', [...rows(SPORT, 'sport'), ...rows(ECO, 'economy')]);
    const test = jsonl('test.jsonl', [
      { id: 't1', title: 'Finale', text: 'Le club a marqué trois buts et gagné le match.', label: 'sport', lang: 'fr' },
      { id: 't2', title: 'Markets', text: 'Stock market shares and inflation: investment falls.', label: 'economy', lang: 'en' },
    ]);
    expect(await evalTopics({ train, test })).toEqual({ accuracy: 1, macroF1: 1, n: 2 });
  });

  it('runs stratified k-fold on one file', async () => {
    const data = jsonl('data.jsonl', [...rows(SPORT, 'sport'), ...rows(ECO, 'economy')]);
    const r = await evalTopics({ data, folds: 3, seed: 1 });
    expect(r.n).toBe(12);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.75);
  });

  it('rejects bad input with one-line UserErrors', async () => {
    const bad = jsonl('bad.jsonl', ['{"id":"1","text":"x","label":"a"}', '{not json']);
    const nolabel = jsonl('nolabel.jsonl', [{ id: '1', text: 'x' }]);
    const notext = jsonl('notext.jsonl', [{ id: '1', label: 'a' }]);
    const empty = jsonl('empty.jsonl', []);
    const cases: [Promise<unknown>, RegExp][] = [
      [evalTopics({ data: join(dir, 'missing.jsonl') }), /not found/],
      [evalTopics({ data: bad }), /bad\.jsonl:2: not valid JSON/],
      [evalTopics({ data: nolabel }), /:1: missing "label"/],
      [evalTopics({ data: notext }), /needs "text" or "title"/],
      [evalTopics({ data: empty }), /no rows/],
      [evalTopics({ train: bad }), /give --train/],
      [evalTopics({ data: bad, train: bad, test: bad }), /either --data/],
      [evalTopics({ data: nolabel, folds: 1 }), /--folds must be/],
    ];
    for (const [p, pattern] of cases) {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).toMatch(pattern);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('reads rows with defaults for id and title', () => {
    const f = jsonl('defaults.jsonl', [{ text: 'hello world', label: 'x' }]);
    expect(readLabelledRows(f)).toEqual([{ id: '1', title: '', text: 'hello world', label: 'x', lang: undefined }]);
  });
});

describe('scoring and folds', () => {
  it('computes accuracy and macro-F1', () => {
    const r = scoreLabels(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    expect(r.accuracy).toBe(0.75);
    // F1(a) = 2/3, F1(b) = 0.8
    expect(r.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });

  it('keeps label proportions in every fold, deterministically', () => {
    const labels = [...Array(10).fill('a'), ...Array(5).fill('b')] as string[];
    const folds = stratifiedFolds(labels, 5, 3);
    for (let f = 0; f < 5; f++) {
      const inFold = labels.filter((_, i) => folds[i] === f);
      expect(inFold.filter((l) => l === 'a').length).toBe(2);
      expect(inFold.filter((l) => l === 'b').length).toBe(1);
    }
    expect(Array.from(stratifiedFolds(labels, 5, 3))).toEqual(Array.from(folds));
  });
});

describe.skipIf(!HAS_SHARED)('accuracy bars on ../shared/data/topics', () => {
  if (!HAS_SHARED) console.warn(NO_SHARED);

  it('BBC 5-fold stratified accuracy >= 0.98', async () => {
    const r = await evalTopics({ data: sharedPath('data/topics/bbc-en.jsonl'), folds: 5, seed: 1 });
    expect(r.n).toBe(2225);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.98);
  }, 120_000);

  it('MasakhaNEWS-fr train -> dev accuracy >= 0.86', async () => {
    const r = await evalTopics({ train: sharedPath('data/topics/masakhane-fr-train.jsonl'), test: sharedPath('data/topics/masakhane-fr-dev.jsonl'), seed: 1 });
    expect(r.n).toBe(211);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.86);
  }, 120_000);
});
