import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { printJson } from './shared.js';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${name} must be a positive whole number, not ${JSON.stringify(v)}`);
    return n;
  };
}

/** Prints a result as JSON (with --json) or as an indented summary. */
function output(result: unknown, json: boolean | undefined): void {
  if (json) printJson(result);
  else console.log(JSON.stringify(result, null, 2));
}

export function registerEvalCommands(program: Command): void {
  const ev = program.command('eval').description('measure tagging and ranking quality on labelled data');

  ev.command('topics')
    .description('train the topic classifier and report accuracy and macro-F1 (train/test files or k-fold)')
    .option('--train <file>', 'training rows (JSONL: id, title, text, label, lang)')
    .option('--test <file>', 'test rows (JSONL)')
    .option('--data <file>', 'one labelled file for stratified k-fold')
    .option('--folds <k>', 'number of folds with --data', int('--folds'), 5)
    .option('--seed <n>', 'random seed for the folds', int('--seed'), 1)
    .option('--json', 'print JSON')
    .action(async (o: { train?: string; test?: string; data?: string; folds: number; seed: number; json?: boolean }) => {
      if (!o.data && !(o.train && o.test)) throw new UserError('give --train and --test, or --data with --folds');
      const { evalTopics } = await import('../../eval/topics.js');
      output(await evalTopics(o), o.json);
    });

  ev.command('geo')
    .description('evaluate place detection and resolution on a corpus with gold spans and coordinates')
    .requiredOption('--corpus <file>', 'JSONL rows: id, text, places[{start,end,name,lat,lon}]')
    .option('--json', 'print JSON')
    .action(async (o: { corpus: string; json?: boolean }) => {
      const { evalGeo } = await import('../../eval/geo.js');
      output(await evalGeo(o), o.json);
    });

  ev.command('rank')
    .description('score MIND-format impressions with the relevance ranking (AUC, MRR, nDCG@5/10)')
    .requiredOption('--behaviors <file>', 'MIND behaviors.tsv')
    .requiredOption('--news <file>', 'MIND news.tsv')
    .option('--warm <file>', 'earlier behaviors replayed first as traffic')
    .option('--json', 'print JSON')
    .action(async (o: { behaviors: string; news: string; warm?: string; json?: boolean }) => {
      const { evalRank } = await import('../../eval/rank.js');
      output(await evalRank(o), o.json);
    });

  ev.command('bubble')
    .description('simulate subscribers over days: relevance-only vs Kiosque diversity (CTR, topic entropy)')
    .requiredOption('--articles <file>', 'labelled articles (JSONL: id, title, text, label, lang)')
    .option('--users <n>', 'simulated subscribers', int('--users'), 200)
    .option('--days <n>', 'simulated days', int('--days'), 30)
    .option('--seed <n>', 'random seed', int('--seed'), 1)
    .option('--json', 'print JSON')
    .action(async (o: { articles: string; users: number; days: number; seed: number; json?: boolean }) => {
      const { evalBubble } = await import('../../eval/bubble.js');
      output(await evalBubble(o), o.json);
    });
}
